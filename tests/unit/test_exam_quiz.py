"""An examen's questionnaire (simulateur/quiz/examquiz.py, `exam quiz…`): her own paper only, never
its expected answers for her, nothing after the deadline or the hand-in, the jury's marks signed
with its login and refused once her grid is signed."""

from __future__ import annotations

import argparse
import time

import pytest

from simulateur.cli import build_parser
from simulateur.errors import UsageError
from simulateur.exam.db import ExamDB
from simulateur.exam.models import ExamSession, Intervention
from simulateur.quiz import examquiz
from simulateur.quiz.db import QuizDB
from simulateur.serve import client, roles


@pytest.fixture
def db() -> ExamDB:
    return ExamDB()


@pytest.fixture
def groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATEUR_TRAINER_GROUP", "form")
    monkeypatch.setenv("SIMULATEUR_JURY_GROUP", "jury")


def _session(db: ExamDB, roster: dict[str, str], extra: dict[str, str] | None = None) -> str:
    iv = Intervention(
        index=1, scenario="dhcp-serveur-arrete", title="DHCP", referentiel="TAI", competences=[], duration=20
    )
    return db.create_session(
        lambda sid: ExamSession(
            id=sid, seed=7, count=1, minutes=10, interventions=[iv], roster=roster, extra=extra or {}
        )
    ).id


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def peer(login: str, *groups: str) -> roles.Peer:
    return roles.Peer(1234, 1234, 99, login, set(groups))


def _number(run, kind: str) -> int:  # type: ignore[no-untyped-def]
    return next(n for n, q in enumerate(run.questions, 1) if q.kind == kind)


def test_her_own_paper_only_and_never_its_answers(db: ExamDB, groups: None) -> None:
    sid = _session(db, {"Alice Martin": "alice", "Bruno Petit": "bruno"})
    alice, jury, trainer = peer("alice"), peer("jade", "jury"), peer("tom", "form")
    for argv in (
        ("exam", "quiz-start", sid),
        ("exam", "quiz-answer", sid, "1", "--", "-b"),
        ("exam", "quiz-submit", sid),
        ("exam", "quiz", sid, "--correction"),
    ):
        assert client.forwarded(_args(*argv))
        d = roles.decide(alice, _args(*argv), db, set())
        assert d.overrides["candidate"] == "Alice Martin"
    d = roles.decide(alice, _args("exam", "quiz", sid, "--correction", "--json"), db, set())
    assert d.overrides["correction"] is False  # her paper, never its expected answers
    assert roles.decide(alice, _args("exam", "quiz-answer", sid, "1", "--", "-b"), db, set()).verb == "exam quiz-answer"
    with pytest.raises(roles.Refused, match="que pour vous-même"):
        roles.decide(alice, _args("exam", "quiz-answer", sid, "1", "a", "--candidate", "Bruno Petit"), db, set())
    with pytest.raises(roles.Refused, match=r"\(candidat\)"):
        roles.decide(
            alice,
            _args("exam", "quiz-mark", sid, "--candidate", "Alice Martin", "--question", "1", "--points", "1"),
            db,
            set(),
        )
    with pytest.raises(roles.Refused, match="pas sur la liste"):
        roles.decide(peer("zoe"), _args("exam", "quiz-start", sid), db, set())
    for who in (jury, trainer):  # nobody answers for her
        with pytest.raises(roles.Refused):
            roles.decide(who, _args("exam", "quiz-answer", sid, "1", "a", "--candidate", "Alice Martin"), db, set())
    d = roles.decide(
        jury,
        _args("exam", "quiz-mark", sid, "--candidate", "Alice Martin", "--question", "3", "--points", "1"),
        db,
        set(),
    )
    assert d.overrides["jury_login"] == "jade"  # who marked: the service's word
    assert (
        "correction"
        not in roles.decide(jury, _args("exam", "quiz", sid, "--candidate", "Alice Martin"), db, set()).overrides
    )
    with pytest.raises(roles.Refused, match=r"\(formateur\)"):
        roles.decide(
            trainer,
            _args("exam", "quiz-mark", sid, "--candidate", "Alice Martin", "--question", "3", "--points", "1"),
            db,
            set(),
        )


def test_clock_hand_in_and_marks(db: ExamDB) -> None:
    sid = _session(
        db, {"Alice Martin": "", "Bruno Petit": "", "Chloé Roux": ""}, {"Bruno Petit": "4/3", "Chloé Roux": "+10"}
    )
    with pytest.raises(UsageError, match="pas encore commencé"):
        examquiz.answer(db, sid, "Alice Martin", 1, "a")
    with pytest.raises(UsageError, match="pas sur la liste"):
        examquiz.start(db, sid, "Zoé")
    t0 = time.time()
    run, new = examquiz.start(db, sid, "alice  martin", now=t0)
    assert new and run.candidate == "Alice Martin" and run.minutes == 45 and len(run.questions) == 21
    again, new = examquiz.start(db, sid, "Alice Martin")
    assert not new and again.id == run.id  # one paper per candidate
    bruno, _ = examquiz.start(db, sid, "Bruno Petit", now=t0)
    assert bruno.id != run.id and bruno.seed != run.seed  # her own draw
    assert bruno.minutes == 60 and bruno.deadline == t0 + 3600  # his tiers-temps
    assert examquiz.start(db, sid, "Chloé Roux")[0].minutes == 55
    single, open_ = _number(run, "single"), _number(run, "open")
    examquiz.answer(db, sid, "Alice Martin", single, "a", now=t0 + 60)
    examquiz.answer(db, sid, "Alice Martin", open_, "-- je redémarre le service", now=t0 + 61)
    with pytest.raises(UsageError, match="temps écoulé"):
        examquiz.answer(db, sid, "Alice Martin", single, "b", now=run.deadline + 1)
    with pytest.raises(UsageError, match="en cours"):
        examquiz.mark(db, sid, "Alice Martin", open_, 1, "", by="jade")
    seen = examquiz.view(db, sid, "Alice Martin", correction=False, now=t0 + 62)
    assert seen["open"] and seen["answered"] == 2 and "result" not in seen
    assert all("verdict" not in q and "expected" not in q for q in seen["questions"])
    examquiz.submit(db, sid, "Alice Martin")
    with pytest.raises(UsageError, match="remis"):
        examquiz.answer(db, sid, "Alice Martin", single, "b")
    with pytest.raises(UsageError, match="remis"):
        examquiz.submit(db, sid, "Alice Martin")
    seen = examquiz.view(db, sid, "Alice Martin", correction=False)
    q_open = seen["questions"][open_ - 1]
    assert q_open["verdict"] == "jury" and q_open["got"] is None and q_open["given"] == "-- je redémarre le service"
    assert all("expected" not in q for q in seen["questions"])
    assert any(r["pending"] == 1 for r in seen["result"])
    with pytest.raises(UsageError, match="pas une réponse ouverte"):
        examquiz.mark(db, sid, "Alice Martin", single, 1, "", by="jade")
    with pytest.raises(UsageError, match="entre 0 et"):
        examquiz.mark(db, sid, "Alice Martin", open_, 99, "", by="jade")
    examquiz.mark(db, sid, "Alice Martin", open_, 1, "cite la relance", by="jade")
    jury = examquiz.view(db, sid, "Alice Martin", correction=True)
    q_open = jury["questions"][open_ - 1]
    assert q_open["verdict"] == "jury_note" and q_open["got"] == 1 and q_open["jury_by"] == "jade"
    assert q_open["expected_elements"] and jury["questions"][single - 1]["expected"]
    assert QuizDB(db.store).marks(run.id)[run.questions[open_ - 1].id].by == "jade"
    db.sign(sid, "Alice Martin", "jade")
    with pytest.raises(UsageError, match="sign"):
        examquiz.mark(db, sid, "Alice Martin", open_, 2, "", by="jade")
