"""A scenario to play next, from the trainee's weakest competences (the store's handed-in attempts
of the same trainee): the competence with the lowest share of criteria acquired over its last
attempts, then a scenario that exercises it — one played least, the easiest first — other than the
one just played. With no weakness left: a competence of the same titre never practised."""

from __future__ import annotations

from pydantic import BaseModel

from simulateur import referentiel
from simulateur.scenario.loader import Loaded, load_catalogue
from simulateur.session.store import AttemptRecord, Store

RECENT = 3  # attempts per competence that count


class Suggestion(BaseModel):
    scenario: str
    title: str
    competence: str
    competence_label: str
    acquired: int | None = None  # over the competence's recent attempts (None: never practised)
    evaluated: int | None = None


def weakest(store: Store, candidate: str | None) -> list[tuple[float, str, int, int]]:
    """(share acquired, competence, acquired, evaluated), weakest first, over the last attempts."""
    mine = [r for r in store.attempts(status="soumise") if r.candidate == candidate]
    out = []
    for comp, points in store.competence_history(mine).items():
        recent = [p for p in points if p.evalues][-RECENT:]
        acquis, evalues = sum(p.acquis for p in recent), sum(p.evalues for p in recent)
        if evalues and acquis < evalues:
            out.append((acquis / evalues, comp, acquis, evalues))
    return sorted(out)


def suggest(store: Store, rec: AttemptRecord, catalogue: dict[str, Loaded] | None = None) -> Suggestion | None:
    scenarios = catalogue if catalogue is not None else load_catalogue().scenarios
    played: dict[str, int] = {}
    for r in store.attempts():
        if r.candidate == rec.candidate:
            played[r.scenario] = played.get(r.scenario, 0) + 1

    def pick(competence: str) -> Loaded | None:
        options = [
            s for s in scenarios.values() if competence in s.scenario.competences and s.scenario.id != rec.scenario
        ]
        options.sort(key=lambda s: (played.get(s.scenario.id, 0), s.scenario.level, s.scenario.id))
        return options[0] if options else None

    for _, comp, acquis, evalues in weakest(store, rec.candidate):
        chosen = pick(comp)
        if chosen is not None:
            return Suggestion(
                scenario=chosen.scenario.id,
                title=chosen.scenario.title,
                competence=comp,
                competence_label=_label(comp),
                acquired=acquis,
                evaluated=evalues,
            )
    practised = set(
        store.competence_history([r for r in store.attempts(status="soumise") if r.candidate == rec.candidate])
    )
    fresh = sorted(
        {
            c
            for s in scenarios.values()
            for c in s.scenario.competences
            if c.split(".")[0] == rec.referentiel and c not in practised
        }
    )
    for comp in fresh:
        chosen = pick(comp)
        if chosen is not None:
            return Suggestion(
                scenario=chosen.scenario.id, title=chosen.scenario.title, competence=comp, competence_label=_label(comp)
            )
    return None


def _label(competence: str) -> str:
    comp = referentiel.find_competence(competence)
    return comp.label if comp else competence
