"""Work done in threads, the Textual way: a worker returns its result (or raises), and the screen
that started it reacts to its state change (Worker.StateChanged, posted to that screen). Nothing
in a thread calls back into the app: a thread may only post a message (thread-safe) to report progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.worker import Worker, WorkerState

from simulateur.errors import SimError


@dataclass(frozen=True)
class Outcome:
    """How a worker ended: its result, or what went wrong in French (then `result` is None)."""

    result: Any = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def problem(error: BaseException | None) -> str:
    """A failure said to the trainee: a SimError's own French message, anything else (a bug) named —
    said, never a frozen screen."""
    if isinstance(error, SimError):
        return str(error)
    return f"{type(error).__name__}: {error}" if error is not None else "?"


def ended(event: Worker.StateChanged, group: str) -> Outcome | None:
    """The outcome of a worker of `group` that has just ended; None for any other change (started,
    another group's worker, or cancelled: the app is leaving, nothing to show)."""
    worker: Worker[Any] = event.worker
    if worker.group != group:
        return None
    if event.state == WorkerState.SUCCESS:
        return Outcome(result=worker.result)
    if event.state == WorkerState.ERROR:
        return Outcome(problem=problem(worker.error))
    return None
