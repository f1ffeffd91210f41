"""Examen blanc without labs: the draw (filters, determinism), the session store, the jury
merge, the time-out bookkeeping and the reports, on data the core would have written."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from simulateur.errors import UsageError
from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.exam.draw import draw, pool
from simulateur.exam.jury import jury_criteria, merge, score
from simulateur.exam.models import JuryMark, PoolFilter
from simulateur.report import render
from simulateur.report.model import attempt_report, exam_report
from simulateur.scenario.loader import load_catalogue, rendered_scenario
from simulateur.scoring import CheckResult, CriterionResult, Score
from simulateur.session.store import CriterionRecord, Store

ROOT = Path(__file__).resolve().parents[2]
QUICK = ("dhcp-serveur-arrete", "imprimante-pilote-manquant", "mobile-synchro")


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """The three quick scenarios only: draws do not move when scenarios are added."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copytree(ROOT / "scenarios" / "topologies", folder / "topologies")
    for sid in QUICK:
        shutil.copy(ROOT / "scenarios" / f"{sid}.yaml", folder)
    return folder


@pytest.fixture
def db(tmp_path: Path) -> ExamDB:
    return ExamDB(Store(tmp_path / "simulateur.db"))


# --- the draw ------------------------------------------------------------------------------------
def test_same_seed_same_draw_and_each_intervention_is_replayable(catalogue: Path) -> None:
    cat = load_catalogue(catalogue).scenarios
    f = PoolFilter()
    first = draw(cat, f, 3, 42)
    assert first == draw(cat, f, 3, 42)
    _, ivs = first
    assert sorted(i.scenario for i in ivs) == sorted(QUICK) and [i.index for i in ivs] == [1, 2, 3]
    for iv in ivs:  # no seed in the session: each candidate draws theirs; every variant allowed
        assert iv.seed is None and iv.variant is None
        assert iv.variants == sorted(cat[iv.scenario].scenario.variants)
    orders = {tuple(i.scenario for i in draw(cat, f, 3, seed)[1]) for seed in range(1, 30)}
    assert len(orders) > 1, "the seed does not change the draw"


# --- each candidate's own values ----------------------------------------------------------------
NAMES = [f"Candidat {n:02d}" for n in range(1, 17)]  # a group of 16


def _values(cat, iv):  # type: ignore[no-untyped-def]
    """What the candidate's lab is built with: the drawn parameters and the variant."""
    from simulateur.scenario.loader import resolve_params

    loaded = cat[iv.scenario]
    return {**resolve_params(loaded.scenario, loaded.topology, iv.seed), "variante": iv.variant}


def test_each_candidate_gets_values_of_their_own(catalogue: Path, db: ExamDB) -> None:
    from simulateur.exam.draw import for_candidate

    cat = load_catalogue(catalogue).scenarios
    session = core.new_session(count=3, minutes=40, seed=11, db=db, base=catalogue)
    drawn = {name: for_candidate(session, name) for name in NAMES}
    for ivs in drawn.values():  # the session's scenarios, in the session's order
        assert [(i.index, i.scenario) for i in ivs] == [(i.index, i.scenario) for i in session.interventions]
        assert all(isinstance(i.seed, int) for i in ivs)
    for index in range(3):
        seeds = [drawn[n][index].seed for n in NAMES]
        assert len(set(seeds)) == len(NAMES), f"intervention {index + 1}: two candidates share a seed"
        values = [_values(cat, drawn[n][index]) for n in NAMES]
        # Neighbours do not share their network, nor (where the scenario has some) passwords.
        assert len({v["lan"] for v in values}) == len(NAMES)
        for key in ("agenda_mdp", "ad_admin_mdp"):
            assert len({v[key] for v in values}) > len(NAMES) // 2, key
    # Over many sessions, two candidates of the same session rarely get the same network.
    same = sum(
        _values(cat, for_candidate(s, "A")[0])["lan"] == _values(cat, for_candidate(s, "B")[0])["lan"]
        for s in (session.model_copy(update={"seed": seed}) for seed in range(1, 301))
    )
    assert same <= 3


def test_same_candidate_same_values_and_a_replay_from_the_seed(catalogue: Path, db: ExamDB) -> None:
    from simulateur.exam.draw import candidate_seed, for_candidate

    session = core.new_session(count=3, minutes=40, seed=11, db=db, base=catalogue)
    alice = for_candidate(session, "Alice Martin")
    # The exam's spelling rules: case and spaces do not make another candidate.
    assert for_candidate(session, "  alice   MARTIN ") == alice
    # Another process, later (the stored session): the same values.
    assert for_candidate(ExamDB(Store(db.path)).session(session.id), "Alice Martin") == alice  # type: ignore[arg-type]
    # The derivation is fixed: a session replayed next year on another machine gives these labs.
    assert candidate_seed(11, "Alice Martin", 1, "dhcp-serveur-arrete") == 695838
    # Another session seed: other values for the same candidate.
    other = core.new_session(count=3, minutes=40, seed=12, db=db, base=catalogue)
    assert [i.seed for i in for_candidate(other, "Alice Martin")] != [i.seed for i in alice]
    # A session drawn before per-candidate draws (its seed in the session) stays the same for all.
    old = session.model_copy(
        update={"interventions": [i.model_copy(update={"seed": 500 + i.index}) for i in session.interventions]}
    )
    assert for_candidate(old, "Alice Martin") == for_candidate(old, "Bob") == old.interventions
    # Without a seed, a new session's key is drawn from 48 bits.
    assert max(core.new_session(count=1, minutes=40, db=db, base=catalogue).seed for _ in range(4)) > 1_000_000


def test_variants_stay_within_the_trainers_filter(catalogue: Path, db: ExamDB) -> None:
    from simulateur.exam.draw import for_candidate

    cat = load_catalogue(catalogue).scenarios
    every = sorted(cat["mobile-synchro"].scenario.variants)
    free = core.new_session(count=1, minutes=40, seed=5, ccps=["TAI.CCP2"], db=db, base=catalogue)
    got = {for_candidate(free, n)[0].variant for n in NAMES}
    assert got <= set(every) and len(got) > 2, got  # every variant possible, neighbours differ
    wanted = ["dns_prive", "mauvais_port"]
    kept = core.new_session(
        count=1, minutes=40, seed=5, ccps=["TAI.CCP2"], db=db, base=catalogue, variants={"mobile-synchro": wanted}
    )
    assert kept.interventions[0].variants == wanted and kept.filter.variants == {"mobile-synchro": wanted}
    got = {for_candidate(kept, n)[0].variant for n in NAMES}
    assert got == set(wanted), got
    # What the lab is built with is the candidate's variant (the faults of that variant only).
    iv = for_candidate(kept, NAMES[0])[0]
    assert _values(cat, iv)["variante"] == iv.variant in wanted
    with pytest.raises(UsageError, match="variante « inconnue » inconnue pour mobile-synchro"):
        core.new_session(count=1, minutes=40, seed=5, db=db, base=catalogue, variants={"mobile-synchro": ["inconnue"]})
    with pytest.raises(UsageError, match="scénario « absent » inconnu"):
        core.new_session(count=1, minutes=40, seed=5, db=db, base=catalogue, variants={"absent": ["x"]})


def test_variant_arguments_are_checked() -> None:
    from simulateur.exam.cli import _variants

    assert _variants(["a=x,y", "a=y,z", "b= w "]) == {"a": ["x", "y", "z"], "b": ["w"]}
    for bad in ("a", "a=", "=x", "a=,"):
        with pytest.raises(UsageError, match="--variant SCENARIO=VARIANTE"):
            _variants([bad])


def test_filters_by_competence_ccp_and_referentiel_including_also(catalogue: Path) -> None:
    cat = load_catalogue(catalogue).scenarios
    assert pool(cat, PoolFilter(competences=["TAI.CP14"])) == ["dhcp-serveur-arrete"]
    assert pool(cat, PoolFilter(competences=["TAI.CP4"])) == ["imprimante-pilote-manquant", "mobile-synchro"]
    # TAI.CCP2 holds CP6-CP8: only the phone scenario exercises it.
    assert pool(cat, PoolFilter(ccps=["TAI.CCP2"])) == ["mobile-synchro"]
    # IDI competences come from `also:` (the three are TAI scenarios).
    also_cp5 = sorted(s for s in QUICK if "IDI.CP5" in cat[s].scenario.also)
    assert also_cp5 and pool(cat, PoolFilter(competences=["IDI.CP5"])) == also_cp5
    assert pool(cat, PoolFilter(referentiel="IDI")) == sorted(s for s in QUICK if cat[s].scenario.also)
    assert pool(cat, PoolFilter(referentiel="TAI", competences=["TAI.CP14", "TAI.CP7"])) == [
        "dhcp-serveur-arrete",
        "mobile-synchro",
    ]


def test_bad_draws_are_one_french_line(catalogue: Path) -> None:
    cat = load_catalogue(catalogue).scenarios
    with pytest.raises(UsageError, match="ne retiennent que 1 scénario"):
        draw(cat, PoolFilter(competences=["TAI.CP14"]), 2, 1)
    with pytest.raises(UsageError, match="CCP « TAI.CCP9 » inconnu"):
        draw(cat, PoolFilter(ccps=["TAI.CCP9"]), 1, 1)
    with pytest.raises(UsageError, match="compétence « TAI.CP99 » inconnue"):
        draw(cat, PoolFilter(competences=["TAI.CP99"]), 1, 1)
    with pytest.raises(UsageError, match="au moins une intervention"):
        draw(cat, PoolFilter(), 0, 1)


def test_sessions_persist_with_their_own_ids(db: ExamDB, catalogue: Path) -> None:
    a = core.new_session(count=2, minutes=40, seed=7, group=" TAI  2026 ", db=db, base=catalogue)
    b = core.new_session(count=1, minutes=0.5, seed=7, competences=["TAI.CP14"], db=db, base=catalogue)
    assert (a.id, b.id) == ("eb1", "eb2") and a.group == "TAI 2026" and not a.hints
    again = ExamDB(Store(db.path))  # another process, later
    assert again.session("eb1") == a
    assert [s.id for s in again.sessions("TAI 2026")] == ["eb1"]
    assert [i.scenario for i in b.interventions] == ["dhcp-serveur-arrete"]
    with pytest.raises(UsageError, match="session d'examen « eb9 » inconnue"):
        core.get_session(db, "eb9")
    with pytest.raises(UsageError, match="--minutes"):
        core.new_session(minutes=0, db=db, base=catalogue)


# --- the jury ------------------------------------------------------------------------------------
def _played(catalogue: Path, sid: str):  # type: ignore[no-untyped-def]
    from simulateur.scenario.loader import choose_variant, resolve_params

    loaded = load_catalogue(catalogue).scenarios[sid]
    values = resolve_params(loaded.scenario, loaded.topology, 3)
    return rendered_scenario(loaded.scenario, values, choose_variant(loaded.scenario, 3))


def _record(cid: str, verdict: str, evidence: tuple[str, ...]) -> CriterionRecord:
    from simulateur import referentiel

    crit, comp = referentiel.all_criteria()[cid][:2]
    return CriterionRecord(cid, crit.label, comp.id, comp.label, verdict, evidence)  # type: ignore[arg-type]


def test_jury_sheet_lists_jury_evidence_then_the_other_criteria_of_the_competences(catalogue: Path) -> None:
    sc = _played(catalogue, "dhcp-serveur-arrete")
    sheet = jury_criteria(sc)
    required = [c for c in sheet if c.required]
    assert [c.id for c in required] == ["TAI.CP14.3"] and required[0].automatic_part
    assert "questions" in required[0].observe[0]
    optional = {c.id for c in sheet if not c.required}
    scored = {c.id for c in sc.criteria}
    assert optional and not optional & scored
    assert {"TAI.CP14.1"} <= optional  # same competence, not evaluated by the scenario


def test_merge_says_where_each_verdict_comes_from(catalogue: Path) -> None:
    sc = _played(catalogue, "dhcp-serveur-arrete")
    records = [
        _record("TAI.CP14.4", "acquis", ("✓ dnsmasq tourne",)),
        _record("TAI.CP14.3", "jury", ("✓ 3 commandes de diagnostic", "? Les questions posées")),
        _record("TAI.CP14.2", "non_acquis", ("✗ pas qualifié",)),
    ]
    pending = {m.id: m for m in merge(records, sc, {})}
    assert (pending["TAI.CP14.4"].verdict, pending["TAI.CP14.4"].source) == ("acquis", "automatique")
    assert (pending["TAI.CP14.3"].verdict, pending["TAI.CP14.3"].source) == ("jury", "automatique+jury")
    assert score(list(pending.values())) == (1, 2, 1)

    marks = {
        "TAI.CP14.3": JuryMark(index=1, criterion="TAI.CP14.3", verdict="non_acquis", comment="aucune question"),
        "TAI.CP14.1": JuryMark(index=1, criterion="TAI.CP14.1", verdict="acquis"),
    }
    merged = {m.id: m for m in merge(records, sc, marks)}
    assert (merged["TAI.CP14.3"].verdict, merged["TAI.CP14.3"].source) == ("non_acquis", "automatique+jury")
    assert merged["TAI.CP14.3"].evidence[-1] == "Jury : non acquis — aucune question"
    assert (merged["TAI.CP14.1"].verdict, merged["TAI.CP14.1"].source) == ("acquis", "jury")  # optional one
    assert score(list(merged.values())) == (2, 4, 0)

    # A failed automatic part decides, whatever the jury ticked.
    failed = [_record("TAI.CP14.3", "non_acquis", ("✗ aucune commande de diagnostic", "? Les questions posées"))]
    m = merge(failed, sc, {"TAI.CP14.3": JuryMark(index=1, criterion="TAI.CP14.3", verdict="acquis")})[0]
    assert (m.verdict, m.source, m.jury_verdict) == ("non_acquis", "automatique", "acquis")


# --- runs without labs: time-out bookkeeping, jury, reports --------------------------------------------
def _fake_intervention(db: ExamDB, session_id: str, name: str, index: int, sc, verdicts: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """What _start_next and _score record, for a lab that no longer exists."""
    from simulateur import referentiel

    attempt_id = f"20260101-000000-{sc.id}-zz{index}"
    db.store.begin(
        attempt_id=attempt_id, scenario=sc, seed=3, mode="examen", lab=f"zz{index}", attempt_dir=None, candidate=name
    )
    crits = []
    for cid, v in verdicts.items():
        crit, comp = referentiel.all_criteria()[cid][:2]
        crits.append(
            CriterionResult(
                id=cid,
                label=crit.label,
                competence=comp.id,
                competence_label=comp.label,
                verdict=v,
                evidence=[f"{'✓' if v == 'acquis' else '?'} preuve {cid}"],
            )
        )  # type: ignore[arg-type]
    res = CheckResult(
        lab=f"zz{index}",
        scenario=sc.id,
        seed=3,
        t=time.time(),
        criteria=crits,
        probes=[],
        score=Score(acquis=1, evalues=1, jury=1),
    )
    db.store.submit(attempt_id, res)
    run = core.get_run(db, session_id, name)
    item = run.items[index - 1]
    item.status, item.attempt, item.lab, item.started, item.ended = "remise", attempt_id, f"zz{index}", 1.0, 61.0
    db.update_item(session_id, name, item)
    return attempt_id


@pytest.mark.skipif(os.geteuid() != 0, reason="closing overdue runs is root's (it stops labs)")
def test_expiry_without_a_lab_and_the_report(db: ExamDB, catalogue: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = core.new_session(count=2, minutes=0.01, seed=3, competences=["TAI.CP14", "TAI.CP7"], db=db, base=catalogue)
    by_id = {iv.scenario: iv.index for iv in s.interventions}
    # No lab built: the run is recorded by hand, intervention dhcp handed in.
    from simulateur.exam.models import CandidateRun, Item

    run = CandidateRun(
        session=s.id,
        candidate="Léa Durand",
        started=time.time() - 60,
        deadline=time.time() - 1,
        items=[Item(index=1), Item(index=2)],
    )
    assert db.create_run(run)
    assert not db.create_run(run.model_copy(update={"candidate": "  léa   DURAND "}))  # same person
    sc = _played(catalogue, "dhcp-serveur-arrete")
    _fake_intervention(
        db, s.id, "Léa Durand", by_id["dhcp-serveur-arrete"], sc, {"TAI.CP14.4": "acquis", "TAI.CP14.3": "jury"}
    )
    # A second candidate whose lab vanished (machine rebooted) while the intervention ran.
    db.create_run(run.model_copy(update={"candidate": "Max"}))
    gone = core.get_run(db, s.id, "Max").items[0]
    gone.status, gone.attempt, gone.lab, gone.started = "en_cours", "20260101-000000-x-zz8", "zz8", time.time() - 30
    db.store.begin(attempt_id=gone.attempt, scenario=sc, seed=3, mode="examen", lab="zz8", attempt_dir=None)
    db.update_item(s.id, "Max", gone)
    assert core.sweep(db) == 2  # overdue: closed by any later command
    lost = core.get_run(db, s.id, "Max").items[0]
    assert lost.status == "interrompue" and "zz8" in lost.note and lost.ended is not None
    assert db.store.attempt(gone.attempt).status == "interrompue"
    after = core.get_run(db, s.id, "léa durand")
    assert after.finished is not None
    assert after.items[by_id["mobile-synchro"] - 1].status == "non_traitee"
    assert core.sweep(db) == 0  # idempotent

    with pytest.raises(UsageError, match="demande son motif"):  # against the automatic verdict: a motive
        core.jury_mark(db, s.id, "Léa Durand", criterion="TAI.CP14.4", verdict="non_acquis")
    assert db.jury(s.id, "Léa Durand") == []
    with pytest.raises(UsageError, match="acquis ou non_acquis"):
        core.jury_mark(db, s.id, "Léa Durand", criterion="TAI.CP14.3", verdict="peut-être")
    assert core.jury_mark(
        db, s.id, "Léa Durand", criterion="TAI.CP14.3", verdict="acquis", comment="A demandé depuis quand"
    ) == (by_id["dhcp-serveur-arrete"], "TAI.CP14.3")
    core.jury_comment(db, s.id, "Léa Durand", by_id["dhcp-serveur-arrete"], "Calme et méthodique")
    db.store.save_fiche(after.items[by_id["dhcp-serveur-arrete"] - 1].attempt or "", "cause", "dnsmasq arrêté")

    rep = exam_report(s.id, "LÉA DURAND", db)
    assert rep.candidate == "Léa Durand" and rep.score.acquis == 2 and rep.score.jury == 0
    html = render(rep, "html")
    for needle in (
        "TAI.CP14.3",
        "TAI.CP14.4",
        "A demandé depuis quand",
        "Calme et méthodique",
        "dnsmasq arrêté",
        "src-automatique",
        "src-automatique+jury",
        "non traitée",
        "mise en situation professionnelle",
        "@media print",
    ):
        assert needle in html, needle
    assert "<script" not in html and "<link" not in html and "src=" not in html.replace('class="src', "")
    md = render(rep, "md")
    assert "| **TAI.CP14.3**" in md and "automatique + jury" in md and "A demandé depuis quand" in md
    data = json.loads(render(rep, "json"))
    crit = next(
        c for ccp in data["grid"] for comp in ccp["competences"] for c in comp["criteria"] if c["id"] == "TAI.CP14.3"
    )
    assert crit["verdict"] == "acquis" and crit["occurrences"][0]["source"] == "automatique+jury"
    assert data["interventions"][by_id["dhcp-serveur-arrete"] - 1]["duration_s"] == 60.0
    # The same intervention reported as an attempt carries the jury's marks too.
    single = attempt_report(after.items[by_id["dhcp-serveur-arrete"] - 1].attempt or "", db.store)
    assert {o.criterion: o.verdict for o in single.interventions[0].criteria}["TAI.CP14.3"] == "acquis"


def test_group_export(db: ExamDB, catalogue: Path, tmp_path: Path) -> None:
    from simulateur.exam import export
    from simulateur.exam.models import CandidateRun, Item

    s = core.new_session(count=1, minutes=40, seed=1, competences=["TAI.CP14"], group="G1", db=db, base=catalogue)
    core.new_session(count=1, minutes=40, seed=1, competences=["TAI.CP14"], group="G2", db=db, base=catalogue)
    for name in ("Ana", "Ben"):
        db.create_run(
            CandidateRun(
                session=s.id, candidate=name, started=time.time(), deadline=time.time() + 600, items=[Item(index=1)]
            )
        )
    _fake_intervention(db, s.id, "Ana", 1, _played(catalogue, "dhcp-serveur-arrete"), {"TAI.CP14.4": "acquis"})
    rows = export.rows(db, group="G1")
    assert [(r.candidate, r.status) for r in rows] == [("Ana", "remise par le candidat"), ("Ben", "à faire")]
    assert export.rows(db, group="G2") == []
    path = export.write_csv(tmp_path / "g1.csv", rows)
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("groupe;session;stagiaire;intervention")
    assert "G1;eb1;Ana;1;" in text and "TAI.CP14.4=acquis (automatique)" in text


def test_report_of_an_attempt_made_with_the_command_line_only(tmp_path: Path) -> None:
    """`simulateur start` + `check` (no app, no submission): the report is the last check's."""
    from simulateur import referentiel
    from simulateur.session.attempt import Attempt

    attempt = Attempt.create("zz1", "dhcp-serveur-arrete", 7, "Zoé")
    attempt.qualify("moyen", "haute")
    crits = []
    for cid, v, ev in (("TAI.CP14.4", "acquis", "✓ dnsmasq tourne"), ("TAI.CP14.3", "jury", "? questions posées")):
        crit, comp = referentiel.all_criteria()[cid][:2]
        crits.append(
            CriterionResult(
                id=cid, label=crit.label, competence=comp.id, competence_label=comp.label, verdict=v, evidence=[ev]
            )
        )  # type: ignore[arg-type]
    attempt.save_result(
        CheckResult(
            lab="zz1",
            scenario="dhcp-serveur-arrete",
            seed=7,
            t=time.time(),
            criteria=crits,
            probes=[],
            score=Score(acquis=1, evalues=1, jury=1),
        ).model_dump_json()
    )
    rep = attempt_report(attempt.dir.name, Store())  # the store the command line wrote
    iv = rep.interventions[0]
    assert rep.candidate == "Zoé" and iv.status == "evaluee" and iv.qualification is not None
    assert {o.criterion: (o.verdict, o.source) for o in iv.criteria} == {
        "TAI.CP14.4": ("acquis", "automatique"),
        "TAI.CP14.3": ("jury", "jury"),
    }
    assert "TAI.CP14.4" in render(rep, "html")
    with pytest.raises(UsageError, match="ni une session d'examen ni une tentative"):
        attempt_report("inconnue", Store(tmp_path / "vide.db"))
