"""Épreuves in the store (the same database as examens blancs and questionnaires)."""

from __future__ import annotations

import time

from sqlalchemy import select, update

from simulateur.epreuve.state import EpreuveState
from simulateur.errors import UsageError
from simulateur.i18n import tr
from simulateur.session.store import Store
from simulateur.store import schema

T = schema.epreuves


class EpreuveDB:
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()

    def create(self, **fields: object) -> EpreuveState:
        """A new épreuve, its id the next free « epN » (taken under the write lock)."""
        with self.store._write() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("LOCK TABLE epreuves IN SHARE ROW EXCLUSIVE MODE")
            ids = [r[0] for r in conn.execute(select(T.c.id))]
            n = max([int(i[2:]) for i in ids if i.startswith("ep") and i[2:].isdigit()] + [0]) + 1
            state = EpreuveState.model_validate({**fields, "id": f"ep{n}", "created": time.time()})
            conn.execute(
                T.insert().values(
                    id=state.id,
                    candidate=state.candidate,
                    format=state.format,
                    created=state.created,
                    state=state.model_dump_json(),
                )
            )
        return state

    def save(self, state: EpreuveState) -> None:
        with self.store._write() as conn:
            conn.execute(update(T).where(T.c.id == state.id).values(state=state.model_dump_json()))

    def get(self, epreuve_id: str) -> EpreuveState:
        with self.store._read() as conn:
            row = conn.execute(select(T.c.state).where(T.c.id == epreuve_id.strip())).first()
        if row is None:
            raise UsageError(
                tr("epreuve.unknown", id=epreuve_id, known=", ".join(e.id for e in self.all()) or "aucune")
            )
        return EpreuveState.model_validate_json(row.state)

    def all(self) -> list[EpreuveState]:
        with self.store._read() as conn:
            rows = conn.execute(select(T.c.state).order_by(T.c.created, T.c.id)).all()
        out = []
        for row in rows:
            try:
                out.append(EpreuveState.model_validate_json(row.state))
            except ValueError:  # a row that cannot be read is skipped, never fatal
                continue
        return out
