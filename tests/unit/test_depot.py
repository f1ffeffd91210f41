"""The lab repository without a lab: packages built by dpkg-deb (cached, rebuilt when a recipe
changes), the index APT reads, the INI edit, the application's licence and data."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from simulateur.actions.packages import set_ini
from simulateur.depot import build, data, recipes
from simulateur.depot.licence import licence_key
from simulateur.journal.classify import Kind, classify, edits, split_commands
from simulateur.probes.packages import dpkg_status


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMULATEUR_DATA", str(tmp_path))
    return tmp_path / "depot"


def test_every_version_is_a_real_deb_with_its_files_and_scripts(cache):
    for r in recipes.catalogue():
        deb = build.build_deb(r)
        assert deb.is_relative_to(cache)
        fields = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout
        assert f"Package: {r.name}\nVersion: {r.version}\n" in fields
        listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
        assert "root/root" in listing and "./usr/bin/compta-pro" in listing
        assert "-rw-r----- root/root" in next(line for line in listing.splitlines() if line.endswith("compta-pro.conf"))
        control = subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, text=True, check=True).stdout
        assert "postinst" in control and "conffiles" in control


def test_cache_is_reused_and_a_changed_recipe_is_rebuilt(cache):
    r = recipes.compta_pro("2.3.1")
    first = build.build_deb(r)
    stamp = first.stat().st_mtime_ns
    assert build.build_deb(r) == first and first.stat().st_mtime_ns == stamp
    changed = replace(r, description=r.description + "\nUne ligne de plus.")
    other = build.build_deb(changed)
    assert other != first and other.parent != first.parent and other.exists()


def test_index_lists_every_version_with_the_right_sums(cache):
    repo = build.repository()
    packages = repo["Packages"].decode()
    versions = [line.split(": ")[1] for line in packages.splitlines() if line.startswith("Version: ")]
    assert versions == list(recipes.VERSIONS)
    for stanza in packages.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and not line.startswith(" "))
        deb = repo[fields["Filename"].removeprefix("./")]
        assert int(fields["Size"]) == len(deb)
        assert fields["SHA256"] == hashlib.sha256(deb).hexdigest()
    release = repo["Release"].decode()
    assert f" {hashlib.sha256(repo['Packages']).hexdigest()} {len(repo['Packages'])} Packages" in release


def _program(version: str, tmp_path: Path):
    path = tmp_path / f"compta_{version.replace('.', '_')}.py"
    content = next(f.content for f in recipes.compta_pro(version).files if f.path == "/usr/bin/compta-pro")
    path.write_bytes(content)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_program_checks_the_licence_as_the_lab_computes_it(tmp_path):
    program = _program("2.3.1", tmp_path)
    assert program.VERSION == "2.3.1" and program.FORMAT == 3
    for societe in ("Fiduciaire Morel", "Cabinet Arnaud & Associés"):
        assert program.licence_key(societe) == licence_key(societe)


def test_only_2_4_0_fails_on_format_3_dossiers_and_says_why(tmp_path):
    files = data.dossiers(3, count=1, entries=20)
    for rel, content in files.items():
        (tmp_path / "d" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "d" / rel).write_bytes(content)
    folder = next((tmp_path / "d").iterdir())

    class Log:
        def info(self, _):
            pass

        def debug(self, _):
            pass

    good = _program("2.3.0", tmp_path).read_dossier(str(folder), Log())
    assert good["ecritures"] == 20
    broken = _program("2.4.0", tmp_path)
    with pytest.raises(broken.Fatal, match="colonne 'code_journal' introuvable"):
        broken.read_dossier(str(folder), Log())
    assert {rel: (tmp_path / "d" / rel).read_bytes() for rel in files} == files  # nothing written


def test_seeded_data_is_reproducible_and_differs_between_seeds():
    assert data.dossiers(4) == data.dossiers(4)
    assert data.digest(data.dossiers(4)) != data.digest(data.dossiers(5))
    logs = data.rotated_logs(4, 3, 200_000)
    assert sorted(logs) == ["compta-pro.log.1", "compta-pro.log.2", "compta-pro.log.3"]
    assert all(len(v) >= 100_000 for v in logs.values())


def test_set_ini_replaces_adds_and_creates_keeping_comments():
    text = "# en-tête\n[general]\n# commentaire\nniveau = info\n\n[licence]\nsociete =\ncle =\n"
    out = set_ini(text, "general", "niveau", "debug")
    assert "niveau = debug" in out and "# commentaire" in out and "niveau = info" not in out
    out = set_ini(out, "licence", "cle", "ABCD")
    assert out.splitlines()[-1] == "cle = ABCD"
    out = set_ini(out, "general", "exercice_debut", "01-07")
    assert out.index("exercice_debut = 01-07") < out.index("[licence]")
    assert set_ini(out, "serveur", "port", "8470").endswith("[serveur]\nport = 8470\n")


def test_dpkg_status_stanza():
    status = (
        "Package: a\nStatus: install ok installed\nVersion: 1\n\n"
        "Package: compta-pro\nStatus: hold ok installed\nVersion: 2.3.0\nDescription: x\n long\n"
    )

    class FakeHost:
        def read_text(self, path):
            assert path == "/var/lib/dpkg/status"
            return status

    st = dpkg_status(FakeHost(), "compta-pro")  # type: ignore[arg-type]
    assert st and st["Status"] == "hold ok installed" and st["Version"] == "2.3.0"
    assert dpkg_status(FakeHost(), "absent") is None  # type: ignore[arg-type]


def test_commands_split_outside_quotes_only():
    line = "sed -i 's/^societe =.*/societe = A \\& B/' /etc/x.conf && echo ok 2>&1 | tee -a log; ls &"
    assert [p.strip() for p in split_commands(line)] == [
        "sed -i 's/^societe =.*/societe = A \\& B/' /etc/x.conf",
        "echo ok 2>&1",
        "tee -a log",
        "ls",
    ]
    assert edits(line, "/etc/x.conf")
    assert classify("apt-mark hold compta-pro") is Kind.CHANGE
    assert classify("apt-mark showhold") is Kind.DIAGNOSTIC
    assert classify("compta-pro etat") is Kind.TEST
    assert classify("dpkg --get-selections compta-pro") is Kind.DIAGNOSTIC
