"""A whole épreuve blanche of the titre TAI driven by the CLI on a real lab, its durations scaled
down (--scale): the phase préparatoire timed, the jury's intervention built, repaired by the
candidate and scored at `epreuve next`, her questionnaire opened and handed in, her guide d'entretien
frozen with questions on what her journal shows, the entretien final's form, and the report: the
RC's whole grid, each criterion with its modality and a verdict from the phase that evaluates it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from labhelpers import sim

from simulateur import referentiel

ROOT = Path(__file__).resolve().parents[2]
NAME = "Alice Martin"


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copytree(ROOT / "scenarios" / "topologies", folder / "topologies")
    shutil.copy(ROOT / "scenarios" / "dhcp-serveur-arrete.yaml", folder)
    monkeypatch.setenv("SIMULATEUR_SHIPPED_SCENARIOS", str(folder))
    monkeypatch.setenv("SIMULATEUR_SCENARIOS", str(tmp_path / "aucun"))
    return folder


def _state(ep: str) -> dict:
    return sim("epreuve", "status", ep, "--json").json()


def test_a_whole_titre_epreuve_chained_on_a_real_lab(catalogue: Path, tmp_path: Path) -> None:
    refused = sim("epreuve", "start", "--format", "tai", "--candidate", NAME, check=False)
    assert refused.code == 2 and "--cahier" in refused.err and len(refused.err.strip().splitlines()) == 1
    out = sim("epreuve", "start", "--format", "tai", "--candidate", NAME, "--cahier", "serveur-services-reseau",
              "--scale", "0.05", "--interventions", "1", "--seed", "3", "--quiet").out
    ep = out.split()[1]
    st = _state(ep)
    assert [p["kind"] for p in st["phases"]] == ["preparation", "interventions", "questionnaire",
                                                 "entretien_technique", "entretien_final"]
    assert [p["minutes"] for p in st["phases"]] == pytest.approx([12, 2, 2.25, 1, 1])    # the RC's × 0.05
    assert st["current"] == 0 and "simulateur cahier start serveur-services-reseau" in st["phases"][0]["note"]

    sim("epreuve", "next", ep, "--quiet")                     # the jury's interventions
    st = _state(ep)
    sid = st["exam_session"]
    lab = sim("exam", "status", sid, "--candidate", NAME, "--json").json()["lab"]
    try:
        sim("exec", lab, "srv", "--", "systemctl restart dnsmasq")
        sim("exec", lab, "poste", "--", "dhclient eth0")
        sim("exec", lab, "poste", "--", "ping -c1 -W2 srv", check=False)
    finally:
        sim("epreuve", "next", ep, "--quiet")                 # handed in, scored; the questionnaire opens
    st = _state(ep)
    assert st["phases"][1]["ended"] is not None and "1/1 intervention(s) remise(s)" in st["phases"][1]["note"]
    run = st["quiz_run"]
    assert run and st["phases"][2]["ended"] is None
    sim("quiz", "answer", "1", "je ne sais pas", "--run", run, check=False)

    sim("epreuve", "next", ep, "--quiet")                     # her paper handed in; the entretien opens
    guide = sim("exam", "entretien", sid, "--candidate", NAME, "--json").json()
    assert guide["frozen"] and guide["minutes"] == 20
    texts = "\n".join(q["text"] for q in guide["questions"] if q["source"] == "journal")
    assert "Vous avez relancé le service dnsmasq sur srv à " in texts, texts
    sim("exam", "entretien", sid, "--candidate", NAME, "--question", "1", "--verdict", "acquis")

    early = sim("epreuve", "final", ep, "--comment", "trop tôt", check=False)
    assert early.code == 2 and "pas encore ouvert" in early.err
    sim("epreuve", "next", ep, "--quiet")                     # the entretien final
    sim("epreuve", "final", ep, "--comment", "Présente clairement son dossier")
    sim("epreuve", "next", ep, "--quiet")
    over = sim("epreuve", "next", ep, check=False)
    assert over.code == 2 and "est terminée" in over.err and len(over.err.strip().splitlines()) == 1

    st = _state(ep)
    phases = st["phases"]
    assert all(p["started"] is not None and p["ended"] >= p["started"] for p in phases)
    assert all(b["started"] >= a["ended"] for a, b in zip(phases, phases[1:]))   # one after the other, time kept

    report = json.loads(sim("epreuve", "report", ep, "--format", "json").out)
    rows = {k["id"]: (c, k) for g in report["grid"]["groups"] for c in g["competences"] for k in c["criteria"]}
    every = {crit.id for crit, *_ in referentiel.all_criteria().values() if crit.id.startswith("TAI.")}
    assert set(rows) == every                                 # the RC's whole grid
    assert report["grid"]["counts"]["non_evalue"] == 0        # the titre evaluates every competence
    assert report["grid"]["counts"]["en_attente"] == 0        # every phase has ended
    for cid, (comp, crit) in rows.items():
        assert comp["modalities"] == list(referentiel.find_competence(comp["id"]).modalities), cid
    assert rows["TAI.CP14.4"][1]["verdict"] == "acquis"       # the checker: the service repaired
    assert any("interventions" in s for s in rows["TAI.CP14.4"][1]["sources"])
    assert rows["TAI.CP5.1"][1]["sources"] and rows["TAI.CP5.1"][1]["sources"][0].startswith("questionnaire")
    first = guide["questions"][0]
    marked = first["criterion"] or None
    if marked:
        assert rows[marked][1]["verdict"] == "acquis"
    assert "Présente clairement son dossier" in (report["grid"]["final"] or "")
    md = sim("epreuve", "report", ep, "--format", "markdown").out
    assert "## Grille du référentiel" in md and "| TAI.CP14.4 — " in md
    page = tmp_path / "r.html"
    sim("epreuve", "report", ep, "--format", "html", "-o", str(page))
    assert "<h3>TAI.CCP3" in page.read_text(encoding="utf-8")
