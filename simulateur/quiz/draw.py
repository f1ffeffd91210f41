"""A questionnaire drawn from the bank by a seed: the same seed gives the same questions in the same
order (and, for numeric ones, the same parameters: compute.py). Every competence of the
questionnaire gets its share; within one, a question of each kind first (so that a paper always has
subnetting to compute and an answer to write), then its criteria in turn so that a paper covers as
many of them as it can."""

from __future__ import annotations

import random
from typing import Any

from simulateur.errors import UsageError
from simulateur.i18n import tr, trn
from simulateur.quiz.bank import Bank, questionnaire_competences

#: Questions per questionnaire by default: 45 minutes (RC), about 2 minutes each, time to re-read.
DEFAULT_COUNT = 21
DEFAULT_MINUTES = 45


def draw(bank: Bank, seed: int, count: int = DEFAULT_COUNT, competences: list[str] | None = None) -> list[str]:
    """Ids of the drawn questions, competence by competence."""
    comps = competences or questionnaire_competences()
    pools = bank.by_competence()
    missing = [c for c in comps if not pools.get(c)]
    if missing:
        raise UsageError(tr("quiz.draw.empty", comps=", ".join(missing)))
    if count < len(comps):
        raise UsageError(trn("quiz.draw.too_few", count, count=count, n=len(comps)))
    rng = random.Random(f"{seed}/questionnaire")
    share = [count // len(comps) + (i < count % len(comps)) for i in range(len(comps))]
    chosen: list[str] = []
    for comp, n in zip(comps, share):
        by_criterion: dict[str, list[Any]] = {}
        for q in pools[comp]:
            by_criterion.setdefault(q.criterion, []).append(q)
        for qs in by_criterion.values():
            rng.shuffle(qs)
        order = sorted(by_criterion)
        rng.shuffle(order)
        taken: list[str] = []
        # One question of each kind the competence has (single, multiple, numeric, open) first…
        kinds = sorted({q.kind for qs in by_criterion.values() for q in qs})
        rng.shuffle(kinds)
        for kind in kinds:
            crits = [c for c in order if any(q.kind == kind for q in by_criterion[c])]
            if len(taken) < n and crits:
                qs = by_criterion[rng.choice(crits)]
                q = next(q for q in reversed(qs) if q.kind == kind)
                qs.remove(q)
                taken.append(q.id)
        # …then its criteria in turn.
        while len(taken) < n and any(by_criterion.values()):
            for crit in order:
                if by_criterion[crit] and len(taken) < n:
                    taken.append(by_criterion[crit].pop().id)
        chosen += taken
    return chosen
