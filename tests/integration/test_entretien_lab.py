"""The guide d'entretien on a real examen: what the candidate typed in her lab (journaled by the
lab's shells, borne out by the kernel's record) becomes the jury's questions, frozen at her end;
the jury marks them and her report has the section."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from labhelpers import sim

from simulateur.exam import core
from simulateur.exam.db import ExamDB

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copytree(ROOT / "scenarios" / "topologies", folder / "topologies")
    shutil.copy(ROOT / "scenarios" / "dhcp-serveur-arrete.yaml", folder)
    monkeypatch.setenv("SIMULATEUR_SHIPPED_SCENARIOS", str(folder))
    monkeypatch.setenv("SIMULATEUR_SCENARIOS", str(tmp_path / "aucun"))
    return folder


def test_her_journal_becomes_the_jurys_questions(catalogue: Path, tmp_path: Path) -> None:
    sid = sim("exam", "new", "--count", "1", "--minutes", "10", "--seed", "3", "--json").json()["id"]
    started = sim("exam", "start", sid, "--candidate", "Alice Martin", "--json").json()
    lab = started["lab"]
    try:
        sim("exec", lab, "srv", "--", "systemctl status dnsmasq", check=False)
        sim("exec", lab, "srv", "--", "cp /etc/dnsmasq.conf /root/dnsmasq.conf.bak")
        sim("exec", lab, "srv", "--", "sh -c \"echo '# vu par Alice' >> /etc/dnsmasq.conf\"")
        sim("exec", lab, "srv", "--", "systemctl restart dnsmasq")
        sim("exec", lab, "poste", "--", "ping -c1 -W2 srv", check=False)
        preview = sim("exam", "entretien", sid, "--candidate", "Alice Martin", "--json").json()
        assert not preview["frozen"]
        refused = sim(
            "exam",
            "entretien",
            sid,
            "--candidate",
            "Alice Martin",
            "--question",
            "1",
            "--verdict",
            "acquis",
            check=False,
        )
        assert refused.code == 2 and "n'est pas terminé" in refused.err and len(refused.err.strip().splitlines()) == 1
    finally:
        sim("exam", "end", sid, "--candidate", "Alice Martin")
    guide = sim("exam", "entretien", sid, "--candidate", "Alice Martin", "--json").json()
    assert guide["frozen"] and len(guide["questions"]) == 10
    mine = [q for q in guide["questions"] if q["source"] == "journal"]
    texts = "\n".join(q["text"] for q in mine)
    assert "Vous avez modifié /etc/dnsmasq.conf sur srv à " in texts, texts
    assert "Vous avez relancé le service dnsmasq sur srv à " in texts, texts
    assert "« ping -c1 -W2 srv » sur poste" in texts, texts
    assert ".bak" not in texts  # her backup copy is no change to ask about
    assert {q["competences"][0] for q in guide["questions"] if q["source"] == "banque"} == {
        "TAI.CP2",
        "TAI.CP7",
        "TAI.CP13",
    }

    sim(
        "exam",
        "entretien",
        sid,
        "--candidate",
        "Alice Martin",
        "--question",
        "1",
        "--verdict",
        "acquis",
        "--comment",
        "explique la directive dhcp-range",
    )
    again = sim("exam", "entretien", sid, "--candidate", "Alice Martin", "--json").json()
    assert [q["id"] for q in again["questions"]] == [q["id"] for q in guide["questions"]]
    report = json.loads(sim("report", sid, "--candidate", "Alice Martin", "--format", "json").out)
    assert report["entretien"]["questions"][0]["comment"] == "explique la directive dhcp-range"
    assert "Entretien technique" in sim("report", sid, "--candidate", "Alice Martin", "--format", "md").out
    assert core.get_run(ExamDB(), sid, "Alice Martin").finished is not None
