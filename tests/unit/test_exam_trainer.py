"""The trainer's roster CSV (refused whole, naming the line), extra time (tiers-temps) in a run's
deadline, and extend / pause / resume of a candidate's time (her deadline, her report's note)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from simulateur.errors import UsageError
from simulateur.exam import core, roster_csv
from simulateur.exam.db import ExamDB
from simulateur.exam.models import CandidateRun, Item
from simulateur.session.store import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copytree(ROOT / "scenarios" / "topologies", folder / "topologies")
    shutil.copy(ROOT / "scenarios" / "dhcp-serveur-arrete.yaml", folder)
    return folder


@pytest.fixture
def db(tmp_path: Path) -> ExamDB:
    return ExamDB(Store(tmp_path / "simulateur.db"))


def test_a_good_roster_with_bom_blank_lines_and_columns_in_any_order() -> None:
    data = "\ufeffTiers-temps;Nom;Machine\n4/3;Alice Martin;salle-1\n;Bruno Petit;\n+15;Chloé  Roux;\n\n".encode()
    lines = roster_csv.parse(data, "liste.csv")
    assert [(x.number, x.name, x.machine, x.extra) for x in lines] == [
        (2, "Alice Martin", "salle-1", "4/3"),
        (3, "Bruno Petit", None, None),
        (4, "Chloé Roux", None, "+15"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("nom;login\nAlice;\nBruno;pas-un-compte-xyz\n", 3, "pas-un-compte-xyz"),
        ("nom\nAlice\n\nalice\n", 4, "déjà ligne 2"),
        ('nom;machine\n"Alice\nMartin";\nBruno;salle 1\n', 4, "sans espace"),
        ("nom;tiers_temps\nAlice;double\n", 2, "tiers-temps « double »"),
        ("nom;machine\nAlice;salle 1\n", 2, "sans espace"),
        ("nom\nAlice\n\x01\n", 3, "nom de candidat"),
        ("nom;login\nAlice;;;x\n", 2, "cellules"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_taken(text: str, line: int, why: str) -> None:
    with pytest.raises(UsageError, match=rf"^liste\.csv, ligne {line} : .*{why}.*rien n'a été importé"):
        roster_csv.parse(text.encode(), "liste.csv")


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"nom,login\nAlice,\n", "colonne « nom »"),
        (b"nom;age\nAlice;3\n", "colonne « age » inconnue"),
        (b"", "fichier vide"),
        (b"nom\n", "aucun candidat"),
        ("nom\nAlice\nBéa\n".encode("latin-1"), "ligne 3 : le fichier n'est pas en UTF-8"),
    ],
)
def test_a_bad_file_is_one_french_line(data: bytes, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        roster_csv.parse(data, "liste.csv")


def test_import_is_all_or_nothing_and_extra_time_makes_her_deadline(db: ExamDB, catalogue: Path) -> None:
    s = core.new_session(count=1, minutes=30, seed=1, roster=["Alice Martin"], db=db, base=catalogue)
    with pytest.raises(UsageError, match=r"ligne 3 : « alice martin » figure deux fois"):
        core.import_roster(db, s.id, roster_csv.parse(b"nom;tiers_temps\nBruno;+10\nalice martin;\n", "l.csv"), "l.csv")
    assert list(core.get_session(db, s.id).roster) == ["Alice Martin"]  # Bruno not taken either
    core.import_roster(db, s.id, roster_csv.parse(b"nom;tiers_temps\nBruno;+10\nChlo\xc3\xa9;oui\n", "l.csv"), "l.csv")
    s = core.get_session(db, s.id)
    assert (core.minutes_of(s, "alice martin"), core.minutes_of(s, "BRUNO"), core.minutes_of(s, "Chloé")) == (
        30,
        40,
        40,
    )
    s2 = core.new_session(
        count=1,
        minutes=45,
        seed=1,
        db=db,
        base=catalogue,
        csv_lines=roster_csv.parse(b"nom;tiers_temps\nDan;4/3\n", "x.csv"),
        csv_where="x.csv",
    )
    assert core.minutes_of(s2, "Dan") == 60 and s2.extra == {"Dan": "4/3"}


def test_extend_pause_resume_move_her_deadline_and_are_said(db: ExamDB, catalogue: Path) -> None:
    s = core.new_session(count=1, minutes=30, seed=1, db=db, base=catalogue)
    t0 = time.time()
    db.create_run(
        CandidateRun(
            session=s.id,
            candidate="Léa",
            started=t0,
            deadline=t0 + 600,
            items=[Item(index=1, status="en_cours", started=t0)],
        )
    )
    run = core.extend(db, s.id, "léa", 10, "form1")
    assert run.deadline == pytest.approx(t0 + 1200)
    assert "temps prolongé de 10 min par form1" in run.items[0].note
    run = core.pause(db, s.id, "Léa", "form1", now=t0 + 100)
    assert run.paused == t0 + 100 and run.remaining(t0 + 500) == pytest.approx(1100) and not run.due(t0 + 5000)
    assert not core.expire(db, s.id, "Léa", now=t0 + 5000)  # paused: no deadline comes
    with pytest.raises(UsageError, match="déjà en pause"):
        core.pause(db, s.id, "Léa", "form1")
    with pytest.raises(UsageError, match="en pause"):
        core.submit(db, s.id, "Léa")
    run = core.unpause(db, s.id, "Léa", "form1", now=t0 + 400)
    assert run.paused is None and run.deadline == pytest.approx(t0 + 1500)
    assert "repris par form1" in run.items[0].note and "5.0 min de pause" in run.items[0].note
    with pytest.raises(UsageError, match="n'est pas en pause"):
        core.unpause(db, s.id, "Léa", "form1")
    with pytest.raises(UsageError, match="1 à 1440"):
        core.extend(db, s.id, "Léa", 0, "form1")
