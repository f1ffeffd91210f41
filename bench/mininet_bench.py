"""Mininet side by side: build and tear down N hosts on one Linux bridge, through Mininet's Python API.

Mininet (Debian package `mininet`, a system Python package) runs under the machine's
/usr/bin/python3 in a throwaway sandbox, because its clean-up code kills processes by name,
deletes files in /tmp and rewrites global sysctls:

    unshare --net --mount --pid --fork --mount-proc   its own network namespace (its bridge and the
                                                      root ends of its veths live there), its own PIDs
    tmpfs on /tmp, HOME=/tmp, /proc/sys read-only     nothing it writes reaches the machine

Inside, Mininet is used as documented: `Mininet(topo=SingleSwitchTopo(k=N), switch=LinuxBridge,
controller=None)`, `net.start()` (timed: build), `net.stop()` (timed: teardown). Its resource-limit
tweak (`Mininet.init` → `fixLimits`, global sysctls) is skipped; `mn -c` is never run. One warm-up
round (not timed) checks that the hosts reach each other (`pingAll`). When the sandbox exits, its
namespace and anything left in it are gone; the machine's own links are compared before/after.

    python3 bench/mininet_bench.py --child N RUNS     (what the sandbox runs; not for direct use)
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
SANDBOX = """set -e
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
ip link set lo up
export HOME=/tmp
exec {python} {script} --child {hosts} {runs}
"""


@dataclass
class MininetResult:
    version: str
    hosts: int
    build: float  # median, s: Mininet(...) + net.start()
    stop: float  # median, s: net.stop()
    ping_loss: float  # % lost by pingAll in the warm-up round
    leftover_links: int  # links other than lo left in the sandbox's namespace after net.stop()


def unavailable() -> str | None:
    """Why Mininet cannot run here (French, for the table), or None."""
    if not shutil.which("mnexec") or not shutil.which("brctl"):
        return "Mininet absent (paquets Debian mininet et bridge-utils : `sudo make bench` les installe)"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import mininet.net"], capture_output=True)
    if probe.returncode != 0:
        return f"Mininet ne s'importe pas avec {SYSTEM_PYTHON}"
    return None


def _root_links() -> list[str]:
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    return sorted(line.split(":")[1].strip() for line in out.splitlines())


def run(hosts: int, runs: int) -> MininetResult:
    """Run Mininet in its sandbox; raises RuntimeError with the reason if it fails."""
    before = _root_links()
    script = SANDBOX.format(python=SYSTEM_PYTHON, script=Path(__file__).resolve(), hosts=hosts, runs=runs)
    proc = subprocess.run(
        [
            "unshare",
            "--net",
            "--mount",
            "--pid",
            "--fork",
            "--mount-proc",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        timeout=120 + 30 * runs,
        stdin=subprocess.DEVNULL,
    )
    after = _root_links()
    if after != before:  # never expected: Mininet ran in its own namespace
        print(
            f"bench : liens de la machine changés pendant Mininet : {sorted(set(after) ^ set(before))}", file=sys.stderr
        )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        why = (proc.stderr or proc.stdout).strip().splitlines()
        raise RuntimeError(why[-1] if why else f"code {proc.returncode}")
    data = json.loads(lines[-1])
    return MininetResult(
        version=data["version"],
        hosts=hosts,
        build=statistics.median(data["build"]),
        stop=statistics.median(data["stop"]),
        ping_loss=data["ping_loss"],
        leftover_links=data["leftover_links"],
    )


def child(hosts: int, runs: int) -> None:  # pragma: no cover - runs in the sandbox, system Python
    from mininet.log import setLogLevel
    from mininet.net import VERSION, Mininet
    from mininet.nodelib import LinuxBridge
    from mininet.topo import SingleSwitchTopo

    setLogLevel("error")
    Mininet.inited = True  # skip Mininet.init(): fixLimits() rewrites global sysctls

    def build() -> Mininet:
        net = Mininet(topo=SingleSwitchTopo(k=hosts), switch=LinuxBridge, controller=None)
        net.start()
        return net

    net = build()
    loss = net.pingAll(timeout="1")
    net.stop()
    times_build, times_stop = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        net = build()
        t1 = time.perf_counter()
        net.stop()
        t2 = time.perf_counter()
        times_build.append(t1 - t0)
        times_stop.append(t2 - t1)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout.splitlines()
    leftover = sum(1 for line in links if line.split(":")[1].strip() != "lo")
    print(
        json.dumps(
            {
                "version": VERSION,
                "build": times_build,
                "stop": times_stop,
                "ping_loss": loss,
                "leftover_links": leftover,
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
