"""The intervention of an examen blanc the app is running: a Running whose countdown is the
candidate's session deadline, with no hint, handed in through the exam's core (which builds
the next intervention). Its lab belongs to the exam run: the watchdog scores and stops it at the
deadline even if the app dies, so leaving the app does not stop it — only abandoning does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulateur.errors import SimError
from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.exam.models import Item
from simulateur.i18n import tr
from simulateur.session.run import Started
from simulateur.session.store import HintReveal
from simulateur.tui.context import Running


@dataclass
class ExamRunning(Running):
    session_id: str = ""
    candidate: str = ""
    deadline: float = 0.0
    index: int = 1
    count: int = 1
    db: Any = None

    @classmethod
    def of(cls, db: ExamDB, step: core.Step) -> ExamRunning:
        started: Started | None = step.started
        item: Item | None = step.item
        assert started is not None and started.attempt is not None and item is not None
        return cls(
            lab=started.lab,
            scenario=started.scenario,
            attempt=started.attempt,
            attempt_id=item.attempt or started.attempt.dir.name,
            mode="examen",
            started=item.started or started.attempt.info.started,
            store=db.store,
            session_id=step.run.session,
            candidate=step.run.candidate,
            deadline=step.run.deadline,
            index=item.index,
            count=len(step.run.items),
            db=db,
        )

    @property
    def timed(self) -> bool:
        return True

    @property
    def limit(self) -> float:
        return self.deadline - self.started

    def reveal_hint(self, index: int) -> HintReveal:
        raise SimError(tr("tui.exam.no_hints"))

    def submit_exam(self) -> core.Step:
        """Hand in (scored as the lab is now, lab stopped) and build the next one (worker thread)."""
        step = core.submit(self.db, self.session_id, self.candidate)
        self.submitted = self.stopped = True
        return step

    def expire(self) -> None:
        core.expire(self.db, self.session_id, self.candidate)

    def stop(self, status: str | None = None) -> None:
        """Quitting the app: « abandonnee » (asked and confirmed) ends the candidate's exam now;
        anything else (signal, closed terminal) leaves the lab to the watchdog: the candidate may
        come back to it (app or command line) until the deadline."""
        with self._lock:
            if self.stopped:
                return
            self.stopped = True
        if status == "abandonnee":
            try:
                core.end_run(self.db, self.session_id, self.candidate)
            except SimError:
                pass
