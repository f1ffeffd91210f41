"""Bench of the VM backend (pilote-reseau-manquant): VM host ready time (qemu started → the guest's
agent answers), whole start, check, stop, memory per VM (qemu's RSS), and N VM labs at once.

    .venv/bin/python bench/vm_bench.py [--runs 5] [--parallel 4]

Prints a Markdown table. Lab ids use the prefix of SIMULATEUR_LAB_PREFIX (default "b")."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil

from simulateur.vm import backend
from simulateur.vm.host import as_vm

SCENARIO = "pilote-reseau-manquant"


class Timings:
    def __init__(self) -> None:
        self.vm_ready: list[float] = []
        orig = backend.boot

        def timed(state, topo):  # type: ignore[no-untyped-def]
            t0 = time.monotonic()
            orig(state, topo)
            self.vm_ready.append(time.monotonic() - t0)

        backend.boot = timed  # the VM kind's boot calls it as backend.boot (the module's attribute): timed there


def one(seed: int) -> dict[str, float]:
    from simulateur.session.run import check, start, stop

    t0 = time.monotonic()
    started = start(SCENARIO, seed, variant="liste_noire")
    t1 = time.monotonic()
    lab = started.lab
    vms = [vm for h in lab._hosts.values() if (vm := as_vm(h)) is not None]
    rss = sum(psutil.Process(vm.state.pid1).memory_info().rss for vm in vms if vm.state.pid1)
    t2 = time.monotonic()
    check(lab.id)
    t3 = time.monotonic()
    stop(lab.id)
    t4 = time.monotonic()
    return {"start": t1 - t0, "check": t3 - t2, "stop": t4 - t3, "rss_mib": rss / 2**20}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--parallel", type=int, default=4)
    args = ap.parse_args()
    os.environ.setdefault("SIMULATEUR_LAB_PREFIX", "b")
    timings = Timings()
    rows = [one(seed) for seed in range(1, args.runs + 1)]
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    ready = statistics.median(timings.vm_ready)
    timings.vm_ready.clear()
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        par = list(pool.map(one, range(100, 100 + args.parallel)))
    wall = time.monotonic() - t0
    accel = os.environ.get("SIMULATEUR_VM_ACCEL") or "auto"
    print(f"| mesure ({args.runs} essais, médiane ; accélération {accel}) | valeur |")
    print("|---|---|")
    print(f"| VM prête (qemu lancé → agent de l'invité répond) | {ready:.1f} s |")
    print(f"| démarrage du laboratoire complet (4 hôtes dont 1 VM) | {med['start']:.1f} s |")
    print(f"| check | {med['check']:.2f} s |")
    print(f"| stop | {med['stop']:.2f} s |")
    print(f"| mémoire par VM (RSS de qemu) | {med['rss_mib']:.0f} Mio |")
    print(f"| {args.parallel} laboratoires VM en même temps : durée totale (start+check+stop) | {wall:.1f} s |")
    print(f"| … démarrage le plus lent des {args.parallel} | {max(r['start'] for r in par):.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
