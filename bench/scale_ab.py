"""Two checkouts of simulateur side by side on the scale part of the benchmark (N labs started at
once by N `simulateur start`, then N `simulateur stop`, as scale_bench.py), in one run: ratios only.

    sudo .venv/bin/python bench/scale_ab.py OLD_CHECKOUT NEW_CHECKOUT [--labs 16] [--runs 3]
                                            [--scenario ip-mauvais-masque]

Rounds alternate old, new, new, old… (ABBA) so that both sides meet the same moments of a shared
machine; one warm-up round of one lab per side first (each checkout's own bytecode, caches).
Each side runs with PYTHONPATH and the working directory at its checkout (`python -m simulateur`
puts the working directory first on sys.path), its own lab prefix and data directory.

Two readings per round: wall time (« tous prêts », « arrêt de tous ») and CPU time — the CPU
consumed by everything the starts (then the stops) ran: the CLI processes, the hosts' PID 1s,
services, DHCP clients…, read from a cgroup v1 `cpuacct` group of this benchmark's own
(/sys/fs/cgroup/cpuacct/simulateur-bench-<pid>, removed at the end) that the CLI processes are
started in and that everything they start inherits (labs move their processes into their own
memory/pids groups, never cpuacct). With N labs on 2 cores the wall time is about that CPU ÷ 2:
the CPU is the reading that other work on the machine barely moves. Without a cpuacct hierarchy,
only the wall times are given.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CPUACCT = Path("/sys/fs/cgroup/cpuacct")


@dataclass
class Round:
    ready: float  # s, wall: all N started
    stop: float  # s, wall: all N stopped
    cpu_ready: float | None  # s of CPU, everything the starts ran
    cpu_stop: float | None  # s of CPU during the stops
    failures: int
    errors: list[str]


class CpuGroup:
    """A cpuacct group of this process's own; None readings where cgroup v1 cpuacct is absent."""

    def __init__(self) -> None:
        self.path: Path | None = None
        if (CPUACCT / "cpuacct.usage").exists():
            path = CPUACCT / f"simulateur-bench-{os.getpid()}"
            try:
                path.mkdir(exist_ok=True)
                self.path = path
            except OSError:
                self.path = None

    def join(self) -> None:  # in a child, before exec: itself and all it starts
        if self.path is not None:
            (self.path / "cgroup.procs").write_text("0")

    def usage(self) -> float | None:
        if self.path is None:
            return None
        return int((self.path / "cpuacct.usage").read_text()) / 1e9

    def remove(self) -> None:
        if self.path is None:
            return
        procs = self.path / "cgroup.procs"
        for pid in procs.read_text().split():  # none are left once every lab is stopped
            try:
                (CPUACCT / "cgroup.procs").write_text(pid)
            except OSError:
                pass
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def _cli(group: CpuGroup, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "simulateur", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        env=os.environ.copy(),
        preexec_fn=group.join,  # noqa: PLW1509 — the bench's own single-threaded launcher: the child joins its cgroup before exec
    )


def _last_line(err: str, code: int) -> str:
    return (err.strip().splitlines() or [f"code {code}"])[-1]


def round_of(group: CpuGroup, checkout: Path, scenario: str, n: int, prefix: str) -> Round:
    base = os.environ.get("SIMULATEUR_DATA", "/tmp/simulateur-ab-data")
    saved = dict(os.environ)
    cwd = os.getcwd()
    os.environ.update(
        PYTHONPATH=str(checkout),
        SIMULATEUR_LAB_PREFIX=prefix,
        SIMULATEUR_DATA=f"{base}/{prefix}",
        SIMULATEUR_SHIPPED_SCENARIOS=str(checkout / "scenarios"),
    )
    os.chdir(checkout)
    errors: list[str] = []
    try:
        cpu0 = group.usage()
        t0 = time.perf_counter()
        procs = [_cli(group, "start", scenario, "--seed", str(i + 1), "--json") for i in range(n)]
        outs = [p.communicate(timeout=600) for p in procs]
        ready = time.perf_counter() - t0
        cpu1 = group.usage()
        labs = []
        for proc, (out, err) in zip(procs, outs):
            if proc.returncode != 0:
                errors.append(_last_line(err, proc.returncode))
            else:
                labs.append(json.loads(out)["lab"])
        t0 = time.perf_counter()
        stops = [_cli(group, "stop", lab_id) for lab_id in labs]
        for proc in stops:
            _, err = proc.communicate(timeout=300)
            if proc.returncode != 0:
                errors.append(_last_line(err, proc.returncode))
        stop = time.perf_counter() - t0
        cpu2 = group.usage()
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)
    cpu_ready = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
    cpu_stop = cpu2 - cpu1 if cpu1 is not None and cpu2 is not None else None
    return Round(ready, stop, cpu_ready, cpu_stop, len(errors), errors)


def main() -> int:
    ap = argparse.ArgumentParser(description="A/B du passage à l'échelle entre deux copies de simulateur")
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--labs", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scenario", default="ip-mauvais-masque")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("scale_ab : à lancer en root", file=sys.stderr)
        return 2
    old, new = Path(args.old).resolve(), Path(args.new).resolve()
    mine = (os.environ.get("SIMULATEUR_LAB_PREFIX", "") + "ab")[:6]
    sides = (("old", old, mine + "o"), ("new", new, mine + "n"))
    group = CpuGroup()
    try:
        for _, checkout, prefix in sides:  # warm-up
            warm = round_of(group, checkout, args.scenario, 1, prefix)
            if warm.failures:
                print(f"scale_ab : échauffement en échec ({checkout}) : {warm.errors}", file=sys.stderr)
                return 1
        load = os.getloadavg()[0]
        keys = ("ready", "stop", "cpu_ready", "cpu_stop")
        cols: dict[str, dict[str, list[float]]] = {s: {k: [] for k in keys} for s, _, _ in sides}
        failures = {"old": 0, "new": 0}
        for i in range(args.runs):
            for side, checkout, prefix in sides if i % 2 == 0 else sides[::-1]:  # ABBA: no side always second
                r = round_of(group, checkout, args.scenario, args.labs, prefix)
                for k in keys:
                    value = getattr(r, k)
                    if value is not None:
                        cols[side][k].append(value)
                failures[side] += r.failures
                for err in r.errors:
                    print(f"scale_ab : {side} : {err}", file=sys.stderr)
                cpu = f", CPU {r.cpu_ready:.1f} s / {r.cpu_stop:.1f} s" if r.cpu_ready is not None else ""
                print(
                    f"scale_ab : essai {i + 1} {side} : prêts {r.ready:.2f} s, arrêt {r.stop:.2f} s{cpu}",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        group.remove()
    med = {s: {k: statistics.median(v) if v else float("nan") for k, v in c.items()} for s, c in cols.items()}
    print(
        f"{args.labs} × `{args.scenario}` en même temps, {args.runs} essais alternés par côté, "
        f"charge au départ {load:.1f} ; médianes"
    )
    print("| côté | copie | tous prêts (s) | CPU des starts (s) | arrêt de tous (s) | CPU des stops (s) | échecs |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for side, checkout, _ in sides:
        m = med[side]
        print(
            f"| {side} | {checkout.name} | {m['ready']:.2f} | {m['cpu_ready']:.1f} | {m['stop']:.2f} "
            f"| {m['cpu_stop']:.1f} | {failures[side]} |"
        )
    ratio = {k: med["new"][k] / med["old"][k] for k in keys}
    print(
        f"\nRapports après ÷ avant : tous prêts {ratio['ready']:.2f} (CPU {ratio['cpu_ready']:.2f}), "
        f"arrêt de tous {ratio['stop']:.2f} (CPU {ratio['cpu_stop']:.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
