"""Helpers of ours that serve a host from outside it, and end with it.

A helper either lives entirely in a host (all of its namespaces) or entirely outside every host
(all of the machine's): one that straddles — in a host's PID namespace with the machine's files,
say — hands the machine to the host's root through /proc/PID/root. The helpers outside (today the
SSH journal collector, simulateur.journal.remote) are therefore in none of the lab's namespaces,
and nothing that kills "every process of the lab's namespaces" finds them: they are recorded in the
lab state, each by PID and kernel start time (HostState.collector_pid/collector_start, as a host's
PID 1 is), and killed by that record when the lab is destroyed — never by name.

Each also watches its host's PID 1 (a pidfd) and exits as soon as it dies: a lab whose state was
lost, or a start killed before it could record its helper, leaves nothing behind either.
"""

from __future__ import annotations

from simulateur.lab import nsutil
from simulateur.lab.state import HostState, LabState


def record(host: HostState, pid: int, started: int) -> None:
    """Remember the helper serving `host` (the caller saves the state)."""
    host.collector_pid = pid
    host.collector_start = started


def recorded(state: LabState, auditor: bool = True) -> list[int]:
    """The lab's helpers that are still the very processes recorded (a PID reused since by some
    other process of the machine does not match its start time, and is left alone)."""
    helpers = [(h.collector_pid, h.collector_start) for h in state.hosts.values()]
    if auditor:
        helpers.append((state.audit_pid, state.audit_start))  # the lab's exec auditor (lab.audit)
    return [pid for pid, start in helpers if pid is not None and nsutil.same_process(pid, start)]


def kill_helpers(state: LabState, auditor: bool = True) -> int:
    """SIGKILL the lab's helpers outside its hosts and wait until they are gone; how many.
    `auditor` False: the SSH collectors only (the lab goes on; without its auditor it cannot)."""
    pids = recorded(state, auditor)
    nsutil.kill_pids(pids)
    return len(pids)


def parse_ready(line: bytes) -> tuple[int, int] | None:
    """(PID, kernel start time) from a helper's first line « ready PID START », else None."""
    words = line.split()
    if len(words) == 3 and words[0] == b"ready" and words[1].isdigit() and words[2].isdigit():
        return int(words[1]), int(words[2])
    return None
