"""Coaching after a training attempt is handed in: what to improve, as a trainer would say it.

One module per job: `missed` (each criterion not acquired: what a jury expected, the trainee's
closest commands), `solution` (the reference solution as the commands a technician types, with the
diagnosis that leads there), `fiche` (the fiche d'intervention checked for completeness and for the
facts the scenario names; its quality left to the jury), `next` (a scenario for the weakest
competences) and `selfmarks` (the trainee's own verdict on the criteria a jury judges).

Never for an exam: `coaching()` returns None for an attempt of an examen blanc, or one not handed in.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from simulateur.coaching.fiche import FicheCheck, check_fiche
from simulateur.coaching.missed import Missed, missed_criteria
from simulateur.coaching.next import Suggestion, suggest
from simulateur.coaching.selfmarks import SelfMark, self_marks
from simulateur.coaching.solution import Step, reference_steps
from simulateur.journal.store import Journal
from simulateur.scenario.loader import Loaded
from simulateur.session.store import Store

__all__ = ["Coaching", "FicheCheck", "Missed", "SelfMark", "Step", "Suggestion", "coached", "coaching"]


class Coaching(BaseModel):
    missed: list[Missed] = Field(default_factory=list)
    diagnosis: list[str] = Field(default_factory=list)
    solution: list[Step] = Field(default_factory=list)
    fiche: FicheCheck | None = None
    self_marks: list[SelfMark] = Field(default_factory=list)
    suggestion: Suggestion | None = None


def coached(store: Store, attempt_id: str) -> bool:
    """Whether this attempt gets coaching: handed in, and not an exam's (mode « examen »)."""
    rec = store.attempt(attempt_id)
    return rec is not None and rec.mode != "examen" and rec.status == "soumise"


def coaching(store: Store, attempt_id: str, catalogue: dict[str, Loaded] | None = None) -> Coaching | None:
    if not coached(store, attempt_id):
        return None
    rec = store.attempt(attempt_id)
    scenario = store.scenario(attempt_id)
    assert rec is not None
    entries = Journal(Path(rec.attempt_dir) / "journal.jsonl").entries() if rec.attempt_dir else []
    result = store.result(attempt_id)
    out = Coaching(self_marks=self_marks(store, attempt_id))
    if scenario is not None:
        out.missed = missed_criteria(scenario, store.criteria(attempt_id), result.probes if result else [], entries)
        out.diagnosis = list(scenario.hints)
        out.solution = reference_steps(scenario)
        out.fiche = check_fiche(scenario, store.fiche(attempt_id))
    out.suggestion = suggest(store, rec, catalogue)
    return out
