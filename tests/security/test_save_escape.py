"""Property — a saved lab is no way out of a host: a candidate who plants links to the machine's
files and directories, or device nodes, in her layer makes neither `lab save` read nor `lab restore`
write anything outside the lab. Links are saved as links (their targets never read), device nodes
are left out (and said); the restored lab holds the same links, no device node, and the machine's
files the links named are untouched."""

from __future__ import annotations

import gzip
import os
import stat
from pathlib import Path

from labhelpers import sim
from sechelpers import lab_env, running, shell

CANARY = b"CANARI-DE-LA-MACHINE-7f3a\n"


def entries(top: Path) -> list[tuple[str, int, int]]:
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            st = (Path(dirpath) / name).lstat()
            out.append((str(Path(dirpath, name).relative_to(top)), st.st_mode, st.st_rdev))
    return out


def test_links_and_devices_planted_in_a_layer_stay_in_the_lab(tmp_path):
    machine = tmp_path / "machine"  # stands for the machine's files a link could name
    (machine / "cible").mkdir(parents=True)
    secret = machine / "secret"
    secret.write_bytes(CANARY)
    os.chmod(secret, 0o600)
    before = (secret.stat().st_mtime_ns, secret.stat().st_mode, sorted(os.listdir(machine / "cible")))
    data = tmp_path / "data"
    env = lab_env(data)
    with running("dhcp-serveur-arrete", 7, data) as lab:
        plant = (
            f"ln -s {secret} /etc/canari && ln -s / /root/racine && ln -s /etc/shadow /srv/ombre"
            f" && mkdir -p /srv/d && ln -s {machine / 'cible'} /srv/d/lien && mkfifo /srv/tube"
            f" && ln -s {machine / 'cible'} /cible"
        )
        assert shell(lab.id, "srv", plant).code == 0
        made = shell(lab.id, "srv", "mknod /srv/disque b 7 0")  # refused by the host's confinement…
        assert made.code != 0
        from simulateur.lab.state import load_state

        host_dir = load_state(lab.id).dir / "hosts" / "srv"
        # … so plant them as if a kernel had let her: in her upper dir and in her root's own /srv.
        os.mknod(host_dir / "upper/etc/disque", stat.S_IFBLK | 0o666, os.makedev(7, 0))
        os.mknod(host_dir / "root/srv/memoire", stat.S_IFCHR | 0o666, os.makedev(1, 1))
        archive = tmp_path / "plateau.simlab.tar.gz"
        out = sim("lab", "save", lab.id, "--out", str(archive), env=env).out
        assert "non sauvegardé" in out and "etc/disque" in out and "srv/memoire" in out
    raw = gzip.decompress(archive.read_bytes())
    assert CANARY not in raw  # no link was followed
    restored = sim("lab", "restore", str(archive), env=env, timeout=300).out
    lab2 = restored.split("laboratoire ")[1].split()[0]
    try:
        from simulateur.lab.state import load_state

        host_dir = load_state(lab2).dir / "hosts" / "srv"
        devices = [
            (p, m, r)
            for p, m, r in entries(host_dir / "upper") + entries(host_dir / "root")
            if (stat.S_ISBLK(m) or stat.S_ISCHR(m)) and r != 0
        ]
        assert devices == []
        links = shell(lab2, "srv", "readlink /etc/canari /root/racine /srv/ombre /srv/d/lien /cible; test -p /srv/tube")
        assert links.code == 0
        assert links.out.split() == [str(secret), "/", "/etc/shadow", str(machine / "cible"), str(machine / "cible")]
        # Inside the host the links lead to the host's own files (no such path, or its own /etc/shadow).
        assert shell(lab2, "srv", "cat /etc/canari").code != 0
    finally:
        sim("stop", lab2, check=False, env=env)
    assert secret.read_bytes() == CANARY
    assert (secret.stat().st_mtime_ns, secret.stat().st_mode, sorted(os.listdir(machine / "cible"))) == before
