"""The trainee's self-assessment of the criteria a jury judges (training only): what was ticked,
marked « auto-évalué » wherever it shows, never counted in the score."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select

from simulateur.errors import UsageError
from simulateur.i18n import tr
from simulateur.session.store import Store
from simulateur.store import schema, upsert

SelfVerdict = Literal["acquis", "non_acquis"]
SM = schema.self_marks


class SelfMark(BaseModel):
    criterion: str
    label: str
    verdict: SelfVerdict | None = None  # None: not ticked yet


def _jury_criteria(store: Store, attempt_id: str) -> list[tuple[str, str]]:
    return [(c.id, c.label) for c in store.criteria(attempt_id) if c.verdict == "jury"]


def self_marks(store: Store, attempt_id: str) -> list[SelfMark]:
    """Each criterion left to the jury in this attempt, with what the trainee ticked."""
    with store._read() as conn:
        ticked = {
            str(r.criterion): str(r.verdict)
            for r in conn.execute(select(SM.c.criterion, SM.c.verdict).where(SM.c.attempt == attempt_id))
        }
    return [
        SelfMark(
            criterion=cid, label=label, verdict=ticked.get(cid) if ticked.get(cid) in ("acquis", "non_acquis") else None
        )
        for cid, label in _jury_criteria(store, attempt_id)
    ]


def save_self_mark(store: Store, attempt_id: str, criterion: str, verdict: SelfVerdict) -> None:
    """Tick one criterion: only a criterion left to the jury, of a training attempt handed in."""
    rec = store.attempt(attempt_id)
    if rec is None or rec.mode == "examen" or rec.status != "soumise":
        raise UsageError(tr("coach.self.not_allowed"))
    if criterion not in {cid for cid, _ in _jury_criteria(store, attempt_id)}:
        raise UsageError(tr("coach.self.not_jury", criterion=criterion))
    with store._write() as conn:
        upsert(
            conn,
            SM,
            dict(attempt=attempt_id, criterion=criterion, verdict=verdict, t=time.time()),
            ("attempt", "criterion"),
        )
