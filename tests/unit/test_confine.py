"""Files of a host opened from the machine never leave the host's root (simulateur/lab/confine.py),
whatever links the host holds — with openat2(RESOLVE_IN_ROOT) and with the fallback of old kernels."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from simulateur.lab import confine


@pytest.fixture(params=["openat2", "fallback"])
def mode(request, monkeypatch):
    if request.param == "fallback":
        monkeypatch.setattr(confine, "_have_openat2", False)
    return request.param


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """(a host's root, a machine file outside it) with every kind of link towards the outside."""
    root = tmp_path / "root"
    secret = tmp_path / "machine" / "secret"
    secret.parent.mkdir()
    secret.write_text("machine\n")
    (root / "etc").mkdir(parents=True)
    (root / "tmp").mkdir()
    (root / "etc" / "absolu").symlink_to(secret)  # absolute, to the machine's path
    (root / "etc" / "relatif").symlink_to("../" * 12 + str(secret).lstrip("/"))  # climbs past the root
    (root / "etc" / "racine").symlink_to("/")
    (root / "lien-dossier").symlink_to(secret.parent)
    (root / "etc" / "boucle1").symlink_to("/etc/boucle2")
    (root / "etc" / "boucle2").symlink_to("/etc/boucle1")
    return root, secret


def test_writes_through_links_land_inside_the_root(world, mode):
    root, secret = world
    with pytest.raises(FileNotFoundError):  # the link's directory does not exist in the host
        confine.write_bytes(root, "/etc/absolu", b"zero\n")
    (root / str(secret.parent).lstrip("/")).mkdir(parents=True)
    confine.write_bytes(root, "/etc/absolu", b"un\n")
    confine.write_bytes(root, "/etc/relatif", b"deux\n", 0o600)
    confine.write_bytes(root, "/lien-dossier/nouveau/f", b"trois\n")
    assert secret.read_text() == "machine\n"
    assert not (secret.parent / "nouveau").exists()
    inside = root / str(secret).lstrip("/")
    assert inside.read_text() == "deux\n" and (inside.stat().st_mode & 0o777) == 0o600
    assert (root / str(secret.parent).lstrip("/") / "nouveau" / "f").read_text() == "trois\n"


def test_reads_through_links_stay_inside_the_root(world, mode):
    root, secret = world
    with pytest.raises(FileNotFoundError):
        confine.read_bytes(root, "/etc/absolu")  # the host has no such file: not the machine's
    with pytest.raises(FileNotFoundError):
        confine.read_bytes(root, f"/etc/racine{secret}")
    (root / "etc" / "hostname").write_text("poste\n")
    assert confine.read_bytes(root, "/etc/racine/etc/hostname") == b"poste\n"
    with pytest.raises(OSError) as exc:
        confine.read_bytes(root, "/etc/boucle1")
    assert exc.value.errno == errno.ELOOP


def test_resolve_gives_a_path_without_links_under_the_root(world):
    root, secret = world
    assert confine.resolve(root, "/etc/absolu") == root / str(secret).lstrip("/")
    assert confine.resolve(root, "/etc/racine/etc/racine/tmp") == root / "tmp"
    assert confine.resolve(root, "/../../etc/../tmp/x") == root / "tmp" / "x"
    for path in (confine.resolve(root, "/etc/relatif"), confine.resolve(root, "/lien-dossier/a")):
        assert str(path).startswith(str(root) + os.sep)
        assert not any(p.is_symlink() for p in [path, *path.parents] if str(p).startswith(str(root)))
