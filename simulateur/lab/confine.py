"""A host's files, opened from the machine but resolved as the host sees them.

``/proc/PID/root/…`` is not a chroot: an absolute symbolic link inside a host (``/etc/x ->
/etc/passwd``, made by a trainee or by a scenario's fault) is followed in the *machine's* root, and
a write through it would change the machine's own file. Every file the engine opens in a host goes
through openat2(2) with RESOLVE_IN_ROOT (Linux ≥ 5.6): links and ``..`` never leave the host's
root, magic links of /proc are refused. On an older kernel, the path is resolved by hand inside the
root (each link read and re-rooted) and the last component is opened without following links.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

SYS_OPENAT2 = 437  # the same number on every architecture (unified syscall table)
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_IN_ROOT = 0x10
MAX_LINKS = 40

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_have_openat2: bool | None = None


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def _openat2(root_fd: int, rel: str, flags: int, mode: int) -> int:
    how = _OpenHow(flags | os.O_CLOEXEC, mode if flags & os.O_CREAT else 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
    for _ in range(100):  # EAGAIN: a rename raced the resolution; the kernel asks to retry
        fd = _libc.syscall(SYS_OPENAT2, root_fd, os.fsencode(rel or "."), ctypes.byref(how), ctypes.sizeof(how))
        if fd >= 0:
            return int(fd)
        err = ctypes.get_errno()
        if err not in (errno.EAGAIN, errno.EINTR):
            raise OSError(err, os.strerror(err), rel)
    raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN), rel)


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def resolve(root: Path, inside: str) -> Path:
    """`inside` (a path in the host) as a path under `root` with every link followed inside it.

    The result names no symbolic link at the time of the call (missing components are kept as
    they are); ``..`` stops at the root, as it does for the host itself.
    """
    todo = _parts(inside)
    done: list[str] = []
    links = 0
    while todo:
        name = todo.pop(0)
        if name == "..":
            if done:
                done.pop()
            continue
        candidate = root.joinpath(*done, name)
        try:
            st = os.lstat(candidate)
        except OSError:
            done.append(name)
            continue
        if not stat.S_ISLNK(st.st_mode):
            done.append(name)
            continue
        links += 1
        if links > MAX_LINKS:
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), inside)
        target = os.readlink(candidate)
        if target.startswith("/"):
            done = []
        todo = _parts(target) + todo
    return root.joinpath(*done)


def open_in(root: Path, inside: str, flags: int, mode: int = 0o644) -> int:
    """Open `inside` (a path in the host whose root is `root`) without ever leaving that root."""
    global _have_openat2
    rel = "/".join(_parts(inside))
    if _have_openat2 is not False:
        root_fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fd = _openat2(root_fd, rel, flags, mode)
            _have_openat2 = True
            return fd
        except OSError as exc:
            if exc.errno != errno.ENOSYS:
                raise
            _have_openat2 = False
        finally:
            os.close(root_fd)
    return os.open(resolve(root, inside), flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)


def makedirs(root: Path, inside: str, mode: int = 0o755) -> None:
    """mkdir -p of a directory of the host, each level created inside the host's root."""
    parts = _parts(inside)
    for i in range(1, len(parts) + 1):
        here = "/".join(parts[:i])
        try:
            os.close(open_in(root, here, os.O_PATH | os.O_DIRECTORY))
            continue
        except FileNotFoundError:
            pass
        parent = open_in(root, "/".join(parts[: i - 1]), os.O_PATH | os.O_DIRECTORY)
        try:
            os.mkdir(parts[i - 1], mode, dir_fd=parent)
        except FileExistsError:
            pass
        finally:
            os.close(parent)


PR_GET_SECUREBITS, PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP = 27, 28, 1 << 2


@contextlib.contextmanager
def acting_as(owner: int | None) -> Iterator[None]:
    """Create files with the file-system ids `owner` (the machine id of root in a host with a user
    namespace), in the calling thread only, keeping the machine root's capabilities.

    Why: such a host's file systems are overlays of idmapped layers; the machine's uid 0 has no
    id there and creating a file as it fails (EOVERFLOW, measured), while a file created as the
    host's root lands on disk as uid 0 and is root's inside. File-system ids and securebits are
    per thread (Linux credentials), so other threads of the engine are not affected;
    SECBIT_NO_SETUID_FIXUP keeps setfsuid from clearing CAP_DAC_OVERRIDE and the like (the
    engine must still write any file of the host). If the thread's ids cannot be restored, the
    process ends rather than go on with a host's ids."""
    if owner is None:
        yield
        return
    bits = _libc.prctl(PR_GET_SECUREBITS, 0, 0, 0, 0)
    if bits < 0 or _libc.prctl(PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), "securebits")
    old_uid, old_gid = _libc.setfsuid(owner), _libc.setfsgid(owner)
    try:
        yield
    finally:
        _libc.setfsuid(old_uid)
        _libc.setfsgid(old_gid)
        restored = _libc.setfsuid(-1) == old_uid and _libc.setfsgid(-1) == old_gid
        if not restored or _libc.prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0:  # pragma: no cover
            os.write(2, b"simulateur: identifiants de fichiers impossibles a restaurer\n")
            os._exit(70)


def read_bytes(root: Path, inside: str) -> bytes:
    fd = open_in(root, inside, os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def write_bytes(root: Path, inside: str, data: bytes, mode: int = 0o644) -> None:
    parent = inside.rsplit("/", 1)[0] if "/" in inside.strip("/") else ""
    if parent:
        makedirs(root, parent)
    fd = open_in(root, inside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        os.fchmod(f.fileno(), mode)
