"""Helpers of the security tests (imported by name: `from sechelpers import …`).

Everything here looks at a lab the way a trainee and an auditor would, never at how the engine builds
it: commands run inside a host through `simulateur exec` (the trainee's own verb), and the machine
side is read from the machine's /proc and /sys by the test process itself."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labhelpers import Run, sim
from labprefix import lab_prefix

PREFIX_BASE = "c"  # tests/labprefix.py: the security tests' labs are c1, c2… (cx1… under xdist gw23)
NAMESPACES = ("mnt", "net", "pid", "ipc", "uts", "cgroup")

# Docker's default capability set (the profile hosts must not exceed), by capability number.
CAP_NAMES = {
    0: "CHOWN",
    1: "DAC_OVERRIDE",
    2: "DAC_READ_SEARCH",
    3: "FOWNER",
    4: "FSETID",
    5: "KILL",
    6: "SETGID",
    7: "SETUID",
    8: "SETPCAP",
    9: "LINUX_IMMUTABLE",
    10: "NET_BIND_SERVICE",
    11: "NET_BROADCAST",
    12: "NET_ADMIN",
    13: "NET_RAW",
    14: "IPC_LOCK",
    15: "IPC_OWNER",
    16: "SYS_MODULE",
    17: "SYS_RAWIO",
    18: "SYS_CHROOT",
    19: "SYS_PTRACE",
    20: "SYS_PACCT",
    21: "SYS_ADMIN",
    22: "SYS_BOOT",
    23: "SYS_NICE",
    24: "SYS_RESOURCE",
    25: "SYS_TIME",
    26: "SYS_TTY_CONFIG",
    27: "MKNOD",
    28: "LEASE",
    29: "AUDIT_WRITE",
    30: "AUDIT_CONTROL",
    31: "SETFCAP",
    32: "MAC_OVERRIDE",
    33: "MAC_ADMIN",
    34: "SYSLOG",
    35: "WAKE_ALARM",
    36: "BLOCK_SUSPEND",
    37: "AUDIT_READ",
    38: "PERFMON",
    39: "BPF",
    40: "CHECKPOINT_RESTORE",
}
ALLOWED_CAPS = frozenset(
    {
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "SETFCAP",
        "NET_BIND_SERVICE",
        "NET_RAW",
        "NET_ADMIN",
        "SYS_CHROOT",
        "AUDIT_WRITE",
    }
)
FORBIDDEN_CAPS = frozenset(
    {
        "SYS_ADMIN",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_BOOT",
        "SYS_PTRACE",
        "SYS_TIME",
        "DAC_READ_SEARCH",
        "MKNOD",
    }
)


@dataclass(frozen=True)
class StartedLab:
    id: str
    scenario: str
    hosts: list[str]
    info: dict[str, Any]
    data: Path  # the data dir its attempt lives in


def lab_env(data: Path) -> dict[str, str]:
    return {"SIMULATEUR_DATA": str(data), "SIMULATEUR_LAB_PREFIX": lab_prefix(PREFIX_BASE)}


@contextmanager
def running(scenario: str, seed: int, data: Path, timeout: float = 300) -> Iterator[StartedLab]:
    """A lab of `scenario` started through the CLI, stopped when the block ends."""
    env = lab_env(data)
    info = sim("start", scenario, "--seed", str(seed), "--json", env=env, timeout=timeout).json()
    try:
        yield StartedLab(info["lab"], scenario, list(info["hosts"]), info, data)
    finally:
        sim("stop", info["lab"], check=False, env=env, timeout=timeout)


def shell(lab: str, host: str, command: str, *, timeout: float = 120) -> Run:
    """A command line run by the trainee's root shell in `host` (`simulateur exec`)."""
    return sim("exec", lab, host, "--", command, check=False, timeout=timeout)


def host_python(lab: str, host: str, script: str, arg: object = None, *, timeout: float = 120) -> Any:
    """Run a Python script inside `host` (the host's own python3, as a trainee would) and return the
    JSON it prints on its last line; `arg` reaches it as json.loads(sys.argv[1])."""
    run = sim(
        "exec", lab, host, "--", "python3", "-c", textwrap.dedent(script), json.dumps(arg), check=False, timeout=timeout
    )
    assert run.code == 0, f"python3 in {host} exited with {run.code}: {run.err.strip()[-3000:]}"
    lines = run.out.strip().splitlines()
    assert lines, f"python3 in {host} printed nothing: {run.err.strip()[-3000:]}"
    return json.loads(lines[-1])


# One python3 in the host runs several of these scripts in turn (one `simulateur exec` instead of
# one per script): each gets its own argument and its own stdout.
_BUNDLE = r"""
import contextlib, io, json, sys
jobs = json.loads(sys.argv[1])
out = {}
for name, (script, arg) in jobs.items():
    buf = io.StringIO()
    sys.argv = ["-c", json.dumps(arg)]
    with contextlib.redirect_stdout(buf):
        exec(compile(script, name, "exec"), {"__name__": "__main__"})
    out[name] = json.loads(buf.getvalue().strip().splitlines()[-1])
print(json.dumps(out))
"""


def host_pythons(
    lab: str, host: str, scripts: dict[str, tuple[str, object]], *, timeout: float = 300
) -> dict[str, Any]:
    """host_python for several (script, arg) at once: their JSON results by name."""
    jobs = {name: (textwrap.dedent(script), arg) for name, (script, arg) in scripts.items()}
    return dict(host_python(lab, host, _BUNDLE, jobs, timeout=timeout))


# --- the machine's side --------------------------------------------------------------------------
def ns_inode(pid: int | str, ns: str) -> int:
    return os.stat(f"/proc/{pid}/ns/{ns}").st_ino


def machine_namespaces() -> dict[str, int]:
    """The namespaces of the test process: the machine's own."""
    return {ns: ns_inode("self", ns) for ns in (*NAMESPACES, "user")}


def host_pid_namespaces(lab: str) -> dict[int, str]:
    """PID namespace inode → host name, for every namespace host of a running lab, read from inside
    the host (a VM guest has a kernel of its own: its processes are not the machine's)."""
    import simulateur.vm.host  # noqa: F401 - registers the VM kind: Lab.open refuses a kind it does not know
    from simulateur.lab.lab import Lab

    opened = Lab.open(lab)
    found: dict[int, str] = {}
    for name in opened.host_names():
        if opened.state.hosts[name].kind == "vm":
            continue
        res = opened.host(name).run(["stat", "-L", "-c", "%i", "/proc/self/ns/pid"])
        assert res.returncode == 0, f"{name}: {res.stderr}"
        found[int(res.stdout.strip())] = name
    return found


@dataclass
class Proc:
    pid: int
    host: str
    comm: str
    ns: dict[str, int] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    uid_map: str = ""
    cgroup: str = ""


def host_processes(pidns: dict[int, str]) -> list[Proc]:
    """Every live process of the machine whose PID namespace is one of `pidns` (inode → host)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            host = pidns.get(ns_inode(pid, "pid"))
        except OSError:  # gone meanwhile, or out of this test's reach (the machine's init here): not a host's
            continue
        if host is None:
            continue
        try:
            proc = Proc(pid, host, Path(f"/proc/{pid}/comm").read_text().strip())
            proc.ns = {ns: ns_inode(pid, ns) for ns in (*NAMESPACES, "user")}
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                proc.status[key] = value.strip()
            proc.uid_map = Path(f"/proc/{pid}/uid_map").read_text()
            proc.cgroup = Path(f"/proc/{pid}/cgroup").read_text()
        except (FileNotFoundError, ProcessLookupError):  # gone meanwhile
            continue
        if proc.status.get("State", "").startswith("Z"):
            continue
        found.append(proc)
    return found


def cap_names(mask_hex: str) -> set[str]:
    mask = int(mask_hex, 16)
    return {CAP_NAMES.get(bit, f"CAP_{bit}") for bit in range(64) if mask >> bit & 1}


def root_maps_to_nonzero(uid_map: str) -> bool:
    """uid 0 of this user namespace is a non-zero uid outside it (an unprivileged mapping)."""
    for line in uid_map.splitlines():
        inside, outside, count = (int(x) for x in line.split())
        if inside <= 0 < inside + count:
            return outside + (0 - inside) != 0
    return True  # uid 0 is not mapped at all: nobody is root of the machine there


def privilege_problem(who: str, bnd: str, eff: str, userns: int, uid_map: str, machine_userns: int) -> str | None:
    """None if the process is within the profile: its bounding and effective sets stay in Docker's
    default set, or it lives in a user namespace of its own whose root is not the machine's root."""
    extra = (cap_names(bnd) | cap_names(eff)) - ALLOWED_CAPS
    if not extra:
        return None
    if userns != machine_userns and root_maps_to_nonzero(uid_map):
        return None
    where = "the machine's user namespace" if userns == machine_userns else "a user namespace whose root is root"
    return (
        f"{who}: forbidden capabilities {sorted(extra & FORBIDDEN_CAPS)} and others beyond the profile "
        f"{sorted(extra - FORBIDDEN_CAPS)}, in {where} (uid_map {' '.join(uid_map.split())!r})"
    )


# --- cgroups -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hierarchy:
    controller: str  # "memory" or "pids"
    version: int  # 1 or 2
    mountpoint: Path
    root: str  # the cgroup path mounted there (mountinfo's root field)


def _mountinfo() -> list[tuple[str, str, str, str, str]]:
    """(root, mount point, mount options, fs type, super options) of the test process's mounts."""
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, tail = line.partition(" - ")
        f = fields.split()
        t = tail.split()
        out.append((f[3], f[4].encode().decode("unicode_escape"), f[5], t[0], t[2] if len(t) > 2 else ""))
    return out


def cgroup_hierarchies() -> dict[str, Hierarchy]:
    """The machine's writable memory and pids hierarchies (v1 first, else v2's), by controller."""
    found: dict[str, Hierarchy] = {}
    v2: list[tuple[str, str, str]] = []
    for root, point, opts, fstype, sopts in _mountinfo():
        writable = "rw" in opts.split(",") and os.access(point, os.W_OK)
        if fstype == "cgroup" and writable:
            for ctrl in ("memory", "pids"):
                if ctrl in sopts.split(",") and ctrl not in found:
                    found[ctrl] = Hierarchy(ctrl, 1, Path(point), root)
        elif fstype == "cgroup2" and writable:
            v2.append((root, point, opts))
    for root, point, _ in v2:
        try:
            controllers = (Path(point) / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        for ctrl in ("memory", "pids"):
            if ctrl in controllers and ctrl not in found:
                found[ctrl] = Hierarchy(ctrl, 2, Path(point), root)
    return found


def no_cgroup_reason() -> str | None:
    """Why the cgroup tests cannot run here (None: they can)."""
    found = cgroup_hierarchies()
    missing = [c for c in ("memory", "pids") if c not in found]
    if missing:
        return (
            f"the machine has no writable cgroup hierarchy with the {' and '.join(missing)} controller "
            f"(cgroup v1 or v2): limits cannot be set, nor tested"
        )
    return None


def cgroup_path(proc_cgroup: str, h: Hierarchy) -> str | None:
    """A process's cgroup in hierarchy `h`, from the text of its /proc/PID/cgroup."""
    for line in proc_cgroup.splitlines():
        num, ctrls, path = line.split(":", 2)
        if (h.version == 2 and num == "0" and ctrls == "") or (h.version == 1 and h.controller in ctrls.split(",")):
            return path
    return None


def cgroup_dir(h: Hierarchy, path: str) -> Path | None:
    root = h.root.rstrip("/")
    if path != h.root and not path.startswith(root + "/"):
        return None  # outside what the machine has mounted: unreadable from here
    return h.mountpoint / path[len(root) :].lstrip("/")


LIMIT_FILE = {
    ("memory", 1): "memory.limit_in_bytes",
    ("memory", 2): "memory.max",
    ("pids", 1): "pids.max",
    ("pids", 2): "pids.max",
}
UNLIMITED = 2**62  # v1 says 9223372036854771712, v2 says "max"


def own_limit(h: Hierarchy, path: str, machine_path: str) -> int | None:
    """The tightest limit of `h`'s controller set on `path` or an ancestor of it that is not the
    machine's own cgroup nor one of its ancestors (a limit the machine shares is not the lab's).
    None when no such cgroup has a limit."""
    machine_chain = {machine_path}
    p = machine_path
    while p not in ("/", ""):
        p = p.rsplit("/", 1)[0] or "/"
        machine_chain.add(p)
    best: int | None = None
    p = path
    while p not in machine_chain and p not in ("/", ""):
        d = cgroup_dir(h, p)
        if d is not None:
            try:
                text = (d / LIMIT_FILE[(h.controller, h.version)]).read_text().strip()
            except OSError:
                text = "max"
            value = UNLIMITED if text == "max" else int(text)
            if value < UNLIMITED and (best is None or value < best):
                best = value
        p = p.rsplit("/", 1)[0] or "/"
    return best
