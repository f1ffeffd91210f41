"""Helpers of the integration tests (imported by name: `from labhelpers import sim`; a module of its
own, not conftest.py — the app's tests have a conftest.py too, and both run in one session)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


def sim(*args: str, check: bool = True, timeout: float = 120, env: dict[str, str] | None = None) -> Run:
    proc = subprocess.run(
        [sys.executable, "-m", "simulateur", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    if check:
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return run


def machine_state() -> dict[str, object]:
    """What the machine itself looks like: its network, its resolver files, our namespaces."""

    def ipj(*args: str) -> object:
        out = json.loads(subprocess.run(["ip", "-j", *args], capture_output=True, text=True).stdout or "[]")
        for item in out if isinstance(out, list) else []:
            for volatile in ("stats64", "stats"):
                item.pop(volatile, None)
        return out

    def digest(path: str) -> str | None:
        try:
            return hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except FileNotFoundError:
            return None

    def saved(tool: str) -> str | None:  # iptables may not be installed (nftables only): None then
        if not shutil.which(tool):
            return None
        out = subprocess.run([tool], capture_output=True, text=True).stdout
        return "\n".join(line for line in out.splitlines() if not line.startswith("#"))  # no dates

    return {
        "links": ipj("link"),
        "addrs": ipj("addr"),
        "routes": ipj("route"),
        "rules": ipj("rule"),
        "routes6": ipj("-6", "route"),
        "neigh_proxy": ipj("neigh", "show", "proxy"),
        "nft": subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True).stdout,
        "iptables": saved("iptables-save"),
        "ip6tables": saved("ip6tables-save"),
        "resolv": digest("/etc/resolv.conf"),
        "hosts": digest("/etc/hosts"),
        "hostname": Path("/proc/sys/kernel/hostname").read_text(),
        "ip_forward": Path("/proc/sys/net/ipv4/ip_forward").read_text(),
        "leases": sorted(os.listdir("/var/lib/dhcp")) if os.path.isdir("/var/lib/dhcp") else None,
        "mounts": machine_mounts(),
        "netns": sorted(n for n in os.listdir("/run/netns")) if os.path.isdir("/run/netns") else [],
    }


def machine_mounts() -> list[tuple[str, str, str]]:
    """(mount point, type, source) of the machine's own mount namespace, without the /run/netns/NAME
    bind mounts and the labs' layer tmpfs under the state root (every running lab, ours or another
    session's, has some: `leftovers` checks a lab's own)."""
    from simulateur.paths import state_root

    labs_root = os.path.realpath(state_root()) + "/"
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, tail = line.partition(" - ")
        point = fields.split()[4]
        if not point.startswith("/run/netns/") and not point.startswith(labs_root):
            out.append((point, *tail.split()[:2]))
    return sorted(out)


def root_state() -> dict[str, object]:
    """machine_state() without the list of namespaces: what must stay strictly identical even while
    other sessions start and stop labs of their own (no lab ever touches the root namespace)."""
    state = machine_state()
    state.pop("netns")
    return state


def own_netns(labs: set[str]) -> list[str]:
    from simulateur.lab.state import parse_netns

    return (
        sorted(n for n in os.listdir("/run/netns") if (p := parse_netns(n)) and p[0] in labs)
        if os.path.isdir("/run/netns")
        else []
    )


def process_environ_has(pid: int, item: str) -> bool:
    try:
        return item.encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:120]
    except OSError:
        return "?"


def leftovers(labs: set[str], token: str | None = None, netns_inodes: set[int] = frozenset()) -> dict[str, list]:
    """Everything these labs could leave behind, by what is theirs — never by process name:
    namespaces named after them, their state dirs, processes in their namespaces or rooted in their
    overlays, processes still in a namespace they had (`netns_inodes`, even once its name is gone),
    and processes started by this test (`token` in their environment) other than this test itself."""
    from simulateur.lab import nsutil
    from simulateur.paths import state_root

    me = os.getpid()
    named = (
        {os.stat(f"/run/netns/{n}").st_ino for n in os.listdir("/run/netns")} if os.path.isdir("/run/netns") else set()
    )
    ghosts = set(netns_inodes) - named  # a name reused by another lab since is not ours any more
    procs = set()
    for lab, pids in nsutil.processes_rooted_under(state_root()).items():
        if lab in labs:
            procs |= set(pids)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        pid = int(entry.name)
        try:
            ino = os.stat(f"/proc/{pid}/ns/net").st_ino
        except OSError:
            continue
        if ino in ghosts or (token and process_environ_has(pid, token) and nsutil.alive(pid)):
            procs.add(pid)
    procs |= {p for n in own_netns(labs) for p in nsutil.pids_in_netns(n)}
    from simulateur.lab import cgroups

    for lab in labs:
        procs |= set(cgroups.pids(lab))
    return {
        "cgroups": sorted(str(g) for lab in labs for g in cgroups.groups(lab)),
        "netns": own_netns(labs),
        "state_dirs": sorted(lab for lab in labs if (state_root() / lab).exists()),
        "processes": sorted(f"{p} {_cmdline(p)}" for p in procs if nsutil.alive(p)),
        "netns_mounts": sorted(
            l
            for l in Path("/proc/self/mountinfo").read_text().splitlines()
            if any(
                f" /run/netns/sim-{lab}-" in l
                or l.split()[4] == f"/run/netns/sim-{lab}"
                or l.split()[4].startswith(f"{os.path.realpath(state_root() / lab)}/")
                for lab in labs
            )
        ),
    }


def netns_inodes(lab: str) -> set[int]:
    """Inodes of a running lab's namespaces (to find processes that would outlive their names)."""
    return {os.stat(f"/run/netns/{n}").st_ino for n in own_netns({lab})}


def lab_processes(lab: str) -> list[int]:
    """Live processes still in one of this lab's namespaces."""
    from simulateur.lab import nsutil

    return [p for n in nsutil.list_netns() if n.startswith(f"sim-{lab}") for p in nsutil.pids_in_netns(n)]


def verdicts(lab: str) -> dict[str, str]:
    result = sim("check", lab, "--json").json()
    return {c["id"]: c["verdict"] for c in result["criteria"]}
