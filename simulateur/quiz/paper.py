"""A candidate's questionnaire from start to result: drawing it, taking answers against the clock,
marking it (automatically where the answer is exact, by the jury for open answers)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from simulateur.errors import UsageError
from simulateur.i18n import tr, trn
from simulateur.quiz import compute, draw, marking
from simulateur.quiz.bank import Bank, load_bank
from simulateur.quiz.db import QuizDB
from simulateur.quiz.models import MultipleChoice, Numeric, Open, SingleChoice
from simulateur.quiz.records import QuizRun


def start(
    db: QuizDB,
    *,
    seed: int | None = None,
    minutes: int = draw.DEFAULT_MINUTES,
    count: int = draw.DEFAULT_COUNT,
    candidate: str = "",
    bank: Bank | None = None,
    now: float | None = None,
) -> QuizRun:
    if not 1 <= minutes <= 600:
        raise UsageError(tr("quiz.bad_minutes", minutes=minutes))
    if seed is not None and not 0 <= seed < 2**63:
        raise UsageError(tr("quiz.bad_seed", seed=seed))
    if not 1 <= count <= 200:
        raise UsageError(trn("quiz.bad_count", count))
    bank = bank or load_bank()
    seed = random.SystemRandom().randrange(1, 10**9) if seed is None else seed
    ids = draw.draw(bank, seed, count)
    return db.create(
        candidate=candidate, seed=seed, minutes=minutes, questions=[bank.questions[i] for i in ids], now=now
    )


def question_text(q: Any, seed: int) -> str:
    return compute.text(q, seed) if isinstance(q, Numeric) else q.text


def kind_hint(q: Any) -> str:
    if isinstance(q, SingleChoice):
        return tr("quiz.kind.single")
    if isinstance(q, MultipleChoice):
        return tr("quiz.kind.multiple")
    if isinstance(q, Numeric):
        return tr("quiz.kind.numeric")
    return tr("quiz.kind.open")


def find(run: QuizRun, number: int) -> Any:
    if not 1 <= number <= len(run.questions):
        raise UsageError(tr("quiz.bad_number", number=number, count=len(run.questions)))
    return run.questions[number - 1]


def answer(db: QuizDB, run: QuizRun, number: int, given: str, now: float | None = None) -> None:
    q = find(run, number)
    marking.check_answer(q, given)
    db.answer(run.id, q.id, given.strip(), now=now)


def mark_open(db: QuizDB, run: QuizRun, number: int, points: float, comment: str = "", by: str = "") -> None:
    q = find(run, number)
    if not isinstance(q, Open):
        raise UsageError(tr("quiz.mark.not_open", number=number))
    if run.submitted is None and run.open():
        raise UsageError(tr("quiz.mark.not_finished", id=run.id))
    if not 0 <= points <= q.points:
        raise UsageError(trn("quiz.mark.range", points, max=q.points))
    db.set_mark(run.id, q.id, points, comment, by=by)


@dataclass
class Line:
    number: int
    question: Any
    text: str
    given: str | None
    mark: marking.Mark


def lines(db: QuizDB, run: QuizRun) -> list[Line]:
    answers = db.answers(run.id)
    marks = db.marks(run.id)
    out = []
    for n, q in enumerate(run.questions, 1):
        given = answers[q.id].answer if q.id in answers else None
        jury = marks[q.id].points if q.id in marks else None
        out.append(Line(n, q, question_text(q, run.seed), given, marking.mark(q, run.seed, given, jury)))
    return out


def finished(run: QuizRun, now: float | None = None) -> bool:
    return run.submitted is not None or run.remaining(now if now is not None else time.time()) <= 0
