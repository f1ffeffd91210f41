"""The formats of an épreuve as data: each phase with the RC's duration, the competences it
evaluates, who is present, and its modality (the grid's column). Read from formats.yaml; checked
against the référentiels (every competence exists and belongs to the format's CCPs, the phases add
up to the RC's totals)."""

from __future__ import annotations

from typing import Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulateur import referentiel
from simulateur.referentiel import Modality

PhaseKind: TypeAlias = Literal[
    "preparation", "interventions", "evaluation", "questionnaire", "entretien_technique", "entretien_final"
]
Presence: TypeAlias = Literal["surveillant", "jury"]
#: Phases held in a room under a surveillant, several candidates at once (the planner's « salle »).
ROOM_KINDS: frozenset[str] = frozenset({"preparation", "questionnaire"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phase(_Model):
    kind: PhaseKind
    minutes: int | None = Field(ge=1, le=480)  # None: the source text gives no duration
    presence: Presence
    modality: Modality | None
    competences: tuple[str, ...] = ()


class Format(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    title: str
    referentiel: Literal["TAI", "IDI"]
    ccps: tuple[str, ...] = ()  # () : the whole titre
    total_minutes: int | None
    jury_minutes: int | None
    per_platform_day: int | None = Field(default=None, ge=1, le=20)
    phases: tuple[Phase, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Format:
        ref = referentiel.load_referentiels()[self.referentiel]
        ccps = {c.id: c for c in ref.ccps}
        for ccp in self.ccps:
            if ccp not in ccps:
                raise ValueError(f"CCP inconnu : {ccp} (possibles : {', '.join(ccps)})")
        allowed = self.competence_ids()
        for phase in self.phases:
            for comp in phase.competences:
                if comp not in allowed:
                    raise ValueError(
                        f"{phase.kind} : compétence {comp} hors de ce format ({self.referentiel}"
                        f"{' ' + ', '.join(self.ccps) if self.ccps else ''})"
                    )
        kinds = [p.kind for p in self.phases]
        if len(set(kinds)) != len(kinds):
            raise ValueError("une même phase apparaît deux fois")
        timed = [p.minutes for p in self.phases]
        if self.total_minutes is not None and (None in timed or sum(m for m in timed if m) != self.total_minutes):
            raise ValueError(f"les phases ne font pas les {self.total_minutes} min du total")
        if self.jury_minutes is not None:
            jury = [p.minutes or 0 for p in self.phases if p.presence == "jury"]
            if sum(jury) != self.jury_minutes:
                raise ValueError(f"les phases devant le jury ne font pas ses {self.jury_minutes} min")
        return self

    def competence_ids(self) -> list[str]:
        """The competences of this format's part of the référentiel, in the RC's order."""
        ref = referentiel.load_referentiels()[self.referentiel]
        if not self.ccps:
            return [comp.id for comp, _ in ref.competences()]
        return [comp.id for ccp in ref.ccps if ccp.id in self.ccps for comp in ccp.competences]

    def phase(self, kind: str) -> Phase | None:
        return next((p for p in self.phases if p.kind == kind), None)

    def modalities_of(self, competence: str) -> list[str]:
        """The grid's columns ticked for this competence in this format (its phases' modalities)."""
        out: list[str] = []
        for p in self.phases:
            if competence in p.competences and p.modality and p.modality not in out:
                out.append(p.modality)
        return out

    def evaluated_by(self, competence: str) -> list[Phase]:
        return [p for p in self.phases if competence in p.competences]


class Formats(_Model):
    formats: tuple[Format, ...]

    @model_validator(mode="after")
    def _unique(self) -> Formats:
        ids = [f.id for f in self.formats]
        if len(set(ids)) != len(ids):
            raise ValueError("un format apparaît deux fois")
        return self
