"""Property 3 — /dev: a host sees the few devices a container gets (no disk, no kernel log, no memory,
no loop or zram device, no virtual console), a devpts instance of its own, none of the machine's
terminals, and cannot make device nodes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sechelpers import StartedLab, host_python, host_pythons

BASE_DEVICES = frozenset(
    {"null", "zero", "full", "random", "urandom", "tty", "ptmx", "fd", "stdin", "stdout", "stderr"}
)
TOLERATED = frozenset({"console", "core", "log"})  # a container runtime's own /dev/console, /proc/kcore link;
# /dev/log: a socket (no device), bound from outside by the SSH collector for sshd's log (journal.sshlog)
OWN_FILESYSTEMS = frozenset({"pts", "shm", "mqueue"})  # the host's own instances: their content is the host's
VM_ONLY = frozenset({"net/tun", "kvm"})  # for the qemu of a VM host, never in a lab without one
WORST = re.compile(r"(kmsg|mem|kmem|port|kvm|net/tun|loop.*|zram.*|vd.*|sd.*|nvme.*|tty\d+|ttyS\d+)")  # shown first

LIST_DEV = r"""
import json, os
leaves = []
for top, dirs, files in os.walk("/dev"):
    rel = os.path.relpath(top, "/dev")
    if rel in ("pts", "shm", "mqueue"):
        dirs[:] = []
        continue
    names = files + [d for d in dirs if os.path.islink(os.path.join(top, d))]
    if rel != "." and not names and not dirs:
        leaves.append(rel)   # an empty directory
    leaves += [n if rel == "." else f"{rel}/{n}" for n in names]
print(json.dumps(sorted(leaves)))
"""


def unexpected_devices(leaves: list[str], with_vm: bool) -> list[str]:
    allowed = BASE_DEVICES | TOLERATED | (VM_ONLY if with_vm else frozenset())
    extra = [p for p in leaves if p not in allowed and p.split("/")[0] not in OWN_FILESYSTEMS]
    return sorted(extra, key=lambda p: (not WORST.fullmatch(p), p))


def summary(paths: list[str]) -> str:
    """ "kmsg loopN×8 ttyN×64 vda": numbered devices counted, not listed."""
    groups: dict[str, int] = {}
    for p in paths:
        key = re.sub(r"\d+", "N", p)
        groups[key] = groups.get(key, 0) + 1
    return " ".join(k if n == 1 else f"{k}×{n}" for k, n in groups.items())


def test_dev_holds_only_the_container_devices(probed: dict[str, dict[str, Any]]) -> None:
    problems: dict[tuple[str, ...], list[str]] = {}  # the same findings, by the hosts that have them
    for host, seen in probed.items():
        extra = unexpected_devices(seen["dev"], with_vm=False)
        if extra:
            problems.setdefault(tuple(extra), []).append(host)
    assert not problems, "devices a container has no access to: " + "; ".join(
        f"in {', '.join(hosts)}: {summary(list(extra))}" for extra, hosts in problems.items()
    )


PTS = r"""
import json, os
pts = [line.split(" - ")[1].split()[0] for line in open("/proc/self/mountinfo")
       if line.split()[4] == "/dev/pts"]
print(json.dumps({"dev": os.stat("/dev/pts").st_dev if os.path.isdir("/dev/pts") else None,
                  "fstype": pts[-1] if pts else None}))
"""


def test_dev_pts_is_a_devpts_instance_of_its_own(probed: dict[str, dict[str, Any]]) -> None:
    machine = os.stat("/dev/pts").st_dev
    for host, seen in probed.items():
        found = seen["pts"]
        assert found["fstype"] == "devpts", f"{host}: /dev/pts is not a devpts mount ({found['fstype']})"
        assert found["dev"] != machine, f"{host}: /dev/pts is the machine's devpts (st_dev {machine})"


# Every path of the host that could name the machine's pty: its name on the machine, every entry of
# /dev and of every devpts mount. A candidate is opened (never written to) and checked by its device.
OPEN_PTY = r"""
import json, os, stat, sys
want = json.loads(sys.argv[1])
target = (want["dev"], want["rdev"])
candidates = {want["name"]}
points = ["/dev"] + [line.split()[4] for line in open("/proc/self/mountinfo") if " - devpts " in line]
for point in points:
    for top, dirs, files in os.walk(point):
        for name in files + dirs:
            path = os.path.join(top, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISCHR(st.st_mode) and (st.st_dev, st.st_rdev) == target:
                candidates.add(path)
opened = []
for path in sorted(candidates):
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        continue
    st = os.fstat(fd)
    os.close(fd)
    if (st.st_dev, st.st_rdev) == target:
        opened.append(path)
print(json.dumps(opened))
"""


def test_a_machine_pty_cannot_be_opened_from_a_host(bureau: StartedLab) -> None:
    master, slave = os.openpty()
    try:
        st = os.fstat(slave)
        want: dict[str, Any] = {"name": os.ttyname(slave), "dev": st.st_dev, "rdev": st.st_rdev}
        opened = {host: host_python(bureau.id, host, OPEN_PTY, want) for host in bureau.hosts}
    finally:
        os.close(slave)
        os.close(master)
    opened = {host: paths for host, paths in opened.items() if paths}
    assert not opened, f"the machine's pty {want['name']} opened from inside: {opened}"


# mknod(1) as a trainee would type it, in the host's own /tmp; a node made is removed at once.
MKNOD = r"""
import json, os, subprocess
node = f"/tmp/simulateur-security-mknod-{os.getpid()}"
run = subprocess.run(["mknod", node, "c", "1", "3"], capture_output=True, text=True)
if run.returncode == 0:
    os.unlink(node)
print(json.dumps(run.returncode))
"""


def test_mknod_fails(probed: dict[str, dict[str, Any]]) -> None:
    made = [host for host, seen in probed.items() if seen["mknod"] == 0]
    assert not made, f"mknod /tmp/x c 1 3 succeeded in {', '.join(made)}"


@pytest.fixture(scope="module")
def probed(bureau: StartedLab) -> Iterator[dict[str, dict[str, Any]]]:
    """The probes of this module that need nothing from the test, run once in every host."""
    scripts = {"dev": (LIST_DEV, None), "pts": (PTS, None), "mknod": (MKNOD, None)}
    yield {host: host_pythons(bureau.id, host, scripts) for host in bureau.hosts}
