"""Several lab machines, one store (PostgreSQL): the running services and where each candidate's
examen runs.

Each `simulateur serve` registers itself (`lab_machines`: its name, machine and boot, lab prefix,
capacity) and refreshes its heartbeat every HEARTBEAT seconds; it removes itself when it stops. A
heartbeat older than STALE seconds is a machine « injoignable » (killed, crashed, cut off): its
candidates' runs wait for it — their labs are there — and its service takes them back when it
comes back (service.resume_runs).

A candidate is placed at her `exam start` by the service she asks (place()): on the machine the
trainer pinned her to (`--machine`), else on that one if it has room, else she is told which
machine has room. Her run counts against its machine's capacity until it is finished.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from sqlalchemy import func, select

from simulateur.exam.db import ExamDB, candidate_key
from simulateur.exam.models import LabMachine
from simulateur.store import schema

M, P, R = schema.lab_machines, schema.exam_placements, schema.exam_runs

HEARTBEAT = 2.0
#: A heartbeat older than this: the machine is « injoignable » (5 missed beats: a loaded machine is not a dead one).
STALE = 10.0
#: The name of the service this process works for (set by `simulateur serve` for its workers).
NAME_ENV = "SIMULATEUR_MACHINE_NAME"
#: One lab per this many MiB of memory, two per core: the default capacity (README « Plusieurs machines »).
MIB_PER_LAB = 512
LABS_PER_CORE = 2


def default_name() -> str:
    return socket.gethostname().split(".")[0] or "machine"


def default_capacity() -> int:
    """Two candidates per core, at most one per 512 MiB of memory, at least one."""
    cores = os.cpu_count() or 1
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        mib = pages * size // (1 << 20)
    except (ValueError, OSError):
        mib = MIB_PER_LAB * LABS_PER_CORE * cores
    return max(1, min(LABS_PER_CORE * cores, mib // MIB_PER_LAB))


def this_machine() -> str | None:
    """The service whose worker we are (None: a command run by root without the service)."""
    return os.environ.get(NAME_ENV) or None


def _machine_from(row: Any) -> LabMachine:
    return LabMachine(
        name=row.name,
        machine=row.machine,
        prefix=row.prefix,
        socket=row.socket,
        capacity=int(row.capacity),
        pid=int(row.pid),
        started=float(row.started),
        heartbeat=float(row.heartbeat),
    )


class Machines:
    def __init__(self, db: ExamDB | None = None) -> None:
        self.db = db or ExamDB()

    # --- the services ---------------------------------------------------------------------------
    def register(self, m: LabMachine) -> LabMachine | None:
        """Record this service. Returns the live service already holding the name (elsewhere, or
        another lab prefix), in which case nothing is written."""
        from simulateur.store import upsert

        with self.db._locked(M) as conn:
            row = conn.execute(select(M).where(M.c.name == m.name)).first()
            if row is not None:
                other = _machine_from(row)
                same = other.machine == m.machine and other.prefix == m.prefix
                if not same and other.reachable():
                    return other
            upsert(conn, M, m.model_dump(), ("name",))
        return None

    def beat(self, name: str, pid: int, when: float | None = None) -> bool:
        """Refresh the heartbeat; False if the row is gone or another service's (put it back)."""
        with self.db._write() as conn:
            done = conn.execute(
                M.update()
                .where(M.c.name == name, M.c.pid == pid)
                .values(heartbeat=time.time() if when is None else when)
            )
        return bool(done.rowcount)

    def unregister(self, name: str, pid: int) -> None:
        with self.db._write() as conn:
            conn.execute(M.delete().where(M.c.name == name, M.c.pid == pid))

    def all(self) -> list[LabMachine]:
        with self.db._connect() as conn:
            rows = conn.execute(select(M).order_by(M.c.name)).all()
        return [_machine_from(r) for r in rows]

    def get(self, name: str) -> LabMachine | None:
        return next((m for m in self.all() if m.name == name), None)

    def known_names(self) -> set[str]:
        """The machines a trainer may pin candidates to: registered now, or placed on before."""
        with self.db._connect() as conn:
            placed = {str(m) for (m,) in conn.execute(select(P.c.machine).distinct()).all()}
        return {m.name for m in self.all()} | placed

    # --- where candidates run -------------------------------------------------------------------
    def placements(self, session_id: str | None = None) -> dict[tuple[str, str], str]:
        """(session, candidate key) → machine name."""
        query = select(P.c.session, P.c.ckey, P.c.machine)
        if session_id is not None:
            query = query.where(P.c.session == session_id)
        with self.db._connect() as conn:
            return {(str(s), str(k)): str(m) for s, k, m in conn.execute(query).all()}

    def placement(self, session_id: str, candidate: str) -> str | None:
        return self.placements(session_id).get((session_id, candidate_key(candidate)))

    @staticmethod
    def _load(conn: Any) -> dict[str, int]:
        """Machine name → candidates placed on it whose run is not finished (or not created yet)."""
        query = (
            select(P.c.machine, func.count())
            .select_from(P.outerjoin(R, (R.c.session == P.c.session) & (R.c.ckey == P.c.ckey)))
            .where(R.c.finished.is_(None))
            .group_by(P.c.machine)
        )
        return {str(m): int(n) for m, n in conn.execute(query).all()}

    def load(self) -> dict[str, int]:
        with self.db._connect() as conn:
            return self._load(conn)

    def place(self, session_id: str, candidate: str, here: LabMachine, pinned: str | None) -> str | None:
        """Her machine: the one recorded already, else the pinned one, else `here` if it has room
        (recorded, atomically: two candidates never take one last place). None: `here` is full."""
        key = candidate_key(candidate)
        with self.db._locked(P) as conn:
            row = conn.execute(select(P.c.machine).where(P.c.session == session_id, P.c.ckey == key)).first()
            if row is not None:
                return str(row[0])
            if pinned is None and self._load(conn).get(here.name, 0) >= here.capacity:
                return None
            conn.execute(P.insert().values(session=session_id, ckey=key, machine=pinned or here.name, t=time.time()))
            return pinned or here.name

    def with_room(self, but: str | None = None) -> list[tuple[LabMachine, int]]:
        """The reachable machines with room, the emptiest first: (machine, candidates on it)."""
        load = self.load()
        out = [
            (m, load.get(m.name, 0))
            for m in self.all()
            if m.name != but and m.reachable() and load.get(m.name, 0) < m.capacity
        ]
        return sorted(out, key=lambda mn: (mn[1] / mn[0].capacity, mn[0].name))

    def seats(self) -> tuple[int, list[tuple[str, int]]]:
        """The places free now on the reachable machines: (total, [(machine, free)…])."""
        load = self.load()
        free = [(m.name, max(0, m.capacity - load.get(m.name, 0))) for m in self.all() if m.reachable()]
        return sum(n for _, n in free), free

    def over_seats(self, wanted: int) -> str | None:
        """A French line when `wanted` candidates at once would not all find a place now (None: they
        would, or no machine is registered — one workstation without a service): those past the
        places start when one is freed, `exam start` says where there is room."""
        total, free = self.seats()
        if not free or wanted <= total:
            return None
        from simulateur.i18n import trn

        detail = ", ".join(f"{name} {n}" for name, n in free)
        waiting = trn("count.over_seats_waiting", wanted - total)
        return trn("machines.over_seats", total, n=wanted, seats=total, detail=detail, waiting=waiting)
