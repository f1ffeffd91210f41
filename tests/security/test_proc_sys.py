"""Property 4 — /proc and /sys: the kernel's settings are read-only in a host (but its own network's:
a router needs ip_forward), what a container runtime masks is masked, no cgroup filesystem can be
written, and nothing can be mounted. Writability is tested without writing: access(W_OK), or an open
for append that writes nothing; ip_forward is written back with its own value."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import Any

import pytest
from sechelpers import StartedLab, host_pythons

REFUSED = {errno.EROFS, errno.EACCES, errno.EPERM}

SYS = r"""
import json, os
# Attributes that exist on any sysfs; opened for writing, never written (a write only happens on write()).
candidates = ["/sys/kernel/uevent_helper", "/sys/kernel/mm/transparent_hugepage/enabled",
              "/sys/class/net/lo/mtu", "/sys/kernel/profiling", "/sys/module/printk/parameters/time"]
opens = {}
for path in candidates:
    if not os.path.exists(path):
        continue
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
        opens[path] = 0
    except OSError as e:
        opens[path] = e.errno
mounted = os.path.ismount("/sys")
print(json.dumps({"mounted": mounted, "ro": bool(os.statvfs("/sys").f_flag & os.ST_RDONLY) if mounted else None,
                  "opens": opens}))
"""


def test_sys_is_read_only(probed: dict[str, dict[str, Any]]) -> None:
    for host, seen in probed.items():
        found = seen["sys"]
        opened = [p for p, code in found["opens"].items() if code not in REFUSED]
        assert not opened, f"{host}: opened for writing in /sys: {opened}"
        assert not found["mounted"] or found["ro"], f"{host}: /sys is mounted read-write"


PROC_SYS = r"""
import json, os
writable, total = [], 0
for top, dirs, files in os.walk("/proc/sys"):
    if top == "/proc/sys" and "net" in dirs:
        dirs.remove("net")
    for name in files:
        total += 1
        path = os.path.join(top, name)
        if os.access(path, os.W_OK):
            writable.append(path[len("/proc/sys/"):])
try:   # the classic escape: a core_pattern piped to a program of the host, run by the machine's kernel
    os.close(os.open("/proc/sys/kernel/core_pattern", os.O_WRONLY | os.O_APPEND))
    core = 0
except OSError as e:
    core = e.errno
print(json.dumps({"total": total, "writable": writable, "core_pattern": core}))
"""


def test_proc_sys_is_read_only_but_net(probed: dict[str, dict[str, Any]]) -> None:
    for host, seen in probed.items():
        found = seen["proc_sys"]
        assert found["total"] > 0, f"{host}: nothing under /proc/sys to test"
        w, core = found["writable"], found["core_pattern"]
        assert core in REFUSED and not w, (
            f"{host}: {len(w)} of {found['total']} settings outside /proc/sys/net are writable "
            f"({' '.join(w[:10])}{' …' if len(w) > 10 else ''}); an open of kernel/core_pattern for writing "
            f"{'succeeded' if core == 0 else errno.errorcode.get(core, core)}"
        )


IP_FORWARD = r"""
import json, os
path = "/proc/sys/net/ipv4/ip_forward"
value = open(path).read()
try:
    with open(path, "w") as f:   # its own value, back: changes nothing
        f.write(value)
    print(json.dumps(0))
except OSError as e:
    print(json.dumps(e.errno))
"""


def test_ip_forward_stays_writable(probed: dict[str, dict[str, Any]]) -> None:
    for host, seen in probed.items():
        code = seen["ip_forward"]
        assert code == 0, (
            f"{host}: net.ipv4.ip_forward cannot be written ({errno.errorcode.get(code)}): a router scenario needs it"
        )


MASKED = r"""
import json, os, stat
FILES = ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/sysrq-trigger"]
DIRS = ["/proc/acpi", "/proc/scsi", "/sys/firmware"]
out = {}
for path in FILES:
    if not os.path.lexists(path):
        continue
    st = os.stat(path)
    if stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3):
        continue   # /dev/null bound over it
    try:
        with open(path, "rb") as f:
            data = f.read(64)
    except OSError:
        data = b""
    try:   # never written to: opened for append, closed
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
        writable = True
    except OSError:
        writable = False
    if data or writable:
        out[path] = ("readable" if data else "") + (" writable" if writable else "")
for path in DIRS:
    if not os.path.lexists(path):
        continue
    try:
        entries = os.listdir(path)
    except OSError:
        continue
    if entries:
        out[path] = "lists " + " ".join(sorted(entries)[:5])
print(json.dumps(out))
"""


def test_runtime_masked_paths_are_masked(probed: dict[str, dict[str, Any]]) -> None:
    found = {host: seen["masked"] for host, seen in probed.items() if seen["masked"]}
    assert not found, f"not masked (absent, empty or closed): {found}"


CGROUPS = r"""
import json
rw = []
for line in open("/proc/self/mountinfo"):
    fields, _, tail = line.partition(" - ")
    if tail.split()[0] in ("cgroup", "cgroup2") and "rw" in fields.split()[5].split(","):
        rw.append(fields.split()[4] + " " + tail.split()[0])
print(json.dumps(rw))
"""


def test_no_writable_cgroup_filesystem(probed: dict[str, dict[str, Any]]) -> None:
    for host, seen in probed.items():
        rw = seen["cgroups"]
        assert not rw, f"{host}: cgroup filesystems mounted read-write: {rw}"


# The mount(8) a trainee would type; if it works, it is undone at once (the host's own /mnt).
MOUNTS = r"""
import json, subprocess
out = {}
for fstype in ("tmpfs", "debugfs"):
    run = subprocess.run(["mount", "-t", fstype, "none", "/mnt"], capture_output=True, text=True)
    if run.returncode == 0:
        subprocess.run(["umount", "/mnt"])
    out[fstype] = run.returncode
print(json.dumps(out))
"""


@pytest.mark.parametrize("fstype", ["tmpfs", "debugfs"])
def test_mount_fails(probed: dict[str, dict[str, Any]], fstype: str) -> None:
    mounted = [host for host, seen in probed.items() if seen["mounts"][fstype] == 0]
    assert not mounted, f"mount -t {fstype} none /mnt succeeded in {', '.join(mounted)}"


@pytest.fixture(scope="module")
def probed(bureau: StartedLab) -> Iterator[dict[str, dict[str, Any]]]:
    """Every probe of this module, run once in every host of the lab (one `simulateur exec` each)."""
    scripts = {
        "sys": SYS,
        "proc_sys": PROC_SYS,
        "ip_forward": IP_FORWARD,
        "masked": MASKED,
        "cgroups": CGROUPS,
        "mounts": MOUNTS,
    }
    yield {host: host_pythons(bureau.id, host, {k: (v, None) for k, v in scripts.items()}) for host in bureau.hosts}
