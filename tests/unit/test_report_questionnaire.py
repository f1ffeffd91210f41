"""The questionnaire professionnel in an examen's report (simulateur/report/model.py quiz_report):
nothing of what her answers earn while her paper is open; once handed in or her time is up, each
answer marked, the open ones « à évaluer par le jury » until the jury's points (and who gave them),
her points per competence over its total; the same in the JSON, Markdown and HTML exports."""

from __future__ import annotations

import json
import time

import pytest

from simulateur.exam.db import ExamDB
from simulateur.exam.models import CandidateRun, ExamSession, Intervention, Item
from simulateur.quiz import examquiz
from simulateur.quiz.models import Open
from simulateur.report import render
from simulateur.report.model import exam_report, quiz_report


@pytest.fixture
def db() -> ExamDB:
    return ExamDB()


def _session(db: ExamDB) -> str:
    iv = Intervention(
        index=1, scenario="dhcp-serveur-arrete", title="DHCP", referentiel="TAI", competences=[], duration=20
    )
    sid = db.create_session(
        lambda sid: ExamSession(
            id=sid, seed=7, count=1, minutes=10, interventions=[iv], roster={"Alice Martin": "alice"}
        )
    ).id
    now = time.time()
    db.create_run(
        CandidateRun(session=sid, candidate="Alice Martin", started=now, deadline=now + 600, items=[Item(index=1)])
    )
    return sid


def _numbers(run, kind: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [n for n, q in enumerate(run.questions, 1) if q.kind == kind]


def test_none_before_she_starts(db: ExamDB) -> None:
    sid = _session(db)
    rep = exam_report(sid, "Alice Martin", db)
    assert rep.questionnaire is None
    assert "ne l'a pas commencé" in render(rep, "md")
    assert json.loads(render(rep, "json"))["questionnaire"] is None


def test_while_open_nothing_of_the_marking(db: ExamDB) -> None:
    sid = _session(db)
    t0 = time.time()
    run, _ = examquiz.start(db, sid, "Alice Martin", now=t0)
    single = _numbers(run, "single")[0]
    examquiz.answer(db, sid, "Alice Martin", single, "a", now=t0 + 5)
    q = quiz_report(db.store, sid, "Alice Martin", now=t0 + 10)
    assert q is not None and q.state == "en_cours" and q.answered == 1 and q.count == len(run.questions)
    assert q.competences == [] and q.pending == 0
    assert all(r.points is None and r.verdict is None and r.expected == "" for r in q.questions)
    assert q.questions[single - 1].given == "a"


def test_handed_in_then_marked_by_the_jury(db: ExamDB) -> None:
    sid = _session(db)
    t0 = time.time()
    run, _ = examquiz.start(db, sid, "Alice Martin", now=t0)
    opens = _numbers(run, "open")
    assert len(opens) >= 2, "the draw gives several open answers (one per competence at least)"
    first, second = opens[0], opens[1]
    examquiz.answer(db, sid, "Alice Martin", first, "je relance le service puis je vérifie", now=t0 + 5)
    examquiz.answer(db, sid, "Alice Martin", second, "un ticket", now=t0 + 6)
    examquiz.submit(db, sid, "Alice Martin")

    q = quiz_report(db.store, sid, "Alice Martin")
    assert q is not None and q.state == "remis" and q.submitted is not None and q.answered == 2
    rows = {r.number: r for r in q.questions}
    assert (rows[first].verdict, rows[first].points) == ("jury", None)
    assert rows[first].verdict_label == "à évaluer par le jury"
    unanswered = [r for r in q.questions if r.given is None]
    assert unanswered and all(r.verdict == "sans_reponse" and r.points == 0 for r in unanswered)
    assert q.pending == 2
    assert {c.id.rsplit(".", 1)[1] for c in q.competences} <= {"CP5", "CP6", "CP9"}
    for c in q.competences:  # every question of the competence counts in its total
        mine = [r for r in q.questions if r.competence == c.id]
        assert c.total == pytest.approx(sum(r.max for r in mine))
        assert c.pending == sum(1 for r in mine if r.verdict == "jury")
    md = render(quiz_report_in(db, sid), "md")
    assert "## Questionnaire professionnel" in md and "à évaluer par le jury" in md
    assert "2 réponses ouvertes à évaluer par le jury" in md

    q_first = run.questions[first - 1]
    assert isinstance(q_first, Open)
    examquiz.mark(db, sid, "Alice Martin", first, q_first.points, "cite la vérification", by="jade")
    rep = exam_report(sid, "Alice Martin", db)
    assert rep.questionnaire is not None
    row = rep.questionnaire.questions[first - 1]
    assert (row.verdict, row.points, row.by, row.comment) == (
        "jury_note",
        q_first.points,
        "jade",
        "cite la vérification",
    )
    assert rep.questionnaire.pending == 1
    comp = next(c for c in rep.questionnaire.competences if c.id == q_first.competence)
    assert comp.points >= q_first.points
    data = json.loads(render(rep, "json"))["questionnaire"]
    assert data["state"] == "remis" and data["questions"][first - 1]["by"] == "jade"
    html = render(rep, "html")
    assert "<h2>Questionnaire professionnel</h2>" in html and "noté par jade" in html
    md = render(rep, "md")
    assert "noté par jade" in md and "cite la vérification" in md


def test_time_over_without_handing_in(db: ExamDB) -> None:
    sid = _session(db)
    t0 = time.time() - 3 * 3600
    run, _ = examquiz.start(db, sid, "Alice Martin", now=t0)
    examquiz.answer(db, sid, "Alice Martin", _numbers(run, "single")[0], "a", now=t0 + 5)
    q = quiz_report(db.store, sid, "Alice Martin")
    assert q is not None and q.state == "temps_ecoule" and q.submitted is None
    assert all(r.verdict is not None for r in q.questions) and q.competences
    assert "temps écoulé, non remis" in render(quiz_report_in(db, sid), "md")


def quiz_report_in(db: ExamDB, sid: str):  # type: ignore[no-untyped-def]
    return exam_report(sid, "Alice Martin", db)
