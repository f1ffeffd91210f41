"""What the examen blanc's command-line verbs share (simulateur.exam.cli, and the verbs registered
under `exam` by other packages: simulateur.entretien.cli): the store, caught up before it is read."""

from __future__ import annotations

from typing import Any

from simulateur.clitools import is_root


def exam_db() -> Any:
    from simulateur.exam.db import ExamDB

    return ExamDB()


def sweep(db: Any, session: str | None = None) -> None:
    """Score overdue interventions before showing anything (a killed watchdog is caught up)."""
    if is_root():
        from simulateur.exam import core

        core.sweep(db, session)
