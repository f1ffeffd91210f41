"""Trainee data survives the app being killed at any moment: the SQLite store (WAL, one transaction
per write: the fiche, the qualification, the last check) and the journal (one fsync'd line per command). A process writes them in a loop and is killed with SIGKILL at random moments; each
time everything opens and holds the data up to the last write that returned. One damaged record
never stops the listing of the others."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tuihelpers import FIXTURE_SCENARIOS, make_result

from simulateur.journal.store import Journal
from simulateur.scenario.loader import find_scenario
from simulateur.session.attempt import Attempt
from simulateur.session.store import Store

WRITER = """
import sys
from pathlib import Path
from simulateur.scoring import CheckResult, CriterionResult, Score
from simulateur.session.attempt import Attempt
from simulateur.session.store import Store
store, attempt, aid, tag = Store(Path(sys.argv[1])), Attempt(Path(sys.argv[2])), sys.argv[3], sys.argv[4]
levels = [("bas", "basse"), ("haut", "haute")]
i = 0
while True:
    store.save_fiche(aid, "diagnostic", f"{tag} version {i}")
    attempt.journal.record("poste", f"{tag} commande {i}", 0, "shell")
    attempt.qualify(*levels[i % 2])
    attempt.save_result(CheckResult(lab="ui1", scenario="panne-dhcp", seed=1, t=float(i), probes=[],
                                    criteria=[CriterionResult(id="TAI.CP14.2", label="l", competence="TAI.CP14",
                                                              competence_label="c", verdict="acquis", evidence=[tag])],
                                    score=Score(acquis=1, evalues=1, jury=0)))
    print(i, flush=True)
    i += 1
"""


@pytest.fixture
def scenario():
    return find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario


def test_data_survives_kill_9_at_random_moments(tmp_path: Path, scenario) -> None:
    db = tmp_path / "simulateur.db"
    store = Store(db)
    attempt = Attempt.create("ui1", scenario.id, 1)
    aid = attempt.dir.name
    store.begin(attempt_id=aid, scenario=scenario, seed=1, mode="entrainement", lab="ui1", attempt_dir=str(attempt.dir))
    rng = random.Random(6)
    journal_total = 0
    for round_ in range(6):
        tag = f"r{round_}"
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(attempt.dir), aid, tag], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        done = -1
        target = rng.randint(3, 25)
        while done < target:
            line = proc.stdout.readline()
            assert line, "the writer died on its own"
            done = int(line)
        time.sleep(rng.random() * 0.05)  # anywhere inside the next writes
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done = max([done] + [int(x) for x in proc.stdout.read().split()])  # printed before the kill
        reopened = Store(db)
        assert reopened.recovered is None
        value = reopened.fiche(aid)["diagnostic"]
        assert value in (f"{tag} version {done}", f"{tag} version {done + 1}"), (value, done)
        assert reopened.attempt(aid) is not None and [r.id for r in reopened.attempts()] == [aid]
        mine = [e.cmd for e in Journal(attempt.dir / "journal.jsonl").entries() if e.cmd.startswith(f"{tag} ")]
        assert mine[: done + 1] == [f"{tag} commande {i}" for i in range(done + 1)] and len(mine) <= done + 2
        journal_total += len(mine)
        assert attempt.qualification() is not None  # always one whole record, old or new
        result = attempt.result()
        assert result is not None and result["criteria"][0]["evidence"] == [tag] and result["t"] in (done, done + 1)
    assert journal_total >= 6 * 4
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_one_damaged_record_of_each_kind_does_not_stop_the_others(tmp_path: Path, scenario) -> None:
    store = Store(tmp_path / "s.db")
    ids = []
    for n in (1, 2, 3, 4):
        aid = f"2026-{n:02d}-panne-dhcp-ui{n}"
        store.begin(
            attempt_id=aid,
            scenario=scenario,
            seed=n,
            mode="entrainement",
            lab=f"ui{n}",
            attempt_dir=f"/tmp/{aid}",
            started=1000.0 * n,
        )
        store.submit(aid, make_result({"TAI.CP14.2": "acquis", "TAI.CP14.4": "non_acquis"}), submitted=1000.0 * n + 60)
        ids.append(aid)
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE attempts SET escalation = '{pas du json' WHERE id = ?", (ids[0],))
        conn.execute("UPDATE attempts SET scenario_json = 'null]' WHERE id = ?", (ids[1],))
        conn.execute("UPDATE criteria SET evidence = 'pas du json' WHERE attempt = ?", (ids[2],))
        conn.execute("UPDATE attempts SET started = 'hier' WHERE id = ?", (ids[3],))
    listed = [r.id for r in store.attempts()]
    assert ids[1] in listed and ids[2] in listed
    assert store.skipped == 4 - len(listed) and store.skipped >= 1  # the bad ones are counted, not fatal
    assert store.scenario(ids[1]) is None  # unreadable scenario: None
    assert [c.criterion for c in store.criteria(ids[2])] == []  # its damaged criteria are skipped
    assert len(store.criteria(ids[1])) == 2
    store.best_scores()
    store.competence_history()
    rows = store.export_csv(tmp_path / "export.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + len(listed)

    # The journal and the attempt's files: a damaged line or file is skipped, the rest is read.
    attempt = Attempt.create("ui9", scenario.id, 9)
    attempt.journal.record("poste", "ip a", 0, "shell")
    with open(attempt.dir / "journal.jsonl", "a") as f:
        f.write('{"t": 1, "host": "poste", "cmd": \n\x00\xff garbage\n[1, 2]\n')
    attempt.journal.record("poste", "ping -c1 srv", 0, "shell")
    assert [e.cmd for e in attempt.journal.entries()] == ["ip a", "ping -c1 srv"]
    attempt.qualify("bas", "basse")
    attempt.save_result(make_result({"TAI.CP14.2": "acquis"}))
    with sqlite3.connect(attempt.store.path) as conn:  # its last check and its qualification, damaged
        conn.execute(
            """UPDATE attempts SET probes = '{tronqué', qualification = '{"impact": 3}' WHERE id = ?""", (attempt.id,)
        )
    assert attempt.result() is None and attempt.qualification() is None
    attempt.store.attempts()  # the listing skips it, not fatal
