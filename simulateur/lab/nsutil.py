"""Low-level namespace helpers: named network namespaces, netlink sockets inside them,
and finding the processes that live in them. Never acts on the machine's own namespace.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.paths import NETNS_DIR

if TYPE_CHECKING:
    from pyroute2 import IPRoute  # imported when used: the package costs ~0.2 s to import

CLONE_NEWNET = 0x40000000
MNT_DETACH = 2
MS_BIND, MS_REC, MS_SHARED = 4096, 16384, 1 << 20
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def inode(path: str | Path) -> int:
    return os.stat(path).st_ino


def netns_path(name: str) -> Path:
    return NETNS_DIR / name


def list_netns() -> list[str]:
    try:
        return sorted(p.name for p in NETNS_DIR.iterdir())
    except FileNotFoundError:
        return []


def _check(rc: int, what: object) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), str(what))


_NETNS_DIR_LOCK = threading.Lock()  # namespaces are made side by side: bind /run/netns once


def netns_dir() -> bytes:
    """/run/netns as iproute2 leaves it: a shared mount point (bound on itself the first time), so
    that a namespace bound there shows in every mount namespace that shares it."""
    path = os.fsencode(NETNS_DIR)
    with _NETNS_DIR_LOCK:
        NETNS_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
        if _libc.mount(b"", path, b"none", MS_SHARED | MS_REC, None) != 0:
            _check(_libc.mount(path, path, b"none", MS_BIND | MS_REC, None), NETNS_DIR)
            _check(_libc.mount(b"", path, b"none", MS_SHARED | MS_REC, None), NETNS_DIR)
    return path


def create_netns(name: str) -> None:
    """A named netns as `ip netns add NAME` makes it, without a child process (pyroute2 forks one
    per namespace, ~4 ms): a short-lived thread of ours unshares its own network namespace (a
    per-thread attribute), binds it on /run/netns/NAME, and ends."""
    netns_dir()
    target = netns_path(name)
    os.close(os.open(target, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0))
    failure: list[BaseException] = []

    def work() -> None:
        try:
            _check(_libc.unshare(CLONE_NEWNET), "unshare")
            _check(_libc.mount(b"/proc/thread-self/ns/net", os.fsencode(target), b"none", MS_BIND, None), target)
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
            failure.append(e)

    worker = threading.Thread(target=work, name=f"netns-{name}")
    worker.start()
    worker.join()
    if failure:
        with contextlib.suppress(OSError):
            target.unlink()
        raise failure[0]


def mount_tmpfs(path: Path, options: str) -> None:
    """Mount a tmpfs of our own on `path` (in the machine's mount namespace)."""
    _check(_libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", 0, options.encode()), path)


def mounts_under(path: Path) -> list[Path]:
    """Mount points at or below `path`, deepest first (from /proc/self/mountinfo)."""
    root = os.path.realpath(path)
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].encode().decode("unicode_escape")  # octal escapes (\040…)
            if point == root or point.startswith(root + "/"):
                found.append(Path(point))
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def unmount(path: Path) -> None:
    """Detach a mount (lazily: freed once nothing uses it)."""
    if _libc.umount2(os.fsencode(path), MNT_DETACH) != 0:
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOENT):  # not (or no longer) a mount point
            raise OSError(err, os.strerror(err), str(path))


def remove_netns(name: str) -> None:
    """As `ip netns delete`: detach the bind mount, remove the name (the namespace itself goes
    once no process is in it)."""
    target = netns_path(name)
    _libc.umount2(os.fsencode(target), MNT_DETACH)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()


@contextlib.contextmanager
def inside_netns(name: str) -> Iterator[None]:
    """Run the body with the calling thread in netns `name`, then come back — verified both ways.

    Sockets opened in the body stay in that namespace after we leave. If we cannot come back, the
    process exits at once rather than act on the wrong namespace.
    """
    with inside_netns_at(netns_path(name), name):
        yield


@contextlib.contextmanager
def inside_netns_at(target: Path | str, name: str) -> Iterator[None]:
    """inside_netns for a namespace given by a path (/run/netns/NAME, /proc/PID/ns/net); `name`
    says which in the error."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    own_ino = os.fstat(own).st_ino
    try:
        fd = os.open(target, os.O_RDONLY)
    except OSError:
        os.close(own)
        raise
    try:
        _setns(fd)
        if inode("/proc/thread-self/ns/net") != os.fstat(fd).st_ino:
            raise SimError(tr("lab.setns_failed", name=name))
        yield
    finally:
        os.close(fd)
        try:
            _setns(own)
            back = inode("/proc/thread-self/ns/net") == own_ino
        except OSError:
            back = False
        os.close(own)
        if not back:  # pragma: no cover - would mean the kernel refused to let us return
            os.write(2, tr("lab.setns_no_return").encode())
            os._exit(70)


def iproute_in(name: str) -> IPRoute:
    """A netlink socket bound to netns `name` (opened inside it, used from anywhere)."""
    from pyroute2 import IPRoute

    with inside_netns(name):
        return IPRoute()


def pids_in_netns(name: str) -> list[int]:
    """Every process whose network namespace is `name` (by inode, never by process name)."""
    try:
        target = inode(netns_path(name))
    except FileNotFoundError:
        return []
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry.name}/ns/net").st_ino == target:
                found.append(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


def processes_rooted_under(state_root: Path) -> dict[str, list[int]]:
    """Processes whose mount namespace holds one of our host overlays (upper dir under
    `state_root`: a host's /usr, /etc, /var), by lab id.

    Finds the hosts of a lab even when its namespaces and state were lost: a process is ours
    because its file systems are overlays we made, never because of its name.
    """
    own_mnt = os.stat("/proc/self/ns/mnt").st_ino
    marker = f"upperdir={state_root}/"
    found: dict[str, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry.name}/ns/mnt").st_ino == own_mnt:
                continue
            with open(f"/proc/{entry.name}/mountinfo") as f:
                for line in f:
                    if " - overlay " in line and marker in line:
                        lab = line.split(marker, 1)[1].split("/", 1)[0]
                        found.setdefault(lab, []).append(int(entry.name))
                        break
        except (OSError, IndexError):  # gone, going (EINVAL on an exiting process), or not ours
            continue
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def start_time(pid: int) -> int | None:
    """Kernel start time (clock ticks since boot) — with the PID, identifies a process for sure.

    The engine's own identity of a host's processes, in the kernel's unit because the sandbox agent
    (standard library only) and sandbox_enter.c compare it to what they read in /proc/PID/stat
    themselves. The store's records of its owners (attempts, watchdogs) use psutil's start time:
    simulateur.store.machine.alive."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[19])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None


def same_process(pid: int, started: int | None) -> bool:
    return started is not None and start_time(pid) == started and alive(pid)


def kill_pids(pids: list[int], timeout: float = 2.0) -> None:
    """SIGKILL these processes and wait until they are gone."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    pending = [p for p in pids if alive(p)]
    while pending and time.monotonic() < deadline:
        time.sleep(0.005)
        pending = [p for p in pending if alive(p)]
        for pid in pending:
            # Our own children would stay zombies: reap them.
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)


def kill_netns_processes(name: str, timeout: float = 2.0) -> int:
    """Kill everything living in netns `name` (repeat: a dying PID 1 can let children linger)."""
    total = 0
    for _ in range(5):
        pids = pids_in_netns(name)
        if not pids:
            break
        total += len(pids)
        kill_pids(pids, timeout)
    return total


def sysctl(name: str, value: str) -> None:
    """Set a sysctl of the current network namespace (call it inside_netns)."""
    with open(f"/proc/sys/{name.replace('.', '/')}", "w") as f:
        f.write(value)


def is_errno(exc: BaseException, *codes: int) -> bool:
    return isinstance(exc, OSError) and exc.errno in codes


__all__ = [
    "alive",
    "create_netns",
    "errno",
    "inside_netns",
    "inside_netns_at",
    "iproute_in",
    "kill_netns_processes",
    "list_netns",
    "netns_path",
    "pids_in_netns",
    "remove_netns",
    "same_process",
    "start_time",
    "sysctl",
]
