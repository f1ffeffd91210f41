"""What the store keeps of a questionnaire, one model per record (table rows of store/schema.py)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter

from simulateur.quiz.models import Question

QUESTIONS: TypeAdapter[list[Any]] = TypeAdapter(list[Question])


class QuizRun(BaseModel):
    """A candidate's questionnaire (quiz_runs)."""

    model_config = ConfigDict(frozen=True)

    id: str
    candidate: str = ""
    seed: int
    minutes: int
    started: float
    deadline: float
    submitted: float | None = None
    questions: list[Question]

    def remaining(self, now: float | None = None) -> float:
        return max(0.0, self.deadline - (time.time() if now is None else now))

    def open(self, now: float | None = None) -> bool:
        """Answers are still taken: not handed in, and time is not up."""
        return self.submitted is None and self.remaining(now) > 0

    def number(self, question_id: str) -> int:
        return next(i for i, q in enumerate(self.questions, 1) if q.id == question_id)


class QuizAnswer(BaseModel):
    """An answer as given (quiz_answers)."""

    model_config = ConfigDict(frozen=True)

    run: str
    question: str
    answer: str
    t: float


class QuizJuryMark(BaseModel):
    """The jury's points for an open answer (quiz_marks)."""

    model_config = ConfigDict(frozen=True)

    run: str
    question: str
    points: float
    comment: str = ""
    t: float
    by: str = ""  # the juror's login (an examen's questionnaire marked in the centre's pages)
