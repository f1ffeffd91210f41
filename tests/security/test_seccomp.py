"""Property 2 — seccomp: inside a host, the system calls a container's default seccomp profile refuses
fail with EPERM (or ENOSYS), the process runs under a seccomp filter, and TIOCSTI (typing into a
terminal) is refused — on a pty of the host, and on the trainee's own terminal that `simulateur exec`
hands into the host.

Every call is made in a throwaway child, with arguments that make it harmless even where the kernel
lets it through: missing paths, a wrong reboot magic number, an unknown key type, a kexec segment
count the kernel rejects, a NULL perf attribute, a ptrace of the prober's own sleeping child."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import subprocess
import sys
import termios
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from sechelpers import StartedLab, host_python

REFUSED = {errno.EPERM, errno.ENOSYS}

PROBE = r"""
import ctypes, errno, fcntl, json, os, platform, signal, termios, time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = {
    "x86_64": dict(mount=165, umount2=166, unshare=272, setns=308, pivot_root=155, keyctl=250, add_key=248,
                   bpf=321, ptrace=101, perf_event_open=298, open_by_handle_at=304, userfaultfd=323,
                   kexec_load=246, init_module=175, reboot=169, swapon=167),
    "aarch64": dict(mount=40, umount2=39, unshare=97, setns=268, pivot_root=41, keyctl=219, add_key=217,
                    bpf=280, ptrace=117, perf_event_open=241, open_by_handle_at=265, userfaultfd=282,
                    kexec_load=104, init_module=105, reboot=142, swapon=224),
}[platform.machine()]
L = ctypes.c_long
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MISSING = b"/nonexistent-simulateur-security-test"


def in_child(fn):
    # fn() runs in a child: whatever the kernel lets it do dies with it. Its errno (0: success).
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            code = fn()
        except OSError as e:
            code = -e.errno   # the set-up failed, not the call
        except BaseException:
            code = -1000
        os.write(w, str(code).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 64):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return int(data) if data else -1001


def call(name, *args):
    def fn():
        res = libc.syscall(L(NR[name]), *args)
        return ctypes.get_errno() if res == -1 else 0
    return fn


def setns():
    fd = os.open("/proc/self/ns/uts", os.O_RDONLY)   # its own namespace: a no-op if allowed
    return call("setns", L(fd), L(0))()


def ptrace_attach():
    child = os.fork()
    if child == 0:
        time.sleep(60)
        os._exit(0)
    try:
        return call("ptrace", L(16), L(child), None, None)()   # PTRACE_ATTACH
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


CALLS = {
    "mount": call("mount", b"none", MISSING, b"tmpfs", L(0), None),
    "umount2": call("umount2", MISSING, L(0)),
    "unshare(CLONE_NEWNS)": call("unshare", L(CLONE_NEWNS)),
    "unshare(CLONE_NEWUSER)": call("unshare", L(CLONE_NEWUSER)),
    "unshare(CLONE_NEWNS|CLONE_NEWUSER)": call("unshare", L(CLONE_NEWNS | CLONE_NEWUSER)),
    "setns": setns,
    "pivot_root": call("pivot_root", MISSING, MISSING + b"-old"),
    "keyctl": call("keyctl", L(0), L(-3), L(0)),   # KEYCTL_GET_KEYRING_ID of the session keyring, no create
    "add_key": call("add_key", b"simulateur-no-such-key-type", b"simulateur-test", b"x", L(1), L(-2)),
    "bpf": call("bpf", L(0), None, L(0)),   # BPF_MAP_CREATE with no attributes
    "ptrace(PTRACE_ATTACH)": ptrace_attach,
    "perf_event_open": call("perf_event_open", None, L(0), L(-1), L(-1), L(0)),
    "open_by_handle_at": call("open_by_handle_at", L(-100), None, L(0)),
    "userfaultfd": call("userfaultfd", L(os.O_CLOEXEC)),
    "kexec_load": call("kexec_load", L(0), L(1000), None, L(0)),   # 1000 segments: always rejected
    "init_module": call("init_module", None, L(0), b""),
    "reboot": call("reboot", L(0), L(0), L(0), None),   # wrong magic numbers: EINVAL at most
    "swapon": call("swapon", MISSING, L(0)),
}


def tiocsti():
    # A pty of the host, made the controlling terminal of a new session (as a login's terminal is).
    master, slave = os.openpty()

    def fn():
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        try:
            fcntl.ioctl(slave, termios.TIOCSTI, b"#")
            return 0
        except OSError as e:
            return e.errno
    return in_child(fn)


status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
try:
    tiocsti_errno = tiocsti()
except OSError as e:
    tiocsti_errno = -e.errno
print(json.dumps({"calls": {name: in_child(fn) for name, fn in CALLS.items()},
                  "seccomp": status.get("Seccomp", "").strip(), "tiocsti": tiocsti_errno}))
"""


def errname(code: int) -> str:
    if code == 0:
        return "succeeded"
    if code < 0:
        return f"set-up failed ({errno.errorcode.get(-code, -code)})"
    return errno.errorcode.get(code, str(code))


@pytest.fixture(scope="module")
def probed(bureau: StartedLab) -> Iterator[dict[str, Any]]:
    """The probe's findings in every host of the lab."""
    yield {host: host_python(bureau.id, host, PROBE) for host in bureau.hosts}


def test_dangerous_syscalls_fail_with_eperm(probed: dict[str, Any]) -> None:
    problems: dict[str, list[str]] = {}
    for host, found in probed.items():
        for name, code in found["calls"].items():
            if code not in REFUSED:
                problems.setdefault(f"{name} {errname(code)}", []).append(host)
    assert not problems, "not refused with EPERM/ENOSYS (call, result, hosts): " + "; ".join(
        f"{what} in {', '.join(hosts)}" for what, hosts in problems.items()
    )


def test_processes_run_under_a_seccomp_filter(probed: dict[str, Any]) -> None:
    modes = {host: found["seccomp"] for host, found in probed.items()}
    assert all(m == "2" for m in modes.values()), f"Seccomp: in /proc/self/status is not 2 (filter): {modes}"


def test_tiocsti_refused_on_a_host_pty(probed: dict[str, Any]) -> None:
    codes = {host: errname(found["tiocsti"]) for host, found in probed.items()}
    assert all(found["tiocsti"] in (errno.EPERM, errno.EIO) for found in probed.values()), (
        f"TIOCSTI on a pty opened in the host (its controlling terminal) was not refused: {codes}"
    )


def test_tiocsti_refused_on_the_trainees_terminal(bureau: StartedLab) -> None:
    """`simulateur exec` (and `shell`) run in the trainee's terminal: that terminal — a machine's pty,
    here one this test opens — may reach the host as fd 0 and controlling terminal. Characters pushed
    into it with TIOCSTI would be read by the trainee's machine shell once the command ends. Passes if
    TIOCSTI is refused, or if what the host gets as fd 0 is not the machine's terminal."""
    master, slave = os.openpty()
    st = os.fstat(slave)

    def own_terminal() -> None:  # in the child: the pty becomes its controlling terminal
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    script = textwrap.dedent("""
        import fcntl, json, os, termios
        st = os.fstat(0)
        try:
            fcntl.ioctl(0, termios.TIOCSTI, b"#")
            r = 0
        except OSError as e:
            r = e.errno
        print(json.dumps({"errno": r, "dev": st.st_dev, "rdev": st.st_rdev}))
    """)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "simulateur", "exec", bureau.id, bureau.hosts[0], "--", "python3", "-c", script],
            stdin=slave,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=own_terminal,
        )
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    machine_tty = (found["dev"], found["rdev"]) == (st.st_dev, st.st_rdev)
    assert found["errno"] in (errno.EPERM, errno.EIO, errno.ENOTTY) or not machine_tty, (
        f"TIOCSTI on the trainee's terminal (the machine's pty, fd 0) from inside {bureau.hosts[0]} {errname(found['errno'])}"
    )
