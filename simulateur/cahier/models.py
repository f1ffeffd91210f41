"""A cahier des charges (phase préparatoire, issue 19): the document the candidate builds from,
the « installé, non configuré » starting state, the requirements with the probes that judge them
by real behaviour, and the reference build of each requirement."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from simulateur.actions import Action
from simulateur.lab.fields import Strict
from simulateur.lab.names import HOST_RE
from simulateur.params import NAME_RE, ParamSpec
from simulateur.probes import Probe
from simulateur.scenario.models import ID_RE

CRITERION_RE = r"^(TAI|IDI)\.C[PT]\d+\.\d+$"


class Requirement(Strict):
    id: str = Field(pattern=NAME_RE, description="Identifiant de l'exigence (ex. dhcp).")
    text: str = Field(min_length=1, description="L'exigence comme la dit le document ({param} accepté).")
    criteria: list[Annotated[str, Field(pattern=CRITERION_RE)]] = Field(
        min_length=1, description="Critères du référentiel que cette exigence évalue (ex. TAI.CP12.1)."
    )
    probes: list[Annotated[str, Field(pattern=NAME_RE)]] = Field(
        min_length=1, description="Sondes de « probes » qui la jugent : chacune vaut une part de l'exigence."
    )
    gate: list[Annotated[str, Field(pattern=NAME_RE)]] = Field(
        default_factory=list,
        description="Sondes (de « probes » de l'exigence) qui prouvent que le service est construit : tant "
        "qu'aucune ne réussit, l'exigence vaut 0 (un accès refusé ne prouve rien sur un serveur éteint).",
    )
    needs: list[Annotated[str, Field(pattern=NAME_RE)]] = Field(
        default_factory=list,
        description="Exigences sans lesquelles celle-ci ne peut pas être satisfaite "
        "(ex. le partage vu d'un poste a besoin du DHCP).",
    )


class Cahier(Strict):
    id: str = Field(pattern=ID_RE)
    title: str = Field(min_length=1)
    referentiel: Literal["TAI", "IDI"]
    duration: int = Field(ge=60, le=240, description="Durée prévue de la construction, en minutes.")
    topology: str = Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")
    hosts: list[Annotated[str, Field(pattern=HOST_RE)]] = Field(
        default_factory=list, description="Hôtes de la topologie à construire (par défaut : tous)."
    )
    shell_host: str | None = Field(
        None, pattern=HOST_RE, description="Hôte où s'ouvre le shell du candidat (par défaut : poste)."
    )
    params: dict[Annotated[str, Field(pattern=NAME_RE)], ParamSpec] = Field(default_factory=dict)
    document: str = Field(min_length=1, description="Le cahier des charges que lit le candidat ({param} accepté).")
    setup: list[Action] = Field(
        default_factory=list, description="Actions qui amènent les hôtes à « installés mais non configurés »."
    )
    probes: list[Probe] = Field(min_length=1)
    requirements: list[Requirement] = Field(min_length=1)
    reference: dict[Annotated[str, Field(pattern=NAME_RE)], list[Action]] = Field(
        description="Construction de référence de chaque exigence seule (appliquée après celles de ses « needs »)."
    )

    def requirement(self, req_id: str) -> Requirement:
        return next(r for r in self.requirements if r.id == req_id)

    def closure(self, req_id: str) -> list[str]:
        """The requirement and everything it needs, needs first (each once)."""
        order: list[str] = []

        def visit(rid: str) -> None:
            if rid in order:
                return
            for need in self.requirement(rid).needs:
                visit(need)
            order.append(rid)

        visit(req_id)
        return order

    def build_order(self, req_ids: list[str] | None = None) -> list[str]:
        """Requirements `req_ids` (default: all) with their needs, needs first, each once."""
        order: list[str] = []
        for rid in req_ids if req_ids is not None else [r.id for r in self.requirements]:
            order += [x for x in self.closure(rid) if x not in order]
        return order

    def reference_actions(self, req_ids: list[str] | None = None) -> list[Action]:
        """The reference build of `req_ids` (default: the whole cahier) with their needs."""
        return [a for rid in self.build_order(req_ids) for a in self.reference.get(rid, [])]
