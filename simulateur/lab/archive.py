"""A prepared lab saved whole, and put back: the archive of `simulateur lab save` / `lab restore`.

What a netns host keeps between two days is its overlay upper dir (<lab>/hosts/<host>/upper: every
file the candidate changed, its owner, mode and xattrs — ACLs, capabilities, overlayfs's opaque
marks — and the whiteouts that keep deleted files deleted; the services' data and which units are
enabled live there too). /run and /tmp are tmpfs in a host and go, as on a machine switched off;
processes are not saved: on restore the enabled units start as at boot.

The archive is a gzipped tar: `manifest.json` (the lab — topology, seed, params, MACs — and every
member with its metadata and a SHA-256 over that metadata and its content), then each regular
file's content as `hosts/<host>/<path>`. The manifest is authoritative: restore creates every
entry from it, never from the tar's own headers.

The candidate is root in her host and an adversary: saving walks the layer with directory file
descriptors, never following a link (a link she planted is saved as a link, its target never read),
opens no device (a device node other than a whiteout is left out, and said), and reads nothing
outside the layer. Restoring checks every digest first (a tampered or truncated archive is refused
whole), then builds the layer in the new lab's fresh upper dir — which no process can see yet —
refusing any path that is absolute, climbs out (..), or passes through a link, and any device node.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import stat
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from simulateur.errors import SimError
from simulateur.i18n import tr

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20
MAX_MANIFEST = 256 << 20

# overlayfs's bookkeeping that names the lab's own lower files (file handles, inode numbers): it
# would not match another lab's layers; the marks that give meaning to the layer (opaque dirs,
# redirects) are kept. The prefix is "trusted." for the engine's overlays, "user." under a user ns.
_DROPPED_OVERLAY = ("origin", "impure", "nlink", "upper", "uuid", "metacopy", "index")

EntryType = Literal["dir", "file", "link", "hardlink", "whiteout", "fifo"]


class Entry(BaseModel):
    """One entry of a host's layer. `path` is relative to the upper dir ("etc/dnsmasq.conf");
    `target`: a link's target (as the host reads it) or a hard link's first path."""

    path: str
    type: EntryType
    mode: int = 0
    uid: int = 0
    gid: int = 0
    mtime_ns: int = 0
    size: int = 0
    target: str | None = None
    xattrs: dict[str, str] = Field(default_factory=dict)  # name → base64 value
    content_sha256: str | None = None  # a file's content
    sha256: str = ""  # of the whole entry (meta)

    def meta(self) -> bytes:
        """The canonical bytes of its metadata, which its digest covers with its content."""
        data = self.model_dump(exclude={"sha256"})
        return json.dumps(data, sort_keys=True, ensure_ascii=True).encode()

    def digest(self) -> str:
        return hashlib.sha256(self.meta()).hexdigest()


class HostRecord(BaseModel):
    kind: str = "netns"
    macs: dict[str, str] = Field(default_factory=dict)
    entries: list[Entry] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)  # device nodes and sockets, never saved


class LabRecord(BaseModel):
    """What rebuilds the same lab: its rendered topology, seed and params (the candidate's
    addresses and passwords), its scenario or cahier, where shells open, who worked on it."""

    id: str
    topology: dict[str, object]
    seed: int
    params: dict[str, str]
    scenario: str | None = None
    default_host: str | None = None
    candidate: str | None = None
    attempt: str | None = None
    scenario_json: str | None = None  # the scenario (or cahier) as played, when the lab has one


class Manifest(BaseModel):
    format: int = FORMAT
    created: float = Field(default_factory=time.time)
    lab: LabRecord
    lab_sha256: str = ""
    hosts: dict[str, HostRecord] = Field(default_factory=dict)

    def lab_digest(self) -> str:
        return hashlib.sha256(json.dumps(self.lab.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def member_name(host: str, path: str) -> str:
    return f"hosts/{host}/{path}"


# --- saving ------------------------------------------------------------------------------------
def _xattrs(target: int | str, follow: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        names = os.listxattr(target, follow_symlinks=follow)
    except OSError:
        return out
    for name in sorted(names):
        kind, _, rest = name.partition(".")
        if kind in ("trusted", "user") and rest.startswith("overlay.") and rest[8:] in _DROPPED_OVERLAY:
            continue
        with contextlib.suppress(OSError):
            out[name] = base64.b64encode(os.getxattr(target, name, follow_symlinks=follow)).decode()
    return out


def _entry(path: str, kind: EntryType, st: os.stat_result, **extra: Any) -> Entry:
    return Entry(
        path=path,
        type=kind,
        mode=stat.S_IMODE(st.st_mode),
        uid=st.st_uid,
        gid=st.st_gid,
        mtime_ns=st.st_mtime_ns,
        **extra,
    )


def _walk(
    dirfd: int,
    rel: str,
    record: HostRecord,
    tar: tarfile.TarFile,
    host: str,
    seen: dict[tuple[int, int], str],
    only: tuple[str, ...] | None = None,
) -> None:
    """Every entry under the directory open as `dirfd` (its path in the layer: `rel`), through
    file descriptors only: a name swapped for a link while we walk is opened O_NOFOLLOW and
    refused, never followed out of the layer."""
    with os.scandir(dirfd) as it:
        names = sorted(e.name for e in it if only is None or e.name in only)
    for name in names:
        path = f"{rel}/{name}" if rel else name
        try:
            st = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
        except FileNotFoundError:
            continue
        by_path = f"/proc/self/fd/{dirfd}/{name}"  # the entry itself, its last component unfollowed
        if stat.S_ISDIR(st.st_mode):
            try:
                fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dirfd)
            except OSError:
                record.skipped.append(path)
                continue
            try:
                st = os.fstat(fd)
                entry = _entry(path, "dir", st, xattrs=_xattrs(fd, True))
                _digest(entry, None)
                record.entries.append(entry)
                _walk(fd, path, record, tar, host, seen)
            finally:
                os.close(fd)
        elif stat.S_ISREG(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if st.st_nlink > 1 and key in seen:
                entry = _entry(path, "hardlink", st, target=seen[key])
                _digest(entry, None)
                record.entries.append(entry)
                continue
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=dirfd)
            except OSError:
                record.skipped.append(path)
                continue
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):  # swapped meanwhile: not what was listed
                    record.skipped.append(path)
                    continue
                with os.fdopen(os.dup(fd), "rb") as f:
                    content = f.read()
                entry = _entry(path, "file", st, size=len(content), xattrs=_xattrs(fd, True))
            finally:
                os.close(fd)
            _digest(entry, content)
            info = tarfile.TarInfo(member_name(host, path))
            info.size, info.mode, info.mtime = len(content), 0o600, int(st.st_mtime)
            tar.addfile(info, io.BytesIO(content))
            record.entries.append(entry)
            if st.st_nlink > 1:
                seen[key] = path
        elif stat.S_ISLNK(st.st_mode):
            entry = _entry(path, "link", st, target=os.readlink(name, dir_fd=dirfd), xattrs=_xattrs(by_path, False))
            _digest(entry, None)
            record.entries.append(entry)
        elif stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:  # an overlayfs whiteout: a deleted file
            entry = _entry(path, "whiteout", st, xattrs=_xattrs(by_path, False))
            _digest(entry, None)
            record.entries.append(entry)
        elif stat.S_ISFIFO(st.st_mode):
            entry = _entry(path, "fifo", st, xattrs=_xattrs(by_path, False))
            _digest(entry, None)
            record.entries.append(entry)
        else:  # a device node (never opened), a socket: not part of what a machine keeps
            record.skipped.append(path)


def _digest(entry: Entry, content: bytes | None) -> None:
    if content is not None:
        entry.content_sha256 = hashlib.sha256(content).hexdigest()
    entry.sha256 = entry.digest()


# What a netns host writes, under its dir <lab>/hosts/<host>: its overlays' upper dirs (and the
# top-level directories bound from there: /root, /home…), and its root directory's own entries
# (/srv, /opt, a directory the candidate made at the top) — on the machine's side, the mount points
# there (/usr, /tmp, /proc…) are empty directories: what is mounted on them is the host's alone.
HOST_TREES = ("root", "upper")


def save(out: Path, lab: LabRecord, layers: dict[str, tuple[Path, HostRecord]]) -> Manifest:
    """Write the archive of a lab to `out` (created 0600, replaced atomically): `layers` gives
    each host's dir (its HOST_TREES) and its record (kind, MACs) to fill."""
    manifest = Manifest(lab=lab)
    manifest.lab_sha256 = manifest.lab_digest()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w:gz", compresslevel=3, format=tarfile.PAX_FORMAT) as tar,
        ):
            for host, (upper, record) in layers.items():
                top = os.open(upper, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
                try:
                    _walk(top, "", record, tar, host, {}, only=HOST_TREES)
                finally:
                    os.close(top)
                manifest.hosts[host] = record
            data = manifest.model_dump_json().encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(manifest.created)
            tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return manifest


# --- reading and checking ------------------------------------------------------------------------
def _bad(path: Path, why: str) -> SimError:
    return SimError(tr("save.bad_archive", file=str(path), why=why))


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            yield tar
    except FileNotFoundError:
        raise SimError(tr("save.unknown", ref=str(path)), exit_code=2) from None
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:  # gzip/tar cut short or garbled
        raise _bad(path, tr("save.truncated", why=type(exc).__name__)) from None


def _check_path(path: str) -> None:
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or "\0" in path
        or parts[0] not in HOST_TREES
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise ValueError(path)


def _read_member(tar: tarfile.TarFile, info: tarfile.TarInfo, limit: int) -> bytes:
    if not info.isreg() or info.size > limit:
        raise ValueError(info.name)
    f = tar.extractfile(info)
    assert f is not None
    data = f.read(limit + 1)
    if len(data) != info.size:
        raise EOFError(info.name)
    return data


def _hash_member(tar: tarfile.TarFile, info: tarfile.TarInfo) -> str:
    f = tar.extractfile(info)
    assert f is not None
    h, left = hashlib.sha256(), info.size
    while left > 0:
        chunk = f.read(min(CHUNK, left))
        if not chunk:
            raise EOFError(info.name)
        h.update(chunk)
        left -= len(chunk)
    return h.hexdigest()


def verify(path: Path) -> Manifest:
    """The archive's manifest once every digest matches: every member there, none extra, each
    entry's metadata and content as saved; else one French line saying what is wrong. One pass
    over the archive (the manifest is its last member)."""
    contents: dict[str, str] = {}
    manifest: Manifest | None = None
    with _opened(path) as tar:
        try:
            for info in tar:
                if info.name in contents or (info.name == MANIFEST and manifest is not None):
                    raise _bad(path, tr("save.duplicate", member=info.name))
                if not info.isreg():
                    raise _bad(path, tr("save.extra", member=info.name))
                if info.name == MANIFEST:
                    manifest = Manifest.model_validate_json(_read_member(tar, info, MAX_MANIFEST))
                else:
                    contents[info.name] = _hash_member(tar, info)
            # To the gzip stream's end: tar stops at its end marker, a cut trailer (CRC) shows here.
            while tar.fileobj is not None and tar.fileobj.read(CHUNK):
                pass
        except ValidationError:
            raise _bad(path, tr("save.bad_manifest")) from None
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            raise _bad(path, tr("save.truncated", why=type(exc).__name__)) from None
    if manifest is None:
        raise _bad(path, tr("save.no_manifest"))
    if manifest.format != FORMAT:
        raise _bad(path, tr("save.format", format=manifest.format, expected=FORMAT))
    if manifest.lab_digest() != manifest.lab_sha256:
        raise _bad(path, tr("save.digest", member="(laboratoire)"))
    expected: set[str] = set()
    for host, record in manifest.hosts.items():
        for entry in record.entries:
            name = member_name(host, entry.path)
            try:
                _check_path(entry.path)
                if entry.type == "hardlink":
                    _check_path(str(entry.target))
            except ValueError:
                raise _bad(path, tr("save.bad_path", member=name)) from None
            if entry.digest() != entry.sha256:
                raise _bad(path, tr("save.digest", member=name))
            if entry.type == "file":
                expected.add(name)
                if name not in contents:
                    raise _bad(path, tr("save.missing", member=name))
                if contents[name] != entry.content_sha256:
                    raise _bad(path, tr("save.digest", member=name))
            elif entry.content_sha256 is not None or (entry.type in ("link", "hardlink")) != (entry.target is not None):
                raise _bad(path, tr("save.digest", member=name))
    extra = sorted(set(contents) - expected)
    if extra:
        raise _bad(path, tr("save.extra", member=extra[0]))
    return manifest


# --- restoring ------------------------------------------------------------------------------------
def _open_parent(top: int, path: str) -> tuple[int, str]:
    """(fd of the directory holding `path`, its last name), walked from `top` without following
    any link: a path through a link (or a non-directory) is refused."""
    *dirs, name = path.split("/")
    fd = os.dup(top)
    try:
        for part in dirs:
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
    except OSError:
        os.close(fd)
        raise
    return fd, name


def _set_xattrs(target: int | str, xattrs: dict[str, str], follow: bool) -> None:
    for name, value in xattrs.items():
        os.setxattr(target, name, base64.b64decode(value), follow_symlinks=follow)


def _make(top: int, entry: Entry, content: Callable[[], bytes]) -> None:
    pfd, name = _open_parent(top, entry.path)
    try:
        try:
            st = os.stat(name, dir_fd=pfd, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        if st is not None and not (entry.type == "dir" and stat.S_ISDIR(st.st_mode)):
            if stat.S_ISDIR(st.st_mode):  # a directory the new host starts with (/srv), made a link by her
                os.rmdir(name, dir_fd=pfd)
            else:
                os.unlink(name, dir_fd=pfd)
        by_path = f"/proc/self/fd/{pfd}/{name}"
        if entry.type in ("dir", "file"):
            if entry.type == "dir":
                if st is None:
                    os.mkdir(name, 0o700, dir_fd=pfd)
                fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=pfd)
            else:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=pfd)
            try:
                if entry.type == "file":
                    view = memoryview(content())
                    while view:
                        view = view[os.write(fd, view) :]
                os.fchown(fd, entry.uid, entry.gid)
                os.fchmod(fd, entry.mode)
                _set_xattrs(fd, entry.xattrs, True)
                if entry.type == "file":
                    os.utime(fd, ns=(entry.mtime_ns, entry.mtime_ns))
            finally:
                os.close(fd)
            return
        if entry.type == "link":
            assert entry.target is not None
            os.symlink(entry.target, name, dir_fd=pfd)
        elif entry.type == "whiteout":
            os.mknod(name, stat.S_IFCHR | 0o000, os.makedev(0, 0), dir_fd=pfd)
        elif entry.type == "fifo":
            os.mkfifo(name, 0o600, dir_fd=pfd)
        elif entry.type == "hardlink":
            assert entry.target is not None
            sfd, sname = _open_parent(top, entry.target)
            try:
                if not stat.S_ISREG(os.stat(sname, dir_fd=sfd, follow_symlinks=False).st_mode):
                    raise OSError(f"{entry.path}: lien vers autre chose qu'un fichier")
                os.link(sname, name, src_dir_fd=sfd, dst_dir_fd=pfd, follow_symlinks=False)
            finally:
                os.close(sfd)
            return
        os.chown(name, entry.uid, entry.gid, dir_fd=pfd, follow_symlinks=False)
        if entry.type == "fifo":  # a fifo we just made, in a dir nobody else sees: no link to follow
            os.chmod(by_path, entry.mode)
        _set_xattrs(by_path, entry.xattrs, False)
        os.utime(name, ns=(entry.mtime_ns, entry.mtime_ns), dir_fd=pfd, follow_symlinks=False)
    finally:
        os.close(pfd)


def restore_layer(archive: Path, host: str, base: Path, record: HostRecord) -> None:
    """Build `host`'s layers from the (verified) archive into its fresh dir `base` (HOST_TREES),
    before the host boots. Anything unexpected — a path through a link, a content that changed since
    `verify` — stops the restore (the lab being built is then removed whole)."""
    top = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        with _opened(archive) as tar:
            members = iter(tar)

            def content_of(entry: Entry) -> Callable[[], bytes]:
                def read() -> bytes:
                    name = member_name(host, entry.path)
                    for info in members:  # the archive holds the files in the manifest's order
                        if info.name == name:
                            data = _read_member(tar, info, entry.size)
                            if hashlib.sha256(data).hexdigest() != entry.content_sha256:
                                raise SimError(
                                    tr("save.bad_archive", file=str(archive), why=tr("save.digest", member=name))
                                )
                            return data
                    raise SimError(tr("save.bad_archive", file=str(archive), why=tr("save.missing", member=name)))

                return read

            for entry in record.entries:
                _check_path(entry.path)
                if entry.type == "hardlink":
                    _check_path(str(entry.target))
                if entry.digest() != entry.sha256:
                    raise SimError(
                        tr(
                            "save.bad_archive",
                            file=str(archive),
                            why=tr("save.digest", member=member_name(host, entry.path)),
                        )
                    )
                try:
                    _make(top, entry, content_of(entry))
                except (OSError, tarfile.TarError, EOFError, ValueError) as exc:
                    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                    raise SimError(tr("save.restore_failed", host=host, path=entry.path, why=why)) from None
        # Directories last, deepest first: their dates as saved, after their children were made.
        for entry in reversed(record.entries):
            if entry.type == "dir":
                pfd, name = _open_parent(top, entry.path)
                try:
                    os.utime(name, ns=(entry.mtime_ns, entry.mtime_ns), dir_fd=pfd, follow_symlinks=False)
                finally:
                    os.close(pfd)
    finally:
        os.close(top)


def manifest_of(path: Path) -> Manifest:
    """The manifest alone (already verified by the caller, or for listing)."""
    with _opened(path) as tar:
        try:
            return Manifest.model_validate_json(_read_member(tar, tar.getmember(MANIFEST), MAX_MANIFEST))
        except (KeyError, ValidationError, tarfile.TarError, EOFError, ValueError):
            raise _bad(path, tr("save.bad_manifest")) from None
