"""Ticket qualification: impact × urgency → priority, as in GLPI's default matrix, and how a
jury judges a qualification: by the priority it gives and the answers the scenario accepts."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from simulateur.i18n import tr

Impact = Literal["tres_bas", "bas", "moyen", "haut", "tres_haut"]
Urgency = Literal["tres_basse", "basse", "moyenne", "haute", "tres_haute"]
# A priority is named like an urgency (« la priorité haute ») ; 1 = très basse … 5 = très haute.
PriorityName = Literal["tres_basse", "basse", "moyenne", "haute", "tres_haute"]

IMPACTS: tuple[str, ...] = ("tres_bas", "bas", "moyen", "haut", "tres_haut")
URGENCIES: tuple[str, ...] = ("tres_basse", "basse", "moyenne", "haute", "tres_haute")
PRIORITIES: tuple[str, ...] = ("tres_basse", "basse", "moyenne", "haute", "tres_haute")
IMPACT_LABELS = {
    "tres_bas": tr("ticket.impact.tres_bas"),
    "bas": tr("ticket.impact.bas"),
    "moyen": tr("ticket.impact.moyen"),
    "haut": tr("ticket.impact.haut"),
    "tres_haut": tr("ticket.impact.tres_haut"),
}
URGENCY_LABELS = {
    "tres_basse": tr("ticket.level.tres_basse"),
    "basse": tr("ticket.level.basse"),
    "moyenne": tr("ticket.level.moyenne"),
    "haute": tr("ticket.level.haute"),
    "tres_haute": tr("ticket.level.tres_haute"),
}
PRIORITY_LABELS = {n: URGENCY_LABELS[u] for n, u in enumerate(URGENCIES, 1)}

# GLPI's default priority matrix: MATRIX[urgency 1..5][impact 1..5] → priority 1..5.
MATRIX = (
    (1, 1, 2, 2, 2),
    (1, 2, 2, 3, 3),
    (2, 2, 3, 4, 4),
    (2, 3, 4, 4, 5),
    (2, 3, 4, 5, 5),
)


def priority(impact: str, urgency: str) -> int:
    """The priority GLPI computes from an impact and an urgency, with its default matrix.

    GLPI's documentation (« Matrice de calcul de la priorité »,
    https://help.glpi-project.org/documentation/fr/modules/assistance/prioritymatrix) : following
    ITIL, the urgency is the requester's, the impact (« un utilisateur, un service, une
    fonctionnalité… ») is set by the technician, and a matrix gives the priority of the ticket from
    both; GLPI ships a predefined one, editable in Configuration > Générale > Assistance. Its values
    are those GLPI writes at install time (install/empty_data.php, configuration key
    ``priority_matrix``, urgency then impact, every level 1–5 enabled: ``urgency_mask`` and
    ``impact_mask`` 62) — the rows of MATRIX above. The matrix is symmetric: impact and urgency
    weigh the same. GLPI's « majeure » priority (6) is outside the matrix (set by hand), so never
    computed here."""
    return MATRIX[URGENCIES.index(urgency)][IMPACTS.index(impact)]


def priority_level(name: str) -> int:
    """« haute » → 4."""
    return PRIORITIES.index(name) + 1


@dataclass(frozen=True)
class Judgement:
    """A qualification as a jury reads it: accepted or not, the priority it gives, and why."""

    ok: bool
    priority: int
    impact_ok: bool  # is the impact one of the accepted answers' impacts?
    urgency_ok: bool  # is the urgency one of the accepted answers' urgencies?


def accepted_pairs(
    reference: tuple[str, str], pairs: Iterable[tuple[str, str]] = (), priorities: Iterable[int] = ()
) -> list[tuple[str, str]]:
    """Every (impact, urgency) a scenario accepts: its reference answer, the other pairs it lists,
    and every pair whose GLPI priority is one of `priorities` — in the matrix's order."""
    wanted = {reference, *pairs}
    levels = set(priorities)
    return [(i, u) for i in IMPACTS for u in URGENCIES if (i, u) in wanted or priority(i, u) in levels]


def judge(impact: str, urgency: str, accepted: list[tuple[str, str]]) -> Judgement:
    return Judgement(
        ok=(impact, urgency) in accepted,
        priority=priority(impact, urgency),
        impact_ok=any(i == impact for i, _ in accepted),
        urgency_ok=any(u == urgency for _, u in accepted),
    )


# Escalation: to whom an incident beyond level 1 is handed over (labels in i18n: tui.escalade.to.*).
EscalationTarget = Literal["niveau2", "reseau", "prestataire", "responsable"]
ESCALATION_TARGETS: tuple[str, ...] = ("niveau2", "reseau", "prestataire", "responsable")


# --- the ticket's records (one model each: the store keeps them, the checker scores them) -------
def _now() -> float:
    return time.time()


class Qualification(BaseModel):
    """The trainee's qualification of the ticket (the last one counts)."""

    model_config = ConfigDict(frozen=True)

    impact: str
    urgency: str
    t: float = Field(default_factory=_now)

    @property
    def priority(self) -> int:
        return priority(self.impact, self.urgency)


class Escalation(BaseModel):
    """The ticket handed over to a higher level (the last escalation is the one that counts)."""

    model_config = ConfigDict(frozen=True)

    to: str  # one of ESCALATION_TARGETS
    reason: str  # why it is beyond level 1
    done: str = ""  # tests made and their results, impact
    t: float = Field(default_factory=_now)
