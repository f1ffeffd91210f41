"""A candidate's épreuve as stored: its phases in the RC's order, each with its planned minutes, when
it opened and ended, and what it opened (the examen blanc of its interventions, the quiz paper, the
guide d'entretien, the lab of the phase préparatoire)."""

from __future__ import annotations

import time

from pydantic import BaseModel, Field


class PhaseRun(BaseModel):
    kind: str
    minutes: float  # planned: the RC's, × the épreuve's scale, or as given
    presence: str
    started: float | None = None
    ended: float | None = None
    note: str = ""  # what the phase opened, or what is left to do (French)

    def elapsed(self, now: float | None = None) -> float | None:
        if self.started is None:
            return None
        return max(0.0, (self.ended if self.ended is not None else (now or time.time())) - self.started)


class FinalForm(BaseModel):
    """The entretien final's form: the jury's observation, no verdict on any criterion (the RC
    ticks none in « Elément obligatoirement introduit dans l'entretien final »)."""

    comment: str
    by: str
    t: float


class EpreuveState(BaseModel):
    id: str
    candidate: str
    format: str
    created: float = Field(default_factory=time.time)
    seed: int
    scale: float = 1.0
    count: int = 2  # interventions drawn for the jury
    cahier: str | None = None  # the phase préparatoire's cahier des charges
    login: str | None = None  # her Unix login (the examen's roster line)
    phases: list[PhaseRun]
    current: int = -1  # index of the open phase; -1 before, len(phases) after
    exam_session: str | None = None  # the examen blanc of her interventions (ebN)
    quiz_run: str | None = None  # her questionnaire (qN)
    lab: str | None = None  # the lab of her phase préparatoire
    prep_attempt: str | None = None  # its attempt's directory (her journal of phase 1)
    save: str | None = None  # its archive at the phase's end (simulateur.session.saved)
    recette: dict[str, float] | None = None  # the cahier's recette at the phase's end: RC criterion → score
    recette_score: float | None = None
    final: FinalForm | None = None

    def open_phase(self) -> PhaseRun | None:
        return self.phases[self.current] if 0 <= self.current < len(self.phases) else None

    @property
    def finished(self) -> bool:
        return self.current >= len(self.phases)
