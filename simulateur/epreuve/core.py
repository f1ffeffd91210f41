"""A candidate's épreuve: created with its format's phases (the RC's minutes × a scale for short
rehearsals, or as given where the text gives none), opened one after the other by `advance` (the
open phase ends, time kept, the next opens), its entretien final's form, its status."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from simulateur.epreuve import phases
from simulateur.epreuve.db import EpreuveDB
from simulateur.epreuve.formats import get_format
from simulateur.epreuve.state import EpreuveState, FinalForm, PhaseRun
from simulateur.errors import UsageError
from simulateur.exam.core import check_name, run_lock
from simulateur.exam.db import ExamDB
from simulateur.i18n import tr, trn

if TYPE_CHECKING:
    from simulateur.cahier.models import Cahier

MAX_COUNT = 6


def parse_minutes(items: list[str]) -> dict[str, int]:
    """`--minutes KIND=N`: a phase's minutes where the source text gives none (IDI)."""
    out: dict[str, int] = {}
    for item in items:
        kind, _, n = item.partition("=")
        if not n.strip().isdigit() or not 1 <= int(n) <= 480:
            raise UsageError(tr("epreuve.bad_minutes", item=item))
        out[kind.strip()] = int(n)
    return out


def start(
    db: ExamDB,
    format_id: str,
    candidate: str,
    *,
    seed: int | None = None,
    scale: float = 1.0,
    minutes: dict[str, int] | None = None,
    count: int = 2,
    cahier: str | None = None,
    login: str | None = None,
    progress: phases.Progress = phases._quiet,
) -> EpreuveState:
    fmt = get_format(format_id)
    name = check_name(candidate)
    if not 0 < scale <= 1:
        raise UsageError(tr("epreuve.bad_scale", scale=scale))
    if not 1 <= count <= MAX_COUNT:
        raise UsageError(tr("epreuve.bad_count", count=count, max=MAX_COUNT))
    given = dict(minutes or {})
    unknown = set(given) - {p.kind for p in fmt.phases}
    if unknown:
        raise UsageError(
            trn(
                "epreuve.minutes_unknown_phase",
                len(unknown),
                phases=", ".join(sorted(unknown)),
                known=", ".join(p.kind for p in fmt.phases),
            )
        )
    runs = []
    for p in fmt.phases:
        m = given.get(p.kind, p.minutes)
        if m is None:
            raise UsageError(tr("epreuve.no_minutes", format=fmt.id, phase=p.kind))
        runs.append(PhaseRun(kind=p.kind, minutes=m * scale, presence=p.presence))
    if fmt.phase("preparation") is not None and not cahier:
        raise UsageError(tr("epreuve.need_cahier", format=fmt.id))
    if cahier:
        from simulateur.cahier.loader import load_cahier

        if fmt.phase("preparation") is None:
            raise UsageError(tr("epreuve.no_preparation", format=fmt.id))
        loaded = load_cahier(cahier)  # an unknown cahier: its French error, before anything
        cahier = loaded.id
        if fmt.phase("interventions") is not None:
            _enough_fitting(loaded, count)
    seed = 1 + secrets.randbelow(2**48 - 1) if seed is None else seed
    edb = EpreuveDB(db.store)
    st = edb.create(
        candidate=name,
        format=fmt.id,
        seed=seed,
        scale=scale,
        count=count,
        cahier=cahier,
        login=login,
        phases=[r.model_dump() for r in runs],
    )
    return advance(db, st.id, progress=progress)


def _enough_fitting(cahier: Cahier, count: int) -> None:
    """Her interventions are drawn among the scenarios that fit her cahier's network
    (simulateur.epreuve.fit): refused now, not after her 4 h, when fewer fit than asked."""
    from simulateur.epreuve.fit import fitting
    from simulateur.scenario.loader import load_catalogue

    fit = sorted(fitting(load_catalogue().scenarios, cahier))
    if len(fit) < count:
        raise UsageError(
            trn(
                "epreuve.too_few_fitting",
                len(fit),
                cahier=cahier.id,
                count=count,
                fit=", ".join(fit) or tr("exam.none"),
            )
        )


def advance(
    db: ExamDB, epreuve_id: str, *, progress: phases.Progress = phases._quiet, now: Callable[[], float] = time.time
) -> EpreuveState:
    """End the open phase (its time kept) and open the next one; after the last, the épreuve is over.
    Under the épreuve's lock: two `next` at once never skip a phase."""
    st = EpreuveDB(db.store).get(epreuve_id)
    with run_lock(st.id, "epreuve"):
        return _advance(db, st.id, progress, now)


def _advance(db: ExamDB, epreuve_id: str, progress: phases.Progress, now: Callable[[], float]) -> EpreuveState:
    edb = EpreuveDB(db.store)
    st = edb.get(epreuve_id)
    if st.finished:
        raise UsageError(tr("epreuve.over", id=st.id))
    fmt = get_format(st.format)
    current = st.open_phase()
    if current is not None:
        closed = phases.close_phase(db, st, fmt, current)
        current.ended = now()
        if closed:
            current.note = closed
        st.current += 1
        edb.save(st)
    else:
        st.current = 0
    nxt = st.open_phase()
    if nxt is not None:
        nxt.started = now()
        edb.save(st)  # opened before its labs are built: the time counts from here
        nxt.note = phases.open_phase(db, st, fmt, nxt, progress)
    edb.save(st)
    return st


def final(db: ExamDB, epreuve_id: str, comment: str, by: str) -> EpreuveState:
    edb = EpreuveDB(db.store)
    st = edb.get(epreuve_id)
    if not any(p.kind == "entretien_final" for p in st.phases):
        raise UsageError(tr("epreuve.no_final", id=st.id, format=st.format))
    ph = st.open_phase()
    done = next(p for p in st.phases if p.kind == "entretien_final")
    if done.started is None or (ph is not done and done.ended is None):
        raise UsageError(tr("epreuve.final_not_open", id=st.id))
    text = " ".join(comment.split())
    if not text:
        raise UsageError(tr("epreuve.final_empty"))
    st.final = FinalForm(comment=text, by=by, t=time.time())
    edb.save(st)
    return st


def remaining(phase: PhaseRun, now: float | None = None) -> float | None:
    """Seconds left in an open phase (negative: over its time)."""
    if phase.started is None or phase.ended is not None:
        return None
    return phase.started + phase.minutes * 60 - (time.time() if now is None else now)
