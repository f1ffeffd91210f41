"""Cost of the journal as the kernel saw it: read an exec record and reconcile it with the shells'
reports (simulateur.journal.kernel), for a journal of --lines commands.

    .venv/bin/python bench/journal_kernel_bench.py [--lines 10000] [--runs 3]

Each command line is reported by its terminal and ran 1 to 3 programs (a pipeline, `sh -c`, a
script and what it starts), one line in ten ran unreported (after `unset PROMPT_COMMAND`), one in
twenty is a forged report: the worst case of a long attempt. The budget is the check's: one second
for 10,000 lines, record reading included. Prints the first (cold: no parse cached) run and the
median of --runs runs, wall and CPU time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulateur.journal.kernel import Record, reconcile
from simulateur.journal.store import Entry

T0 = 1_700_000_000.0
FORMS = [
    ("ping -c1 10.0.{n}.1", [["ping", "-c1", "10.0.{n}.1"]]),
    ("ps aux | grep cups{n}", [["ps", "aux"], ["grep", "cups{n}"]]),
    ("sh -c 'echo {n} | lp -d Couloir'", [["sh", "-c", "echo {n} | lp -d Couloir"], ["lp", "-d", "Couloir"]]),
    (
        "/root/fix{n}.sh",
        [["/root/fix{n}.sh"], ["cp", "/etc/hosts", "/etc/hosts.{n}"], ["sed", "-i", "s/a/b/", "/etc/hosts"]],
    ),
    ("systemctl restart dnsmasq{n}", [["systemctl", "restart", "dnsmasq{n}"]]),
]


def build(n: int, directory: Path) -> tuple[Path, list[Entry]]:
    records = [
        {"k": "session", "sid": 1, "host": "poste", "tag": "shell:t", "t": T0},
        {"k": "exec", "id": 1, "sid": 1, "t": T0, "pid": 10, "parent": None, "argv": ["bash", "-i"]},
    ]
    entries, rid = [], 1
    for i in range(n):
        line, execs = FORMS[i % len(FORMS)]
        t = T0 + 1 + i * 2.0
        top = None
        for j, argv in enumerate(execs):
            rid += 1
            parent = 1 if j == 0 or line.startswith("ps") else top
            top = rid if j == 0 else top
            records.append(
                {
                    "k": "exec",
                    "id": rid,
                    "sid": 1,
                    "t": t + 0.1 + j * 0.01,
                    "pid": 100 + rid,
                    "parent": parent,
                    "argv": [a.format(n=i) for a in argv],
                }
            )
            records.append({"k": "exit", "id": rid, "t": t + 0.5, "rc": 0})
        if i % 10 != 3:  # one in ten ran unreported
            entries.append(Entry(t=t + 0.6, start=int(t), host="poste", cmd=line.format(n=i), rc=0, session="t"))
        if i % 20 == 7:  # one in twenty: a forged report
            entries.append(Entry(t=t + 0.7, start=int(t), host="poste", cmd=f"cat /etc/forged{i}", rc=0, session="t"))
    path = directory / "exec.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path, entries


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path, entries = build(args.lines, Path(tmp))
        walls, cpus, kept = [], [], 0
        for _ in range(args.runs):
            w0, c0 = time.perf_counter(), time.process_time()
            out = reconcile(entries, Record.read(path))
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
            kept = len(out)
    print(
        f"{args.lines} lignes, {len(entries)} déclarations, {kept} entrées gardées ou ajoutées : "
        f"à froid {walls[0]:.2f} s (horloge), {cpus[0]:.2f} s (CPU) ; "
        f"médiane de {args.runs} {statistics.median(walls):.2f} s, {statistics.median(cpus):.2f} s (CPU)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
