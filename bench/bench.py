"""Benchmark: time to ready, check and teardown of real labs (median of N runs, one process).

    sudo .venv/bin/python bench/bench.py [--runs 5] [--markdown]

Measured: the bare `bureau` topology (hosts, switch, services, DHCP client) and every shipped
scenario (the same plus faults; `check` runs all its probes against the faulty lab). The
machine is described in the output: compare numbers of one run, not across machines.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SIMULATEUR_LAB_PREFIX", "bench")
os.environ.setdefault("SIMULATEUR_DATA", "/tmp/simulateur-bench-data")

from simulateur.lab import nsutil  # noqa: E402
from simulateur.lab.lab import Lab  # noqa: E402
from simulateur.scenario.loader import (  # noqa: E402
    load_catalogue, load_topology, rendered_topology,
)
from simulateur.scenario.params import draw  # noqa: E402
from simulateur.scoring import run_probes  # noqa: E402
from simulateur.session.run import build_scenario_lab  # noqa: E402


def lab_rss_mib(lab: Lab) -> float:
    """Resident memory of every process living in the lab's namespaces."""
    total = 0
    for name in [h.netns for h in lab.state.hosts.values()] + [lab.state.switch_netns]:
        for pid in nsutil.pids_in_netns(name):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except FileNotFoundError:
                pass
    return total / 1024


def measure(build, runs: int) -> dict[str, float]:
    ready, check, solved, stop, rss = [], [], [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        lab, probes = build()
        ready.append(time.perf_counter() - t0)
        rss.append(lab_rss_mib(lab))
        t0 = time.perf_counter()
        probes(lab, False)
        check.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        probes(lab, True)
        solved.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        lab.stop()
        stop.append(time.perf_counter() - t0)
    return {"ready": statistics.median(ready), "check": statistics.median(check),
            "solved": statistics.median(solved),
            "stop": statistics.median(stop), "rss": statistics.median(rss)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench : à lancer en root", file=sys.stderr)
        return 2
    rows = []
    topo, _ = load_topology("bureau")

    def bare():
        values = draw(topo.params, 1)
        return Lab.build(rendered_topology(topo, values), seed=1, params=values), lambda lab, solve: None

    rows.append(("topologie bureau (sans panne)", measure(bare, args.runs)))
    for loaded in load_catalogue().scenarios.values():
        def build(loaded=loaded):
            lab, scenario = build_scenario_lab(loaded, 1)

            def probes(lab, solve):
                if solve:
                    lab.apply(scenario.solution)  # timed with the check: an upper bound
                run_probes(scenario, lab)
            return lab, probes

        rows.append((loaded.scenario.id, measure(build, args.runs)))
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"Machine : {os.cpu_count()} cœurs ({cpu}), noyau {platform.release()}, Python {platform.python_version()}"
          f" — médiane de {args.runs} essais")
    print()
    print("| laboratoire | prêt (s) | check en panne (s) | solution + check (s) | arrêt (s) | mémoire (Mio) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, m in rows:
        print(f"| {name} | {m['ready']:.2f} | {m['check']:.2f} | {m['solved']:.2f} | {m['stop']:.2f} | {m['rss']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
