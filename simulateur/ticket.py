"""Ticket qualification: impact × urgency → priority, as in GLPI's default matrix."""

from __future__ import annotations

from typing import Literal

Impact = Literal["tres_bas", "bas", "moyen", "haut", "tres_haut"]
Urgency = Literal["tres_basse", "basse", "moyenne", "haute", "tres_haute"]

IMPACTS: tuple[str, ...] = ("tres_bas", "bas", "moyen", "haut", "tres_haut")
URGENCIES: tuple[str, ...] = ("tres_basse", "basse", "moyenne", "haute", "tres_haute")
IMPACT_LABELS = {"tres_bas": "très bas", "bas": "bas", "moyen": "moyen", "haut": "haut", "tres_haut": "très haut"}
URGENCY_LABELS = {
    "tres_basse": "très basse", "basse": "basse", "moyenne": "moyenne", "haute": "haute", "tres_haute": "très haute",
}
PRIORITY_LABELS = {1: "très basse", 2: "basse", 3: "moyenne", 4: "haute", 5: "très haute"}

# GLPI's default priority matrix: MATRIX[urgency 1..5][impact 1..5] → priority 1..5.
MATRIX = (
    (1, 1, 2, 2, 2),
    (1, 2, 2, 3, 3),
    (2, 2, 3, 4, 4),
    (2, 3, 4, 4, 5),
    (2, 3, 4, 5, 5),
)


def priority(impact: str, urgency: str) -> int:
    return MATRIX[URGENCIES.index(urgency)][IMPACTS.index(impact)]


# Escalation: to whom an incident beyond level 1 is handed over (labels in i18n: tui.escalade.to.*).
EscalationTarget = Literal["niveau2", "reseau", "prestataire", "responsable"]
ESCALATION_TARGETS: tuple[str, ...] = ("niveau2", "reseau", "prestataire", "responsable")
