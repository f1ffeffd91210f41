"""A unit's runtime state (/run/sysd/NAME.*): active, failed or inactive, since when, its main PID
(checked against PID reuse), and the lock that serialises its jobs."""

import fcntl
import os
import time

from .common import hp, kv1, read_int, read_kv, read_text, remove, write_file, write_kv
from .logs import Log
from .procs import alive, proc_stat


class State:
    def __init__(self, state, sub, pid=None, since=None, kv=None, result=None):
        self.state, self.sub, self.pid, self.since = state, sub, pid, since
        self.kv = kv or {}
        self.result = result

    @property
    def active(self):
        return self.state == "active"


class UnitLock:
    def __init__(self, u, block=True):
        self.u, self.block, self.fd = u, block, None

    def __enter__(self):
        path = self.u.rf("lock")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | (0 if self.block else fcntl.LOCK_NB))
        except OSError:
            os.close(self.fd)
            self.fd = None
        return self.fd is not None

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)


def read_pidfile(u):
    p = u.pidfile
    return read_int(hp(p)) if p else None


def get_state(u, locked=False):
    pid = read_int(u.rf("pid"))
    if pid:
        first, kv = read_kv(u.rf("since"))
        try:
            since = float(first)
        except (TypeError, ValueError):
            since = None
        if alive(pid, kv1(kv, "stime", int)):
            return State("active", "running", pid, since, kv)
        if u.found and u.type == "forking":
            newpid = read_pidfile(u)  # the daemon re-forked (reload…)
            if newpid and newpid != pid and alive(newpid):
                st = proc_stat(newpid)
                items = [("stime", st[4] if st else None)]
                items += [("process", v) for v in kv.get("process", [])]
                write_file(u.rf("pid"), "%d\n" % newpid)
                write_kv(u.rf("since"), first, items)
                return State("active", "running", newpid, since, kv)
        # The main process died behind our back: the unit has failed.
        now = time.time()
        fkv = {"since": [str(now)], "pid": [str(pid)], "what": ["main"], "process": kv.get("process", [])}
        if locked:
            mark_failed_lazily(u, pid, now, kv)
        else:
            with UnitLock(u, block=False) as got:
                if got and read_int(u.rf("pid")) == pid:
                    mark_failed_lazily(u, pid, now, kv)
        return State("failed", "failed", pid, now, fkv, "exit-code")
    if os.path.exists(u.rf("remain")):
        try:
            since = float(read_text(u.rf("remain")).split()[0])
        except (AttributeError, ValueError, IndexError):
            since = None
        return State("active", "exited", None, since)
    first, kv = read_kv(u.rf("failed"))
    if first is not None:
        return State("failed", "failed", kv1(kv, "pid", int), kv1(kv, "since", float), kv, first.strip() or "exit-code")
    try:
        since = float(read_text(u.rf("stopped")).split()[0])
    except (AttributeError, ValueError, IndexError):
        since = None
    return State("inactive", "dead", None, since)


def mark_failed_lazily(u, pid, now, kv):
    write_kv(
        u.rf("failed"),
        "exit-code",
        [("since", now), ("pid", pid), ("what", "main")] + [("process", v) for v in kv.get("process", [])],
    )
    for ext in ("pid", "since"):
        remove(u.rf(ext))
    Log(u).sd("%s: Failed with result 'exit-code'." % u.name)
