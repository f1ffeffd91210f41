"""Properties 7, 8 and 9 — a host's resources are bounded: its tmpfs mounts (/tmp, /run, /dev/shm)
have a size, its processes are in a cgroup of the lab's with memory and pids limits, and a fork loop
inside a host stops at that limit instead of filling the machine's process table."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from sechelpers import (
    StartedLab,
    cgroup_hierarchies,
    cgroup_path,
    host_pid_namespaces,
    host_processes,
    host_python,
    no_cgroup_reason,
    own_limit,
)

MiB = 1 << 20
TMPFS_MAX = 256 * MiB
MEMORY_MAX = 4 << 30
PIDS_MAX = 4096
FILL_MAX = 300  # MiB written at most into /dev/shm
FORK_MAX = 5000  # processes started at most by the fork loop

SIZES = r"""
import json, os
out = {}
for path in ("/tmp", "/run", "/dev/shm"):
    st = os.statvfs(path)
    out[path] = st.f_blocks * st.f_frsize
print(json.dumps(out))
"""


def test_tmpfs_are_bounded(bureau: StartedLab) -> None:
    for host in bureau.hosts:
        sizes = host_python(bureau.id, host, SIZES)
        big = {p: f"{n / MiB:.0f} MiB" for p, n in sizes.items() if n > TMPFS_MAX}
        assert not big, f"{host}: larger than {TMPFS_MAX // MiB} MiB: {big}"


FILL = r"""
import errno, json, os, sys
limit = json.loads(sys.argv[1])
path = f"/dev/shm/simulateur-security-fill-{os.getpid()}"
written, err = 0, None
chunk = b"\0" * (1 << 20)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
try:
    while written < limit << 20:
        try:
            n = os.write(fd, chunk)
        except OSError as e:
            err = e.errno
            break
        written += n
        if n < len(chunk):   # a short write: the next one says why
            continue
finally:
    os.close(fd)
    os.unlink(path)
print(json.dumps({"written": written, "errno": err}))
"""


def test_dev_shm_fills_up_with_enospc(bureau: StartedLab) -> None:
    host = bureau.hosts[0]
    found = host_python(bureau.id, host, FILL, FILL_MAX)
    assert found["errno"] == errno.ENOSPC, f"{host}: {found['written'] / MiB:.0f} MiB written into /dev/shm and " + (
        "no ENOSPC" if found["errno"] is None else f"then {errno.errorcode.get(found['errno'])}, not ENOSPC"
    )


def test_host_processes_are_in_a_limited_cgroup_of_their_own(bureau: StartedLab) -> None:
    reason = no_cgroup_reason()
    if reason:
        pytest.skip(reason)
    hierarchies = cgroup_hierarchies()
    own = Path("/proc/self/cgroup").read_text()
    machine = {c: cgroup_path(own, h) for c, h in hierarchies.items()}
    wanted = {"memory": MEMORY_MAX, "pids": PIDS_MAX}
    procs = host_processes(host_pid_namespaces(bureau.id))
    assert procs, "no process of the lab's hosts found"
    problems: dict[str, list[str]] = {}
    for p in procs:
        for ctrl, h in hierarchies.items():
            path = cgroup_path(p.cgroup, h)
            if path is None:
                problems.setdefault(f"in no {ctrl} cgroup", []).append(p.host)
                continue
            if path == machine[ctrl]:
                problems.setdefault(f"in the machine's own {ctrl} cgroup {path}", []).append(p.host)
            limit = own_limit(h, path, machine[ctrl] or "/")
            if limit is None or limit > wanted[ctrl]:
                shown = "none" if limit is None else limit
                problems.setdefault(f"{ctrl} limit {shown} (want ≤ {wanted[ctrl]}) on {path}", []).append(p.host)
    assert not problems, f"{len(procs)} host processes; " + "; ".join(
        f"{what}: {len(hosts)} processes of {', '.join(sorted(set(hosts)))}" for what, hosts in problems.items()
    )


FORK = r"""
import json, os, shutil, signal, sys
limit = json.loads(sys.argv[1])
sleep = shutil.which("sleep")
pids, err = [], None
try:
    while len(pids) < limit:
        try:
            pids.append(os.posix_spawn(sleep, ["sleep", "300"], {}))
        except OSError as e:
            err = e.errno
            break
finally:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in pids:
        os.waitpid(pid, 0)
print(json.dumps({"started": len(pids), "errno": err}))
"""


def test_a_fork_loop_stops_at_the_pids_limit(bureau: StartedLab) -> None:
    reason = no_cgroup_reason()
    if reason:
        pytest.skip(reason)
    host = bureau.hosts[0]
    found = host_python(bureau.id, host, FORK, FORK_MAX, timeout=300)
    assert found["errno"] == errno.EAGAIN and found["started"] <= PIDS_MAX, (
        f"{host}: a loop of fork+exec started {found['started']} processes "
        + (
            "(the cap of this test) without hitting any limit"
            if found["errno"] is None
            else f"then failed with {errno.errorcode.get(found['errno'])}"
        )
    )
