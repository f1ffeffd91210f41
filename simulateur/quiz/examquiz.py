"""The questionnaire professionnel of an examen blanc's candidate (`simulateur exam quiz …`, and the
centre's browser pages): one paper per candidate and session, drawn from the session's seed and
her name, 45 minutes (with her tiers-temps) from the moment she starts it; the clock is the store's (QuizDB.answer checks
the deadline inside its write). The jury marks her open answers once she handed in or her time is
up, never after her grid is signed.

What she sees of her paper (`view(correction=False)`) never holds an expected answer: only her
answers and, once it is over, what each earned (open answers « à évaluer par le jury »)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from simulateur.errors import UsageError
from simulateur.exam import core
from simulateur.exam.db import ExamDB, candidate_key
from simulateur.i18n import N_, tr
from simulateur.quiz import draw, marking, paper
from simulateur.quiz.db import QuizDB
from simulateur.quiz.records import QuizRun


def _name(db: ExamDB, session_id: str, candidate: str | None) -> tuple[Any, str]:
    """The session and her name as its roster spells it (any name if it has no roster)."""
    session = core.get_session(db, session_id)
    if not candidate:
        raise UsageError(tr("quiz.exam.need_candidate"))
    if session.roster:
        name = next((n for n in session.roster if candidate_key(n) == candidate_key(candidate)), None)
        if name is None:
            raise UsageError(
                tr("quiz.exam.not_on_roster", candidate=candidate, id=session.id, known=", ".join(session.roster))
            )
        return session, name
    return session, core.check_name(candidate)


def seed_of(session_seed: int, name: str) -> int:
    """Her paper's seed: the session's and her name's (the same paper if asked again)."""
    digest = hashlib.sha256(f"{session_seed}/{candidate_key(name)}/questionnaire".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10**9 + 1


def minutes_of(session: Any, name: str) -> int:
    """Her questionnaire's minutes: the RC's 45, with her tiers-temps as the trainer wrote it for
    the session (« 4/3 »: 60 min; « +N »: N more minutes)."""
    import math

    extra = session.extra_of(name)
    if extra == "4/3":
        return math.ceil(draw.DEFAULT_MINUTES * 4 / 3)
    if extra is not None and extra.startswith("+") and extra[1:].isdigit():
        return draw.DEFAULT_MINUTES + int(extra[1:])
    return draw.DEFAULT_MINUTES


def paper_of(db: ExamDB, session_id: str, candidate: str | None) -> tuple[str, QuizRun | None]:
    """Her name and her paper (None: not started yet)."""
    session, name = _name(db, session_id, candidate)
    run_id = QuizDB(db.store).linked(session.id, candidate_key(name))
    return name, QuizDB(db.store).run(run_id) if run_id else None


def _need(db: ExamDB, session_id: str, candidate: str | None) -> tuple[str, QuizRun]:
    name, run = paper_of(db, session_id, candidate)
    if run is None:
        raise UsageError(tr("quiz.exam.not_started", candidate=name, id=session_id))
    return name, run


def start(db: ExamDB, session_id: str, candidate: str | None, now: float | None = None) -> tuple[QuizRun, bool]:
    """Draw her paper and start its clock; asked again, the same paper (False: it was there)."""
    from simulateur.quiz.bank import load_bank

    session, name = _name(db, session_id, candidate)
    qdb = QuizDB(db.store)
    had = qdb.linked(session.id, candidate_key(name))
    if had is not None:
        return qdb.run(had), False
    bank = load_bank()
    seed = seed_of(session.seed, name)
    ids = draw.draw(bank, seed, draw.DEFAULT_COUNT)
    t = time.time() if now is None else now
    run = qdb.create(
        candidate=name,
        seed=seed,
        minutes=minutes_of(session, name),
        questions=[bank.questions[i] for i in ids],
        now=t,
        link=(session.id, candidate_key(name)),
    )
    return run, run.started == t  # another start won the race: its paper, not a new one


def answer(
    db: ExamDB, session_id: str, candidate: str | None, number: int, given: str, now: float | None = None
) -> tuple[QuizRun, int]:
    """Keep her answer to question `number` (refused once handed in or after the deadline)."""
    name, run = _need(db, session_id, candidate)
    t = time.time() if now is None else now
    if run.submitted is not None:
        raise UsageError(tr("quiz.exam.submitted", candidate=name))
    if t >= run.deadline:
        raise UsageError(
            tr("quiz.exam.too_late", candidate=name, deadline=time.strftime("%H:%M:%S", time.localtime(run.deadline)))
        )
    paper.answer(QuizDB(db.store), run, number, given, now=t)
    return run, len(run.questions) - len(QuizDB(db.store).answers(run.id))


def submit(db: ExamDB, session_id: str, candidate: str | None, now: float | None = None) -> QuizRun:
    name, run = _need(db, session_id, candidate)
    if run.submitted is not None:
        raise UsageError(tr("quiz.exam.submitted", candidate=name))
    QuizDB(db.store).submit(run.id, now=now)
    return QuizDB(db.store).run(run.id)


def mark(
    db: ExamDB, session_id: str, candidate: str | None, number: int, points: float, comment: str, by: str
) -> tuple[QuizRun, Any]:
    """The jury's points for her open answer `number`: once her paper is over, before her grid is signed."""
    name, run = _need(db, session_id, candidate)
    core._not_signed(db, session_id, name)
    paper.mark_open(QuizDB(db.store), run, number, points, comment, by=by)
    return run, paper.find(run, number)


def view(
    db: ExamDB, session_id: str, candidate: str | None, *, correction: bool, now: float | None = None
) -> dict[str, Any]:
    """Her paper as data (the pages and --json): the questions, her answers, the clock; once over,
    what each answer earned and the result per competence; the expected answers with `correction`
    only (the jury's)."""
    from simulateur import referentiel

    now = time.time() if now is None else now
    name, run = paper_of(db, session_id, candidate)
    session = core.get_session(db, session_id)
    out: dict[str, Any] = {
        "session": session_id,
        "candidate": name,
        "started": run is not None,
        "minutes": minutes_of(session, name),
        "count": draw.DEFAULT_COUNT,
    }
    if run is None:
        return out
    qdb = QuizDB(db.store)
    done = paper.finished(run, now)
    marks = qdb.marks(run.id)
    lines = paper.lines(qdb, run)
    questions = []
    for line in lines:
        q, m = line.question, line.mark
        item: dict[str, Any] = {
            "number": line.number,
            "id": q.id,
            "competence": q.competence,
            "criterion": q.criterion,
            "kind": q.kind,
            "hint": paper.kind_hint(q),
            "text": line.text.strip(),
            "points": q.points,
            "choices": [[marking.LETTERS[k], c] for k, c in enumerate(getattr(q, "choices", []))],
            "given": line.given,
        }
        if done:
            item.update(verdict=m.verdict, verdict_label=tr(f"quiz.verdict.{m.verdict}"), got=m.points)
            jm = marks.get(q.id)
            if jm is not None:
                item.update(jury_comment=jm.comment, jury_by=jm.by, jury_t=jm.t)
            if correction:
                item.update(
                    expected=m.expected, expected_elements=list(getattr(q, "expected", [])), explanation=q.explanation
                )
        questions.append(item)
    out.update(
        id=run.id,
        seed=run.seed if correction else None,
        minutes=run.minutes,
        begun=run.started,
        deadline=run.deadline,
        remaining=run.remaining(now),
        submitted=run.submitted,
        open=run.open(now),
        done=done,
        questions=questions,
        answered=sum(1 for line in lines if line.given is not None),
    )
    if done:
        comps = referentiel.all_competences()
        out["result"] = [
            {
                "competence": comp,
                "label": comps[comp][0].label if comp in comps else "",
                "points": r.points,
                "max": r.marked_max,
                "pending": r.pending,
                "pending_max": r.pending_max,
            }
            for comp, r in marking.per_competence([(l.question, l.mark) for l in lines]).items()
        ]
    return out


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("quiz.verdict.faux"),
    N_("quiz.verdict.jury"),
    N_("quiz.verdict.jury_note"),
    N_("quiz.verdict.juste"),
    N_("quiz.verdict.partiel"),
    N_("quiz.verdict.sans_reponse"),
)
