"""Finding and removing what dead labs left behind (after a crash, a kill -9, a reboot of /run).

A lab is alive while a process holds its build lock (being built or stopped), or when its
state says ready and every host's PID 1 is still the process we started. Anything else with
our name on it is a leftover: its processes are killed by namespace (never by name), its
namespaces deleted, its state dir removed.
"""

from __future__ import annotations

from simulateur.lab import cgroups, kind, netns, nsutil
from simulateur.lab.state import LAB_ID_RE, LabState, build_lock_held, lab_dir, list_lab_ids, load_state, parse_netns
from simulateur.paths import state_root


def _alive(lab_id: str) -> bool:
    if build_lock_held(lab_id):
        return True
    try:
        state: LabState = load_state(lab_id)
    except Exception:  # noqa: BLE001 — a state unreadable or half-written: not a live lab
        return False
    return (
        state.status == "ready"
        and nsutil.netns_path(state.switch_netns).exists()
        and all(
            h.pid1 is not None and nsutil.same_process(h.pid1, h.pid1_start) and nsutil.netns_path(h.netns).exists()
            for h in state.hosts.values()
        )
    )


def _namespaces_by_lab() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in nsutil.list_netns():
        parsed = parse_netns(name)
        if parsed:
            found.setdefault(parsed[0], []).append(name)
    return found


def _rooted() -> dict[str, list[int]]:
    return {lab: pids for lab, pids in nsutil.processes_rooted_under(state_root()).items() if LAB_ID_RE.match(lab)}


def dead_labs() -> list[str]:
    candidates = set(_namespaces_by_lab()) | set(list_lab_ids()) | set(_rooted()) | cgroups.lab_ids()
    return sorted(lab for lab in candidates if not _alive(lab))


def reap(lab_ids: list[str]) -> dict[str, dict[str, int]]:
    """Remove every trace of these labs; returns what was removed, per lab."""
    by_lab = _namespaces_by_lab()
    rooted = _rooted()
    report = {}
    for lab_id in lab_ids:
        d = lab_dir(lab_id)
        stray = sorted(set(rooted.get(lab_id, [])) | set(cgroups.pids(lab_id)))
        cgroups.thaw(lab_id)
        nsutil.kill_pids(stray)
        try:
            state: LabState | None = load_state(lab_id)
        except Exception:  # noqa: BLE001 — a state unreadable or half-written: reaped from what the machine shows
            state = None
        if state is not None:
            # Also what the state recorded, in case a namespace was deleted by hand.
            report[lab_id] = kind.teardown(state, extra=by_lab.get(lab_id, []))
        else:
            report[lab_id] = netns.destroy_namespaces(by_lab.get(lab_id, []), d if d.exists() else None)
        report[lab_id]["processes"] += len(stray)
        cgroups.remove(lab_id)
    return report


def reap_dead() -> dict[str, dict[str, int]]:
    return reap(dead_labs())
