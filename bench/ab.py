"""Two checkouts of simulateur side by side, in one run: what a change costs, measured as ratios.

    sudo .venv/bin/python bench/ab.py OLD_CHECKOUT NEW_CHECKOUT [--runs 5] [--only SCENARIO,…]

For each scenario (all shipped ones by default), the rounds alternate old, new, old, new… — each
round a fresh process of that checkout (`ab.py --one`) that builds the scenario's lab, runs its
probes on the faulted lab (« check ») and stops it — so both sides meet the same moments of a
noisy machine. Prints, per scenario, the medians of ready / check / stop for each side and the
ratio new ÷ old, then the median of the ratios over the scenarios. The machine's load is what it
is: compare ratios of one run, never absolute times between runs.

--one SCENARIO (internal) runs one round with the simulateur found on sys.path (the checkout given
by PYTHONPATH) and prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SEED = 1


def one(scenario_id: str) -> None:
    from simulateur.scenario.loader import find_scenario
    from simulateur.scoring import run_probes
    from simulateur.session.run import build_scenario_lab

    loaded = find_scenario(scenario_id)
    t0 = time.perf_counter()
    lab, scenario = build_scenario_lab(loaded, SEED, lambda _: None)
    t1 = time.perf_counter()
    try:
        run_probes(scenario, lab)
        t2 = time.perf_counter()
    finally:
        lab.stop()
    t3 = time.perf_counter()
    print(json.dumps({"ready": t1 - t0, "check": t2 - t1, "stop": t3 - t2}))


def round_of(checkout: Path, scenario: str, prefix: str) -> dict[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "SIMULATEUR_LAB_PREFIX": prefix,
        "SIMULATEUR_DATA": os.environ.get("SIMULATEUR_DATA", "/tmp/simulateur-ab-data"),
        "SIMULATEUR_SHIPPED_SCENARIOS": str(checkout / "scenarios"),
    }
    out = subprocess.run(
        [sys.executable, __file__, "--one", scenario],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=checkout,
    )
    if out.returncode != 0:
        raise SystemExit(f"{checkout} {scenario} : {out.stderr.strip().splitlines()[-1:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("old", nargs="?")
    ap.add_argument("new", nargs="?")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--one", default=None)
    args = ap.parse_args()
    if args.one:
        one(args.one)
        return
    old, new = Path(args.old).resolve(), Path(args.new).resolve()
    scenarios = args.only.split(",") if args.only else sorted(p.stem for p in (new / "scenarios").glob("*.yaml"))
    print(f"charge au départ {os.getloadavg()[0]:.1f} ; {args.runs} essais alternés par côté ; médianes")
    print("| scénario | prêt avant | prêt après | ÷ | check avant | check après | ÷ | arrêt avant | arrêt après | ÷ |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios: dict[str, list[float]] = {"ready": [], "check": [], "stop": []}
    for scenario in scenarios:
        cols: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
        round_of(old, scenario, "abo")  # warm-up, both sides (caches: Samba templates, seccomp…)
        round_of(new, scenario, "abn")
        for _ in range(args.runs):
            for side, checkout, prefix in (("old", old, "abo"), ("new", new, "abn")):
                for key, value in round_of(checkout, scenario, prefix).items():
                    cols[side].setdefault(key, []).append(value)
        med = {side: {k: statistics.median(v) for k, v in c.items()} for side, c in cols.items()}
        cells = []
        for key in ("ready", "check", "stop"):
            a, b = med["old"][key], med["new"][key]
            ratio = b / a if a > 0.005 else 1.0
            ratios[key].append(ratio)
            cells += [f"{a:.2f}", f"{b:.2f}", f"{ratio:.2f}"]
        print(f"| {scenario} | " + " | ".join(cells) + " |", flush=True)
    names = {"ready": "prêt", "check": "check", "stop": "arrêt"}
    print(
        "\nMédiane des rapports après ÷ avant : "
        + ", ".join(f"{names[k]} {statistics.median(v):.2f}" for k, v in ratios.items())
    )


if __name__ == "__main__":
    main()
