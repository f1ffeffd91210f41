"""The fiche d'intervention checked as far as a program can: each field filled, and the facts the
scenario names found where they belong — the cause and the solution name what the reference
solution acts on (its services, files, packages, queues, accounts…), the validation names what
the probes test. Whether it is well written is the jury's (« à évaluer par le jury »)."""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, Field

from simulateur.actions import ActionBase
from simulateur.coaching.missed import probe_targets
from simulateur.scenario.models import Scenario
from simulateur.session.store import FICHE_FIELDS

# What names the thing an action acts on (host names are left out: every fiche names the PC).
ACTION_TARGETS = ("service", "path", "package", "queue", "login", "iface", "via", "address", "to", "switch")
FACT_FIELDS = ("cause", "solution", "validation")


class Fact(BaseModel):
    field: str  # a fiche field: cause, solution, validation
    keywords: list[str]  # any of them found there is enough
    found: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.found)


class FicheCheck(BaseModel):
    filled: list[str]
    empty: list[str]
    facts: list[Fact]


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _action_words(action: ActionBase) -> set[str]:
    words: set[str] = set()
    for name in ACTION_TARGETS:
        value = getattr(action, name, None)
        if isinstance(value, str) and len(value) >= 3 and "{" not in value:
            words.add(value.rstrip("/").rsplit("/", 1)[-1] if "/" in value and not value[0].isdigit() else value)
    return words


def scenario_facts(scenario: Scenario) -> dict[str, set[str]]:
    """Per fact field, the words that say it: the solution's targets (cause, solution), the probes'
    (validation)."""
    solution: set[str] = set()
    for action in scenario.solution:
        solution |= _action_words(action)
    tested: set[str] = set()
    for probe in scenario.probes:
        tested |= probe_targets(probe)[1]
    return {"cause": solution, "solution": solution, "validation": tested}


def check_fiche(scenario: Scenario, fiche: dict[str, str]) -> FicheCheck:
    filled = [f for f in FICHE_FIELDS if fiche.get(f, "").strip()]
    facts = []
    for field, words in scenario_facts(scenario).items():
        if not words:
            continue
        text = _fold(fiche.get(field, ""))
        facts.append(Fact(field=field, keywords=sorted(words), found=sorted(w for w in words if _fold(w) in text)))
    return FicheCheck(filled=filled, empty=[f for f in FICHE_FIELDS if f not in filled], facts=facts)
