"""Issue 17, item 7 « Bad input », for real: the store gone or busy in the middle of an examen.

- PostgreSQL stopped then started again while a candidate's intervention runs under `simulateur
  serve`: her and the trainer's commands get one French line meanwhile (the store named, no
  password, « réessayez »), the service lives on, a deadline passing meanwhile is held at once
  (her exec ended) and scored as soon as the base is back (said in the audit with the times);
  the other candidate's work goes on and her submission is recorded; the refusals are audited.
- SQLite: the file's write lock held by another process longer than the busy timeout: one
  French line, nothing half-written, the same command works once the lock is released.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from servehelpers import _client_python, _wait, quick  # noqa: F401 — fixtures pytest finds by name
from test_machines import Machine, People, people  # noqa: F401  (people: the module's Unix accounts)

from simulateur.exam import core
from simulateur.exam.db import ExamDB, candidate_key
from simulateur.session.store import Store
from simulateur.store import schema

SECRET = "s3cret-de-la-base"


def _one_line(proc: subprocess.CompletedProcess, *words: str) -> str:
    """A failure said in one French line (after the build's progress lines, if any), no traceback."""
    assert proc.returncode != 0, (proc.returncode, proc.stdout, proc.stderr)
    lines = [x for x in proc.stderr.strip().splitlines() if not x.endswith("…")]
    assert len(lines) == 1 and lines[0].startswith("simulateur : "), proc.stderr
    assert "Traceback" not in proc.stderr and SECRET not in proc.stderr + proc.stdout
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def _popen(m: Machine, people: People, who: str, *args: str) -> subprocess.Popen:
    login = people.users[who]
    python, env = _client_python(login)
    return subprocess.Popen(
        ["setpriv", f"--reuid={login}", "--regid=nogroup", "--init-groups", "--", python, "-m", "simulateur", *args],
        env={**m.env, **env},
        cwd="/",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_database_restarted_mid_exam(
    quick: Path,
    people: People,
    tmp_path: Path,
    postgresql_cluster,
) -> None:
    pg = postgresql_cluster
    url = pg.new_database().replace("postgres@", f"postgres:{SECRET}@")  # trust: never asked, never shown
    db = ExamDB(Store(url=url))
    m = Machine("m1", f"{os.environ.get('SIMULATEUR_LAB_PREFIX', 't')}p", tmp_path, url, people)
    m.env["SIMULATEUR_JURY_GROUP"] = people.trainers  # the trainer sits on the jury too
    m.start()
    labs: list[str] = []
    try:
        roster = [a for who in ("c1", "c2") for a in ("--candidate", f"Candidat {who.upper()}={people.users[who]}")]
        made = m.client(
            people, "trainer", "exam", "new", "--count", "1", "--minutes", "20", "--seed", "5", *roster, "--json"
        )
        assert made.returncode == 0, made.stderr
        sid = json.loads(made.stdout)["id"]
        started = {}
        for who in ("c1", "c2"):
            proc = m.client(people, who, "exam", "start", sid, "--json")
            assert proc.returncode == 0, proc.stderr
            started[who] = json.loads(proc.stdout)
            labs.append(started[who]["lab"])
        c1, c2 = started["c1"], started["c2"]
        assert m.client(people, "c1", "exam", "fiche", sid, "--set", "cause=bail DHCP").returncode == 0

        # C2 runs a long command; her deadline comes in a few seconds, while the base is down.
        long = _popen(m, people, "c2", "exec", c2["lab"], "poste", "--", "sleep 120")
        seen: dict[str, object] = {}

        def wait_exec() -> None:  # when it ends, whatever the test is doing meanwhile
            seen["err"] = long.communicate(timeout=120)[1]
            seen["t"] = time.time()

        waiter = threading.Thread(target=wait_exec, daemon=True)
        waiter.start()
        time.sleep(1)
        deadline = time.time() + 5
        with db._write() as conn:
            conn.execute(
                schema.exam_runs.update()
                .where(schema.exam_runs.c.session == sid, schema.exam_runs.c.ckey == candidate_key("Candidat C2"))
                .values(deadline=deadline)
            )
        time.sleep(2)  # the keeper reads the deadlines every second: it knows hers before the base goes
        pg.pause()
        down = time.time()
        try:
            _one_line(m.client(people, "c1", "exam", "status", sid), "injoignable", "réessayez", "postgresql://")
            _one_line(m.client(people, "trainer", "exam", "show", sid), "injoignable", "réessayez")
            _one_line(m.client(people, "trainer", "exam", "jury", sid, "--candidate", "Candidat C1"), "injoignable")
            _one_line(m.client(people, "c1", "exam", "submit", sid), "injoignable", "réessayez")
            # Her deadline held without the base: her exec ended at once, her lab refused to her.
            waiter.join(timeout=max(0.0, deadline - time.time()) + 15)
            assert "t" in seen, "l'exec n'a pas été arrêté à l'échéance"
            ended, err = float(seen["t"]), str(seen["err"])  # type: ignore[arg-type]
            assert "temps écoulé" in err, err
            assert ended - deadline < 3, ended - deadline
            late = m.client(people, "c2", "exec", c2["lab"], "poste", "--", "true")
            assert late.returncode != 0 and "Traceback" not in late.stderr
            time.sleep(max(0.0, deadline + 1 - time.time()))
            assert m.proc is not None and m.proc.poll() is None  # the service lived through it
        finally:
            pg.resume()
        back = time.time()

        # Back: C2's deadline scored as soon as it could be, and said with the times.
        _wait(lambda: core.get_run(db, sid, "Candidat C2").finished is not None, 40, "échéance tenue au retour")
        item = core.get_run(db, sid, "Candidat C2").items[0]
        assert item.status == "temps_ecoule" and back - 1 <= item.ended <= back + 40
        assert db.store.attempt(c2["attempt"]).score is not None
        held = [r for r in db.audit_log(sid) if r.verb == "échéance"]
        assert len(held) == 1 and "base injoignable de" in held[0].detail and "au retour de la base" in held[0].outcome
        # C1 goes on: her lab, her fiche kept, her submission recorded; nothing she did is lost.
        run = core.get_run(db, sid, "Candidat C1")
        assert run.finished is None and run.watchdog_pid == m.proc.pid and run.items[0].lab == c1["lab"]
        proc = m.client(people, "c1", "exec", c1["lab"], "poste", "--", "true")
        assert proc.returncode == 0, proc.stderr
        proc = m.client(people, "c1", "exam", "submit", sid, "--json")
        assert proc.returncode == 0, proc.stderr
        run = core.get_run(db, sid, "Candidat C1")
        assert run.items[0].status == "remise" and db.store.attempt(c1["attempt"]).score is not None
        assert db.store.fiche(c1["attempt"])["cause"] == "bail DHCP"
        # The refusals while it was down are in the audit, at their own times.
        _wait(
            lambda: len([r for r in db.audit_log(sid) if down <= r.t <= back and "injoignable" in r.outcome]) >= 4,
            20,
            "refus audités",
        )
        assert SECRET not in m.log.read_text()
    finally:
        if not pg.running():
            pg.resume()
        m.stop()
        for lab in labs:
            m.root("stop", lab)
        for suffix in (".alive", ".lock", ".log"):
            m.sock.with_suffix(suffix).unlink(missing_ok=True)


def _hold_sqlite(path: Path) -> subprocess.Popen:
    """Another process holding the SQLite file's write lock (until killed)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sqlite3, sys, time\n"
                f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
                "c.execute('BEGIN IMMEDIATE'); print('pris', flush=True); time.sleep(120)"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "pris"
    return holder


def test_sqlite_busy_one_french_line(quick: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "simulateur", *args], capture_output=True, text=True, timeout=120)

    made = cli("exam", "new", "--count", "1", "--seed", "3", "--candidate", "Alice Martin", "--json")
    assert made.returncode == 0, made.stderr
    sid = json.loads(made.stdout)["id"]
    path = ExamDB().store.path
    assert path is not None
    holder = _hold_sqlite(path)
    try:
        t0 = time.monotonic()
        line = _one_line(cli("exam", "roster", sid, "--add", "Bruno Petit"), "occupée", "réessayez", str(path.name))
        assert time.monotonic() - t0 >= 5, line  # it waited its turn first (busy timeout)
    finally:
        holder.kill()
        holder.wait()
    assert "Bruno Petit" not in ExamDB().session(sid).roster
    proc = cli("exam", "roster", sid, "--add", "Bruno Petit")
    assert proc.returncode == 0, proc.stderr
    assert "Bruno Petit" in ExamDB().session(sid).roster
    with sqlite3.connect(path) as conn:  # one session, unharmed
        assert conn.execute("SELECT count(*) FROM exam_sessions").fetchone()[0] == 1


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalogue of one scenario whose build fails for real: its fault edits a file the server
    does not have (file.replace refuses, the lab is taken down by the engine)."""
    root = Path(__file__).resolve().parents[2]
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copytree(root / "scenarios" / "topologies", folder / "topologies")
    text = (root / "scenarios" / "dhcp-serveur-arrete.yaml").read_text()
    text = text.replace("id: dhcp-serveur-arrete", "id: construction-impossible").replace(
        "{action: service.stop, host: srv, service: dnsmasq}",
        '{action: file.replace, host: srv, path: /etc/absent-de-ce-serveur.conf, old: "a", new: "b"}',
    )
    assert "absent-de-ce-serveur" in text
    (folder / "construction-impossible.yaml").write_text(text)
    monkeypatch.setenv("SIMULATEUR_SHIPPED_SCENARIOS", str(folder))
    monkeypatch.setenv("SIMULATEUR_SCENARIOS", str(tmp_path / "aucun"))
    return folder


def test_failed_build_gives_her_place_back(broken: Path, people: People, tmp_path: Path) -> None:
    """Capacity 1: her only intervention cannot be built — one French line saying what happened and
    what to do, her run ended, her place given back: the next candidate is placed (not « plus de
    place »), and nobody is counted twice."""
    from simulateur.exam.machines import Machines

    url = f"sqlite:///{tmp_path / 'centre.db'}"
    db = ExamDB(Store(url=url))
    m = Machine("m1", f"{os.environ.get('SIMULATEUR_LAB_PREFIX', 't')}q", tmp_path, url, people)
    m.capacity = 1
    m.start()
    try:
        roster = [a for who in ("c1", "c2") for a in ("--candidate", f"Candidat {who.upper()}={people.users[who]}")]
        made = m.client(
            people, "trainer", "exam", "new", "--count", "1", "--minutes", "20", "--seed", "5", *roster, "--json"
        )
        assert made.returncode == 0, made.stderr
        sid = json.loads(made.stdout)["id"]
        line = _one_line(
            m.client(people, "c1", "exam", "start", sid),
            "n'a pas pu être construite",
            "absent-de-ce-serveur",
            "c'était la dernière",
            "place libérée",
            "prévenez le formateur",
        )
        run = core.get_run(db, sid, "Candidat C1")
        assert run.finished is not None and run.items[0].status == "interrompue", (line, run)
        assert "construire" in run.items[0].note
        assert Machines(db).load() == {}
        # Her next `exam start` says her examen is over, and takes no place.
        _one_line(m.client(people, "c1", "exam", "start", sid), "terminé")
        # The place is free: the next candidate is placed on m1 (her build fails the same way).
        _one_line(m.client(people, "c2", "exam", "start", sid), "n'a pas pu être construite")
        assert Machines(db).placements(sid) == {(sid, "candidat c1"): "m1", (sid, "candidat c2"): "m1"}
        assert Machines(db).load() == {}
        audit = [r for r in db.audit_log(sid) if r.verb == "exam start"]
        assert len(audit) == 3 and not any("plus de place" in r.outcome for r in audit), audit
    finally:
        m.stop()
        for suffix in (".alive", ".lock", ".log"):
            m.sock.with_suffix(suffix).unlink(missing_ok=True)


def test_bad_input_through_the_service(quick: Path, people: People, tmp_path: Path) -> None:
    """Item 7's bad input, as a trainer types it to a running service: a duplicate roster line, an
    unknown candidate, an unknown session, a machine nobody registered — each one French line
    (exit 2 or 3), and nothing lost or half-written (no session made, the roster as it was)."""
    url = f"sqlite:///{tmp_path / 'centre.db'}"
    db = ExamDB(Store(url=url))
    m = Machine("m1", f"{os.environ.get('SIMULATEUR_LAB_PREFIX', 't')}r", tmp_path, url, people)
    m.start()
    try:
        c1, c2 = (f"Candidat {w.upper()}={people.users[w]}" for w in ("c1", "c2"))
        _one_line(
            m.client(
                people,
                "trainer",
                "exam",
                "new",
                "--count",
                "1",
                "--candidate",
                c1,
                "--candidate",
                f"candidat  c1={people.users['c2']}",
            ),
            "figure deux fois",
        )
        _one_line(
            m.client(
                people,
                "trainer",
                "exam",
                "new",
                "--count",
                "1",
                "--candidate",
                c1,
                "--candidate",
                f"Autre={people.users['c1']}",
            ),
            people.users["c1"],
            "figure deux fois",
        )
        _one_line(
            m.client(people, "trainer", "exam", "new", "--count", "1", "--candidate", c1, "--machine", "salle-b-9"),
            "salle-b-9",
            "machines connues : m1",
        )
        assert db.sessions() == []  # nothing made by a refused line
        made = m.client(
            people,
            "trainer",
            "exam",
            "new",
            "--count",
            "1",
            "--seed",
            "2",
            "--candidate",
            c1,
            "--machine",
            "m1",
            "--json",
        )
        assert made.returncode == 0, made.stderr
        sid = json.loads(made.stdout)["id"]
        _one_line(m.client(people, "trainer", "exam", "roster", sid, "--add", "CANDIDAT C1"), "figure deux fois")
        _one_line(
            m.client(
                people, "trainer", "exam", "roster", sid, "--add", c2, "--add", f"Candidat C2 bis={people.users['c2']}"
            ),
            "figure deux fois",
        )
        _one_line(m.client(people, "trainer", "exam", "roster", sid, "--add", c2, "--machine", "m9"), "m9")
        assert db.session(sid).roster == {"Candidat C1": people.users["c1"]}
        assert db.session(sid).machines == {"Candidat C1": "m1"}
        _one_line(
            m.client(people, "trainer", "exam", "status", sid, "--candidate", "Candidat C1"),
            "commande de candidat",
            f"exam show {sid}",
        )
        _one_line(m.client(people, "trainer", "exam", "end", sid, "--candidate", "Zoé Inconnue"), "Zoé Inconnue")
        _one_line(m.client(people, "trainer", "exam", "show", "eb99"), "eb99")
        _one_line(m.client(people, "c2", "exam", "start", sid), "pas sur la liste")
        assert m.client(people, "trainer", "exam", "roster", sid, "--add", c2).returncode == 0
        assert set(db.session(sid).roster) == {"Candidat C1", "Candidat C2"}
        assert m.proc is not None and m.proc.poll() is None
        refusals = [r for r in db.audit_log() if r.outcome.startswith("refusé") or r.outcome.startswith("code")]
        assert len(refusals) >= 9, [(r.verb, r.outcome) for r in db.audit_log()]
    finally:
        m.stop()
        for suffix in (".alive", ".lock", ".log"):
            m.sock.with_suffix(suffix).unlink(missing_ok=True)


def test_store_lost_between_freeze_and_record(quick: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deadline's scoring cut short by the store after her lab was frozen (the verdicts stored,
    the intervention not yet): the retry once the base is back scores the lab as it was frozen —
    never « interrompue » because a frozen lab cannot be checked."""
    from servehelpers import _can_freeze

    from simulateur.lab import cgroups
    from simulateur.store.engine import StoreError

    if not _can_freeze():
        pytest.skip("pas de freezer sur cette machine : le laboratoire est arrêté, jamais figé")
    db = ExamDB()
    sid = core.new_session(count=1, seed=4, db=db).id
    step = core.start_candidate(db, sid, "Alice Martin", watchdog=False)
    lab = step.started.lab.id
    try:
        with db._write() as conn:
            conn.execute(
                schema.exam_runs.update().where(schema.exam_runs.c.session == sid).values(deadline=time.time() - 1)
            )
        real = db.update_item
        cut = {"n": 0}

        def update_item(*args, **kw):  # type: ignore[no-untyped-def]
            if cut["n"] == 0:
                cut["n"] += 1
                raise StoreError("base de données injoignable (coupée pour le test)")
            return real(*args, **kw)

        monkeypatch.setattr(db, "update_item", update_item)
        with pytest.raises(StoreError):
            core.expire(db, sid, "Alice Martin", keep=True)
        assert cgroups.frozen(lab)  # frozen, its intervention not recorded yet
        assert core.expire(db, sid, "Alice Martin", keep=True)  # the base back: the keeper's retry
        item = core.get_run(db, sid, "Alice Martin").items[0]
        assert item.status == "temps_ecoule", item
        assert cgroups.frozen(lab) and "figé" in item.note
        rec = db.store.attempt(item.attempt)
        assert rec is not None and rec.score is not None and rec.status != "interrompue", rec
    finally:
        cgroups.thaw(lab)
        subprocess.run([sys.executable, "-m", "simulateur", "stop", lab], capture_output=True)


def test_sqlite_busy_through_the_service(quick: Path, people: People, tmp_path: Path) -> None:
    """The service's SQLite file held by another process (a sqlite3 shell left in a transaction):
    the trainer's command is one French line after the busy timeout, the service goes on, the
    refusal is audited once the file is free, the same command works then."""
    url = f"sqlite:///{tmp_path / 'centre.db'}"
    db = ExamDB(Store(url=url))
    m = Machine("m1", f"{os.environ.get('SIMULATEUR_LAB_PREFIX', 't')}s", tmp_path, url, people)
    m.start()
    try:
        made = m.client(people, "trainer", "exam", "new", "--count", "1", "--seed", "2", "--json")
        assert made.returncode == 0, made.stderr
        sid = json.loads(made.stdout)["id"]
        holder = _hold_sqlite(tmp_path / "centre.db")
        try:
            t0 = time.monotonic()
            _one_line(
                m.client(people, "trainer", "exam", "roster", sid, "--add", "Zoé Roux"),
                "occupée",
                "réessayez",
                "centre.db",
            )
            print(f"\nbase occupée : refus en {time.monotonic() - t0:.1f} s")
        finally:
            holder.kill()
            holder.wait()
        assert m.proc is not None and m.proc.poll() is None
        assert m.client(people, "trainer", "exam", "roster", sid, "--add", "Zoé Roux").returncode == 0
        assert list(db.session(sid).roster) == ["Zoé Roux"]
        _wait(lambda: any(r.verb == "exam roster" and r.outcome != "ok" for r in db.audit_log(sid)), 20, "refus audité")
    finally:
        m.stop()
        for suffix in (".alive", ".lock", ".log"):
            m.sock.with_suffix(suffix).unlink(missing_ok=True)
