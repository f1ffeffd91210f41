"""Whole épreuves blanches driven by the CLI on real labs, their durations scaled down (--scale: long enough for a loaded machine's builds).

The titre TAI: the phase préparatoire builds the cahier des charges' lab, the candidate builds it,
the recette judges it and the lab is saved and stopped at `epreuve next`; the jury's intervention is
injected into her restored network, repaired, scored; her questionnaire is opened and handed in; her
guide d'entretien asks about her journal of phase 1; the entretien final's form; the report is the
RC's whole grid, each criterion with its modality and a verdict from the phase that evaluates it.

CCP3: no phase préparatoire, each intervention its own lab; the binôme's evaluation; the entretien
evaluates CCP3's own competence; the grid is CCP3's part only."""

from __future__ import annotations

import itertools
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
    for name in ("dhcp-serveur-arrete.yaml", "partage-droits-service.yaml"):
        shutil.copy(ROOT / "scenarios" / name, folder)
    monkeypatch.setenv("SIMULATEUR_SHIPPED_SCENARIOS", str(folder))
    monkeypatch.setenv("SIMULATEUR_SCENARIOS", str(tmp_path / "aucun"))
    return folder


def _state(ep: str) -> dict:
    return sim("epreuve", "status", ep, "--json").json()


def _grid(ep: str) -> tuple[dict, dict]:
    report = json.loads(sim("epreuve", "report", ep, "--format", "json").out)
    return report, {k["id"]: (c, k) for g in report["grid"]["groups"] for c in g["competences"] for k in c["criteria"]}


def _build_the_cahier(lab_id: str, cahier_id: str) -> None:
    """What the candidate does in her 4 h: the cahier's reference build, every requirement."""
    from simulateur.cahier.loader import load_cahier, rendered_cahier
    from simulateur.lab.lab import Lab
    from simulateur.session import run as _run  # noqa: F401  (registers the host kinds as the CLI does)

    lab = Lab.open(lab_id)
    played = rendered_cahier(load_cahier(cahier_id), lab.params)
    for rid in played.build_order():
        lab.apply(played.reference.get(rid, []))


def test_a_whole_titre_epreuve_chained_on_her_own_network(catalogue: Path, tmp_path: Path) -> None:
    refused = sim("epreuve", "start", "--format", "tai", "--candidate", NAME, check=False)
    assert refused.code == 2 and "--cahier" in refused.err and len(refused.err.strip().splitlines()) == 1
    out = sim(
        "epreuve",
        "start",
        "--format",
        "tai",
        "--candidate",
        NAME,
        "--cahier",
        "serveur-services-reseau",
        "--scale",
        "0.25",
        "--interventions",
        "1",
        "--seed",
        "1",
        "--quiet",
    ).out
    ep = out.split()[1]
    st = _state(ep)
    assert [p["kind"] for p in st["phases"]] == [
        "preparation",
        "interventions",
        "questionnaire",
        "entretien_technique",
        "entretien_final",
    ]
    assert [p["minutes"] for p in st["phases"]] == pytest.approx([60, 10, 11.25, 5, 5])  # the RC's × 0.25
    prep_lab = st["lab"]
    try:
        _build_the_cahier(prep_lab, "serveur-services-reseau")
        sim("exec", prep_lab, "srv", "--", "systemctl restart dnsmasq")
    finally:
        sim("epreuve", "next", ep, "--quiet")  # recette, save, stop; the jury's intervention into her network
    st = _state(ep)
    assert st["recette_score"] == 1.0 and st["save"] and "recette : 100 %" in st["phases"][0]["note"]
    sid = st["exam_session"]
    lab = sim("exam", "status", sid, "--candidate", NAME, "--json").json()["lab"]
    assert lab  # (a lab id may be reused once stopped)
    try:
        from simulateur.lab.state import load_state

        assert load_state(lab).restored_from == st["save"]  # her own network, restored
        assert load_state(lab).scenario == "partage-droits-service"  # the jury's fault injected in it
        sim("exec", lab, "srv", "--", "chmod 2770 /srv/partages/Comptabilite")
    finally:
        sim("epreuve", "next", ep, "--quiet")  # handed in, scored; the questionnaire opens
    st = _state(ep)
    assert "1/1 intervention remise" in st["phases"][1]["note"]
    run = st["quiz_run"]
    assert run and st["phases"][2]["ended"] is None
    sim("quiz", "answer", "1", "je ne sais pas", "--run", run, check=False)

    sim("epreuve", "next", ep, "--quiet")  # her paper handed in; the entretien opens
    guide = sim("exam", "entretien", sid, "--candidate", NAME, "--json").json()
    assert guide["frozen"] and guide["minutes"] == 20
    phase1 = [q for q in guide["questions"] if q["source"] == "journal" and q["intervention"] == 0]
    assert any("dnsmasq" in q["text"] for q in phase1), guide["questions"]  # her journal of phase 1
    sim("exam", "entretien", sid, "--candidate", NAME, "--question", "1", "--verdict", "acquis")

    early = sim("epreuve", "final", ep, "--comment", "trop tôt", check=False)
    assert early.code == 2 and "pas encore ouvert" in early.err
    sim("epreuve", "next", ep, "--quiet")  # the entretien final
    sim("epreuve", "final", ep, "--comment", "Présente clairement son dossier")
    sim("epreuve", "next", ep, "--quiet")
    over = sim("epreuve", "next", ep, check=False)
    assert over.code == 2 and "est terminée" in over.err and len(over.err.strip().splitlines()) == 1

    phases = _state(ep)["phases"]
    assert all(p["started"] is not None and p["ended"] >= p["started"] for p in phases)
    assert all(b["started"] >= a["ended"] for a, b in itertools.pairwise(phases))  # one after the other, time kept

    report, rows = _grid(ep)
    every = {crit.id for crit, *_ in referentiel.all_criteria().values() if crit.id.startswith("TAI.")}
    assert set(rows) == every  # the RC's whole grid
    assert report["grid"]["counts"]["non_evalue"] == 0  # the titre evaluates every competence
    assert report["grid"]["counts"]["en_attente"] == 0  # every phase has ended
    for cid, (comp, _crit) in rows.items():
        assert comp["modalities"] == list(referentiel.find_competence(comp["id"]).modalities), cid
    recette = [cid for cid, (_c, k) in rows.items() if any(s.startswith("recette") for s in k["sources"])]
    assert recette and all(rows[c][1]["verdict"] in ("acquis", "non_acquis", "jury") for c in recette)
    assert any(s.startswith("interventions") for _c, k in rows.values() for s in k["sources"])
    assert rows["TAI.CP5.1"][1]["sources"][0].startswith("questionnaire")
    assert "Présente clairement son dossier" in (report["grid"]["final"] or "")
    md = sim("epreuve", "report", ep, "--format", "markdown").out
    assert "## Grille du référentiel" in md and "| TAI.CP14.4 — " in md
    page = tmp_path / "r.html"
    sim("epreuve", "report", ep, "--format", "html", "-o", str(page))
    assert "<h3>TAI.CCP3" in page.read_text(encoding="utf-8")
    from simulateur.lab.state import list_lab_ids

    assert lab not in list_lab_ids()  # her restored lab stopped with the run


def test_a_ccp3_epreuve_its_own_format(catalogue: Path) -> None:
    out = sim(
        "epreuve",
        "start",
        "--format",
        "ccp3",
        "--candidate",
        NAME,
        "--scale",
        "0.25",
        "--interventions",
        "1",
        "--seed",
        "3",
        "--quiet",
    ).out
    ep = out.split()[1]
    st = _state(ep)
    assert [(p["kind"], p["presence"]) for p in st["phases"]] == [
        ("interventions", "surveillant"),
        ("evaluation", "jury"),
        ("entretien_technique", "jury"),
    ]
    sid = st["exam_session"]
    lab = sim("exam", "status", sid, "--candidate", NAME, "--json").json()["lab"]
    try:
        sim("exec", lab, "srv", "--", "systemctl restart dnsmasq")
        sim("exec", lab, "poste", "--", "dhclient eth0")
        sim("exec", lab, "poste", "--", "ping -c1 -W2 srv", check=False)
    finally:
        sim("epreuve", "next", ep, "--quiet")  # scored; the binôme evaluates
    _report, rows = _grid(ep)
    assert rows["TAI.CP14.4"][1]["verdict"] == "acquis"  # the checker: the service repaired
    assert rows["TAI.CP13.1"][1]["verdict"] == "en_attente"  # its entretien is still to come
    sim("epreuve", "next", ep, "--quiet")
    guide = sim("exam", "entretien", sid, "--candidate", NAME, "--json").json()
    assert guide["minutes"] == 30  # CCP3's entretien: 30 min, its own competence
    assert {q["competences"][0] for q in guide["questions"] if q["source"] == "banque"} == {"TAI.CP13"}
    sim("epreuve", "next", ep, "--quiet")
    report, rows = _grid(ep)
    ccp3 = {c.id for comp in referentiel.load_referentiels()["TAI"].ccps[2].competences for c in comp.criteria}
    assert set(rows) == ccp3 and report["grid"]["counts"]["non_evalue"] == 0
    assert rows["TAI.CP13.1"][0]["modalities"] == ["entretien"]
