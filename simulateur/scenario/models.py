"""A scenario: the ticket, the faults, the reference solution, the probes and the criteria."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from simulateur.actions import Action
from simulateur.i18n import tr
from simulateur.lab.fields import Strict
from simulateur.params import NAME_RE, ParamSpec
from simulateur.probes import Probe
from simulateur.ticket import (
    PRIORITY_LABELS,
    EscalationTarget,
    Impact,
    PriorityName,
    Urgency,
    accepted_pairs,
    priority,
    priority_level,
)

ID_RE = r"^[a-z][a-z0-9-]{0,47}$"


class Pair(Strict):
    impact: Impact
    urgency: Urgency


class Expected(Strict):
    """The qualification a jury accepts: the reference answer, plus the defensible neighbours
    (docs/guide-auteur.md, « Qualifier le ticket »)."""

    impact: Impact = Field(description="Impact de la réponse de référence (convention du guide de l'auteur).")
    urgency: Urgency = Field(description="Urgence de la réponse de référence.")
    accepted: list[Pair] = Field(
        default_factory=list, description="Autres couples (impact, urgence) qu'un jury accepte aussi."
    )
    priorities: list[PriorityName] = Field(
        default_factory=list,
        description="Ou : toute réponse dont la priorité (matrice GLPI) est l'une de celles-ci est acceptée.",
    )
    reason: str = Field(
        "",
        description="Pourquoi : qui est touché (impact), pour quand (urgence) — montré au stagiaire avec le résultat.",
    )

    @model_validator(mode="after")
    def _reference_priority_listed(self) -> Expected:
        ref = priority(self.impact, self.urgency)
        if self.priorities and ref not in {priority_level(p) for p in self.priorities}:
            raise ValueError(tr("check.reference_priority", priority=PRIORITY_LABELS[ref]))
        return self

    def pairs(self) -> list[tuple[str, str]]:
        """Every accepted (impact, urgency), in the matrix's order."""
        return accepted_pairs(
            (self.impact, self.urgency),
            [(p.impact, p.urgency) for p in self.accepted],
            [priority_level(p) for p in self.priorities],
        )


class Ticket(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str = Field(alias="from", description="Qui appelle (nom, service).")
    where: str = Field("", description="Où se trouve l'utilisateur / le poste.")
    text: str = Field(min_length=1, description="Ce que dit l'utilisateur, avec ses mots.")
    documentation: str = Field("", description="Documentation réseau fournie avec le ticket.")
    expected: Expected


class ProbeEvidence(Strict):
    probe: str = Field(pattern=NAME_RE, description="Identifiant d'une sonde de la liste « probes ».")


class JournalEvidence(Strict):
    journal: Literal[
        "diagnosed_before_change", "tested_after_fix", "backup_before_edit", "remote_changes", "no_password_in_command"
    ]
    min: int = Field(1, ge=1, le=20, description="Nombre minimal de commandes.")
    hosts: list[str] = Field(default_factory=list, description="Hôtes où ces commandes doivent avoir été tapées.")
    paths: list[str] = Field(
        default_factory=list, description="backup_before_edit : fichiers à sauvegarder avant de les modifier."
    )
    origin: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9]{0,11}$",
        description="remote_changes : hôte d'où les sessions SSH doivent partir (ex. technicien).",
    )
    secrets: list[str] = Field(
        default_factory=list,
        description="no_password_in_command : mots de passe qui ne doivent apparaître dans "
        "aucune commande ({param} accepté).",
    )


class TicketEvidence(Strict):
    ticket: Literal["qualification", "escalation"]
    to: list[EscalationTarget] = Field(
        default_factory=list, description="escalation : destinataires attendus (par défaut : n'importe lequel)."
    )
    min: int = Field(
        0,
        ge=0,
        le=20,
        description="escalation : tests (ping, traceroute…) tapés avant l'escalade ; "
        "au moins un : l'escalade doit aussi dire ce qui a été vérifié.",
    )
    hosts: list[str] = Field(
        default_factory=list, description="escalation : hôtes où ces tests doivent avoir été tapés."
    )


class JuryEvidence(Strict):
    jury: str = Field(min_length=1, description="Ce que le jury doit observer.")


Evidence = Annotated[ProbeEvidence | JournalEvidence | TicketEvidence | JuryEvidence, Field(union_mode="left_to_right")]


class CriterionSpec(Strict):
    id: str = Field(pattern=r"^(TAI|IDI)\.C[PT]\d+\.\d+$", description="Critère du référentiel (ex. TAI.CP14.4).")
    evidence: list[Evidence] = Field(min_length=1)


class Variant(Strict):
    summary: str = Field(min_length=1, description="Ce que cette variante de la panne change (pour le formateur).")
    faults: list[Action] = Field(default_factory=list, description="Pannes ajoutées à celles du scénario.")
    solution: list[Action] = Field(
        default_factory=list, description="Solution propre à la variante, appliquée AVANT la solution commune."
    )
    unaffected: list[Annotated[str, Field(pattern=NAME_RE)]] = Field(
        default_factory=list,
        description="Sondes que cette variante ne casse pas (l'auto-test n'exige pas qu'elles échouent).",
    )


class FaultTime(Strict):
    days_ago: int = Field(
        ge=0, le=60, description="Jours avant l'intervention : 0 aujourd'hui, 1 hier, 3 vendredi pour un lundi…"
    )
    at: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Heure de la panne, HH:MM.")


class Symptom(Strict):
    """What the ticket says, as probes of the faulted lab: the selftest checks it before any fix."""

    summary: str = Field(
        min_length=1,
        description="Le symptôme que dit le ticket, en quelques mots (ex. « plus d'internet sur le poste »).",
    )
    broken: list[Annotated[str, Field(pattern=NAME_RE)]] = Field(
        min_length=1,
        description="Sondes (de « probes » ou d'ici) qui doivent ÉCHOUER sur le laboratoire en "
        "panne, dans toutes les variantes : ce que le ticket dit cassé.",
    )
    working: list[Annotated[str, Field(pattern=NAME_RE)]] = Field(
        default_factory=list,
        description="Sondes qui doivent RÉUSSIR sur le laboratoire en panne : ce que le "
        "ticket dit marcher encore (« le ping répond »).",
    )
    probes: list[Probe] = Field(
        default_factory=list,
        description="Sondes propres au symptôme (non notées, lancées par l'auto-test "
        "seulement) ; après la solution, celles de « working » doivent "
        "encore réussir.",
    )


class Scenario(Strict):
    id: str = Field(pattern=ID_RE)
    title: str = Field(min_length=1)
    referentiel: Literal["TAI", "IDI"]
    competences: list[Annotated[str, Field(pattern=r"^(TAI|IDI)\.C[PT]\d+$")]] = Field(min_length=1)
    also: list[Annotated[str, Field(pattern=r"^(TAI|IDI)\.C[PT]\d+$")]] = Field(
        default_factory=list,
        description="Compétences de l'autre titre exercées par le même scénario (ex. IDI.CP3 pour un scénario "
        "TAI) : pour la couverture et le tirage des examens blancs, pas de critères notés.",
    )
    level: int = Field(ge=1, le=3, description="1 : découverte, 2 : courant, 3 : difficile.")
    duration: int = Field(ge=1, le=240, description="Durée attendue, en minutes.")
    fault_time: FaultTime | None = Field(
        None,
        description='Quand la panne est survenue d\'après le ticket (« hier soir » : {days_ago: 1, at: "19:40"}) : '
        "journaux des services, historique APT, état des services et dates des fichiers que la "
        "panne a touchés la datent de là, les démarrages 35 min plus tôt. Sans : à la construction.",
    )
    topology: str = Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")
    hosts: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{0,11}$")]] = Field(
        default_factory=list, description="Hôtes de la topologie à construire (par défaut : tous)."
    )
    shell_host: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9]{0,11}$",
        description="Hôte où s'ouvre le shell du stagiaire par défaut (ex. technicien : intervention à distance). "
        "Par défaut : poste.",
    )
    params: dict[Annotated[str, Field(pattern=NAME_RE)], ParamSpec] = Field(default_factory=dict)
    ticket: Ticket
    faults: list[Action] = Field(default_factory=list, description="Pannes communes à toutes les variantes.")
    solution: list[Action] = Field(default_factory=list, description="Solution de référence commune.")
    variants: dict[Annotated[str, Field(pattern=NAME_RE)], Variant] = Field(
        default_factory=dict, description="Variantes de la panne ; la graine en tire une."
    )
    probes: list[Probe] = Field(min_length=1)
    criteria: list[CriterionSpec] = Field(min_length=1)
    hints: list[str] = Field(min_length=1, description="Indices, du plus vague au plus précis.")
    symptom: Symptom | None = Field(
        None,
        description="Le symptôme du ticket, vérifié par l'auto-test sur le laboratoire en panne "
        "(obligatoire pour qu'un scénario passe son auto-test).",
    )
