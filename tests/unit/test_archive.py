"""The archive of a prepared lab (simulateur.lab.archive): every kind of entry a host's layer holds
survives save → verify → restore; a tampered, truncated or crafted archive is refused; nothing of
the machine is read on save nor written on restore (a candidate's planted links and device nodes)."""

from __future__ import annotations

import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from simulateur.errors import SimError
from simulateur.lab import archive
from simulateur.lab.archive import MANIFEST, Entry, HostRecord, LabRecord, Manifest

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="owners, trusted xattrs and whiteouts need root")

LAB = LabRecord(id="sa9", topology={"id": "t", "hosts": {}}, seed=7, params={"srv_ip": "10.0.0.2"})


def make_layer(upper: Path) -> None:
    """A layer as a candidate leaves it: edited and new files, a deleted one, modes, owners, ACL,
    an opaque directory, links, a hard link, a fifo."""
    (upper / "etc/dnsmasq.d").mkdir(parents=True)
    (upper / "etc/dnsmasq.conf").write_text("dhcp-range=10.0.0.50,10.0.0.99\n")
    os.chown(upper / "etc/dnsmasq.conf", 0, 0)
    os.setxattr(upper / "etc/dnsmasq.d", "trusted.overlay.opaque", b"y")
    os.setxattr(upper / "etc/dnsmasq.d", "trusted.overlay.origin", b"\x00handle")  # dropped
    os.mknod(upper / "etc/motd", stat.S_IFCHR | 0o000, os.makedev(0, 0))  # deleted file
    (upper / "srv/compta").mkdir(parents=True)
    os.chown(upper / "srv/compta", 0, 1001)
    os.chmod(upper / "srv/compta", 0o2770)
    (upper / "srv/compta/bilan.txt").write_bytes(b"\x00\x01binaire\xff")
    os.chown(upper / "srv/compta/bilan.txt", 1000, 1001)
    os.chmod(upper / "srv/compta/bilan.txt", 0o640)
    os.setxattr(upper / "srv/compta/bilan.txt", "user.note", b"compta")
    os.link(upper / "srv/compta/bilan.txt", upper / "srv/compta/copie.txt")
    (upper / "etc/systemd/system/multi-user.target.wants").mkdir(parents=True)
    os.symlink("/etc/systemd/system/smbd.service", upper / "etc/systemd/system/multi-user.target.wants/smbd.service")
    os.mkfifo(upper / "srv/tube", 0o600)


def tree(top: Path) -> dict[str, tuple]:
    """What a layer is: each entry's type, mode, owner, content or target, xattrs (as saved)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            rel = str(p.relative_to(top))
            what: object = None
            if stat.S_ISREG(st.st_mode):
                what = p.read_bytes()
            elif stat.S_ISLNK(st.st_mode):
                what = os.readlink(p)
            elif stat.S_ISCHR(st.st_mode):
                what = st.st_rdev
            xattrs = (
                {}
                if stat.S_ISLNK(st.st_mode)
                else {
                    n: os.getxattr(p, n, follow_symlinks=False)
                    for n in os.listxattr(p, follow_symlinks=False)
                    if not n.endswith(".origin")
                }
            )
            mtime = st.st_mtime_ns if not stat.S_ISDIR(st.st_mode) else None
            out[rel] = (
                stat.S_IFMT(st.st_mode),
                stat.S_IMODE(st.st_mode),
                st.st_uid,
                st.st_gid,
                what,
                xattrs,
                mtime,
                st.st_nlink if stat.S_ISREG(st.st_mode) else None,
            )
    return out


def saved(tmp_path: Path) -> tuple[Path, Path]:
    """A host's dir: its overlays' upper dir, its root's own entries (/srv), and what is not saved
    (its overlays' work dir)."""
    base = tmp_path / "host"
    make_layer(base / "upper")
    (base / "root/opt/outil").mkdir(parents=True)
    (base / "root/opt/outil/lisezmoi").write_text("installé à la main\n")
    (base / "work/etc").mkdir(parents=True)
    out = tmp_path / "lab.simlab.tar.gz"
    archive.save(out, LAB, {"srv": (base, HostRecord(macs={"eth0": "02:00:00:00:00:01"}))})
    return base, out


def test_every_kind_of_entry_survives_save_and_restore(tmp_path):
    base, out = saved(tmp_path)
    manifest = archive.verify(out)
    assert manifest.lab.params == {"srv_ip": "10.0.0.2"} and manifest.hosts["srv"].macs == {"eth0": "02:00:00:00:00:01"}
    again = tmp_path / "again"
    again.mkdir()
    archive.restore_layer(out, "srv", again, manifest.hosts["srv"])
    assert tree(again) == {k: v for k, v in tree(base).items() if not k.startswith("work")}
    assert not (again / "work").exists()
    up = again / "upper"
    assert os.getxattr(up / "etc/dnsmasq.d", "trusted.overlay.opaque") == b"y"
    assert "trusted.overlay.origin" not in os.listxattr(up / "etc/dnsmasq.d")
    assert (up / "srv/compta/copie.txt").stat().st_ino == (up / "srv/compta/bilan.txt").stat().st_ino
    assert (again / "root/opt/outil/lisezmoi").read_text() == "installé à la main\n"
    assert oct((out.stat().st_mode) & 0o777) == "0o600"


def test_the_manifest_has_a_digest_per_entry(tmp_path):
    _, out = saved(tmp_path)
    manifest = archive.verify(out)
    entries = manifest.hosts["srv"].entries
    assert {e.path for e in entries} >= {"upper/etc/dnsmasq.conf", "upper/etc/motd", "upper/srv/compta/bilan.txt"}
    assert all(len(e.sha256) == 64 and e.sha256 == e.digest() for e in entries)
    files = [e for e in entries if e.type == "file"]
    assert files and all(e.content_sha256 and len(e.content_sha256) == 64 for e in files)


def rewrite(src: Path, dst: Path, change) -> None:
    """Copy an archive member by member, `change(name, data) -> data | None` (None: left out)."""
    with tarfile.open(src, "r:gz") as tin, tarfile.open(dst, "w:gz") as tout:
        for info in tin:
            data = tin.extractfile(info).read()
            data = change(info.name, data)
            if data is None:
                continue
            info.size = len(data)
            tout.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(
    "how,said",
    [
        ("content", "SHA-256"),
        ("mode", "SHA-256"),
        ("missing", "manque"),
        ("extra", "inattendu"),
        ("params", "SHA-256"),
    ],
)
def test_a_tampered_archive_is_refused_in_one_line(tmp_path, how, said):
    _, out = saved(tmp_path)
    bad = tmp_path / "bad.tar.gz"

    def change(name: str, data: bytes) -> bytes | None:
        if how == "content" and name == "hosts/srv/upper/etc/dnsmasq.conf":
            return data.replace(b"50", b"51")
        if how == "missing" and name == "hosts/srv/upper/etc/dnsmasq.conf":
            return None
        if name == MANIFEST and how in ("mode", "params"):
            m = Manifest.model_validate_json(data)
            if how == "mode":
                next(e for e in m.hosts["srv"].entries if e.path == "upper/srv/compta").mode = 0o4777
            else:
                m.lab.params["srv_ip"] = "10.0.0.3"
            return m.model_dump_json().encode()
        return data

    rewrite(out, bad, change)
    if how == "extra":
        with tarfile.open(tmp_path / "x.tar.gz", "w:gz") as t2, tarfile.open(bad, "r:gz") as t1:
            for info in t1:
                t2.addfile(info, t1.extractfile(info))
            info = tarfile.TarInfo("hosts/srv/upper/etc/ajout")
            info.size = 2
            t2.addfile(info, io.BytesIO(b"hi"))
        bad = tmp_path / "x.tar.gz"
    with pytest.raises(SimError) as exc:
        archive.verify(bad)
    msg = str(exc.value)
    assert said in msg and "\n" not in msg and "refusée" in msg


def test_a_truncated_archive_is_refused(tmp_path):
    _, out = saved(tmp_path)
    data = out.read_bytes()
    for cut in (len(data) // 3, len(data) - 9):
        short = tmp_path / f"short{cut}.tar.gz"
        short.write_bytes(data[:cut])
        with pytest.raises(SimError) as exc:
            archive.verify(short)
        assert "refusée" in str(exc.value) and "\n" not in str(exc.value)


def crafted(tmp_path: Path, entries: list[Entry], contents: dict[str, bytes]) -> tuple[Path, Manifest]:
    """An archive whose digests are consistent (a forger's), holding what save never writes."""
    for e in entries:
        if e.type == "file":
            import hashlib

            e.content_sha256 = hashlib.sha256(contents[e.path]).hexdigest()
            e.size = len(contents[e.path])
        e.sha256 = e.digest()
    m = Manifest(lab=LAB, hosts={"srv": HostRecord(entries=entries)})
    m.lab_sha256 = m.lab_digest()
    out = tmp_path / "crafted.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for e in entries:
            if e.type == "file":
                info = tarfile.TarInfo(f"hosts/srv/{e.path}")
                info.size = len(contents[e.path])
                tar.addfile(info, io.BytesIO(contents[e.path]))
        data = m.model_dump_json().encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out, m


def test_restore_never_writes_through_a_link(tmp_path):
    """A link to outside, then a file « through » it: the file is refused, nothing written outside."""
    outside = tmp_path / "machine"
    outside.mkdir()
    out, m = crafted(
        tmp_path,
        [
            Entry(path="upper", type="dir", mode=0o755),
            Entry(path="upper/etc", type="link", target=str(outside)),
            Entry(path="upper/etc/shadow", type="file", mode=0o644),
        ],
        {"upper/etc/shadow": b"root::0:0:::::\n"},
    )
    archive.verify(out)  # consistent digests: it is restore that must refuse
    base = tmp_path / "host"
    base.mkdir()
    with pytest.raises(SimError) as exc:
        archive.restore_layer(out, "srv", base, m.hosts["srv"])
    assert "etc/shadow" in str(exc.value)
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    "entry",
    [
        Entry(path="../evil", type="dir", mode=0o755),
        Entry(path="upper/../../evil", type="dir", mode=0o755),
        Entry(path="/etc/evil", type="dir", mode=0o755),
        Entry(path="upper/a/./b", type="dir", mode=0o755),
        Entry(path="work/etc", type="dir", mode=0o755),
        Entry(path="upper/victim", type="hardlink", target="upper/../../outside"),
    ],
)
def test_paths_out_of_the_layer_are_refused(tmp_path, entry):
    out, _ = crafted(tmp_path, [entry], {})
    with pytest.raises(SimError) as exc:
        archive.verify(out)
    assert "chemin refusé" in str(exc.value)


def test_a_device_node_is_refused_by_the_manifest(tmp_path):
    out, m = crafted(tmp_path, [Entry(path="upper/motd", type="whiteout")], {})
    raw = m.model_dump_json().replace('"whiteout"', '"block"').encode()
    bad = tmp_path / "dev.tar.gz"
    rewrite(out, bad, lambda name, data: raw if name == MANIFEST else data)
    with pytest.raises(SimError) as exc:
        archive.verify(bad)
    assert "manifeste" in str(exc.value)


def test_save_follows_no_link_and_opens_no_device(tmp_path):
    """A candidate's link to the machine's root and a device node in her layer: the link is saved as
    a link (nothing of the machine in the archive), the device left out and said."""
    base = tmp_path / "host"
    upper = base / "upper"
    (upper / "etc").mkdir(parents=True)
    os.symlink("/", upper / "etc/racine")
    os.symlink("/etc/shadow", upper / "etc/ombre")
    os.mknod(upper / "etc/disque", stat.S_IFBLK | 0o600, os.makedev(7, 0))
    os.mknod(upper / "etc/zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))
    out = tmp_path / "a.tar.gz"
    m = archive.save(out, LAB, {"srv": (base, HostRecord())})
    entries = {e.path: e for e in m.hosts["srv"].entries}
    assert entries["upper/etc/racine"].type == "link" and entries["upper/etc/racine"].target == "/"
    assert entries["upper/etc/ombre"].type == "link"
    assert sorted(m.hosts["srv"].skipped) == ["upper/etc/disque", "upper/etc/zero"]
    with tarfile.open(out, "r:gz") as tar:
        assert sorted(tar.getnames()) == [MANIFEST]  # no file content at all: only links were there
    assert archive.verify(out).hosts["srv"].skipped == ["upper/etc/disque", "upper/etc/zero"]


def test_a_top_directory_she_made_a_link_is_a_link_again(tmp_path):
    """/srv replaced by a link to /data in her host: the new host's empty /srv gives way to it."""
    base = tmp_path / "host"
    (base / "root/data").mkdir(parents=True)
    os.symlink("/data", base / "root/srv")
    out = tmp_path / "a.tar.gz"
    m = archive.save(out, LAB, {"srv": (base, HostRecord())})
    fresh = tmp_path / "fresh"
    (fresh / "root/srv").mkdir(parents=True)  # as sandbox.make_root leaves it
    archive.restore_layer(out, "srv", fresh, archive.verify(out).hosts["srv"])
    assert os.readlink(fresh / "root/srv") == "/data" and m.hosts["srv"].skipped == []
