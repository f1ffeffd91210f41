"""The store on both of its backends: a SQLite file and a real PostgreSQL (a throwaway cluster of
Debian's postgresql for the session, a fresh database per test). The same records go in and come
out the same; writers in parallel lose nothing; a store made by simulateur 0.1 (SQLite schema 1
and the attempt's JSON files) is migrated with its data; a bad or unreachable URL is one French
sentence."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from simulateur.exam.db import ExamDB
from simulateur.exam.models import CandidateRun, ExamSession, Intervention, Item, JuryMark
from simulateur.scenario.loader import find_scenario
from simulateur.session.attempt import Attempt
from simulateur.session.store import Store
from simulateur.store import HEAD, StoreError, normalize
from simulateur.ticket import Escalation, Qualification

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tui"))
from tuihelpers import FIXTURE_SCENARIOS, make_result  # noqa: E402 — after the sys.path set-up above


@pytest.fixture
def scenario():
    return find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario


def test_an_attempt_is_recorded_once_and_read_back_the_same(store_url: str, scenario, tmp_path: Path) -> None:
    store = Store(url=store_url)
    attempt = Attempt.create("ui1", scenario, 7, "Alice", variant="v1", store=store)
    assert not (attempt.dir / "attempt.json").exists()  # the attempt's facts: in the store only
    info = attempt.info
    assert (info.id, info.lab, info.scenario, info.seed, info.candidate, info.variant, info.owner_pid) == (
        attempt.dir.name,
        "ui1",
        "panne-dhcp",
        7,
        "Alice",
        "v1",
        None,
    )
    assert info.title == scenario.title and info.competences == tuple(scenario.competences)
    assert attempt.qualification() is None and attempt.escalation() is None and attempt.result() is None

    q = attempt.qualify("moyen", "haute")
    assert attempt.qualification() == q and isinstance(q, Qualification) and q.priority == 4
    esc = attempt.escalate("prestataire", " lien coupé ", "ping KO")
    assert attempt.escalation() == esc == Escalation(to="prestataire", reason="lien coupé", done="ping KO", t=esc.t)
    result = make_result({"TAI.CP14.2": "acquis", "TAI.CP14.4": "non_acquis", "TAI.CP14.3": "jury"}, lab="ui1")
    attempt.save_result(result)
    back = store.result(attempt.id)
    assert back is not None and back.criteria == result.criteria and back.score == result.score
    assert back.t == pytest.approx(result.t) and store.attempt(attempt.id).status == "en_cours"
    assert not {p.name for p in attempt.dir.iterdir()} & {"qualification.json", "escalation.json", "result.json"}

    # The app takes the attempt over: who owns it now, the rest kept.
    store.begin(
        attempt_id=attempt.id,
        scenario=scenario,
        seed=7,
        mode="chronometre",
        lab="ui1",
        attempt_dir=attempt.dir,
        started=info.started,
    )
    rec = store.attempt(attempt.id)
    assert rec.mode == "chronometre" and rec.candidate == "Alice" and rec.qualification == q and rec.escalation == esc
    store.save_fiche(attempt.id, "cause", "dnsmasq arrêté")
    store.reveal_hint(attempt.id, 0, "Le poste a-t-il une adresse ?")
    store.reveal_hint(attempt.id, 0, "Le poste a-t-il une adresse ?")  # the first reveal counts
    done = store.submit(attempt.id, result, submitted=info.started + 600)
    assert done.status == "soumise" and done.duration == pytest.approx(600) and done.hints_used == 1
    assert done.score is not None and (done.score.acquis, done.score.evalues, done.score.jury) == (1, 2, 1)
    assert [c.id for c in store.criteria(attempt.id)] == ["TAI.CP14.2", "TAI.CP14.4", "TAI.CP14.3"]
    assert store.fiche(attempt.id) == {"cause": "dnsmasq arrêté"}
    assert store.scenario(attempt.id) == scenario
    assert [r.id for r in store.attempts(status="soumise")] == [attempt.id]
    assert store.competence_history()["TAI.CP14"][0].acquis == 1
    assert store.best_scores()["panne-dhcp"].ratio == 0.5
    rows = store.export_csv(tmp_path / "e.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 2 and "TAI.CP14.2=acquis" in rows[1]


def _session(sid: str) -> ExamSession:
    iv = Intervention(
        index=1, scenario="panne-dhcp", title="t", seed=3, referentiel="TAI", competences=["TAI.CP14"], duration=20
    )
    return ExamSession(id=sid, seed=12, count=1, minutes=40, interventions=[iv], group="TAI A")


def test_exam_records_on_both_backends(store_url: str) -> None:
    db = ExamDB(Store(url=store_url))
    ids = []

    def create() -> None:
        ids.append(db.create_session(_session).id)

    threads = [threading.Thread(target=create) for _ in range(6)]  # six trainers at once: six ids
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ids, key=lambda s: int(s[2:])) == [f"eb{n}" for n in range(1, 7)]
    assert [s.id for s in db.sessions("TAI A")] and db.session("eb1").interventions[0].seed == 3

    run = CandidateRun(
        session="eb1", candidate="Léa Durand", started=1000.0, deadline=3400.0, items=[Item(index=1), Item(index=2)]
    )
    assert db.create_run(run) and not db.create_run(run.model_copy(update={"candidate": " léa  DURAND"}))
    db.update_item("eb1", "Léa Durand", Item(index=1, status="en_cours", attempt="a1", lab="ui1", started=1001.0))
    db.set_watchdog("eb1", "léa durand", 4242, 99.5)
    db.finish_run("eb1", "Léa Durand", 2000.0)
    db.finish_run("eb1", "Léa Durand", 2500.0)  # the first end stays
    got = db.run("eb1", "LÉA DURAND")
    assert got is not None and got.finished == 2000.0 and got.watchdog_pid == 4242
    assert [(i.index, i.status, i.attempt) for i in got.items] == [(1, "en_cours", "a1"), (2, "a_faire", None)]
    assert db.item_of_attempt("a1") == ("eb1", "Léa Durand", 1) and db.item_of_attempt("zz") is None
    db.set_jury("eb1", "Léa Durand", JuryMark(index=1, criterion="TAI.CP14.3", verdict="acquis", t=5.0))
    db.set_jury(
        "eb1", "Léa Durand", JuryMark(index=1, criterion="TAI.CP14.3", verdict="non_acquis", comment="c", t=6.0)
    )
    assert [(m.verdict, m.comment) for m in db.jury("eb1", "Léa Durand")] == [("non_acquis", "c")]
    db.clear_jury("eb1", "Léa Durand", 1, "TAI.CP14.3")
    assert db.jury("eb1", "Léa Durand") == [] and len(db.runs("eb1")) == 1


def test_parallel_writers_lose_nothing(store_url: str, scenario) -> None:
    """Processes writing the same store at once (the candidates' commands, their watchdogs, the app)."""
    store = Store(url=store_url)
    code = (
        "import sys\nfrom pathlib import Path\nfrom simulateur.session.store import Store\nfrom simulateur.scenario.loader import find_scenario\n"
        f"sc = find_scenario('panne-dhcp', Path({str(FIXTURE_SCENARIOS)!r})).scenario\n"
        "s = Store(url=sys.argv[1])\n"
        "for i in range(15):\n"
        "    aid = f'{sys.argv[2]}-{i}'\n"
        "    s.begin(attempt_id=aid, scenario=sc, seed=i, mode='entrainement', lab='ui1', attempt_dir=None)\n"
        "    s.save_fiche(aid, 'cause', str(i))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, store_url, f"w{n}"], cwd=ROOT) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    recs = store.attempts()
    assert len(recs) == 60 and store.skipped == 0
    assert all(store.fiche(r.id)["cause"] == r.id.rsplit("-", 1)[1] for r in recs)


def test_processes_opening_a_new_store_at_once_all_get_it(store_url: str) -> None:
    """Two `simulateur start` at once on a machine where the store does not exist yet (or two
    machines on a new centre's database): one creates the schema, the others wait for it."""
    code = (
        "import sys, time\nfrom simulateur.session.store import Store\nimport sqlalchemy, alembic.command\n"
        "time.sleep(max(0.0, float(sys.argv[3]) - time.time()))\n"  # all imported: then all at once
        "s = Store(url=sys.argv[1])\ns.save_fiche(sys.argv[2], 'cause', 'x')\nprint(len(s.attempts()))\n"
    )
    at = str(time.time() + 8)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, store_url, f"a{n}", at],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(5)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, [err for _, err in outs]
    assert all(Store(url=store_url).fiche(f"a{n}") == {"cause": "x"} for n in range(5))


def test_a_store_of_version_0_1_is_migrated_with_its_data(tmp_path: Path, scenario) -> None:
    """SQLite schema 1 (user_version 1, no examens blancs tables) and a command-line attempt kept as
    JSON files: opened by this version, everything is in the store; an app attempt keeps its row."""
    db = tmp_path / "simulateur.db"
    with sqlite3.connect(db) as conn:
        conn.executescript("""
            CREATE TABLE attempts (id TEXT PRIMARY KEY, scenario TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',
              referentiel TEXT NOT NULL DEFAULT '', competences TEXT NOT NULL DEFAULT '[]', seed INTEGER NOT NULL,
              variant TEXT, candidate TEXT, mode TEXT NOT NULL, lab TEXT, attempt_dir TEXT, owner_pid INTEGER,
              owner_start REAL, status TEXT NOT NULL, started REAL NOT NULL, submitted REAL, duration REAL,
              qualification TEXT, escalation TEXT, score_acquis INTEGER, score_evalues INTEGER, score_jury INTEGER,
              scenario_json TEXT);
            CREATE TABLE fiche (attempt TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, updated REAL NOT NULL,
              PRIMARY KEY (attempt, field));
            CREATE TABLE criteria (attempt TEXT NOT NULL, position INTEGER NOT NULL, criterion TEXT NOT NULL,
              label TEXT NOT NULL, competence TEXT NOT NULL, competence_label TEXT NOT NULL, verdict TEXT NOT NULL,
              evidence TEXT NOT NULL, PRIMARY KEY (attempt, criterion));
            CREATE TABLE hints (attempt TEXT NOT NULL, idx INTEGER NOT NULL, text TEXT NOT NULL, t REAL NOT NULL,
              PRIMARY KEY (attempt, idx));
            PRAGMA user_version = 1;""")
        conn.execute(
            "INSERT INTO attempts (id, scenario, seed, mode, status, started, qualification) VALUES"
            " ('app-1', 'panne-dhcp', 1, 'entrainement', 'soumise', 10.0, '{\"impact\": \"bas\", \"urgency\": \"basse\"}')"
        )
        conn.execute("INSERT INTO fiche VALUES ('app-1', 'cause', 'câble', 11.0)")
    cli = tmp_path / "attempts" / "20260101-000000-panne-dhcp-lab1"
    cli.mkdir(parents=True)
    (cli / "attempt.json").write_text(
        json.dumps(
            {"id": cli.name, "lab": "lab1", "scenario": "panne-dhcp", "seed": 5, "started": 100.0, "candidate": "Bob"}
        )
    )
    (cli / "qualification.json").write_text(json.dumps({"impact": "haut", "urgency": "haute", "t": 120.0}))
    (cli / "escalation.json").write_text(json.dumps({"to": "niveau2", "reason": "droits", "done": "", "t": 130.0}))
    (cli / "result.json").write_text(make_result({"TAI.CP14.2": "acquis"}, lab="lab1").model_dump_json())

    store = Store(db)
    assert store.recovered is None
    app = store.attempt("app-1")
    assert app is not None and app.qualification.impact == "bas" and store.fiche("app-1") == {"cause": "câble"}
    rec = store.attempt(cli.name)
    assert rec is not None and (rec.lab, rec.seed, rec.candidate, rec.started) == ("lab1", 5, "Bob", 100.0)
    assert rec.qualification == Qualification(impact="haut", urgency="haute", t=120.0)
    assert rec.escalation is not None and rec.escalation.to == "niveau2"
    assert Attempt(cli, store).result()["criteria"][0]["verdict"] == "acquis"
    ExamDB(store).create_session(_session)  # the examens blancs' tables are there
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1  # simulateur 0.1 still reads it


def test_head_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "simulateur" / "store" / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD


@pytest.mark.parametrize(
    "url, says",
    [
        ("mysql://x@y/z", "adresse de la base invalide"),
        ("postgresql://nobody@127.0.0.1:1/simulateur", "injoignable"),
        ("postgresql://nobody:secret@/simulateur?host=/nonexistent", "injoignable"),
    ],
)
def test_a_bad_store_is_one_french_sentence(url: str, says: str) -> None:
    with pytest.raises(StoreError, match=says) as err:
        Store(url=url)
    assert "secret" not in str(err.value) and "\n" not in str(err.value)
    proc = subprocess.run(
        [sys.executable, "-m", "simulateur", "--store", url, "attempts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and proc.stdout == ""
    assert proc.stderr.startswith("simulateur : ") and says in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert "Traceback" not in proc.stderr and "secret" not in proc.stderr


def test_urls() -> None:
    assert normalize("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize("/tmp/x.db") == "sqlite:////tmp/x.db"
    with pytest.raises(StoreError):
        normalize("ftp://x")


def test_a_pid_is_judged_by_its_own_machine_only(store_url: str, scenario) -> None:
    """Several lab machines share a centre's store: an attempt or a watchdog recorded by another
    machine is never taken for dead here from its PID (that PID means nothing here); one recorded
    here before a reboot is dead; one recorded here in this boot is judged by its PID."""
    from psutil import Process

    from simulateur.exam import core
    from simulateur.store import connect, engine_for, schema
    from simulateur.store.machine import Where, machine_id, where

    here = machine_id()
    mine, _, boot = here.partition(":")
    elsewhere, earlier = f"autre-{mine}:{boot}", f"{mine}:autre-{boot}"
    assert where(None) is Where.HERE and where(here) is Where.HERE
    assert where(elsewhere) is Where.ELSEWHERE and where(earlier) is Where.EARLIER_BOOT

    gone = subprocess.Popen(["true"])
    gone.wait()  # a PID that no process of this machine has now
    store = Store(url=store_url)
    owners = {
        "mort-ici": (gone.pid, None),
        "mort-ailleurs": (gone.pid, elsewhere),
        "avant-redemarrage": (Process().pid, earlier),
        "vivant-ici": (Process().pid, None),
        "vivant-ailleurs": (Process().pid, elsewhere),
    }
    for name, (pid, machine) in owners.items():
        rec = store.begin(
            attempt_id=name, scenario=scenario, seed=1, mode="entrainement", lab=None, attempt_dir=None, owner_pid=pid
        )
        assert rec.owner_machine == here
        if machine is not None:
            with connect(engine_for(store_url), write=True) as conn:
                conn.execute(schema.attempts.update().where(schema.attempts.c.id == name).values(owner_machine=machine))
    assert sorted(r.id for r in store.orphans()) == ["avant-redemarrage", "mort-ici"]

    db = ExamDB(store)
    db.create_run(CandidateRun(session="eb1", candidate="Léa", started=0.0, deadline=1.0, items=[Item(index=1)]))
    me = Process()
    for pid, start, machine, alive in (
        (me.pid, me.create_time(), None, True),
        (me.pid, me.create_time(), elsewhere, None),
        (me.pid, me.create_time(), earlier, False),
        (gone.pid, None, None, False),
        (gone.pid, None, elsewhere, None),
    ):
        db.set_watchdog("eb1", "Léa", pid, start, machine)
        run = db.run("eb1", "Léa")
        assert run is not None and run.watchdog_machine == (machine or here)
        assert core.watchdog_alive(run) is alive, (pid, machine)


def test_a_command_line_attempt_is_handed_in_by_check_and_closed_by_stop(store_url: str, scenario) -> None:
    """An attempt of the command line (no app, no exam owns it) does not stay « en cours » for ever:
    its check hands it in (again at each check), a stop without any check abandons it; an attempt
    the app owns, or an exam's, is left to them."""
    store = Store(url=store_url)
    checked = Attempt.create("ui1", scenario, 1, store=store)
    never = Attempt.create("ui2", scenario, 2, store=store)
    app = Attempt.create("ui3", scenario, 3, store=store)
    store.begin(attempt_id=app.id, scenario=scenario, seed=3, mode="entrainement", lab="ui3", attempt_dir=app.dir)
    exam = Attempt.create("ui4", scenario, 4, store=store)
    store.begin(
        attempt_id=exam.id, scenario=scenario, seed=4, mode="examen", lab="ui4", attempt_dir=exam.dir, owned=False
    )
    started = checked.info.started
    for attempt in (checked, app, exam):
        result = make_result({"TAI.CP14.2": "acquis"}, lab="ui1").model_copy(update={"t": started + 90})
        attempt.save_result(result)
        store.hand_in_checked(attempt.id, result)
    rec = store.attempt(checked.id)
    assert (rec.status, rec.submitted, rec.duration) == ("soumise", started + 90, pytest.approx(90))
    later = make_result({"TAI.CP14.2": "acquis"}, lab="ui1").model_copy(update={"t": started + 200})
    store.hand_in_checked(checked.id, later)  # checked again while the lab runs
    assert store.attempt(checked.id).duration == pytest.approx(200)
    for attempt in (checked, never, app, exam):
        store.close_stopped(attempt.id)
    assert [store.attempt(a.id).status for a in (checked, never, app, exam)] == [
        "soumise",
        "abandonnee",
        "en_cours",
        "en_cours",
    ]
