"""Référentiels de certification TAI et IDI, sous forme de données typées.

Les textes officiels sont encodés dans ``tai.yaml`` et ``idi.yaml`` (à côté de
ce module) ; ce module les valide avec pydantic et offre quelques accès :

* :func:`load_referentiels` — tous les référentiels, par identifiant (``"TAI"``, ``"IDI"``) ;
* :func:`all_competences` / :func:`find_competence` — compétences par identifiant
  (``"TAI.CP14"``, ``"TAI.CT1"``, ``"IDI.CP3"``) ;
* :func:`all_criteria` / :func:`find_criterion` — critères par identifiant (``"TAI.CP14.3"``) ;
* :func:`render_text` / :func:`to_json` — rendus lisibles (français) et JSON.

Les modèles sont figés (``frozen``) : les objets renvoyés sont partagés par le cache.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Literal, TypeAlias

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

__all__ = [
    "CCP",
    "MODALITY_LABELS",
    "Competence",
    "Criterion",
    "Modality",
    "Referentiel",
    "all_competences",
    "all_criteria",
    "find_competence",
    "find_criterion",
    "load_referentiels",
    "render_text",
    "to_json",
]

Modality: TypeAlias = Literal["mise_en_situation", "questionnaire", "entretien"]

#: Libellé français de chaque modalité d'évaluation (épreuve de synthèse).
MODALITY_LABELS: dict[str, str] = {
    "mise_en_situation": "mise en situation professionnelle",
    "questionnaire": "questionnaire professionnel",
    "entretien": "entretien technique",
}

_DATA_DIR = Path(__file__).resolve().parent
_FILES: tuple[str, ...] = ("tai.yaml", "idi.yaml")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Criterion(_Model):
    """Un critère d'évaluation, recopié mot pour mot du texte officiel."""

    id: str
    label: str


class Competence(_Model):
    """Une compétence professionnelle (ou transversale) et ses critères."""

    id: str
    label: str
    modality: Modality | None
    criteria: tuple[Criterion, ...] = ()
    transversal: bool = False

    @property
    def modalities(self) -> tuple[Modality, ...]:
        """The grid's ticked columns for this competence (the session titre's grid ticks one)."""
        return (self.modality,) if self.modality else ()


class CCP(_Model):
    """Un certificat de compétences professionnelles (une activité type)."""

    id: str
    label: str
    competences: tuple[Competence, ...]


class Referentiel(_Model):
    """Un titre professionnel : ses CCP et ses compétences transversales."""

    id: str
    title: str
    code: str
    level: str
    ccps: tuple[CCP, ...]
    transversal: tuple[Competence, ...] = ()

    @model_validator(mode="after")
    def _check_ids(self) -> Referentiel:
        """Vérifie la forme des identifiants (préfixes, numérotation, unicité)."""
        p = re.escape(self.id)
        seen: set[str] = set()

        def claim(ident: str, pattern: str) -> None:
            if not re.fullmatch(pattern, ident):
                raise ValueError(f"identifiant mal formé : {ident!r} (attendu {pattern})")
            if ident in seen:
                raise ValueError(f"identifiant en double : {ident!r}")
            seen.add(ident)

        def check_competence(comp: Competence, pattern: str, transversal: bool) -> None:
            claim(comp.id, pattern)
            if comp.transversal is not transversal:
                raise ValueError(f"{comp.id} : transversal doit valoir {transversal}")
            for n, crit in enumerate(comp.criteria, 1):
                claim(crit.id, rf"{re.escape(comp.id)}\.{n}")

        for ccp in self.ccps:
            claim(ccp.id, rf"{p}\.CCP[1-9][0-9]*")
            for comp in ccp.competences:
                check_competence(comp, rf"{p}\.CP[1-9][0-9]*", transversal=False)
        for comp in self.transversal:
            check_competence(comp, rf"{p}\.CT[1-9][0-9]*", transversal=True)
        return self

    def competences(self) -> tuple[tuple[Competence, CCP | None], ...]:
        """Toutes les compétences, dans l'ordre du texte, avec leur CCP (None si transversale)."""
        pairs: list[tuple[Competence, CCP | None]] = [(comp, ccp) for ccp in self.ccps for comp in ccp.competences]
        pairs += [(comp, None) for comp in self.transversal]
        return tuple(pairs)


@cache
def _load() -> tuple[Referentiel, ...]:
    refs = []
    for name in _FILES:
        with (_DATA_DIR / name).open(encoding="utf-8") as fh:
            refs.append(Referentiel.model_validate(yaml.safe_load(fh)))
    return tuple(refs)


def load_referentiels() -> dict[str, Referentiel]:
    """Référentiels par identifiant, lus une seule fois (la copie du dict est neuve)."""
    return {ref.id: ref for ref in _load()}


@cache
def _competence_index() -> dict[str, tuple[Competence, CCP | None, Referentiel]]:
    index: dict[str, tuple[Competence, CCP | None, Referentiel]] = {}
    for ref in _load():
        for comp, ccp in ref.competences():
            if comp.id in index:
                raise ValueError(f"compétence en double : {comp.id}")
            index[comp.id] = (comp, ccp, ref)
    return index


@cache
def _criterion_index() -> dict[str, tuple[Criterion, Competence, CCP | None, Referentiel]]:
    index: dict[str, tuple[Criterion, Competence, CCP | None, Referentiel]] = {}
    for comp, ccp, ref in _competence_index().values():
        for crit in comp.criteria:
            if crit.id in index:
                raise ValueError(f"critère en double : {crit.id}")
            index[crit.id] = (crit, comp, ccp, ref)
    return index


def all_competences() -> dict[str, tuple[Competence, CCP | None, Referentiel]]:
    """Toutes les compétences : id → (compétence, CCP ou None si transversale, référentiel)."""
    return dict(_competence_index())


def all_criteria() -> dict[str, tuple[Criterion, Competence, CCP | None, Referentiel]]:
    """Tous les critères : id → (critère, compétence, CCP ou None, référentiel)."""
    return dict(_criterion_index())


def find_competence(competence_id: str) -> Competence | None:
    """La compétence ``competence_id`` (ex. ``"TAI.CP14"``), ou None si inconnue."""
    found = _competence_index().get(competence_id)
    return found[0] if found else None


def find_criterion(criterion_id: str) -> Criterion | None:
    """Le critère ``criterion_id`` (ex. ``"TAI.CP14.3"``), ou None si inconnu."""
    found = _criterion_index().get(criterion_id)
    return found[0] if found else None


Refs: TypeAlias = Mapping[str, Referentiel] | Iterable[Referentiel] | Referentiel | None


def _as_list(refs: Refs) -> list[Referentiel]:
    if refs is None:
        return list(_load())
    if isinstance(refs, Referentiel):
        return [refs]
    if isinstance(refs, Mapping):
        return list(refs.values())
    return list(refs)


def _render_competence(comp: Competence, indent: str) -> list[str]:
    modality = MODALITY_LABELS[comp.modality] if comp.modality else "modalité non précisée"
    lines = [f"{indent}{comp.id} — {comp.label} [{modality}]"]
    if not comp.criteria:
        lines.append(f"{indent}  (aucun critère d'évaluation dans le texte source)")
    lines += [f"{indent}  {crit.id} — {crit.label}" for crit in comp.criteria]
    return lines


def render_text(refs: Refs = None) -> str:
    """Listing lisible et indenté : titre, CCP, compétences (modalité), critères."""
    lines: list[str] = []
    for ref in _as_list(refs):
        if lines:
            lines.append("")
        lines.append(f"{ref.title} — {ref.id} ({ref.code}, niveau {ref.level})")
        for ccp in ref.ccps:
            lines.append(f"  {ccp.id} — {ccp.label}")
            for comp in ccp.competences:
                lines += _render_competence(comp, "    ")
        if ref.transversal:
            lines.append("  Compétences transversales")
            for comp in ref.transversal:
                lines += _render_competence(comp, "    ")
    return "\n".join(lines) + "\n"


def to_json(refs: Refs = None) -> str:
    """Référentiels en JSON (objet id → référentiel), indenté, accents conservés."""
    data = {ref.id: ref.model_dump(mode="json") for ref in _as_list(refs)}
    return json.dumps(data, indent=2, ensure_ascii=False)
