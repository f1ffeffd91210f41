"""Guides and marks in the store (the same database as the examens blancs). A guide is written
once: two juries freezing it at once keep the first one's."""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from simulateur.entretien.guide import Guide
from simulateur.exam.db import candidate_key
from simulateur.session.store import Store
from simulateur.store import schema, upsert

G, M = schema.entretien_guides, schema.entretien_marks


class EntretienMark(BaseModel):
    model_config = ConfigDict(frozen=True)

    question: str
    verdict: str
    comment: str = ""
    by: str = ""
    t: float


class EntretienDB:
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()

    def guide(self, session: str, candidate: str) -> Guide | None:
        with self.store._read() as conn:
            row = conn.execute(
                select(G.c.guide).where(G.c.session == session, G.c.ckey == candidate_key(candidate))
            ).first()
        if row is None:
            return None
        try:
            return Guide.model_validate_json(row.guide)
        except ValueError:  # a row that cannot be read is no guide: it will be drawn again
            return None

    def freeze(self, guide: Guide) -> Guide:
        """Keep this guide, unless one is kept already: then that one is returned."""
        with self.store._write() as conn:
            upsert(
                conn,
                G,
                {
                    "session": guide.session,
                    "ckey": candidate_key(guide.candidate),
                    "candidate": guide.candidate,
                    "created": guide.created,
                    "guide": guide.model_dump_json(),
                },
                ("session", "ckey"),
                update=(),
            )
        kept = self.guide(guide.session, guide.candidate)
        return kept if kept is not None else guide

    def mark(
        self, session: str, candidate: str, question: str, verdict: str, comment: str, by: str, now: float | None = None
    ) -> EntretienMark:
        t = time.time() if now is None else now
        with self.store._write() as conn:
            upsert(
                conn,
                M,
                {
                    "session": session,
                    "ckey": candidate_key(candidate),
                    "question": question,
                    "verdict": verdict,
                    "comment": comment,
                    "by": by,
                    "t": t,
                },
                ("session", "ckey", "question"),
            )
        return EntretienMark(question=question, verdict=verdict, comment=comment, by=by, t=t)

    def marks(self, session: str, candidate: str) -> dict[str, EntretienMark]:
        with self.store._read() as conn:
            rows = conn.execute(select(M).where(M.c.session == session, M.c.ckey == candidate_key(candidate))).all()
        out = {}
        for r in rows:
            m = r._mapping  # (Row.t is the row as a tuple)
            out[m["question"]] = EntretienMark(
                question=m["question"], verdict=m["verdict"], comment=m["comment"], by=m["by"], t=m["t"]
            )
        return out
