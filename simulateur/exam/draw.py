"""The pool a session draws from (filtered by référentiel, CCP, competence — `also` included),
the session's draw (the same seed, filters and catalogue always give the same interventions) and
each candidate's own values for them (seed and fault variant, from the session seed and the
candidate: neighbours do not share subnets, names, passwords)."""

from __future__ import annotations

import hashlib
import hmac
import random

from simulateur import referentiel
from simulateur.errors import UsageError
from simulateur.exam.db import candidate_key
from simulateur.exam.models import ExamSession, Intervention, PoolFilter
from simulateur.i18n import tr, trn
from simulateur.scenario.loader import Loaded


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
    return list(loaded.scenario.competences) + [c for c in loaded.scenario.also if c not in loaded.scenario.competences]


def matches(loaded: Loaded, f: PoolFilter) -> bool:
    comps = exercised(loaded)
    if (
        f.referentiel is not None
        and loaded.scenario.referentiel != f.referentiel
        and not any(c.split(".")[0] == f.referentiel for c in comps)
    ):
        return False
    if f.ccps:
        ccp_of = _ccp_of()
        if not any(ccp_of.get(c) in f.ccps for c in comps):
            return False
    return not (f.competences and not any(c in f.competences for c in comps))


def pool(catalogue: dict[str, Loaded], f: PoolFilter) -> list[str]:
    """Scenario ids the filter accepts, sorted (the draw's input: its order must not vary)."""
    check_filter(f)
    return sorted(sid for sid, loaded in catalogue.items() if matches(loaded, f))


def check_variants(catalogue: dict[str, Loaded], f: PoolFilter) -> None:
    """A variant filter names scenarios of the catalogue and variants they have."""
    for sid, wanted in f.variants.items():
        if sid not in catalogue:
            raise UsageError(tr("exam.variant_unknown_scenario", id=sid))
        known = sorted(catalogue[sid].scenario.variants)
        for v in wanted:
            if v not in known:
                raise UsageError(
                    tr("exam.variant_unknown", variant=v, id=sid, known=", ".join(known) or tr("exam.none"))
                )


def draw(catalogue: dict[str, Loaded], f: PoolFilter, count: int, seed: int) -> tuple[list[str], list[Intervention]]:
    """(pool, interventions): `count` distinct scenarios, each with the fault variants its
    candidates' draws may pick (the filter's, else all the scenario's). No lab seed here: each
    candidate gets values of their own (for_candidate)."""
    if count < 1:
        raise UsageError(tr("exam.bad_count", count=count))
    ids = pool(catalogue, f)
    check_variants(catalogue, f)
    if len(ids) < count:
        raise UsageError(
            trn(
                "exam.pool_too_small",
                len(ids),
                count=trn("count.interventions", count),
                pool=", ".join(ids) or tr("exam.none"),
            )
        )
    rng = random.Random(f"examen/{seed}")
    chosen = rng.sample(ids, count)
    out = []
    for n, sid in enumerate(chosen, 1):
        sc = catalogue[sid].scenario
        variants = sorted(set(f.variants.get(sid) or sc.variants))
        out.append(
            Intervention(
                index=n,
                scenario=sid,
                title=sc.title,
                variants=variants,
                referentiel=sc.referentiel,
                competences=list(sc.competences),
                also=list(sc.also),
                duration=sc.duration,
            )
        )
    return ids, out


#: Lab seeds are drawn in the same range as a practice lab's (simulateur.session.run.new_seed).
SEED_RANGE = 999_999


def candidate_seed(session_seed: int, candidate: str, index: int, scenario: str) -> int:
    """The lab seed of one candidate's intervention: HMAC-SHA256 keyed with the session seed, over
    the candidate (as the exam identifies them: case and spaces ignored), the intervention's
    number and its scenario.

    Why a keyed hash and not `session seed + n` or a chained random.Random:
    - reproducible anywhere: the same session seed and candidate give the same lab on any machine
      and Python version (unlike hash(), salted per process), so a trainer replays any candidate's
      intervention exactly (`simulateur start SCENARIO --seed N --variant V`);
    - independent: a keyed pseudo-random function gives each (candidate, intervention) a seed with
      no arithmetic relation to a neighbour's — two candidates never get neighbouring or shifted
      seeds, and adding a candidate to the session changes nobody else's values (a sequence drawn
      in arrival order would);
    - one-way: knowing one's own lab seeds tells nothing of the session seed, hence nothing of a
      neighbour's values; the session seed is the key, kept by the trainer (new sessions draw it
      from 48 bits, too many to try every one; a seed typed by the trainer is only as strong as
      the trainer made it).
    """
    msg = f"examen/candidat\0{candidate_key(candidate)}\0{index}\0{scenario}".encode()
    digest = hmac.new(str(session_seed).encode(), msg, hashlib.sha256).digest()
    return 1 + int.from_bytes(digest[:8], "big") % SEED_RANGE


def candidate_variant(variants: list[str], seed: int) -> str | None:
    """The fault variant a candidate's seed picks among those the session allows (as
    choose_variant picks among all of a scenario's: the same variant for the same seed)."""
    if not variants:
        return None
    return random.Random(f"{seed}/variante").choice(sorted(variants))


def for_candidate(session: ExamSession, candidate: str) -> list[Intervention]:
    """The session's interventions as this candidate gets them: their own seed and variant.
    A session drawn before per-candidate draws (a seed in the session) is the same for all."""
    out = []
    for iv in session.interventions:
        if iv.seed is not None:
            out.append(iv)
            continue
        seed = candidate_seed(session.seed, candidate, iv.index, iv.scenario)
        out.append(iv.model_copy(update={"seed": seed, "variant": candidate_variant(iv.variants, seed)}))
    return out


def drawn_text(iv: Intervention) -> str:
    """For the trainer: an intervention's scenario and what is drawn in it — a candidate's seed
    and variant, or (in the session) the variants the candidates' draws pick from."""
    if iv.seed is not None:
        return f"{iv.scenario}, " + tr("exam.iv_drawn", seed=iv.seed, variant=iv.variant or "—")
    return iv.scenario + (", " + tr("exam.iv_variants", variants=", ".join(iv.variants)) if iv.variants else "")
