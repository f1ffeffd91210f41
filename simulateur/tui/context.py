"""The attempt the app is running: the core objects it was started with, and the glue to the store.

Nothing here decides anything: it calls the core (session.run, Attempt, Store) in the order a
screen needs, so screens stay presentation only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab.lab import Lab
from simulateur.scenario.models import Scenario
from simulateur.scoring import CheckResult
from simulateur.session import run
from simulateur.session.attempt import Attempt
from simulateur.session.store import Escalation, HintReveal, Store


@dataclass
class Running:
    lab: Lab
    scenario: Scenario
    attempt: Attempt
    attempt_id: str
    mode: str
    started: float
    store: Store
    stopped: bool = False
    submitted: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def lab_id(self) -> str:
        return self.lab.id

    @property
    def timed(self) -> bool:
        return self.mode == "chronometre"

    @property
    def limit(self) -> float:
        return self.scenario.duration * 60.0

    def reveal_hint(self, index: int) -> HintReveal:
        hint = self.store.reveal_hint(self.attempt_id, index, self.scenario.hints[index])
        self.attempt.journal.record("-", tr("journal.hint_revealed", n=index + 1), None, "event")
        return hint

    def qualify(self, impact: str, urgency: str) -> None:
        self.attempt.qualify(impact, urgency)

    def escalate(self, to: str, reason: str, done: str) -> Escalation:
        return self.attempt.escalate(to, reason, done)  # the attempt's record, which the checker scores

    def submit(self) -> CheckResult:
        """Check the lab, store the verdicts, stop the lab (in a worker thread)."""
        result, _ = run.check(self.lab_id)
        self.store.submit(self.attempt_id, result)
        self.submitted = True
        self.stop()
        return result

    def stop(self, status: str | None = None) -> None:
        """Stop the lab once (idempotent, any thread); the attempt's files are kept."""
        with self._lock:
            if not self.stopped:
                try:
                    run.stop(self.lab_id)
                except SimError:
                    pass  # already gone (stopped from another terminal): nothing left to stop
                finally:
                    self.stopped = True
        if status is not None and not self.submitted:
            self.store.set_status(self.attempt_id, status)
