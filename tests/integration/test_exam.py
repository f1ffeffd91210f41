"""Examen blanc on real labs: two candidates in parallel, a submission, the time-out enforced by
the watchdog (the lab scored as it is at that moment, then stopped), the jury, the reports and
the group export; and a killed watchdog caught up by the next command. The whole flow and the
concurrent take-over on both stores (SQLite, PostgreSQL), the others on SQLite."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from labhelpers import sim

from simulateur.exam import core
from simulateur.exam.db import ExamDB

ROOT = Path(__file__).resolve().parents[2]
QUICK = ("dhcp-serveur-arrete", "imprimante-pilote-manquant", "mobile-synchro")


@pytest.fixture(autouse=True)
def _backend(request: pytest.FixtureRequest, _isolated_data: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The store of a test: the data dir's SQLite file, or — for the tests marked BOTH, where what
    the backend does matters (concurrent writers, locks, the whole flow) — a fresh database of a
    real PostgreSQL too (tests/pgcluster.py), for this process and the commands and watchdogs it
    starts. The other tests' PostgreSQL twins added 1.5 min to the suite for what
    tests/unit/test_store_backends.py already checks on both."""
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql":
        monkeypatch.setenv("SIMULATEUR_STORE", request.getfixturevalue("postgresql_cluster").new_database())
    return str(backend)


BOTH = pytest.mark.parametrize("_backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalogue of the three quick scenarios only (draws stay the same when scenarios are added)."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copytree(ROOT / "scenarios" / "topologies", folder / "topologies")
    for sid in QUICK:
        shutil.copy(ROOT / "scenarios" / f"{sid}.yaml", folder)
    monkeypatch.setenv("SIMULATEUR_SHIPPED_SCENARIOS", str(folder))
    monkeypatch.setenv("SIMULATEUR_SCENARIOS", str(tmp_path / "aucun"))
    return folder


@pytest.fixture
def exams():
    """Whatever a test leaves running is ended: runs closed, labs stopped, watchdogs gone."""
    yield
    db = ExamDB()
    for run in db.runs():
        if run.finished is None:
            try:
                core.end_run(db, run.session, run.candidate)
            except Exception:  # noqa: BLE001 — best-effort teardown: the test's own failure is the one to show
                pass
        for item in run.items:
            if item.lab and item.status == "en_cours":
                sim("stop", item.lab, check=False)
    for run in db.runs():
        _wait(lambda run=run: not core.watchdog_alive(run), 10, "fin du minuteur")


def _wait(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"pas arrivé en {timeout} s : {what}"
        time.sleep(0.2)


def _lab_gone(lab: str, attempt: str) -> bool:
    """The lab of this attempt is stopped. Lab ids are reused at once (by this test or by other
    tests running at the same time): a lab with the same id but another attempt is not ours."""
    from simulateur.errors import SimError
    from simulateur.lab.state import load_state

    try:
        state = load_state(lab)
    except SimError:
        return True
    return not state.attempt_dir or Path(state.attempt_dir).name != attempt


def _fix(lab: str) -> None:
    """What a candidate does: look first (journaled, in the lab's default host), then repair (the
    scenario's reference solution, as the self-test applies it)."""
    from simulateur.session.run import open_attempt

    for cmd in ("ip -br addr", "ip route"):
        sim("exec", lab, "poste", "--", cmd)
    lab_obj, scenario, _ = open_attempt(lab)
    lab_obj.apply(scenario.solution)


def cli(*args: str) -> tuple[int, str, str]:
    """A command run in this process (same parser and code as `simulateur`, no interpreter start-up)."""
    import contextlib
    import io

    from simulateur.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _result(db: ExamDB, attempt: str) -> dict:
    rec = db.store.attempt(attempt)
    assert rec is not None and rec.attempt_dir
    result = db.store.result(attempt)  # the last check, in the store
    assert result is not None
    return result.model_dump(mode="json")


@BOTH
def test_two_candidates_submission_timeout_jury_reports(quick: Path, exams, tmp_path: Path) -> None:
    new = sim(
        "exam",
        "new",
        "--count",
        "2",
        "--minutes",
        "0.9",
        "--seed",
        "11",
        "--group",
        "Groupe test",
        "--competence",
        "TAI.CP14",
        "--competence",
        "TAI.CP3",
        "--json",
    ).json()
    sid = new["id"]
    assert sorted(i["scenario"] for i in new["interventions"]) == ["dhcp-serveur-arrete", "imprimante-pilote-manquant"]

    # Two candidates start at the same moment, each in their own terminal.
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "simulateur", "exam", "start", sid, "--candidate", name, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("Alice Martin", "Bob Durand")
    }
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "Traceback" not in stderr, stderr
        out[name] = json.loads(stdout)
    labs = {name: o["lab"] for name, o in out.items()}
    assert labs["Alice Martin"] != labs["Bob Durand"] and all(o["intervention"] == 1 for o in out.values())
    db = ExamDB()
    for name in labs:
        run = core.get_run(db, sid, name)
        assert core.watchdog_alive(run), "le minuteur de l'examen ne tourne pas"
        rec = db.store.attempt(run.items[0].attempt or "")
        assert rec is not None and rec.candidate == name and rec.mode == "examen"

    # Bob repairs his lab but will never hand it in.
    _fix(labs["Bob Durand"])
    # Alice repairs, writes her fiche, hands in: the next intervention is built at once.
    _fix(labs["Alice Martin"])
    sim(
        "exam",
        "fiche",
        sid,
        "--candidate",
        "Alice Martin",
        "--set",
        "cause=panne trouvée et réparée",
        "--set",
        "conseils=rappeler si cela recommence",
    )
    step = sim("exam", "submit", sid, "--candidate", "Alice Martin", "--json").json()
    assert step["ended"]["status"] == "remise" and step["intervention"] == 2 and not step["timed_out"], step
    print(f"marge avant la fin du temps après la remise d'Alice : {step['remaining']:.1f} s")
    assert _lab_gone(labs["Alice Martin"], out["Alice Martin"]["attempt"])

    # While the others work, the jury marks Alice's first intervention (handed in).
    code, out_json, _ = cli("exam", "jury", sid, "--candidate", "Alice Martin", "--json")
    first = json.loads(out_json)[0]
    assert code == 0 and first["intervention"] == 1
    required = next(c for c in first["criteria"] if c["required"])
    optional = next(c for c in first["criteria"] if not c["required"])
    for crit, verdict, comment in (
        (required["id"], "acquis", "a posé les bonnes questions"),
        (optional["id"], "non_acquis", "ton un peu sec"),
    ):
        assert (
            cli(
                "exam",
                "jury",
                sid,
                "--candidate",
                "Alice Martin",
                "--intervention",
                "1",
                "--criterion",
                crit,
                "--verdict",
                verdict,
                "--comment",
                comment,
            )[0]
            == 0
        )
    bad = sim(
        "exam",
        "jury",
        sid,
        "--candidate",
        "Alice Martin",
        "--intervention",
        "1",
        "--criterion",
        "TAI.CP99.1",
        "--verdict",
        "acquis",
        check=False,
    )
    assert bad.code == 2 and len(bad.err.strip().splitlines()) == 1
    text = cli("exam", "jury", sid, "--candidate", "Alice Martin")[1]
    assert f"[acquis] {required['id']}" in text and "a posé les bonnes questions" in text

    # Alice does nothing more, Bob never hands in. Nobody types a command: the watchdogs must
    # end both runs at the deadline.
    _wait(lambda: all(core.get_run(db, sid, n).finished is not None for n in labs), 120, "fin du temps")

    alice, bob = core.get_run(db, sid, "Alice Martin"), core.get_run(db, sid, "Bob Durand")
    assert [i.status for i in alice.items] == ["remise", "temps_ecoule"]
    assert [i.status for i in bob.items] == ["temps_ecoule", "non_traitee"] and bob.items[1].attempt is None
    # Scored as the labs were at the time-out: Bob's repaired lab passes, Alice's untouched one does not.
    assert all(p["ok"] for p in _result(db, bob.items[0].attempt or "")["probes"])
    assert all(p["ok"] for p in _result(db, alice.items[0].attempt or "")["probes"])
    assert not all(p["ok"] for p in _result(db, alice.items[1].attempt or "")["probes"])
    assert bob.items[0].ended is not None and bob.items[0].ended >= bob.deadline
    for item in (alice.items[0], alice.items[1], bob.items[0]):
        assert item.lab and item.attempt and _lab_gone(item.lab, item.attempt), item
    for run in (alice, bob):
        _wait(lambda run=run: not core.watchdog_alive(run), 10, "fin du minuteur")
    code, _, err = cli("exam", "submit", sid, "--candidate", "Bob Durand")
    assert code == 2 and "terminé" in err

    assert (
        cli("exam", "jury", sid, "--candidate", "Alice Martin", "--intervention", "2", "--comment", "pas le temps")[0]
        == 0
    )

    # Both reports, three formats each.
    sim("report", sid, "--candidate", "Alice Martin", "--format", "html", "-o", str(tmp_path / "alice.html"))
    for name, slug in (("Alice Martin", "alice"), ("Bob Durand", "bob")):
        for fmt in ("html", "json", "md"):
            if not (tmp_path / f"{slug}.{fmt}").exists():
                assert (
                    cli("report", sid, "--candidate", name, "--format", fmt, "-o", str(tmp_path / f"{slug}.{fmt}"))[0]
                    == 0
                )
    html = (tmp_path / "alice.html").read_text()
    for needle in (
        required["id"],
        optional["id"],
        "a posé les bonnes questions",
        "ton un peu sec",
        "pas le temps",
        "src-automatique",
        "src-jury",
        "panne trouvée et réparée",
        "remise automatiquement (temps écoulé)",
        "Alice Martin",
    ):
        assert needle in html, needle
    assert "<script" not in html and "<link" not in html
    data = json.loads((tmp_path / "bob.json").read_text())
    assert data["candidate"] == "Bob Durand" and [i["status"] for i in data["interventions"]] == [
        "temps_ecoule",
        "non_traitee",
    ]
    assert data["interventions"][0]["duration_s"] > 0
    md = (tmp_path / "alice.md").read_text()
    assert "# Examen blanc — session" in md and required["id"] in md
    code, _, err = cli("report", sid, "--format", "md")
    assert code == 2 and "Alice Martin" in err and "Bob Durand" in err  # listed by start time: both started at once

    # The trainer's follow-up of the group.
    assert cli("attempts", "--group", "Groupe test", "--csv", "-o", str(tmp_path / "groupe.csv"))[0] == 0
    lines = (tmp_path / "groupe.csv").read_text(encoding="utf-8-sig").splitlines()
    rows, summary = lines[: lines.index("")], lines[lines.index("") + 1 :]  # then the per-competence summary
    assert len(rows) == 5 and sum("non traitée" in r for r in rows) == 1
    assert sum("Alice Martin" in r for r in rows) == 2 and sum("Bob Durand" in r for r in rows) == 2
    assert summary[0].startswith("synthèse par compétence;") and any(";(tous);" in r for r in summary)


def test_a_killed_watchdog_is_caught_up_by_the_next_command(quick: Path, exams) -> None:
    db = ExamDB()
    session = core.new_session(count=1, minutes=0.05, seed=2, competences=["TAI.CP3"], db=db)
    step = core.start_candidate(db, session.id, "Chloé", watchdog=False)  # as if its watchdog had been killed
    assert step.started is not None
    lab = step.started.lab.id
    _wait(lambda: time.time() > step.run.deadline, 30, "échéance")
    assert core.get_run(db, session.id, "Chloé").items[0].status == "en_cours"  # nobody enforced it yet
    shown = sim("exam", "show", session.id).out
    assert "remise automatiquement (temps écoulé)" in shown
    run = core.get_run(db, session.id, "Chloé")
    assert run.finished is not None and run.items[0].status == "temps_ecoule"
    assert _result(db, run.items[0].attempt or "")["criteria"]
    assert _lab_gone(lab, run.items[0].attempt or "")


def _our_labs() -> dict[str, str]:
    """lab id → status, of the labs under this test's prefix."""
    import os
    import re

    from simulateur.errors import SimError
    from simulateur.lab.state import list_lab_ids, load_state

    ours = re.compile(re.escape(os.environ["SIMULATEUR_LAB_PREFIX"]) + r"\d+")
    out = {}
    for lab in filter(ours.fullmatch, list_lab_ids()):
        try:
            out[lab] = load_state(lab).status
        except SimError:
            out[lab] = "?"
    return out


def test_a_killed_exam_start_resumes_same_deadline_same_lab_and_no_grid_for_the_candidate(quick: Path, exams) -> None:
    import os
    import signal

    assert not _our_labs()
    sid = sim(
        "exam", "new", "--count", "2", "--minutes", "8", "--competence", "TAI.CP14", "--competence", "TAI.CP3", "--json"
    ).json()["id"]
    db = ExamDB()
    # The candidate's `exam start` is killed (kill -9: a crashed client, a closed terminal)
    # while it builds her first lab.
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulateur", "exam", "start", sid, "--candidate", "Inès Roux", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: "building" in _our_labs().values(), 120, "construction du laboratoire")
        assert proc.poll() is None, "la construction s'est terminée avant qu'on puisse l'interrompre"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    first = core.get_run(db, sid, "Inès Roux")
    assert first.finished is None and first.items[0].status == "a_faire"

    # She types `exam start` again: her run goes on (same deadline), the lab is built.
    step = sim("exam", "start", sid, "--candidate", "inès  roux", "--json").json()
    assert step["resumed"] and step["intervention"] == 1 and step["deadline"] == first.deadline, step
    lab = step["lab"]
    assert _our_labs() == {lab: "ready"}, "le laboratoire à moitié construit est resté"
    sim("exec", lab, "poste", "--", "echo avant-la-panne-du-terminal")

    # Her terminal dies again, the lab is up: `exam start` gives her the same lab, same deadline.
    text = sim("exam", "start", sid, "--candidate", "Inès Roux").out
    assert "Reprise de l'examen" in text and f"laboratoire {lab}" in text, text
    again = sim("exam", "start", sid, "--candidate", "Inès Roux", "--json").json()
    assert (again["lab"], again["attempt"], again["deadline"]) == (lab, step["attempt"], first.deadline)
    assert again["remaining"] < step["remaining"]  # the clock never restarted
    sim("exec", lab, "poste", "--", "echo apres-la-reprise")
    rec = db.store.attempt(step["attempt"])
    assert rec is not None and rec.candidate == "Inès Roux" and rec.mode == "examen"
    from simulateur.journal.store import Journal

    cmds = {e.cmd: e for e in Journal(Path(rec.attempt_dir) / "journal.jsonl").entries()}
    for cmd in ("echo avant-la-panne-du-terminal", "echo apres-la-reprise"):  # one journal, continued
        assert cmd in cmds and cmds[cmd].verified is not False, (cmd, sorted(cmds))

    # `simulateur check` during the exam: refused, nothing of the grid nor of the expected answer.
    for extra in ((), ("--json",)):
        refused = sim("check", lab, *extra, check=False)
        assert refused.code == 2 and refused.out == "", refused
        assert len(refused.err.strip().splitlines()) == 1 and "pas d'évaluation ni de grille" in refused.err
        for secret in ("TAI.CP", "priorit", "acquis", "urgence"):
            assert secret not in refused.err, secret
    assert not (Path(rec.attempt_dir) / "result.json").exists()
    assert core.get_run(db, sid, "Inès Roux").items[0].status == "en_cours"

    # The lab dies meanwhile (stopped, the machine restarted): a clear message, what to do.
    sim("stop", lab)
    lost = sim("exam", "start", sid, "--candidate", "Inès Roux", check=False)
    assert lost.code == 1 and len(lost.err.strip().splitlines()) == 1, lost
    for needle in (
        f"laboratoire {lab}",
        "n'existe plus",
        f"simulateur exam submit {sid}",
        f"simulateur exam end {sid}",
    ):
        assert needle in lost.err, (needle, lost.err)
    # The jury does what it says: the intervention is recorded as interrupted, the next one starts.
    nxt = sim("exam", "submit", sid, "--candidate", "Inès Roux", "--json").json()
    assert nxt["ended"]["status"] == "interrompue" and "n'existait plus" in nxt["ended"]["note"], nxt
    assert nxt["intervention"] == 2 and nxt["deadline"] == first.deadline


def test_two_candidates_get_their_own_values_in_their_labs(quick: Path, exams) -> None:
    """The draw on real labs: same scenario, each candidate's lab built with their own values."""
    from simulateur.lab.state import load_state

    sid = sim(
        "exam", "new", "--count", "1", "--minutes", "5", "--competence", "TAI.CP14", "--seed", "11", "--json"
    ).json()["id"]
    labs = {
        name: sim("exam", "start", sid, "--candidate", name, "--json").json()["lab"]
        for name in ("Alice Martin", "Bob Durand")
    }
    states = {name: load_state(lab) for name, lab in labs.items()}
    shown = sim("exam", "show", sid, "--json").json()
    for run in shown["runs"]:
        state = states[run["candidate"]]
        assert state.scenario == "dhcp-serveur-arrete" and run["drawn"][0]["seed"] == state.seed
    assert states["Alice Martin"].seed != states["Bob Durand"].seed
    assert states["Alice Martin"].params["lan"] != states["Bob Durand"].params["lan"]
    addr = {name: sim("exec", lab, "srv", "--", "ip -4 -br addr show eth0").out for name, lab in labs.items()}
    assert states["Alice Martin"].params["srv_ip"] in addr["Alice Martin"]
    assert states["Bob Durand"].params["srv_ip"] in addr["Bob Durand"]


@BOTH
def test_a_lab_built_but_never_recorded_is_taken_over_not_doubled(quick: Path, exams) -> None:
    """`exam start` killed between its lab's « ready » and recording it: the next `exam start`
    takes that lab over (this candidate's, this intervention's values) instead of building a
    second one beside it."""
    from simulateur.exam.draw import for_candidate
    from simulateur.exam.models import CandidateRun, Item
    from simulateur.session import run as labrun

    db = ExamDB()
    session = core.new_session(count=1, minutes=5, competences=["TAI.CP14"], db=db)
    t0 = time.time()
    assert db.create_run(
        CandidateRun(session=session.id, candidate="Chloé", started=t0, deadline=t0 + 300, items=[Item(index=1)])
    )
    iv = for_candidate(session, "Chloé")[0]
    orphan = labrun.start(iv.scenario, iv.seed, candidate="Chloé", variant=iv.variant)
    try:
        step = core.resume(db, session.id, "Chloé", watchdog=False)
        assert step.started is not None and step.started.lab.id == orphan.lab.id
        assert _our_labs() == {orphan.lab.id: "ready"}
        item = core.get_run(db, session.id, "Chloé").items[0]
        assert item.status == "en_cours" and item.lab == orphan.lab.id and item.attempt == orphan.attempt.dir.name
        rec = db.store.attempt(item.attempt or "")
        assert rec is not None and rec.seed == iv.seed and rec.mode == "examen"
    finally:
        sim("stop", orphan.lab.id, check=False)
