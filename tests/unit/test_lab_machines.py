"""Several lab machines on one store, without services (the real thing: tests/integration/
test_machines.py): registration, heartbeat and « injoignable », placement against capacity (atomic:
two candidates racing for one last place), pins, the default capacity rule, the machine id override."""

from __future__ import annotations

import os
import threading
import time

import pytest

from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.exam.machines import STALE, Machines, default_capacity
from simulateur.exam.models import CandidateRun, ExamSession, Intervention, Item, LabMachine
from simulateur.session.store import Store


def _m(name: str, capacity: int = 2, pid: int = 100, machine: str = "x:boot", hb: float | None = None) -> LabMachine:
    now = time.time()
    return LabMachine(
        name=name,
        machine=machine,
        prefix=f"p{name}",
        socket=f"/run/{name}.sock",
        capacity=capacity,
        pid=pid,
        started=now,
        heartbeat=now if hb is None else hb,
    )


def _session(db: ExamDB, n: int = 6, machines: dict[str, str] | None = None) -> str:
    iv = Intervention(index=1, scenario="s", title="S", referentiel="TAI", competences=[], duration=20)
    return db.create_session(
        lambda sid: ExamSession(
            id=sid,
            seed=1,
            count=1,
            minutes=10,
            interventions=[iv],
            roster={f"C{i}": "" for i in range(n)},
            machines=machines or {},
        )
    ).id


def test_register_beat_stale_and_name_taken(store_url: str) -> None:
    ms = Machines(ExamDB(Store(url=store_url)))
    assert ms.register(_m("m1")) is None
    assert ms.register(_m("m1", machine="y:boot", pid=7)).name == "m1"  # live elsewhere: refused
    assert ms.get("m1").pid == 100
    assert ms.beat("m1", 100) and not ms.beat("m1", 999)
    ms.beat("m1", 100, when=time.time() - STALE - 1)
    assert not ms.get("m1").reachable()
    assert ms.register(_m("m1", machine="y:boot", pid=7)) is None  # its holder is gone: taken
    ms.unregister("m1", 7)
    assert ms.all() == []


def test_placement_fills_capacity_and_pins(store_url: str) -> None:
    db = ExamDB(Store(url=store_url))
    ms = Machines(db)
    m1, m2 = _m("m1"), _m("m2", machine="y:boot")
    for m in (m1, m2):
        ms.register(m)
    sid = _session(db, machines={"C5": "m1"})
    assert [ms.place(sid, f"C{i}", m1, None) for i in range(3)] == ["m1", "m1", None]
    assert ms.place(sid, "c0", m2, None) == "m1"  # already placed: hers, whoever asks
    assert [m.name for m, _ in ms.with_room(but="m1")] == ["m2"]
    assert ms.place(sid, "C5", m1, "m1") == "m1"  # pinned: placed even when full
    assert ms.load() == {"m1": 3}
    # A finished run frees its place.
    db.create_run(CandidateRun(session=sid, candidate="C0", started=1, deadline=2, items=[Item(index=1)]))
    db.finish_run(sid, "C0", 3)
    assert ms.load() == {"m1": 2}
    ms.beat("m2", 100, when=0)
    assert ms.with_room(but="m1") == []  # m2 unreachable: no room there


def test_one_last_place_taken_once(store_url: str) -> None:
    db = ExamDB(Store(url=store_url))
    ms = Machines(db)
    m1 = _m("m1", capacity=1)
    ms.register(m1)
    sid = _session(db)
    got: list[str | None] = []
    threads = [
        threading.Thread(
            target=lambda i=i: got.append(Machines(ExamDB(Store(url=store_url))).place(sid, f"C{i}", m1, None))
        )
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got.count("m1") == 1 and got.count(None) == 3


def test_sweep_leaves_other_machines_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A root command on one machine never scores a run placed on another (its lab is there)."""
    import os

    if os.geteuid() != 0:
        pytest.skip("sweep only runs as root")
    db = ExamDB()
    ms = Machines(db)
    sid = _session(db)
    for name in ("C0", "C1"):
        db.create_run(CandidateRun(session=sid, candidate=name, started=1, deadline=2, items=[Item(index=1)]))
    ms.place(sid, "C0", _m("m1"), "m1")
    ms.place(sid, "C1", _m("m2"), "m2")
    monkeypatch.setenv("SIMULATEUR_MACHINE_NAME", "m1")
    assert core.sweep(db, sid) == 1
    assert db.run(sid, "C0").finished is not None and db.run(sid, "C1").finished is None


def test_default_capacity_and_machine_override(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulateur.store.machine import Where, machine_id, where

    cores = os.cpu_count() or 1
    assert 1 <= default_capacity() <= 2 * cores
    real = machine_id()
    monkeypatch.setenv("SIMULATEUR_MACHINE_ID", "test-a")
    assert machine_id().startswith("test-a:") and machine_id().split(":")[1] == real.split(":")[1]
    assert where(real) is Where.ELSEWHERE


def test_pin_to_a_machine_the_store_does_not_know_is_refused(store_url: str) -> None:
    """`--machine` with a name no service registered (a typo): refused at once, naming the known
    machines — a pin cannot be changed later, and a candidate pinned nowhere real is stuck."""
    from simulateur.errors import UsageError

    db = ExamDB(Store(url=store_url))
    ms = Machines(db)
    sid = _session(db)
    with pytest.raises(UsageError, match=r"« salle-a-3 ».*aucune machine inscrite") as exc:
        core.add_to_roster(db, sid, ["Zoé Roux"], machine="salle-a-3")
    assert "\n" not in str(exc.value)
    ms.register(_m("salle-a-1"))
    ms.register(_m("salle-a-2", machine="y:boot"))
    with pytest.raises(UsageError, match=r"machines connues : salle-a-1, salle-a-2.*serve --name salle-a-3"):
        core.add_to_roster(db, sid, ["Zoé Roux"], machine="salle-a-3")
    assert "Zoé Roux" not in db.session(sid).roster  # nothing half-done
    assert core.add_to_roster(db, sid, ["Zoé Roux"], machine="salle-a-2").machine_of("Zoé Roux") == "salle-a-2"
    # A machine stopped tonight (its service left the list) but used before: still known.
    assert ms.place(sid, "C1", _m("salle-a-1"), None) == "salle-a-1"
    ms.unregister("salle-a-1", 100)
    assert core.add_to_roster(db, sid, ["Yann Le Goff"], machine="salle-a-1").machine_of("Yann Le Goff") == "salle-a-1"
    with pytest.raises(UsageError, match="sans espace"):
        core.check_machine(db, "salle a")


def test_more_candidates_than_seats_is_said_not_refused(store_url: str) -> None:
    db = ExamDB(Store(url=store_url))
    ms = Machines(db)
    assert ms.over_seats(50) is None  # no machine registered: one workstation
    ms.register(_m("m1", capacity=2))
    ms.register(_m("m2", capacity=1, machine="y:boot"))
    ms.register(_m("m3", capacity=5, machine="z:boot", hb=time.time() - STALE - 1))  # injoignable: no seat
    assert ms.seats() == (3, [("m1", 2), ("m2", 1)])
    assert ms.over_seats(3) is None
    line = ms.over_seats(5)
    assert (
        line is not None
        and "5 candidats pour 3 places libres" in line
        and "m1 2, m2 1" in line
        and "les 2 de trop attendront" in line
    )
    one = ms.over_seats(4)
    assert one is not None and "le candidat de trop attendra" in one and "lui dira où" in one
    sid = _session(db, n=3)
    ms.place(sid, "C0", _m("m1", capacity=2), None)
    assert ms.seats()[0] == 2  # a place taken by a running examen
