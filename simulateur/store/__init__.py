"""The store: every fact of every attempt and examen blanc, in one database behind one layer.

SQLite by default (a file in the data dir, nothing to set up), PostgreSQL for a centre whose
machines share it (``--store postgresql://…`` / ``SIMULATEUR_STORE``). Tables are defined once
(schema.py, SQLAlchemy Core), created and changed by migrations (migrations/, Alembic).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulateur.store.engine import HEAD, StoreError, connect, engine_for, normalize, shown, store_url

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table
    from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["HEAD", "StoreError", "connect", "engine_for", "normalize", "shown", "store_url", "upsert"]


def upsert(
    conn: Connection,
    table: Table,
    values: dict[str, Any],
    keys: tuple[str, ...],
    update: tuple[str, ...] | None = None,
) -> None:
    """INSERT, or on a clash of `keys` UPDATE the columns `update` (default: all others; () = keep the row)."""
    stmt: postgresql.Insert | sqlite.Insert
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table).values(**values)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).values(**values)
    cols = [k for k in values if k not in keys] if update is None else list(update)
    if cols:
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={k: stmt.excluded[k] for k in cols})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(stmt)
