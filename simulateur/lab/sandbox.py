"""A lab host as a sandbox, seen from the engine: what its root is made of, how its PID 1 starts,
how the engine enters it. The work inside the host's namespaces is the agent's
(sandbox_agent.py, run by the machine's python); the values are profile.py's.

A host's root is a directory of the lab's tmpfs (<lab>/hosts/<host>/root) holding
- the usr-merged links (bin -> usr/bin…) and its own empty top-level directories;
- an overlay of each of the machine's /usr, /etc and /var (LOWER_DIRS): the machine's directory
  is the lowest layer, the lab's *system layer* (below) sits on it, the host's writes go to its
  own upper dir; nothing else of the machine (its /root, /home, /srv, /opt, /work, the project's
  checkout, caches, stores) exists in a host;
- binds of the host's own top-level directories written before boot (<host>/upper/root…).

The system layer (<lab>/hosts/.system, one per lab, shared by its hosts, read-only for them)
hides what the allowed directories hold of the machine's own: every file of /etc that is not
world-readable (shadow-, gshadow-, ssh host keys, TLS private keys…), the data under /var (logs,
backups, spools, caches, every /var/lib directory but the package system's: VAR_KEEP), and any
of the project's paths that would lie under /usr, /etc or /var (a checkout or venv in /usr/local,
SIMULATEUR_DATA=/var/lib/…). Hiding uses overlayfs's own marks: a whiteout (a 0/0 character
device) for a file, an opaque empty directory for a directory — Debian's layout stays, the
machine's data does not. Building it walks /etc only (~1,400 entries, ~12 ms here).
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from pathlib import Path

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab import audit, cgroups, nsutil, profile, seccomp_build
from simulateur.paths import cache_dir, data_dir, scenarios_dir, state_root, user_scenarios_dir

AGENT = Path(__file__).resolve().parent / "sandbox_agent.py"
SYSTEM_PYTHON = "/usr/bin/python3"
SYSTEM_LAYER = ".system"
OPAQUE = ("trusted.overlay.opaque", b"y")

_program: Path | None = None
_notify: Path | None = None


def seccomp_program() -> Path:
    global _program
    if _program is None or not _program.exists():
        _program = seccomp_build.program()
    return _program


def _project_paths() -> list[Path]:
    """The machine paths of the project itself: never visible in a host."""
    package = Path(__file__).resolve().parents[1]
    paths = [package, scenarios_dir(), user_scenarios_dir(), data_dir(), cache_dir(), state_root()]
    if (package.parent / "pyproject.toml").exists():  # a source checkout: all of it
        paths.append(package.parent)
    if sys.prefix != sys.base_prefix:  # a virtual environment of ours
        paths += [Path(sys.prefix), Path(sys.prefix).resolve()]
    return [Path(os.path.abspath(p)) for p in paths]


def _whiteout(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() and not path.is_symlink():
        os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))


def _opaque(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.setxattr(path, *OPAQUE)


def _hide(layer: Path, rel: str, is_dir: bool) -> None:
    (_opaque if is_dir else _whiteout)(layer / rel)


def _walk_private(top: str) -> list[tuple[str, bool]]:
    """Entries under `top` (machine path) that others may not read: (relative path, is a dir)."""
    found = []
    stack = [top]
    while stack:
        here = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            rel = entry.path.lstrip("/")
            if stat.S_ISLNK(st.st_mode):
                continue
            if stat.S_ISDIR(st.st_mode):
                if st.st_mode & 0o005 != 0o005:
                    found.append((rel, True))
                else:
                    stack.append(entry.path)
            elif not st.st_mode & 0o004:
                found.append((rel, False))
    return found


def build_system_layer(hosts_dir: Path) -> Path:
    """The lab's system layer (see the module's docstring), under the lab's hosts tmpfs."""
    layer = hosts_dir / SYSTEM_LAYER
    for name in profile.LOWER_DIRS:
        (layer / name).mkdir(parents=True, exist_ok=True)
    for rel, is_dir in _walk_private("/etc"):
        _hide(layer, rel, is_dir)
    for parent, keep in profile.VAR_KEEP.items():
        try:
            entries = list(os.scandir("/" + parent))
        except OSError:
            continue
        for entry in entries:
            if entry.name in keep:
                continue
            _hide(layer, f"{parent}/{entry.name}", entry.is_dir(follow_symlinks=False))
    for rel in profile.VAR_HIDE:
        if os.path.isdir("/" + rel) and not os.path.islink("/" + rel):
            _opaque(layer / rel)
        elif os.path.lexists("/" + rel):
            _whiteout(layer / rel)
    hidden: list[Path] = []
    for path in sorted(set(_project_paths()), key=lambda p: len(p.parts)):  # an ancestor hides all below
        parts = path.parts
        if len(parts) > 2 and parts[1] in profile.LOWER_DIRS and not any(path.is_relative_to(h) for h in hidden):
            _hide(layer, str(path).lstrip("/"), path.is_dir() or not path.exists())
            hidden.append(path)
    return layer


def make_root(base: Path) -> Path:
    """The host's (empty) root directory with its top-level entries, before its PID 1 fills it."""
    root = base / "root"
    root.mkdir(parents=True, exist_ok=True)
    for name in profile.USR_MERGED_LINKS:
        if os.path.islink("/" + name) and not os.path.lexists(root / name):
            os.symlink(os.readlink("/" + name), root / name)
    for name in (*profile.LOWER_DIRS, *profile.TOP_DIRS):
        (root / name).mkdir(exist_ok=True)
    os.chmod(root / "root", 0o700)
    os.chmod(root / "tmp", 0o1777)
    for name in profile.LOWER_DIRS:
        (base / "upper" / name).mkdir(parents=True, exist_ok=True)
        (base / "work" / name).mkdir(parents=True, exist_ok=True)
    return root


def notify_program() -> Path:
    global _notify
    if _notify is None or not _notify.exists():
        _notify = seccomp_build.program(notify=True)
    return _notify


def _audit_spec(lab_id: str, host: str) -> dict[str, str] | None:
    """Where the host's PID 1 hands its exec listener (None: a lab without auditor)."""
    path = audit.socket_path(lab_id)
    if not path.exists():
        return None
    return {"socket_path": str(path), "bpf": str(notify_program()), "host": host}


def _confinement() -> dict[str, object]:
    return {"caps": profile.kept_cap_numbers(), "bpf": str(seccomp_program())}


def boot_spec(
    base: Path,
    name: str,
    system_layer: Path,
    cgroup_procs: list[str],
    uid_base: int | None = None,
    lab_id: str | None = None,
) -> dict[str, object]:
    """`uid_base`: the host runs in a user namespace (simulateur.lab.userns) whose root is this id
    of the machine; its layers are then idmapped clones staged under <host>/idmap."""
    spec: dict[str, object] = {
        **_confinement(),
        "name": name,
        "root": str(base / "root"),
        "upper": str(base / "upper"),
        "work": str(base / "work"),
        "cgroups": cgroup_procs,
        "lowers": {d: str(system_layer / d) for d in profile.LOWER_DIRS},
        "devices": [list(d) for d in profile.DEVICES],
        "dev_links": profile.DEV_LINKS,
        "tmpfs": profile.TMPFS_SIZES,
        "masked": list(profile.MASKED_PATHS),
        "readonly": list(profile.READONLY_PATHS),
        "writable": list(profile.WRITABLE_UNDER_READONLY),
    }
    audited = _audit_spec(lab_id, name) if lab_id is not None else None
    if audited is not None:
        spec["audit"] = audited
    if uid_base is not None:
        spec["userns"] = {
            "base": uid_base,
            "stage": str(base / "idmap"),
            "system": str(system_layer),
            "host": str(base),
        }
    return spec


def create_userns_netns(hosts: list[tuple[str, int]]) -> None:
    """Named network namespaces owned by a user namespace of their own each: (netns name, first id
    of the range outside). One agent run for all (unshare(CLONE_NEWUSER) refuses a threaded
    process)."""
    import subprocess

    from simulateur.lab.userns import USERNS_SIZE

    nsutil.netns_dir()
    spec = {
        "hosts": [{"netns": str(nsutil.netns_path(name)), "base": base, "size": USERNS_SIZE} for name, base in hosts]
    }
    proc = subprocess.run(
        [SYSTEM_PYTHON, "-I", "-S", str(AGENT), "userns", json.dumps(spec)], capture_output=True, text=True, timeout=30
    )
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise SimError(tr("sandbox.userns_failed", why=why))


def boot_argv(netns: str, spec: dict[str, object]) -> list[str]:
    """The command whose child becomes the host's PID 1, in the host's network namespace."""
    return [SYSTEM_PYTHON, "-I", "-S", str(AGENT), "boot", json.dumps({**spec, "netns": str(nsutil.netns_path(netns))})]


def _cgroup_procs(lab_id: str) -> list[str]:
    return [str(g / "cgroup.procs") for g in cgroups.groups(lab_id)]


ENTER_SOURCE = Path(__file__).resolve().parent / "sandbox_enter.c"
_enter: Path | None = None
_ENTER_LOCK = threading.Lock()


def enter_binary() -> Path:
    """The compiled `enter` (sandbox_enter.c: why C, measured, in its header), built with the
    machine's C compiler on first use and kept in the state root by the hash of its source."""
    global _enter
    if _enter is not None and _enter.exists():
        return _enter
    import fcntl
    import hashlib
    import shutil
    import subprocess

    source = ENTER_SOURCE.read_bytes()
    out = state_root() / ".bin" / f"sandbox-enter-{hashlib.sha256(source).hexdigest()[:12]}"
    with _ENTER_LOCK:  # threads of one process, then processes (a file lock): one compiler at a time
        if not out.exists():
            cc = shutil.which("cc") or shutil.which("gcc")
            if cc is None:
                raise SimError(tr("sandbox.no_cc"))
            out.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with open(out.parent / ".lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not out.exists():
                    tmp = out.with_suffix(f".{os.getpid()}.tmp")
                    proc = subprocess.run(
                        [cc, "-O2", "-Wall", "-o", str(tmp), str(ENTER_SOURCE)],
                        capture_output=True,
                        text=True,
                        timeout=120,
                    )
                    if proc.returncode != 0:
                        tmp.unlink(missing_ok=True)
                        raise SimError(tr("sandbox.cc_failed", why=(proc.stderr.strip().splitlines() or ["?"])[-1]))
                    os.replace(tmp, out)
        _enter = out
    return out


def enter_argv(
    lab_id: str,
    pid1: int,
    pid1_start: int | None,
    argv: list[str],
    env: dict[str, str],
    cwd: str,
    tty: bool = False,
    userns: bool = False,
    host: str = "?",
    tag: str = "lab",
) -> list[str]:
    """The command that runs `argv` inside the host whose PID 1 is `pid1`, confined (as root of
    the host's user namespace when `userns`). `tty`: its fd 0 is a pty of the host that becomes
    the command's controlling terminal (sandbox_enter.c). Every program it and its descendants
    start is recorded by the lab's exec auditor (simulateur.lab.audit) under `host` and `tag`."""
    caps = sum(1 << n for n in profile.kept_cap_numbers())
    cgroup_procs = _cgroup_procs(lab_id)
    spec = _audit_spec(lab_id, host)
    audited = [spec["socket_path"], spec["bpf"], host, tag] if spec is not None else ["-", "-", "-", "-"]
    return [
        str(enter_binary()),
        str(pid1),
        str(pid1_start),
        str(seccomp_program()),
        f"{caps:x}",
        cwd,
        "1" if tty else "0",
        "1" if userns else "0",
        *audited,
        str(len(cgroup_procs)),
        *cgroup_procs,
        str(len(env)),
        *(f"{k}={v}" for k, v in env.items()),
        "--",
        *argv,
    ]


def mount_tmpfs(
    pid1: int, pid1_start: int | None, path: str, size_mb: int, mode: int = 0o755, owner: int | None = None
) -> None:
    """Mount a tmpfs of `size_mb` MiB on `path` of the host (the engine's gesture: no process of the
    host can mount anything). `owner`: the machine id of the host's root (user namespace), else
    the tmpfs would be nobody's inside."""
    import subprocess

    options = f"size={size_mb}m,mode={mode:o}" + (f",uid={owner},gid={owner}" if owner is not None else "")
    spec = {"pid": pid1, "start": pid1_start, "path": path, "options": options}
    proc = subprocess.run(
        [SYSTEM_PYTHON, "-I", "-S", str(AGENT), "mount", json.dumps(spec)], capture_output=True, text=True, timeout=30
    )
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise SimError(tr("sandbox.mount_failed", path=path, why=why))
