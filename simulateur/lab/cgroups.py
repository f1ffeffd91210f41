"""Memory and process-count limits per lab, with the kernel's cgroups.

Every process of every host of a lab (PID 1s, services, trainee shells, what the engine runs
there) is in the lab's cgroup: `simulateur/<lab>` under the machine's hierarchy —
- cgroup v2 (a stock Debian 12 with systemd): /sys/fs/cgroup/simulateur/<lab>, memory.max and
  pids.max, the controllers enabled in `simulateur`'s parents' subtree_control;
- cgroup v1 (this project's CI machine kind: memory and pids hierarchies mounted by the
  machine's supervisor): /sys/fs/cgroup/memory/simulateur/<lab> (memory.limit_in_bytes) and
  /sys/fs/cgroup/pids/simulateur/<lab> (pids.max).
Where no hierarchy can be written (a read-only /sys/fs/cgroup, a container without delegation),
labs run without limits and the first start says so once per boot of the machine.

A process joins by writing "0" (itself) to cgroup.procs: the sandbox agent does it for a host's
PID 1 and for each process it starts in a host, before it confines itself. A lab's cgroups are
removed with the lab (and by the reaper for dead labs) once their processes are gone.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

from simulateur.i18n import tr
from simulateur.lab import profile
from simulateur.paths import state_root

CGROUP_ROOT = Path(os.environ.get("SIMULATEUR_CGROUP_ROOT", "/sys/fs/cgroup"))
GROUP = "simulateur"


def _is_v2() -> bool:
    return (CGROUP_ROOT / "cgroup.controllers").exists()


def hierarchies() -> dict[str, Path]:
    """Where our groups live, by controller ("memory", "pids"); empty if none is usable."""
    if _is_v2():
        controllers = (CGROUP_ROOT / "cgroup.controllers").read_text().split()
        if "memory" in controllers and "pids" in controllers:
            return {"v2": CGROUP_ROOT / GROUP}
        return {}
    found = {}
    for controller in ("memory", "pids", "freezer"):  # freezer: optional (an exam's lab kept frozen)
        base = CGROUP_ROOT / controller
        if (base / "cgroup.procs").exists():
            found[controller] = base / GROUP
    return found


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _say_once(why: str) -> None:
    marker = state_root() / "cgroups-indisponibles"
    if marker.exists():
        return
    with contextlib.suppress(OSError):
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(why + "\n")
    print(tr("sandbox.no_cgroups", why=why), file=sys.stderr)


def create(lab_id: str) -> list[str]:
    """Make the lab's groups with their limits; the cgroup.procs files to join (none if limits are
    not possible here — said once)."""
    found = hierarchies()
    if not found:
        _say_once(tr("sandbox.no_cgroup_fs", root=CGROUP_ROOT))
        return []
    procs = []
    try:
        for kind, base in found.items():
            group = base / lab_id
            if kind == "v2":
                base.mkdir(exist_ok=True)
                _enable_v2(base)
                group.mkdir(exist_ok=True)
                _write(group / "memory.max", str(profile.LAB_MEMORY_BYTES))
                _write(group / "pids.max", str(profile.LAB_PIDS))
            else:
                base.mkdir(exist_ok=True)
                group.mkdir(exist_ok=True)
                if kind == "memory":
                    _write(group / "memory.limit_in_bytes", str(profile.LAB_MEMORY_BYTES))
                elif kind == "pids":
                    _write(group / "pids.max", str(profile.LAB_PIDS))
            procs.append(str(group / "cgroup.procs"))
    except OSError as exc:
        remove(lab_id)
        _say_once(f"{exc.filename}: {exc.strerror}")
        return []
    return procs


def _enable_v2(base: Path) -> None:
    """memory and pids delegated from the root down to `base`'s children."""
    for parent in (CGROUP_ROOT, base):
        current = (parent / "cgroup.subtree_control").read_text().split()
        missing = [c for c in ("memory", "pids") if c not in current]
        if missing:
            _write(parent / "cgroup.subtree_control", " ".join("+" + c for c in missing))


def groups(lab_id: str) -> list[Path]:
    return [base / lab_id for base in hierarchies().values() if (base / lab_id).is_dir()]


def remove(lab_id: str, timeout: float = 2.0) -> bool:
    """Remove the lab's groups once empty (exiting processes leave them a moment after their
    kill); False if one is still busy after `timeout` (the reaper will try again)."""
    deadline = time.monotonic() + timeout
    ok = True
    for group in groups(lab_id):
        while True:
            try:
                group.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() >= deadline:
                    ok = False
                    break
                time.sleep(0.002)
    return ok


def pids(lab_id: str) -> list[int]:
    """Processes in the lab's groups (as the machine numbers them): ours by construction."""
    found: set[int] = set()
    for group in groups(lab_id):
        with contextlib.suppress(OSError):
            found |= {int(x) for x in (group / "cgroup.procs").read_text().split()}
    return sorted(found)


def lab_ids() -> set[str]:
    """Labs that have a group (alive or left behind)."""
    from simulateur.lab.state import LAB_ID_RE

    found: set[str] = set()
    for base in hierarchies().values():
        with contextlib.suppress(OSError):
            found |= {p.name for p in base.iterdir() if p.is_dir() and LAB_ID_RE.match(p.name)}
    return found


# --- freezing a lab (an exam's lab, scored at the deadline, kept as it is for the jury) -----------
def _freeze_files(lab_id: str) -> list[tuple[Path, str, str, Path, str]]:
    """(file to write, frozen value, thawed value, file to read, frozen when it reads): v2's
    cgroup.freeze (cgroup.events says « frozen 1 »), v1's freezer.state."""

    def there(path: Path) -> bool:
        try:  # a name no lab can have (too long: ENAMETOOLONG) is no lab's group either
            return path.exists()
        except OSError:
            return False

    out = []
    for kind, base in hierarchies().items():
        group = base / lab_id
        if kind == "v2" and there(group / "cgroup.freeze"):
            out.append((group / "cgroup.freeze", "1", "0", group / "cgroup.events", "frozen 1"))
        elif kind == "freezer" and there(group / "freezer.state"):
            out.append((group / "freezer.state", "FROZEN", "THAWED", group / "freezer.state", "FROZEN"))
    return out


def freeze(lab_id: str, timeout: float = 5.0) -> bool:
    """Stop every process of the lab where it is (the kernel's freezer: nothing of it runs, nothing
    is lost); True once frozen, False if this machine cannot (no freezer) or it did not happen."""
    files = _freeze_files(lab_id)
    if not files:
        return False
    try:
        for path, value, _, _, _ in files:
            _write(path, value)
        deadline = time.monotonic() + timeout
        while not all(word in read.read_text() for _, _, _, read, word in files):
            if time.monotonic() >= deadline:
                thaw(lab_id)
                return False
            time.sleep(0.01)
    except OSError:
        thaw(lab_id)
        return False
    return True


def thaw(lab_id: str) -> None:
    """Let a frozen lab run again (before stopping it: a frozen process does not die on v1)."""
    for path, _, value, _, _ in _freeze_files(lab_id):
        with contextlib.suppress(OSError):
            _write(path, value)


def frozen(lab_id: str) -> bool:
    for _, _, _, read, word in _freeze_files(lab_id):
        with contextlib.suppress(OSError):
            if word in read.read_text():
                return True
    return False
