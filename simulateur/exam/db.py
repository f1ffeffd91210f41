"""Examen blanc records, in the same store as the attempts (session/store.py, simulateur/store):
sessions, candidates' runs, their interventions and the jury's marks.

One transaction per write: the candidates' commands, their watchdogs and the app may write at the
same time (on PostgreSQL, from several machines). A row that cannot be read is skipped, never fatal.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from simulateur.exam.models import AuditEntry, CandidateRun, ExamSession, Item, JuryMark, Signature
from simulateur.session.store import Store
from simulateur.store import schema, upsert

S, R, I, J, AU = schema.exam_sessions, schema.exam_runs, schema.exam_items, schema.exam_jury, schema.exam_audit
SIG = schema.exam_signatures


def candidate_key(name: str) -> str:
    """Two spellings of one name (case, spaces) are one candidate."""
    return " ".join(name.split()).casefold()


class ExamDB:
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()
        self.path: Path | None = self.store.path

    def _connect(self) -> contextlib.AbstractContextManager[Any]:
        return self.store._read()

    def _write(self) -> contextlib.AbstractContextManager[Any]:
        return self.store._write()

    @contextlib.contextmanager
    def _locked(self, table: Any) -> Any:
        """A write that reads then decides (next id, one run per candidate): nobody else writes
        `table` meanwhile (SQLite: BEGIN IMMEDIATE does it; PostgreSQL: a table lock)."""
        with self.store._write() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE")
            yield conn

    # --- sessions -------------------------------------------------------------------------------
    def next_session_id(self, conn: Any) -> str:
        n = 0
        for (sid,) in conn.execute(select(S.c.id)):
            if isinstance(sid, str) and sid.startswith("eb") and sid[2:].isdigit():
                n = max(n, int(sid[2:]))
        return f"eb{n + 1}"

    def create_session(self, make: Callable[[str], ExamSession]) -> ExamSession:
        """Allocate the next id (eb1, eb2…) and store the session `make(id)` returns, atomically."""
        with self._locked(S) as conn:
            session = make(self.next_session_id(conn))
            conn.execute(
                S.insert().values(
                    id=session.id, created=session.created, grp=session.group, spec=session.model_dump_json()
                )
            )
        return session

    def session(self, session_id: str) -> ExamSession | None:
        with self._connect() as conn:
            row = conn.execute(select(S.c.spec).where(S.c.id == session_id)).first()
        if row is None:
            return None
        try:
            return ExamSession.model_validate_json(row[0])
        except ValueError:
            return None

    def sessions(self, group: str | None = None) -> list[ExamSession]:
        with self._connect() as conn:
            rows = conn.execute(select(S.c.spec).order_by(S.c.created, S.c.id)).all()
        out = []
        for (spec,) in rows:
            try:
                s = ExamSession.model_validate_json(spec)
            except ValueError:
                continue
            if group is None or (s.group or "") == group:
                out.append(s)
        return out

    def update_session(self, session: ExamSession) -> None:
        """Store a session's spec again (its roster grew); the draw itself never changes."""
        with self._write() as conn:
            conn.execute(
                S.update().where(S.c.id == session.id).values(spec=session.model_dump_json(), grp=session.group)
            )

    # --- candidates' runs -----------------------------------------------------------------------
    def create_run(self, run: CandidateRun) -> bool:
        """Record a candidate's run; False if this candidate already has one in the session."""
        key = candidate_key(run.candidate)
        with self._locked(R) as conn:
            if conn.execute(select(R.c.ckey).where(R.c.session == run.session, R.c.ckey == key)).first():
                return False
            conn.execute(
                R.insert().values(
                    session=run.session, ckey=key, candidate=run.candidate, started=run.started, deadline=run.deadline
                )
            )
            conn.execute(
                I.insert(), [dict(session=run.session, ckey=key, idx=i.index, status=i.status) for i in run.items]
            )
        return True

    def _run_from(self, conn: Any, row: Any) -> CandidateRun:
        items = [
            Item(
                index=int(r.idx),
                status=r.status,
                attempt=r.attempt,
                lab=r.lab,
                started=r.started,
                ended=r.ended,
                comment=r.comment or "",
                note=r.note or "",
            )
            for r in conn.execute(select(I).where(I.c.session == row.session, I.c.ckey == row.ckey).order_by(I.c.idx))
        ]
        return CandidateRun(
            session=row.session,
            candidate=row.candidate,
            started=row.started,
            deadline=row.deadline,
            finished=row.finished,
            watchdog_pid=row.watchdog_pid,
            watchdog_start=row.watchdog_start,
            watchdog_machine=row.watchdog_machine,
            paused=row.paused,
            items=items,
        )

    def run(self, session_id: str, candidate: str) -> CandidateRun | None:
        with self._connect() as conn:
            row = conn.execute(select(R).where(R.c.session == session_id, R.c.ckey == candidate_key(candidate))).first()
            if row is None:
                return None
            try:
                return self._run_from(conn, row)
            except (ValueError, TypeError):
                return None

    def runs(self, session_id: str | None = None) -> list[CandidateRun]:
        with self._connect() as conn:
            query = select(R).order_by(R.c.started)
            if session_id is not None:
                query = query.where(R.c.session == session_id)
            out = []
            for row in conn.execute(query).all():
                try:
                    out.append(self._run_from(conn, row))
                except (ValueError, TypeError):
                    continue
        return out

    def set_watchdog(
        self, session_id: str, candidate: str, pid: int, start: float | None, machine: str | None = None
    ) -> None:
        """The run's watchdog: its PID, start time and machine (default: this one)."""
        from simulateur.store.machine import machine_id

        with self._write() as conn:
            conn.execute(
                R.update()
                .where(R.c.session == session_id, R.c.ckey == candidate_key(candidate))
                .values(watchdog_pid=pid, watchdog_start=start, watchdog_machine=machine or machine_id())
            )

    def set_deadline(self, session_id: str, candidate: str, deadline: float, paused: float | None) -> None:
        """The run's deadline and pause (the trainer extends, pauses or resumes her time)."""
        with self._write() as conn:
            conn.execute(
                R.update()
                .where(R.c.session == session_id, R.c.ckey == candidate_key(candidate))
                .values(deadline=deadline, paused=paused)
            )

    def finish_run(self, session_id: str, candidate: str, when: float) -> None:
        from sqlalchemy import func

        with self._write() as conn:
            conn.execute(
                R.update()
                .where(R.c.session == session_id, R.c.ckey == candidate_key(candidate))
                .values(finished=func.coalesce(R.c.finished, when))
            )

    def update_item(self, session_id: str, candidate: str, item: Item) -> None:
        with self._write() as conn:
            conn.execute(
                I.update()
                .where(I.c.session == session_id, I.c.ckey == candidate_key(candidate), I.c.idx == item.index)
                .values(
                    status=item.status,
                    attempt=item.attempt,
                    lab=item.lab,
                    started=item.started,
                    ended=item.ended,
                    comment=item.comment,
                    note=item.note,
                )
            )

    def item_of_attempt(self, attempt_id: str) -> tuple[str, str, int] | None:
        """(session, candidate, index) of an exam attempt, None for a practice attempt."""
        with self._connect() as conn:
            row = conn.execute(
                select(I.c.session, R.c.candidate, I.c.idx)
                .join(R, (R.c.session == I.c.session) & (R.c.ckey == I.c.ckey))
                .where(I.c.attempt == attempt_id)
            ).first()
        return None if row is None else (str(row[0]), str(row[1]), int(row[2]))

    # --- jury -----------------------------------------------------------------------------------
    def set_jury(self, session_id: str, candidate: str, mark: JuryMark) -> None:
        with self._write() as conn:
            self._put(conn, session_id, candidate, mark)

    def _put(self, conn: Any, session_id: str, candidate: str, mark: JuryMark) -> None:
        upsert(
            conn,
            J,
            dict(
                session=session_id,
                ckey=candidate_key(candidate),
                idx=mark.index,
                criterion=mark.criterion,
                verdict=mark.verdict,
                comment=mark.comment,
                t=mark.t or time.time(),
                by=mark.by,
            ),
            ("session", "ckey", "idx", "criterion"),
        )

    def mark_jury(
        self, session_id: str, candidate: str, mark: JuryMark, seen: str | None
    ) -> tuple[JuryMark | None, Signature | None]:
        """Store `mark` in one transaction, unless the grid is signed (returns its signature) or the
        stored mark is not the one its writer saw (returns the stored mark; removed meanwhile: a
        mark at t=0). `seen`: the version
        of the mark the writer saw ("" for none); None (the command line without --seen): only
        another member's mark stops it."""
        key = candidate_key(candidate)
        with self._locked(J) as conn:
            sig = self._signature(conn, session_id, key)
            if sig is not None:
                return None, sig
            row = (
                conn.execute(
                    select(J).where(
                        J.c.session == session_id,
                        J.c.ckey == key,
                        J.c.idx == mark.index,
                        J.c.criterion == mark.criterion,
                    )
                )
                .mappings()
                .first()
            )
            current = self._mark_of(row) if row is not None else None
            if current is not None:
                changed = (current.version != seen) if seen is not None else (current.by not in ("", mark.by))
                if changed:
                    return current, None
            elif seen:  # she saw a mark that was removed meanwhile: a mark of no one, at t=0
                return JuryMark(index=mark.index, criterion=mark.criterion, verdict=mark.verdict, t=0.0), None
            self._put(conn, session_id, candidate, mark)
        return None, None

    @staticmethod
    def _mark_of(r: Any) -> JuryMark | None:
        try:
            return JuryMark(
                index=int(r["idx"]),
                criterion=str(r["criterion"]),
                verdict=r["verdict"],
                comment=str(r["comment"] or ""),
                t=float(r["t"]),
                by=str(r["by"] or ""),
            )
        except (ValueError, TypeError):
            return None

    @staticmethod
    def _signature(conn: Any, session_id: str, key: str) -> Signature | None:
        row = conn.execute(select(SIG.c.by, SIG.c.t).where(SIG.c.session == session_id, SIG.c.ckey == key)).first()
        return None if row is None else Signature(by=str(row[0]), t=float(row[1]))

    def signature(self, session_id: str, candidate: str) -> Signature | None:
        with self._connect() as conn:
            return self._signature(conn, session_id, candidate_key(candidate))

    def sign(self, session_id: str, candidate: str, by: str, when: float | None = None) -> tuple[Signature, bool]:
        """Sign her grid: (the signature, True), or (the one already there, False): it stays."""
        key = candidate_key(candidate)
        with self._locked(J) as conn:
            sig = self._signature(conn, session_id, key)
            if sig is not None:
                return sig, False
            sig = Signature(by=by, t=when or time.time())
            conn.execute(SIG.insert().values(session=session_id, ckey=key, by=sig.by, t=sig.t))
        return sig, True

    def clear_jury(self, session_id: str, candidate: str, index: int, criterion: str) -> None:
        with self._write() as conn:
            conn.execute(
                J.delete().where(
                    J.c.session == session_id,
                    J.c.ckey == candidate_key(candidate),
                    J.c.idx == index,
                    J.c.criterion == criterion,
                )
            )

    def jury(self, session_id: str, candidate: str) -> list[JuryMark]:
        with self._connect() as conn:
            rows = (
                conn.execute(
                    select(J)
                    .where(J.c.session == session_id, J.c.ckey == candidate_key(candidate))
                    .order_by(J.c.idx, J.c.criterion)
                )
                .mappings()
                .all()
            )
        return [m for m in (self._mark_of(r) for r in rows) if m is not None]

    # --- the service's audit --------------------------------------------------------------------
    def audit(self, entry: AuditEntry) -> None:
        """One request to `simulateur serve` (or one thing it did on its own: a deadline held)."""
        with self._write() as conn:
            conn.execute(
                AU.insert().values(
                    t=entry.t,
                    uid=entry.uid,
                    login=entry.login,
                    role=entry.role,
                    pid=entry.pid,
                    verb=entry.verb,
                    session=entry.session,
                    candidate=entry.candidate,
                    detail=entry.detail,
                    outcome=entry.outcome,
                )
            )

    def audit_log(self, session_id: str | None = None, since: float | None = None) -> list[AuditEntry]:
        query = select(AU).order_by(AU.c.t, AU.c.id)
        if session_id is not None:
            query = query.where(AU.c.session == session_id)
        if since is not None:
            query = query.where(AU.c.t >= since)
        with self._connect() as conn:
            rows = conn.execute(query).mappings().all()
        out = []
        for r in rows:
            try:
                out.append(
                    AuditEntry(
                        t=r["t"],
                        uid=r["uid"],
                        login=r["login"],
                        role=r["role"],
                        pid=r["pid"],
                        verb=r["verb"],
                        session=r["session"],
                        candidate=r["candidate"],
                        detail=r["detail"] or "",
                        outcome=r["outcome"],
                    )
                )
            except (ValueError, TypeError):
                continue
        return out
