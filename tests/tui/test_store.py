"""The SQLite store of attempts: typed API, one transaction per write, damaged rows skipped."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from tuihelpers import FIXTURE_SCENARIOS
from tuihelpers import make_result as result

from simulateur.scenario.loader import find_scenario
from simulateur.session.store import HINT_COST_MINUTES, Escalation, Store, reap_orphans


@pytest.fixture
def scenario():
    return find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario


def begin(store: Store, scenario, n: int, **kw) -> str:
    aid = f"2026-{n:02d}-panne-dhcp-ui{n}"
    store.begin(
        attempt_id=aid,
        scenario=scenario,
        seed=n,
        mode=kw.pop("mode", "entrainement"),
        lab=f"ui{n}",
        attempt_dir=f"/tmp/{aid}",
        started=kw.pop("started", 1000.0 * n),
        **kw,
    )
    return aid


def test_attempt_lifecycle(tmp_path: Path, scenario) -> None:
    store = Store(tmp_path / "s.db")
    aid = begin(store, scenario, 1, candidate="Alice")
    rec = store.attempt(aid)
    assert rec is not None and rec.status == "en_cours" and rec.candidate == "Alice"
    assert rec.competences == ("TAI.CP14", "TAI.CP10") and rec.title == scenario.title
    assert rec.owner_pid == os.getpid()

    store.save_fiche(aid, "symptome", "plus de réseau")
    store.save_fiche(aid, "symptome", "plus de réseau depuis ce matin")
    store.save_fiche(aid, "cause", "dnsmasq arrêté")
    assert store.fiche(aid) == {"symptome": "plus de réseau depuis ce matin", "cause": "dnsmasq arrêté"}
    with pytest.raises(ValueError):
        store.save_fiche(aid, "inconnu", "x")

    h = store.reveal_hint(aid, 0, "indice un")
    store.reveal_hint(aid, 0, "indice un")  # revealing it again costs nothing more
    store.reveal_hint(aid, 1, "indice deux")
    assert h.index == 0 and h.cost_minutes == HINT_COST_MINUTES
    assert [x.text for x in store.hints(aid)] == ["indice un", "indice deux"]

    store.save_qualification(aid, "moyen", "haute")
    store.save_escalation(aid, Escalation(to="niveau2", reason="droits", done="ping", t=5.0))
    rec = store.attempt(aid)
    assert rec.qualification.priority == 4
    assert rec.escalation == Escalation(to="niveau2", reason="droits", done="ping", t=5.0)

    rec = store.submit(
        aid, result({"TAI.CP14.2": "acquis", "TAI.CP14.3": "jury", "TAI.CP14.4": "non_acquis"}), submitted=1090.0
    )
    assert rec.status == "soumise" and rec.duration == 90.0 and rec.hints_used == 2
    assert rec.counted_duration == 90.0 + 2 * 60 * HINT_COST_MINUTES
    assert (rec.score.acquis, rec.score.evalues, rec.score.jury) == (1, 2, 1)
    crits = store.criteria(aid)
    assert [c.id for c in crits] == ["TAI.CP14.2", "TAI.CP14.3", "TAI.CP14.4"]
    assert crits[2].verdict == "non_acquis" and crits[2].evidence == ("✗ preuve de TAI.CP14.4",)
    assert store.scenario(aid).solution == scenario.solution


def test_listing_filters_best_and_history(tmp_path: Path, scenario) -> None:
    store = Store(tmp_path / "s.db")
    a1, a2, a3 = (begin(store, scenario, n) for n in (1, 2, 3))
    store.submit(
        a1, result({"TAI.CP14.2": "non_acquis", "TAI.CP14.4": "non_acquis", "TAI.CP10.4": "acquis"}), submitted=1100
    )
    store.submit(a2, result({"TAI.CP14.2": "acquis", "TAI.CP14.4": "acquis", "TAI.CP10.4": "acquis"}), submitted=2100)
    store.set_status(a3, "abandonnee")
    assert [r.id for r in store.attempts()] == [a1, a2, a3]
    assert [r.id for r in store.attempts(status="soumise")] == [a1, a2]
    assert [r.id for r in store.attempts(competence="TAI.CP10")] == [a1, a2, a3]
    assert store.attempts(competence="TAI.CP9") == [] and store.attempts(scenario="autre") == []
    best = store.best_scores()["panne-dhcp"]
    assert (best.acquis, best.evalues) == (3, 3)
    history = store.competence_history()
    assert [(p.acquis, p.evalues) for p in history["TAI.CP14"]] == [(0, 2), (2, 2)]
    assert [p.ratio for p in history["TAI.CP10"]] == [1.0, 1.0]


def test_a_damaged_row_does_not_stop_the_listing(tmp_path: Path, scenario) -> None:
    store = Store(tmp_path / "s.db")
    good = [begin(store, scenario, n) for n in (1, 2, 3)]
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE attempts SET competences = 'pas du json' WHERE id = ?", (good[0],))
        conn.execute('UPDATE attempts SET qualification = \'{"impact": "énorme"}\' WHERE id = ?', (good[1],))
        conn.execute("INSERT INTO criteria VALUES (?, 0, 'X', 'x', 'C', 'c', 'peut-être', '[]')", (good[2],))
    assert [r.id for r in store.attempts()] == [good[2]]
    assert store.skipped == 2
    assert store.attempt(good[0]) is None
    assert store.criteria(good[2]) == []  # the damaged criterion is skipped too


def test_an_unreadable_database_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    store = Store(path)
    assert store.recovered is not None and store.recovered.exists()
    assert store.attempts() == []


def test_wal_and_schema_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    Store(tmp_path / "s.db")  # reopening an existing base is fine


def test_csv_export(tmp_path: Path, scenario) -> None:
    store = Store(tmp_path / "s.db")
    aid = begin(store, scenario, 1, candidate="Bob")
    store.save_qualification(aid, "moyen", "haute")
    store.submit(aid, result({"TAI.CP14.2": "acquis", "TAI.CP14.3": "jury"}), submitted=1120)
    path = store.export_csv(tmp_path / "out" / "p.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig"), delimiter=";"))
    assert len(rows) == 1
    row = rows[0]
    assert row["tentative"] == aid and row["stagiaire"] == "Bob" and row["état"] == "soumise"
    assert row["durée (min)"] == "2,0" and row["priorité"] == "haute" and row["acquis"] == "1"
    assert row["critères"] == "TAI.CP14.2=acquis ; TAI.CP14.3=jury"


def test_orphans_are_attempts_whose_app_died(tmp_path: Path, scenario) -> None:
    store = Store(tmp_path / "s.db")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = begin(store, scenario, 1)
    gone = begin(store, scenario, 2, owner_pid=dead.pid)
    done = begin(store, scenario, 3, owner_pid=dead.pid)
    store.set_status(done, "soumise")
    assert [r.id for r in store.orphans()] == [gone]
    # Its lab (ui2) does not exist: nothing to stop, the attempt is marked interrupted.
    assert [r.id for r in reap_orphans(store)] == [gone]
    assert store.attempt(gone).status == "interrompue" and store.attempt(mine).status == "en_cours"


def test_concurrent_writers(tmp_path: Path, scenario) -> None:
    """Worker threads and a second process write the same base: every write lands."""
    store = Store(tmp_path / "s.db")
    aid = begin(store, scenario, 1)
    code = (
        f"from simulateur.session.store import Store\nfrom pathlib import Path\n"
        f"s = Store(Path({str(store.path)!r}))\n"
        f"for i in range(30): s.save_fiche({aid!r}, 'cause', f'autre {{i}}')\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    for i in range(30):
        store.save_fiche(aid, "symptome", f"texte {i}")
    assert proc.wait(timeout=60) == 0
    assert store.fiche(aid) == {"symptome": "texte 29", "cause": "autre 29"}


def test_escalation_json_is_plain(tmp_path: Path, scenario) -> None:
    store = Store(tmp_path / "s.db")
    aid = begin(store, scenario, 1)
    store.save_escalation(aid, Escalation(to="prestataire", reason="lien coupé", t=1.0))
    with sqlite3.connect(store.path) as conn:
        raw = conn.execute("SELECT escalation FROM attempts").fetchone()[0]
    assert json.loads(raw) == {"to": "prestataire", "reason": "lien coupé", "done": "", "t": 1.0}
