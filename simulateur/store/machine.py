"""Which machine, and which boot of it, a process runs on — stored with every PID (an attempt's
owner, an exam's watchdog) so that a store shared by several lab machines (PostgreSQL) is judged
right: a PID means something only on the machine, and in the boot, that recorded it.

The id is "<machine-id>:<boot-id>" (/etc/machine-id, the kernel's random boot_id). Whether the
process behind a record is alive:
- another machine's record: unknown here — never judged (its own machine does it);
- this machine, an earlier boot: dead (a reboot ended every process);
- this machine and boot: its PID (and start time) say.
A record without a machine (written before revision 0003 by a SQLite store: one machine) is this
machine's.

SIMULATEUR_MACHINE_ID replaces the machine part (tests only: two services on one machine playing two
lab machines; the boot part stays the kernel's).
"""

from __future__ import annotations

import functools
import os
import socket
from enum import Enum
from pathlib import Path


def _read(*paths: str) -> str | None:
    for path in paths:
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text:
            return text
    return None


OVERRIDE = "SIMULATEUR_MACHINE_ID"


def machine_id() -> str:
    """This machine and this boot, as stored beside a PID."""
    return _machine_id(os.environ.get(OVERRIDE, "").strip())


@functools.cache
def _machine_id(override: str) -> str:
    machine = (
        override.replace(":", "-")
        or _read("/etc/machine-id", "/var/lib/dbus/machine-id")
        or f"host-{socket.gethostname()}"
    )
    boot = _read("/proc/sys/kernel/random/boot_id") or "unknown-boot"
    return f"{machine}:{boot}"


class Where(Enum):
    HERE = "here"  # this machine, this boot: the PID can be looked at
    EARLIER_BOOT = "boot"  # this machine before a reboot: the process is gone
    ELSEWHERE = "other"  # another machine: not ours to judge


def where(recorded: str | None, here: str | None = None) -> Where:
    """Where the process of a record with machine id `recorded` ran, seen from `here` (ours)."""
    here = here or machine_id()
    if not recorded:
        return Where.HERE
    machine, _, boot = recorded.partition(":")
    my_machine, _, my_boot = here.partition(":")
    if machine != my_machine:
        return Where.ELSEWHERE
    return Where.HERE if boot == my_boot else Where.EARLIER_BOOT


def process_start(pid: int) -> float | None:
    """The start time psutil gives process `pid` (seconds since the epoch), stored beside its PID
    to know it again; None when it is gone or a zombie (dead, not yet reaped by its parent)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return float(proc.create_time())
    except (psutil.Error, OSError):
        return None


def alive(pid: int | None, start: float | None, recorded: str | None) -> bool | None:
    """Whether the process a record names (PID, start time, machine id) still runs: None when it ran
    on another machine (not ours to judge); a record without a start time trusts its PID. The one
    check for the store's owners (an attempt's, an exam's watchdog)."""
    if pid is None:
        return False
    place = where(recorded)
    if place is not Where.HERE:
        return None if place is Where.ELSEWHERE else False
    now = process_start(pid)
    return now is not None and (start is None or abs(now - start) < 0.5)
