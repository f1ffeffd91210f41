"""The processes of the host, read from /proc: state, parent, start time, command line, the tree
under a main PID; signals."""

import os
import time

from .common import read_text


def proc_stat(pid):
    """(state, ppid, pgrp, session, starttime) or None."""
    text = read_text("/proc/%d/stat" % pid)
    if not text:
        return None
    try:
        rest = text[text.rindex(")") + 2 :].split()
        return rest[0], int(rest[1]), int(rest[2]), int(rest[3]), int(rest[19])
    except (ValueError, IndexError):
        return None


def alive(pid, stime=None):
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except OSError:
        return False
    st = proc_stat(pid)
    if st is None:
        return os.path.isdir("/proc/%d" % pid) or not os.path.isdir("/proc/self")
    if st[0] in ("Z", "X", "x"):
        return False
    return stime is None or st[4] == stime  # a start time that differs: the PID was reused by another process


def proc_comm(pid):
    text = read_text("/proc/%d/comm" % pid)
    return text.strip() if text else "?"


def proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            raw = f.read()
    except OSError:
        return proc_comm(pid)
    parts = [p.decode("utf-8", "replace") for p in raw.split(b"\0") if p]
    return " ".join(parts) if parts else "[%s]" % proc_comm(pid)


def all_stats():
    out = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if name.isdigit():
            st = proc_stat(int(name))
            if st is not None:
                out[int(name)] = st
    return out


def proc_tree(pid):
    """The main PID and its living descendants (like a unit's cgroup)."""
    stats = all_stats()
    children = {}
    for p, st in stats.items():
        children.setdefault(st[1], []).append(p)
    result, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in result:
            continue
        result.append(p)
        todo.extend(children.get(p, []))
    return [p for p in result if p == pid or alive(p)]


def wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = [p for p in left if alive(p)]
    return left


def send(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except OSError:
        return False
