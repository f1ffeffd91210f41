"""The pool a session draws from (filtered by référentiel, CCP, competence — `also` included) and
the draw itself: the same seed, filters and catalogue always give the same interventions."""

from __future__ import annotations

import random

from simulateur import referentiel
from simulateur.errors import UsageError
from simulateur.exam.models import Intervention, PoolFilter
from simulateur.i18n import tr
from simulateur.scenario.loader import Loaded, choose_variant


def _ccp_of() -> dict[str, str]:
    """competence id → its CCP id (transversal competences have none)."""
    return {cid: ccp.id for cid, (_, ccp, _) in referentiel.all_competences().items() if ccp is not None}


def check_filter(f: PoolFilter) -> None:
    """Unknown référentiel, CCP or competence: one French line naming the known ones."""
    refs = referentiel.load_referentiels()
    if f.referentiel is not None and f.referentiel not in refs:
        raise UsageError(tr("exam.unknown_referentiel", value=f.referentiel, known=", ".join(sorted(refs))))
    ccps = {ccp.id for ref in refs.values() for ccp in ref.ccps}
    for c in f.ccps:
        if c not in ccps:
            raise UsageError(tr("exam.unknown_ccp", value=c, known=", ".join(sorted(ccps))))
    comps = referentiel.all_competences()
    for c in f.competences:
        if c not in comps:
            raise UsageError(tr("exam.unknown_competence", value=c))


def exercised(loaded: Loaded) -> list[str]:
    """The competences a scenario exercises: its own, then the other title's (`also`)."""
    return list(loaded.scenario.competences) + [c for c in loaded.scenario.also
                                                if c not in loaded.scenario.competences]


def matches(loaded: Loaded, f: PoolFilter) -> bool:
    comps = exercised(loaded)
    if f.referentiel is not None and loaded.scenario.referentiel != f.referentiel \
            and not any(c.split(".")[0] == f.referentiel for c in comps):
        return False
    if f.ccps:
        ccp_of = _ccp_of()
        if not any(ccp_of.get(c) in f.ccps for c in comps):
            return False
    if f.competences and not any(c in f.competences for c in comps):
        return False
    return True


def pool(catalogue: dict[str, Loaded], f: PoolFilter) -> list[str]:
    """Scenario ids the filter accepts, sorted (the draw's input: its order must not vary)."""
    check_filter(f)
    return sorted(sid for sid, loaded in catalogue.items() if matches(loaded, f))


def draw(catalogue: dict[str, Loaded], f: PoolFilter, count: int, seed: int) -> tuple[list[str], list[Intervention]]:
    """(pool, interventions): `count` distinct scenarios, each with its lab seed and fault variant."""
    if count < 1:
        raise UsageError(tr("exam.bad_count", count=count))
    ids = pool(catalogue, f)
    if len(ids) < count:
        raise UsageError(tr("exam.pool_too_small", count=count, n=len(ids),
                            pool=", ".join(ids) or tr("exam.none")))
    rng = random.Random(f"examen/{seed}")
    chosen = rng.sample(ids, count)
    out = []
    for n, sid in enumerate(chosen, 1):
        sc = catalogue[sid].scenario
        lab_seed = rng.randrange(1, 1_000_000)
        out.append(Intervention(index=n, scenario=sid, title=sc.title, seed=lab_seed,
                                variant=choose_variant(sc, lab_seed), referentiel=sc.referentiel,
                                competences=list(sc.competences), also=list(sc.also), duration=sc.duration))
    return ids, out
