"""The RC's whole grid assembled from canned phase results: every criterion of the format's part,
its modality(ies), the verdict from the phase that evaluates it, « non évalué » only where no phase
of the format evaluates it, « en attente » until that phase has ended."""

from __future__ import annotations

from simulateur import referentiel
from simulateur.entretien.db import EntretienMark
from simulateur.entretien.guide import Guide, GuideQuestion
from simulateur.epreuve import render
from simulateur.epreuve.formats import get_format
from simulateur.epreuve.grid import PhaseResults, assemble, entretien_counts
from simulateur.epreuve.models import Format
from simulateur.epreuve.state import EpreuveState, PhaseRun

ALL = {"preparation", "interventions", "evaluation", "questionnaire", "entretien_technique", "entretien_final"}


def _rows(grid):
    return {k.id: (c, k) for g in grid.groups for c in g.competences for k in c.criteria}


def test_the_titre_lists_every_criterion_with_the_grids_modality() -> None:
    g = assemble(get_format("tai"), PhaseResults(ended=set(ALL)))
    rows = _rows(g)
    tai = {c.id for c, *_ in referentiel.all_criteria().values() if c.id.startswith("TAI.")}
    assert set(rows) == tai
    for comp, _ in rows.values():
        assert comp.modalities == list(referentiel.find_competence(comp.id).modalities)
    assert g.counts["non_evalue"] == 0
    # nothing measured, every phase over: the jury's to judge, never a silent « acquis »
    assert {k.verdict for _, k in rows.values()} == {"jury"}


def test_verdicts_come_from_the_phase_that_evaluates_them() -> None:
    r = PhaseResults(
        ended=set(ALL),
        interventions={
            "TAI.CP14.4": "acquis",
            "TAI.CP14.3": "jury",
            "TAI.CP10.4": "non_acquis",
            "TAI.CP5.1": "acquis",
        },  # CP5 is not the interventions'
        recette={"TAI.CP10.3": 1.0, "TAI.CP11.1": 0.5, "TAI.CP14.4": 1.0},
        quiz={"TAI.CP5": (6.0, 8.0, 0), "TAI.CP6": (1.0, 8.0, 0), "TAI.CP9": (3.0, 4.0, 2)},
        entretien={"TAI.CP2.1": (2, 1, 0), "TAI.CP7.2": (1, 0, 1), "TAI.CP13.1": (1, 0, 0)},
    )
    rows = _rows(assemble(get_format("tai"), r))
    v = {cid: k.verdict for cid, (_, k) in rows.items()}
    assert v["TAI.CP14.4"] == "acquis"  # checker and recette agree
    assert v["TAI.CP14.3"] == "jury"  # a jury line of the checker, not marked
    assert v["TAI.CP10.4"] == "non_acquis"
    assert v["TAI.CP10.3"] == "acquis" and v["TAI.CP11.1"] == "non_acquis"  # recette: 100 %, 50 %
    assert any("recette du cahier des charges : 50 %" in s for s in rows["TAI.CP11.1"][1].sources)
    assert v["TAI.CP5.1"] == "acquis" and v["TAI.CP5.5"] == "acquis"  # questionnaire, per competence
    assert rows["TAI.CP5.1"][1].sources == ["questionnaire : 6/8 points (compétence), 0 réponse ouverte à noter"]
    assert v["TAI.CP6.1"] == "non_acquis"  # 1/8
    assert v["TAI.CP9.1"] == "jury"  # open answers still to mark
    assert v["TAI.CP2.1"] == "acquis" and v["TAI.CP7.2"] == "non_acquis" and v["TAI.CP13.1"] == "jury"


def test_pending_phases_and_formats_that_do_not_evaluate() -> None:
    ccp1 = get_format("ccp1")
    rows = _rows(assemble(ccp1, PhaseResults(ended={"interventions"}, interventions={"TAI.CP1.1": "acquis"})))
    assert set(rows) == {
        c.id for comp in referentiel.load_referentiels()["TAI"].ccps[0].competences for c in comp.criteria
    }  # only CCP1's part
    assert rows["TAI.CP1.1"][1].verdict == "acquis"
    assert rows["TAI.CP1.2"][1].verdict == "en_attente"  # the binôme's evaluation has not ended
    assert rows["TAI.CP5.1"][0].modalities == ["entretien"]  # CCP1's own table
    assert rows["TAI.CP5.1"][1].verdict == "en_attente"
    # a format whose phases leave a competence out: « non évalué », said why
    partial = Format.model_validate(
        {
            **ccp1.model_dump(),
            "phases": [
                {**p.model_dump(), "competences": [c for c in p.competences if c != "TAI.CP4"]} for p in ccp1.phases
            ],
        }
    )
    rows = _rows(assemble(partial, PhaseResults(ended=set(ALL))))
    assert {k.verdict for c, k in rows.values() if c.id == "TAI.CP4"} == {"non_evalue"}
    assert rows["TAI.CP4.1"][1].sources == ["aucune phase de ce format ne l'évalue"]
    assert "non_evalue" not in {k.verdict for c, k in rows.values() if c.id != "TAI.CP4"}


def test_idi_competences_without_criteria_are_rows_of_their_own() -> None:
    rows = _rows(assemble(get_format("idi"), PhaseResults(ended=set(ALL), exercised={"IDI.CP3"})))
    assert set(rows) == {f"IDI.CP{n}" for n in range(1, 8)}
    assert rows["IDI.CP3"][1].verdict == "jury" and "exercée" in rows["IDI.CP3"][1].sources[0]
    assert rows["IDI.CP1"][0].modality_labels == ["modalité non précisée"]


def test_entretien_counts_per_criterion() -> None:
    q1 = GuideQuestion(id="b1", source="banque", text="?", expected=[], criterion="TAI.CP2.1", competences=["TAI.CP2"])
    q2 = GuideQuestion(id="j1", source="journal", text="?", expected=[], competences=["TAI.CP13"])
    guide = Guide(session="eb1", candidate="A", seed=1, created=0.0, questions=[q1, q2])
    counts = entretien_counts(guide, {"b1": EntretienMark(question="b1", verdict="acquis", t=0.0)})
    assert counts["TAI.CP2.1"] == (1, 1, 0)
    assert counts["TAI.CP13.1"] == (1, 0, 0) and counts["TAI.CP13.2"] == (1, 0, 0)


def test_a_ccps_entretien_judges_its_own_competences() -> None:
    """CCP1's entretien asks CP5, CCP2's CP6 (the bank has their questions): the jury's marks on
    the drawn guide give each of their criteria a verdict — none left without a question to ask."""
    from simulateur.entretien.bank import load_bank
    from simulateur.entretien.guide import build

    bank = load_bank()
    for fid, comp in (("ccp1", "TAI.CP5"), ("ccp2", "TAI.CP6")):
        fmt = get_format(fid)
        phase = fmt.phase("entretien_technique")
        guide = build(
            "ep1", "Alice", 3, "TAI", bank, [], 0.0, competences=list(phase.competences), minutes=phase.minutes
        )
        marks = {q.id: EntretienMark(question=q.id, verdict="acquis", t=0.0) for q in guide.questions}
        rows = _rows(assemble(fmt, PhaseResults(ended=set(ALL), entretien=entretien_counts(guide, marks))))
        crits = [c.id for c in referentiel.find_competence(comp).criteria]
        assert {rows[c][1].verdict for c in crits} == {"acquis"}, fid
        assert all(rows[c][1].sources[0].startswith("entretien technique") for c in crits), fid


def test_renderings_carry_the_grid() -> None:
    fmt = get_format("ccp2")
    g = assemble(fmt, PhaseResults(ended=set(ALL), interventions={"TAI.CP8.1": "acquis"}, final=None))
    st = EpreuveState(
        id="ep1",
        candidate="Alice",
        format="ccp2",
        seed=1,
        current=2,
        phases=[
            PhaseRun(kind=p.kind, minutes=p.minutes or 0, presence=p.presence, started=0.0, ended=60.0)
            for p in fmt.phases
        ],
    )
    text = render.text(st, g)
    assert "TAI.CP8.1 ACQUIS" in text and "[mise en situation professionnelle]" in text
    assert "terminée en 1 min 00 s" in text
    assert "| TAI.CP8.1 — " in render.markdown(st, g)
    page = render.html_page(st, g)
    assert '<tr class="acquis"><td>TAI.CP8.1' in page and "<script" not in page
