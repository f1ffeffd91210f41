"""The store's cost: recording an attempt and reading the progression, as the app does them.

    .venv/bin/python bench/store_bench.py [--attempts 200] [--before /path/to/older/checkout]

Three stores side by side in one run (compare them as ratios: the machine is shared):
- « avant » (with --before): the checkout given, sqlite3 used directly and the attempt's facts also
  written as JSON files in its directory (attempt.json, qualification.json, escalation.json,
  result.json), as simulateur did before simulateur/store;
- « SQLite »: this checkout's store, the default;
- « PostgreSQL »: this checkout's store on a throwaway local cluster (Debian's postgresql, Unix
  socket; root runs it as user postgres), as a centre would use it (over a LAN add the round trips).

Recording = what the app writes for one attempt: created, taken over by the app, qualified,
escalated, three fields of the fiche, submitted with a result of 12 criteria. Reading = the
progression screen: every attempt listed, the history per competence, the best score per scenario.
Prints a Markdown table (median per attempt / per reading, in ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKER = r"""
import json, os, sys, time
from pathlib import Path
n, url = int(sys.argv[1]), sys.argv[2]
from simulateur.scenario.loader import find_scenario
from simulateur.scoring import CheckResult, CriterionResult, Score
from simulateur.session.attempt import Attempt
from simulateur.session import store as st
from simulateur import referentiel
scenario = find_scenario("dhcp-serveur-arrete").scenario
new = hasattr(st.Store, "save_result")
store = st.Store(url=url) if new and url != "-" else st.Store()
crits = []
for cid, (crit, comp, *_rest) in list(referentiel.all_criteria().items())[:12]:
    crits.append(CriterionResult(id=cid, label=crit.label, competence=comp.id, competence_label=comp.label,
                                 verdict="acquis", evidence=["✓ preuve"]))
record, read = [], []
for i in range(n):
    t0 = time.perf_counter()
    a = Attempt.create(f"b{i}", scenario if new else scenario.id, i, "Alice")
    info = a.info
    store.begin(attempt_id=info.id, scenario=scenario, seed=i, mode="entrainement", lab=f"b{i}",
                attempt_dir=a.dir, started=info.started, candidate="Alice")
    a.qualify("moyen", "haute")
    if not new:
        store.save_qualification(info.id, "moyen", "haute")
    esc = a.escalate("niveau2", "droits", "ping")
    if not new:
        store.save_escalation(info.id, st.Escalation(to=esc.to, reason=esc.reason, done=esc.done, t=esc.t))
    for f in ("symptome", "cause", "solution"):
        store.save_fiche(info.id, f, "texte " * 20)
    result = CheckResult(lab=f"b{i}", scenario=scenario.id, seed=i, t=time.time(), criteria=crits, probes=[],
                         score=Score(acquis=12, evalues=12, jury=0))
    if not new:
        a.save_result(result.model_dump_json(indent=2))
        store.submit(info.id, result, qualification=("moyen", "haute"))
    else:
        store.submit(info.id, result)
    record.append(time.perf_counter() - t0)
for _ in range(10):
    t0 = time.perf_counter()
    recs = store.attempts()
    store.competence_history(recs)
    store.best_scores()
    read.append(time.perf_counter() - t0)
    assert len(recs) == n
print(json.dumps({"record": record, "read": read}))
"""


def run(pythonpath: Path, url: str, n: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="simulateur-bench-") as data:
        env = dict(os.environ, PYTHONPATH=str(pythonpath), SIMULATEUR_DATA=data)
        env.pop("SIMULATEUR_STORE", None)
        out = subprocess.run(
            [sys.executable, "-c", WORKER, str(n), url],
            env=env,
            cwd=pythonpath,
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--attempts", type=int, default=200)
    ap.add_argument("--before", type=Path, default=None, help="a checkout of simulateur before simulateur/store")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from pgcluster import Cluster

    rows = []
    if args.before:
        rows.append(("avant (sqlite3 + fichiers JSON)", run(args.before, "-", args.attempts)))
    rows.append(("SQLite (simulateur/store)", run(ROOT, "-", args.attempts)))
    cluster = Cluster().start()
    try:
        rows.append(("PostgreSQL 15 local (simulateur/store)", run(ROOT, cluster.new_database(), args.attempts)))
    finally:
        cluster.stop()
    base = statistics.median(rows[0][1]["record"]), statistics.median(rows[0][1]["read"])
    print(f"{args.attempts} tentatives, {time.strftime('%d/%m/%Y')}, {os.cpu_count()} cœurs\n")
    print("| magasin | enregistrer une tentative (ms) | × | lire la progression (ms) | × |")
    print("|---|---:|---:|---:|---:|")
    for name, r in rows:
        rec, rd = statistics.median(r["record"]), statistics.median(r["read"])
        print(f"| {name} | {rec * 1000:.1f} | {rec / base[0]:.2f} | {rd * 1000:.1f} | {rd / base[1]:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
