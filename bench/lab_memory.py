"""Memory of running labs, read from /proc — what the benchmark reports and how.

A lab's memory is the sum of the PSS (proportional set size, `Pss:` of /proc/PID/smaps_rollup) of
every process whose network namespace is one of the lab's (`sim-<lab>` and `sim-<lab>-<host>`).
PSS counts a page shared by k processes as 1/k: the shared libraries of the machine that every
host maps are not counted 40 times over, as a sum of RSS would. Not counted: kernel objects
(namespaces, bridges, veths, sockets), the page cache of the hosts' overlay upper dirs and the
hosts' small tmpfs (/run, /tmp). The scale part of the benchmark also reports the drop of the
machine's MemAvailable, which includes them (and the noise of whatever else runs).
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from types import TracebackType

NETNS_DIR = Path("/run/netns")


def _lab_netns(prefix: str) -> dict[int, str]:
    """inode → lab id, for every namespace of labs whose id is `prefix` + a number."""
    pattern = re.compile(rf"^sim-({re.escape(prefix)}\d+)(?:-|$)")
    found: dict[int, str] = {}
    try:
        entries = list(os.scandir(NETNS_DIR))
    except FileNotFoundError:
        return found
    for entry in entries:
        m = pattern.match(entry.name)
        if m:
            try:  # stat, not entry.inode(): the nsfs inode is that of the file mounted there
                found[os.stat(entry.path).st_ino] = m.group(1)
            except OSError:
                continue
    return found


def pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
        pass
    return 0


def labs_pss_mib(prefix: str) -> dict[str, float]:
    """PSS of each running lab whose id starts with `prefix` (one pass over /proc)."""
    netns = _lab_netns(prefix)
    totals: dict[str, int] = dict.fromkeys(netns.values(), 0)
    if not netns:
        return {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            lab = netns.get(os.stat(f"/proc/{entry.name}/ns/net").st_ino)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if lab is not None:
            totals[lab] += pss_kib(int(entry.name))
    return {lab: kib / 1024 for lab, kib in totals.items()}


def mem_available_mib() -> float:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakSampler:
    """Samples the total PSS of the labs of `prefix` every `interval` s in a thread; `.peak` is
    the highest total seen. Sampling costs CPU: use it on a run whose timings are not kept."""

    def __init__(self, prefix: str, interval: float = 0.05) -> None:
        self.prefix = prefix
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> float:
        total = sum(labs_pss_mib(self.prefix).values())
        self.peak = max(self.peak, total)
        return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
