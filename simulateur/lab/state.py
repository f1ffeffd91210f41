"""What a running lab is, on disk: /run/simulateur/<lab>/state.json (+ locks).

Written atomically at each step of the build, so a crash at any point leaves enough for the
reaper to find and remove everything.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.paths import NS_PREFIX, lab_id_prefix, state_root

LAB_ID_RE = re.compile(r"^[a-z][a-z0-9]{0,11}$")


class HostState(BaseModel):
    name: str
    netns: str
    kind: Literal["netns", "vm"] = "netns"
    pid1: int | None = None  # the host's PID 1 as the machine sees it
    pid1_start: int | None = None  # its kernel start time (guards against PID reuse)
    collector_pid: int | None = None  # its SSH journal collector, outside the host (lab.outside)
    collector_start: int | None = None
    macs: dict[str, str] = Field(default_factory=dict)
    userns: bool = False  # option SIMULATEUR_USERNS: its netns is owned by a user namespace
    uid_base: int | None = None  # of its own, whose root is this id of the machine (lab.userns)
    vm_image: str | None = None  # kind "vm": the guest image (cache dir), its kernel, kvm or tcg
    vm_kernel: str | None = None
    vm_accel: str | None = None


class LabState(BaseModel):
    id: str
    status: Literal["building", "ready", "stopping"] = "building"
    created: float = Field(default_factory=time.time)
    scenario: str | None = None
    topology: str
    seed: int
    params: dict[str, str] = Field(default_factory=dict)
    switch_netns: str
    hosts: dict[str, HostState] = Field(default_factory=dict)
    attempt_dir: str | None = None
    candidate: str | None = None
    default_host: str | None = None  # the scenario's shell_host: where a trainee's shell opens
    restored_from: str | None = None  # the archive its hosts' layers come from (lab.archive)
    audit_pid: int | None = None  # the lab's exec auditor, outside every host (lab.audit, lab.outside)
    audit_start: int | None = None

    @property
    def dir(self) -> Path:
        return lab_dir(self.id)

    def save(self) -> None:
        path = self.dir / "state.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.model_dump_json(indent=2))
        os.replace(tmp, path)


def lab_dir(lab_id: str) -> Path:
    return state_root() / lab_id


def scratch_dir(lab_id: str, prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A private temp dir for a probe's files, inside the lab's state dir: removed when the probe
    is done, and with the lab (stop, or the reaper after a kill) if the probe was not."""
    base = lab_dir(lab_id) / "scratch"
    base.mkdir(mode=0o700, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=prefix, dir=base)


def netns_name(lab_id: str, host: str | None = None) -> str:
    return f"{NS_PREFIX}-{lab_id}" if host is None else f"{NS_PREFIX}-{lab_id}-{host}"


def parse_netns(name: str) -> tuple[str, str | None] | None:
    """(lab id, host or None for the switch) if `name` is one of ours."""
    parts = name.split("-")
    if parts[0] != NS_PREFIX or len(parts) not in (2, 3) or not LAB_ID_RE.match(parts[1]):
        return None
    return parts[1], (parts[2] if len(parts) == 3 else None)


def load_state(lab_id: str) -> LabState:
    if not LAB_ID_RE.match(lab_id):
        raise SimError(tr("lab.bad_id", lab=lab_id), exit_code=2)
    path = lab_dir(lab_id) / "state.json"
    try:
        return LabState.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise SimError(tr("lab.unknown", lab=lab_id), exit_code=2) from None
    except (ValueError, OSError):
        raise SimError(tr("lab.corrupt", lab=lab_id)) from None


def list_lab_ids() -> list[str]:
    root = state_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and LAB_ID_RE.match(p.name))


@contextlib.contextmanager
def _flock(path: Path, flags: int) -> Iterator[int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, flags)
        yield fd
    finally:
        os.close(fd)


def global_lock() -> contextlib.AbstractContextManager[int]:
    """Serialises lab-id allocation and reaping between concurrent simulateur processes."""
    return _flock(state_root() / ".lock", fcntl.LOCK_EX)


def build_lock_held(lab_id: str) -> bool:
    """True while some process is building or stopping this lab."""
    path = lab_dir(lab_id) / "build.lock"
    if not path.exists():
        return False
    try:
        with _flock(path, fcntl.LOCK_EX | fcntl.LOCK_NB):
            return False
    except BlockingIOError:
        return True
    except FileNotFoundError:
        return False


def allocate_lab_id(taken_netns: set[str]) -> tuple[str, int]:
    """Reserve the lowest free lab id; returns it with an open fd holding its build lock.

    Call under global_lock(). The build lock stays held (fd open) until the build is done.
    """
    prefix = lab_id_prefix()
    if not re.match(r"^[a-z][a-z0-9]{0,7}$", prefix):
        raise SimError(tr("lab.bad_prefix", prefix=prefix), exit_code=2)
    used = set(list_lab_ids()) | {p[0] for n in taken_netns if (p := parse_netns(n))}
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    lab_id = f"{prefix}{n}"
    d = lab_dir(lab_id)
    d.mkdir(parents=True)
    fd = os.open(d / "build.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return lab_id, fd


def hold_build_lock(lab_id: str) -> int:
    """Take the build lock of an existing lab (to stop it); returns the fd holding it."""
    fd = os.open(lab_dir(lab_id) / "build.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def dump_json(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)
