"""Questionnaires in the store (simulateur/store, the same database as attempts and examens blancs):
one transaction per write; time is checked inside the write, so that an answer after the deadline
is refused even when two commands race."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from simulateur.errors import UsageError
from simulateur.i18n import tr
from simulateur.quiz.records import QUESTIONS, QuizAnswer, QuizJuryMark, QuizRun
from simulateur.session.store import Store
from simulateur.store import schema, upsert

R, A, M, L = schema.quiz_runs, schema.quiz_answers, schema.quiz_marks, schema.exam_quizzes


def _run(row: Any) -> QuizRun:
    return QuizRun(
        id=row.id,
        candidate=row.candidate,
        seed=row.seed,
        minutes=row.minutes,
        started=row.started,
        deadline=row.deadline,
        submitted=row.submitted,
        questions=QUESTIONS.validate_json(row.questions),
    )


class QuizDB:
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()

    def create(
        self,
        *,
        candidate: str,
        seed: int,
        minutes: int,
        questions: list[Any],
        now: float | None = None,
        link: tuple[str, str] | None = None,
    ) -> QuizRun:
        """A new questionnaire. `link` (session, candidate key): the examen's candidate it is for —
        kept in the same transaction; if she has one already, that one is returned instead."""
        started = time.time() if now is None else now
        with self.store._write() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("LOCK TABLE quiz_runs IN SHARE ROW EXCLUSIVE MODE")
            if link is not None:
                had = conn.execute(select(L.c.run).where(L.c.session == link[0], L.c.ckey == link[1])).first()
                if had is not None:
                    row = conn.execute(select(R).where(R.c.id == had.run)).first()
                    if row is not None:
                        return _run(row)
            ids = [r[0] for r in conn.execute(select(R.c.id))]
            n = max([int(i[1:]) for i in ids if i.startswith("q") and i[1:].isdigit()] + [0]) + 1
            run = QuizRun(
                id=f"q{n}",
                candidate=candidate,
                seed=seed,
                minutes=minutes,
                started=started,
                deadline=started + minutes * 60,
                questions=questions,
            )
            conn.execute(
                R.insert().values(
                    id=run.id,
                    candidate=candidate,
                    seed=seed,
                    minutes=minutes,
                    started=started,
                    deadline=run.deadline,
                    questions=QUESTIONS.dump_json(questions).decode(),
                )
            )
            if link is not None:
                conn.execute(L.insert().values(session=link[0], ckey=link[1], candidate=candidate, run=run.id))
        return run

    def linked(self, session: str, ckey: str) -> str | None:
        """The id of the questionnaire of this examen's candidate, if she has one."""
        with self.store._read() as conn:
            row = conn.execute(select(L.c.run).where(L.c.session == session, L.c.ckey == ckey)).first()
        return None if row is None else str(row.run)

    def run(self, run_id: str) -> QuizRun:
        with self.store._read() as conn:
            row = conn.execute(select(R).where(R.c.id == run_id)).first()
        if row is None:
            raise UsageError(tr("quiz.unknown_run", id=run_id, known=", ".join(r.id for r in self.runs()) or "aucun"))
        return _run(row)

    def runs(self) -> list[QuizRun]:
        with self.store._read() as conn:
            rows = conn.execute(select(R).order_by(R.c.started, R.c.id)).all()
        out = []
        for row in rows:
            try:
                out.append(_run(row))
            except ValueError:  # a row that cannot be read is skipped, never fatal
                continue
        return out

    def latest(self, *, open_only: bool) -> QuizRun:
        runs = [r for r in self.runs() if r.open() or not open_only]
        if not runs:
            raise UsageError(tr("quiz.no_open_run") if open_only else tr("quiz.no_run"))
        return runs[-1]

    def answer(self, run_id: str, question_id: str, answer: str, now: float | None = None) -> QuizAnswer:
        t = time.time() if now is None else now
        with self.store._write() as conn:
            row = conn.execute(select(R.c.deadline, R.c.submitted).where(R.c.id == run_id)).first()
            if row is None:
                raise UsageError(tr("quiz.unknown_run", id=run_id, known="?"))
            if row.submitted is not None:
                raise UsageError(tr("quiz.answer.submitted", id=run_id))
            if t >= row.deadline:
                raise UsageError(tr("quiz.answer.too_late", id=run_id))
            upsert(conn, A, {"run": run_id, "question": question_id, "answer": answer, "t": t}, ("run", "question"))
        return QuizAnswer(run=run_id, question=question_id, answer=answer, t=t)

    def answers(self, run_id: str) -> dict[str, QuizAnswer]:
        with self.store._read() as conn:
            rows = conn.execute(select(A).where(A.c.run == run_id)).all()
        return {r.question: QuizAnswer.model_validate(dict(r._mapping)) for r in rows}

    def submit(self, run_id: str, now: float | None = None) -> float:
        """Hand in; after the deadline the paper is closed at its deadline (answers given in time count)."""
        t = time.time() if now is None else now
        with self.store._write() as conn:
            row = conn.execute(select(R.c.deadline, R.c.submitted).where(R.c.id == run_id)).first()
            if row is None:
                raise UsageError(tr("quiz.unknown_run", id=run_id, known="?"))
            if row.submitted is not None:
                raise UsageError(tr("quiz.answer.submitted", id=run_id))
            when: float = min(t, row.deadline)
            conn.execute(R.update().where(R.c.id == run_id).values(submitted=when))
        return when

    def set_mark(
        self, run_id: str, question_id: str, points: float, comment: str = "", now: float | None = None, by: str = ""
    ) -> QuizJuryMark:
        t = time.time() if now is None else now
        with self.store._write() as conn:
            upsert(
                conn,
                M,
                {"run": run_id, "question": question_id, "points": points, "comment": comment, "t": t, "by": by},
                ("run", "question"),
            )
        return QuizJuryMark(run=run_id, question=question_id, points=points, comment=comment, t=t, by=by)

    def marks(self, run_id: str) -> dict[str, QuizJuryMark]:
        with self.store._read() as conn:
            rows = conn.execute(select(M).where(M.c.run == run_id)).all()
        return {r.question: QuizJuryMark.model_validate(dict(r._mapping)) for r in rows}
