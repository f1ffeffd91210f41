"""Compile the hosts' seccomp filters (profile.py) into BPF programs, with libseccomp.

Two programs: the refusals (`program()`), and the exec notifier (`program(notify=True)`: execve
and execveat wait for the lab's exec auditor, simulateur.lab.audit, which records them and lets
them go on; everything else is allowed by it).

Two halves:
- `program()` (engine side) returns the path of the compiled filter, built once per profile and
  kept in the state root (/run: rebuilt after a reboot, ~40 ms);
- run as a script by Debian's python3 (`/usr/bin/python3 -I seccomp_build.py OUT < rules.json`),
  it uses libseccomp's own Python binding (Debian's python3-seccomp, made for the machine's python,
  not our venv's) to write the BPF program. The sandbox agent then loads those bytes with
  prctl(PR_SET_SECCOMP) — loading needs no library, which keeps every entry into a host cheap.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"


def rules(notify: bool = False) -> dict[str, object]:
    from simulateur.lab import profile

    if notify:
        return {"notify": list(profile.AUDITED_SYSCALLS)}
    return {
        "deny": list(profile.DENIED_SYSCALLS),
        "clone_flags": sorted(profile.CLONE_NS_FLAGS.values()),
        "ioctls": sorted(profile.DENIED_IOCTLS.values()),
    }


def program(notify: bool = False) -> Path:
    """The compiled filter (built if missing). Raises SimError with the fix when it cannot be."""
    from simulateur.errors import SimError
    from simulateur.i18n import tr
    from simulateur.paths import state_root

    text = json.dumps(rules(notify), sort_keys=True)
    digest = hashlib.sha256(text.encode() + Path(__file__).read_bytes()).hexdigest()[:16]
    out = state_root() / ".seccomp" / f"{digest}.bpf"  # not a lab id: the reaper leaves it
    if out.exists():
        return out
    out.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    try:
        proc = subprocess.run(
            [SYSTEM_PYTHON, "-I", __file__, str(tmp)], input=text, capture_output=True, text=True, timeout=30
        )
    except FileNotFoundError:
        raise SimError(tr("sandbox.no_seccomp", why=SYSTEM_PYTHON)) from None
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        why = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise SimError(tr("sandbox.no_seccomp", why=why))
    os.replace(tmp, out)
    return out


def _compile(spec: dict[str, list[int] | list[str]], out: str) -> None:
    try:
        import seccomp  # Debian's python3-seccomp (libseccomp's binding)
    except ImportError:
        sys.exit("python3-seccomp manquant : apt-get install python3-seccomp")
    if "notify" in spec:
        f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        for name in spec["notify"]:
            f.add_rule(seccomp.NOTIFY, str(name))
        with open(out, "wb") as fh:
            f.export_bpf(fh)
        return
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    eperm = seccomp.ERRNO(errno.EPERM)
    for name in spec["deny"]:
        try:
            f.add_rule(eperm, str(name))
        except (RuntimeError, ValueError, OSError):
            continue  # not a system call of this architecture / libseccomp
    for flag in spec["clone_flags"]:
        f.add_rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, int(flag), int(flag)))
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for request in spec["ioctls"]:
        f.add_rule(eperm, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, int(request)))
    with open(out, "wb") as fh:
        f.export_bpf(fh)


if __name__ == "__main__":
    _compile(json.load(sys.stdin), sys.argv[1])
