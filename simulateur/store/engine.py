"""Which database, and a connection to it: SQLite by default (one file in the data dir, nothing to
set up), PostgreSQL for a centre (``--store postgresql://…`` or ``SIMULATEUR_STORE``).

An engine is made once per process and URL; its schema is brought to the current revision the
first time (Alembic, simulateur/store/migrations) — a store made by an older version is migrated
in place, its data kept. A URL that is invalid or a server that cannot be reached is one French
sentence (StoreError), never a traceback.

SQLAlchemy is imported inside the functions, never at module level here: `simulateur.store` can be
imported by any command, and only those that open the store pay for SQLAlchemy — 0.18 s median
per process on the 2-core dev machine (06/12/2026, load ≈ 8; `exec` 0.84 s instead of 1.48 s median,
README « Le magasin »). Modules that import SQLAlchemy at the top (schema.py, session/store.py,
exam/db.py) are imported lazily by the commands that need them (tests/unit/test_store_lazy_import.py).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.paths import data_dir

#: The newest migration (simulateur/store/migrations/versions); a unit test checks Alembic agrees.
HEAD = "0013"

ENV = "SIMULATEUR_STORE"


class StoreError(SimError):
    """The store cannot be opened or reached: which one (password hidden) and why, in French."""


def default_url() -> str:
    return f"sqlite:///{data_dir() / 'simulateur.db'}"


def store_url() -> str:
    """`--store` (which sets SIMULATEUR_STORE for this process and those it starts), else the
    SQLite file of the data dir."""
    return os.environ.get(ENV) or default_url()


def normalize(url: str) -> str:
    """postgresql://… → postgresql+psycopg://… (psycopg 3); a bare path is a SQLite file."""
    url = url.strip()
    if "://" not in url:
        if not url:
            raise StoreError(tr("store.bad_url", url=url))
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    if scheme == "sqlite":
        return url
    raise StoreError(tr("store.bad_url", url=shown(url)))


def shown(url: str) -> str:
    """The URL as we may print it: no password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True).replace("+psycopg", "")
    except Exception:  # noqa: BLE001 — unparsable: only its scheme
        return url.split("://", 1)[0] + "://…"


def sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


_lock = threading.Lock()
_engines: OrderedDict[tuple[int, str], Any] = OrderedDict()
_KEEP = 8  # engines whose idle connections stay open (a test session opens one store per test)
_ready: set[tuple[int, str]] = set()


def _make_engine(url: str) -> Any:
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError
    from sqlalchemy.pool import QueuePool

    try:
        if url.startswith("sqlite"):
            # A few connections kept per process (any thread may take one; a file moved aside when
            # unreadable drops them: forget()). We issue BEGIN ourselves: BEGIN IMMEDIATE for a write,
            # so that two writers queue up (busy timeout) instead of failing half-way.
            engine = create_engine(
                url,
                poolclass=QueuePool,
                pool_size=2,
                max_overflow=8,
                connect_args={"timeout": BUSY_SECONDS, "check_same_thread": False},
            )

            @event.listens_for(engine, "connect")
            def _connect(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.isolation_level = None
                cur = dbapi_conn.cursor()
                cur.execute(f"PRAGMA busy_timeout = {BUSY_SECONDS * 1000}")
                cur.execute("PRAGMA synchronous = NORMAL")
                cur.close()

            @event.listens_for(engine, "begin")
            def _begin(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("store_write") else "BEGIN")
        else:
            engine = create_engine(
                url,
                pool_pre_ping=True,
                pool_size=2,
                max_overflow=8,
                connect_args={"connect_timeout": 5, "application_name": "simulateur"},
            )
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StoreError(tr("store.bad_url", url=shown(url)) + f" ({exc})") from None
    return engine


def unreachable(url: str, exc: BaseException) -> StoreError:
    """The driver's reason, first line only, in one French sentence."""
    why = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return StoreError(tr("store.unreachable", url=shown(url), why=why[0] if why else type(exc).__name__))


def engine_for(url: str, attempts_root: Path | None = None) -> Any:
    """The engine of `url`, its schema at HEAD (migrated the first time in this process)."""
    url = normalize(url)
    key = (os.getpid(), url)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _make_engine(url)
            while len(_engines) > _KEEP:  # still usable by whoever holds it: only its idle connections close
                old, evicted = _engines.popitem(last=False)
                _ready.discard(old)
                evicted.dispose()
        _engines.move_to_end(key)
        if key not in _ready:
            prepare(engine, attempts_root)
            _ready.add(key)
    return engine


def forget(url: str) -> None:
    """Drop the engine of `url` (its SQLite file was moved aside: the next one starts afresh)."""
    key = (os.getpid(), normalize(url))
    with _lock:
        engine = _engines.pop(key, None)
        _ready.discard(key)
    if engine is not None:
        engine.dispose()


def current_revision(conn: Any) -> str | None:
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table("alembic_version"):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def prepare(engine: Any, attempts_root: Path | None = None) -> None:
    """Bring the schema to HEAD. Fast when it is there already (one query, Alembic not imported)."""
    from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError

    url = engine.url.render_as_string(hide_password=False)
    try:
        if engine.dialect.name == "sqlite":
            _wal(engine)
        with engine.connect() as conn:
            if current_revision(conn) == HEAD:
                conn.rollback()
                return
            conn.rollback()
        upgrade(engine, attempts_root)
    except (OperationalError, InterfaceError) as exc:
        if engine.dialect.name == "sqlite" and "not a database" in str(exc.orig):
            raise
        if engine.dialect.name == "sqlite" and _is_busy(exc):
            raise busy(url, exc) from None
        raise unreachable(url, exc) from None
    except DatabaseError:
        raise


def _wal(engine: Any) -> None:
    """PRAGMA journal_mode = WAL (persistent), outside any transaction: on the driver's connection."""
    import sqlite3

    from sqlalchemy.exc import DatabaseError, OperationalError

    try:
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA journal_mode = WAL")
        finally:
            raw.close()
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):  # cannot open it (rights, folder): not to be set aside
            raise OperationalError("PRAGMA journal_mode = WAL", None, exc) from None
        raise DatabaseError("PRAGMA journal_mode = WAL", None, exc) from None  # not a database


def upgrade(engine: Any, attempts_root: Path | None = None) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    # SQLite: BEGIN IMMEDIATE, so that two processes opening a new file at once queue up (busy
    # timeout) instead of one failing; the second then finds the schema at HEAD and does nothing.
    with engine.execution_options(store_write=True).begin() as conn:
        if engine.dialect.name == "postgresql":
            # Two machines opening a new centre's store at once: one migrates, the other waits.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(1397312083)")
        cfg.attributes["connection"] = conn
        cfg.attributes["attempts_root"] = attempts_root
        command.upgrade(cfg, "head")


@contextmanager
def connect(engine: Any, *, write: bool = False) -> Iterator[Any]:
    """A transaction: all of it or nothing. `write` takes SQLite's write lock up front."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    eng = engine.execution_options(store_write=True) if write else engine
    try:
        with eng.begin() as conn:
            yield conn
    except (OperationalError, InterfaceError) as exc:
        if (engine.dialect.name == "postgresql" and exc.connection_invalidated) or _is_connect_error(exc):
            raise unreachable(engine.url.render_as_string(hide_password=False), exc) from None
        if engine.dialect.name == "sqlite" and _is_busy(exc):
            raise busy(engine.url.render_as_string(hide_password=False), exc) from None
        raise


#: SQLite's wait for another process's write lock (busy_timeout, seconds) before « occupée ».
BUSY_SECONDS = 10


def _is_busy(exc: BaseException) -> bool:
    """SQLite's « database is locked » / « database is busy »: another process held the file's
    write lock longer than the busy timeout (a `sqlite3` shell left in a transaction, a backup)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return "database is locked" in text or "database is busy" in text


def busy(url: str, exc: BaseException) -> StoreError:
    why = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return StoreError(tr("store.busy", url=shown(url), seconds=BUSY_SECONDS, why=why[0] if why else "busy"))


def _is_connect_error(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    try:
        import psycopg

        return isinstance(orig, psycopg.OperationalError) and getattr(orig, "sqlstate", None) in (
            None,
            "08001",
            "08006",
            "57P01",
            "57P03",
        )
    except ImportError:
        return False
