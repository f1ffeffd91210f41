"""Examen blanc tables, in the same SQLite file as the attempts (session/store.py).

Tables of their own, created if missing (a database made before examens blancs keeps all its
data; the attempts' schema and its version are the store's business, untouched here). One
transaction per write, a fresh connection per call: the candidates' commands, their watchdogs
and the app may write at the same time. A row that cannot be read is skipped, never fatal.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from simulateur.exam.models import CandidateRun, ExamSession, Item, JuryMark
from simulateur.session.store import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS exam_sessions (
    id TEXT PRIMARY KEY, created REAL NOT NULL, grp TEXT, spec TEXT NOT NULL    -- spec: ExamSession JSON
);
CREATE TABLE IF NOT EXISTS exam_runs (
    session TEXT NOT NULL, ckey TEXT NOT NULL, candidate TEXT NOT NULL,
    started REAL NOT NULL, deadline REAL NOT NULL, finished REAL,
    watchdog_pid INTEGER, watchdog_start REAL,
    PRIMARY KEY (session, ckey)
);
CREATE TABLE IF NOT EXISTS exam_items (
    session TEXT NOT NULL, ckey TEXT NOT NULL, idx INTEGER NOT NULL, status TEXT NOT NULL,
    attempt TEXT, lab TEXT, started REAL, ended REAL, comment TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',   -- what happened (lab gone, build failed), not the jury's
    PRIMARY KEY (session, ckey, idx)
);
CREATE TABLE IF NOT EXISTS exam_jury (
    session TEXT NOT NULL, ckey TEXT NOT NULL, idx INTEGER NOT NULL, criterion TEXT NOT NULL,
    verdict TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '', t REAL NOT NULL,
    PRIMARY KEY (session, ckey, idx, criterion)
);
CREATE INDEX IF NOT EXISTS exam_items_attempt ON exam_items (attempt);
"""


def candidate_key(name: str) -> str:
    """Two spellings of one name (case, spaces) are one candidate."""
    return " ".join(name.split()).casefold()


class ExamDB:
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()
        self.path: Path = self.store.path
        with self._connect() as conn:
            conn.executescript("BEGIN;" + _SCHEMA + "COMMIT;")

    def _connect(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return self.store._connect()    # the same file, pragmas and transactions as the store

    def _write(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return self.store._write()

    # --- sessions -------------------------------------------------------------------------------
    def next_session_id(self, conn: sqlite3.Connection) -> str:
        n = 0
        for (sid,) in conn.execute("SELECT id FROM exam_sessions"):
            if isinstance(sid, str) and sid.startswith("eb") and sid[2:].isdigit():
                n = max(n, int(sid[2:]))
        return f"eb{n + 1}"

    def create_session(self, make: Callable[[str], ExamSession]) -> ExamSession:
        """Allocate the next id (eb1, eb2…) and store the session `make(id)` returns, atomically."""
        with self._write() as conn:
            session = make(self.next_session_id(conn))
            conn.execute("INSERT INTO exam_sessions (id, created, grp, spec) VALUES (?, ?, ?, ?)",
                         (session.id, session.created, session.group, session.model_dump_json()))
        return session

    def session(self, session_id: str) -> ExamSession | None:
        with self._connect() as conn:
            row = conn.execute("SELECT spec FROM exam_sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        try:
            return ExamSession.model_validate_json(row[0])
        except ValueError:
            return None

    def sessions(self, group: str | None = None) -> list[ExamSession]:
        with self._connect() as conn:
            rows = conn.execute("SELECT spec FROM exam_sessions ORDER BY created, id").fetchall()
        out = []
        for (spec,) in rows:
            try:
                s = ExamSession.model_validate_json(spec)
            except ValueError:
                continue
            if group is None or (s.group or "") == group:
                out.append(s)
        return out

    # --- candidates' runs -----------------------------------------------------------------------
    def create_run(self, run: CandidateRun) -> bool:
        """Record a candidate's run; False if this candidate already has one in the session."""
        key = candidate_key(run.candidate)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM exam_runs WHERE session = ? AND ckey = ?", (run.session, key)).fetchone():
                return False
            conn.execute("INSERT INTO exam_runs (session, ckey, candidate, started, deadline) VALUES (?, ?, ?, ?, ?)",
                         (run.session, key, run.candidate, run.started, run.deadline))
            conn.executemany(
                "INSERT INTO exam_items (session, ckey, idx, status) VALUES (?, ?, ?, ?)",
                [(run.session, key, i.index, i.status) for i in run.items])
        return True

    def _run_from(self, conn: sqlite3.Connection, row: sqlite3.Row) -> CandidateRun:
        items = [Item(index=int(r["idx"]), status=r["status"], attempt=r["attempt"], lab=r["lab"],
                      started=r["started"], ended=r["ended"], comment=r["comment"] or "",
                      note=r["note"] or "")
                 for r in conn.execute("SELECT * FROM exam_items WHERE session = ? AND ckey = ? ORDER BY idx",
                                       (row["session"], row["ckey"]))]
        return CandidateRun(session=row["session"], candidate=row["candidate"], started=row["started"],
                            deadline=row["deadline"], finished=row["finished"], watchdog_pid=row["watchdog_pid"],
                            watchdog_start=row["watchdog_start"], items=items)

    def run(self, session_id: str, candidate: str) -> CandidateRun | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM exam_runs WHERE session = ? AND ckey = ?",
                               (session_id, candidate_key(candidate))).fetchone()
            if row is None:
                return None
            try:
                return self._run_from(conn, row)
            except (ValueError, TypeError):
                return None

    def runs(self, session_id: str | None = None) -> list[CandidateRun]:
        with self._connect() as conn:
            if session_id is None:
                rows = conn.execute("SELECT * FROM exam_runs ORDER BY started").fetchall()
            else:
                rows = conn.execute("SELECT * FROM exam_runs WHERE session = ? ORDER BY started",
                                    (session_id,)).fetchall()
            out = []
            for row in rows:
                try:
                    out.append(self._run_from(conn, row))
                except (ValueError, TypeError):
                    continue
        return out

    def set_watchdog(self, session_id: str, candidate: str, pid: int, start: float | None) -> None:
        with self._write() as conn:
            conn.execute("UPDATE exam_runs SET watchdog_pid = ?, watchdog_start = ? WHERE session = ? AND ckey = ?",
                         (pid, start, session_id, candidate_key(candidate)))

    def finish_run(self, session_id: str, candidate: str, when: float) -> None:
        with self._write() as conn:
            conn.execute("UPDATE exam_runs SET finished = coalesce(finished, ?) WHERE session = ? AND ckey = ?",
                         (when, session_id, candidate_key(candidate)))

    def update_item(self, session_id: str, candidate: str, item: Item) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE exam_items SET status = ?, attempt = ?, lab = ?, started = ?, ended = ?, comment = ?, note = ?"
                " WHERE session = ? AND ckey = ? AND idx = ?",
                (item.status, item.attempt, item.lab, item.started, item.ended, item.comment, item.note,
                 session_id, candidate_key(candidate), item.index))

    def item_of_attempt(self, attempt_id: str) -> tuple[str, str, int] | None:
        """(session, candidate, index) of an exam attempt, None for a practice attempt."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT i.session, r.candidate, i.idx FROM exam_items i JOIN exam_runs r"
                " ON r.session = i.session AND r.ckey = i.ckey WHERE i.attempt = ?", (attempt_id,)).fetchone()
        return None if row is None else (str(row[0]), str(row[1]), int(row[2]))

    # --- jury -----------------------------------------------------------------------------------
    def set_jury(self, session_id: str, candidate: str, mark: JuryMark) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO exam_jury (session, ckey, idx, criterion, verdict, comment, t)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, candidate_key(candidate), mark.index, mark.criterion, mark.verdict, mark.comment,
                 mark.t or time.time()))

    def clear_jury(self, session_id: str, candidate: str, index: int, criterion: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM exam_jury WHERE session = ? AND ckey = ? AND idx = ? AND criterion = ?",
                         (session_id, candidate_key(candidate), index, criterion))

    def jury(self, session_id: str, candidate: str) -> list[JuryMark]:
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM exam_jury WHERE session = ? AND ckey = ? ORDER BY idx, criterion",
                                (session_id, candidate_key(candidate))).fetchall()
        out = []
        for r in rows:
            try:
                out.append(JuryMark(index=int(r["idx"]), criterion=str(r["criterion"]), verdict=r["verdict"],
                                    comment=str(r["comment"] or ""), t=float(r["t"])))
            except (ValueError, TypeError):
                continue
        return out
