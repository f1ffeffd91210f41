"""Option SIMULATEUR_USERNS=1: root in a host is an unprivileged range of the machine's ids.

Each host gets a user namespace mapping its ids 0…USERNS_SIZE-1 onto a range of the machine's ids that
nothing else uses (USERNS_FIRST + k·USERNS_SIZE), and its network namespace is created *owned by*
that user namespace (the agent's verb `userns`): root of a child user namespace cannot configure
a network namespace owned by the machine's root (`ip addr add` → EPERM, measured on Linux 6.18),
while the machine's root configures any of them (wiring, probes). The agent then builds the
host's root from idmapped layers and joins the user namespace last (simulateur/lab/sandbox_agent.py).

Default off: Docker's default (no user namespace) is the bar simulateur.lab.profile sets; what
was measured with the option, and its limits, are in docs/securite.md. The netns kind marks its
hosts when the option is on (HostState.userns, at declare); the lab's namespaces are then made by
simulateur.lab.switch, the marked ones by the agent.

Ranges are allocated under the global lock and recorded in the lab's state (HostState.uid_base)
before the lock is released; a range is taken if any lab's state records it, if a live process's
uid_map or gid_map overlaps it (a crashed lab, a rootless container), or if /etc/subuid or
/etc/subgid hands it out.
"""

from __future__ import annotations

import os
from pathlib import Path

from simulateur.lab.state import LabState, global_lock, list_lab_ids, load_state

ENV = "SIMULATEUR_USERNS"
USERNS_FIRST = 1_000_000
# 2**22 ids per host, not 65536: a Samba AD DC gives its groups and users xids from its idmap.ldb's
# range, 3000000 to 4000000 (the template's sysvol ACLs name 3000000…), which must be ids of the
# host's own, else they show as nogroup and `samba-tool ntacl sysvolreset` is refused. Still 1023
# hosts at once between USERNS_FIRST and 2**32.
USERNS_SIZE = 1 << 22
OVERFLOW_ID = 65534  # /proc/sys/kernel/overflowuid: how an unmapped id shows inside
MAX_SLOTS = (2**32 - 2 - USERNS_FIRST) // USERNS_SIZE


def wanted() -> bool:
    """The option, read when a lab is built (a running lab keeps the mode it was built with)."""
    return os.environ.get(ENV, "").strip().lower() in ("1", "yes", "oui", "true", "on")


def _map_ranges(text: str) -> list[tuple[int, int]]:
    """(first outside id, count) of each line of a uid_map/gid_map, the identity map left out."""
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
            first, count = int(fields[1]), int(fields[2])
            if not (first == 0 and count >= 2**32 - 1):
                out.append((first, count))
    return out


def _subid_ranges(path: str) -> list[tuple[int, int]]:
    out = []
    try:
        for line in Path(path).read_text().splitlines():
            fields = line.split(":")
            if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
                out.append((int(fields[1]), int(fields[2])))
    except OSError:
        pass
    return out


def ranges_in_use(own: LabState | None = None) -> list[tuple[int, int]]:
    """Every id range something on the machine uses or may use (see the module's docstring)."""
    used: list[tuple[int, int]] = []
    seen = {os.stat("/proc/self/ns/user").st_ino}  # each user namespace read once (~25 ms → ~5 ms)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            ns = os.stat(f"/proc/{entry.name}/ns/user").st_ino
        except OSError:
            continue
        if ns in seen:
            continue
        seen.add(ns)
        for name in ("uid_map", "gid_map"):
            try:
                with open(f"/proc/{entry.name}/{name}") as f:
                    used += _map_ranges(f.read())
            except OSError:
                continue
    used += _subid_ranges("/etc/subuid") + _subid_ranges("/etc/subgid")
    for lab_id in list_lab_ids():
        try:
            state = own if own is not None and own.id == lab_id else load_state(lab_id)
        except Exception:  # noqa: BLE001 - a lab being written or broken: its live maps are above
            continue
        used += [(h.uid_base, USERNS_SIZE) for h in state.hosts.values() if h.uid_base is not None]
    return used


def free_bases(count: int, used: list[tuple[int, int]]) -> list[int]:
    """The `count` lowest slots overlapping no used range."""
    found: list[int] = []
    for k in range(MAX_SLOTS):
        first = USERNS_FIRST + k * USERNS_SIZE
        last = first + USERNS_SIZE
        if all(last <= a or first >= a + n for a, n in used):
            found.append(first)
            if len(found) == count:
                return found
    raise OSError("no free id range for a user namespace")


def allocate(state: LabState, hosts: list[str]) -> None:
    """Give each of `hosts` a range of its own, recorded in the lab's state before anyone else may
    allocate."""
    with global_lock():
        bases = free_bases(len(hosts), ranges_in_use(state))
        for name, base in zip(hosts, bases, strict=True):
            state.hosts[name].uid_base = base
        state.save()
