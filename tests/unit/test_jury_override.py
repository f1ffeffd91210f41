"""The jury's override of an automatic verdict (motive required, said in the report, counted
as the jury's), the signed grid (frozen), two members marking one criterion (the second is told,
nothing overwritten), and the group CSV's jury comments and per-competence summary."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from test_exam_core import _fake_intervention, _played, _record, catalogue  # noqa: F401 — fixtures pytest finds by name

from simulateur.errors import UsageError
from simulateur.exam import core, export
from simulateur.exam.db import ExamDB
from simulateur.exam.jury import is_override, merge, score
from simulateur.exam.models import CandidateRun, Item, JuryMark
from simulateur.report import render
from simulateur.report.model import exam_report
from simulateur.session.store import Store


@pytest.fixture
def db(tmp_path: Path) -> ExamDB:
    return ExamDB(Store(tmp_path / "simulateur.db"))


def _session(
    db: ExamDB,
    catalogue: Path,
    names: tuple[str, ...] = ("Léa Durand",),
    finished: bool = True,
) -> str:
    s = core.new_session(count=1, minutes=40, seed=1, competences=["TAI.CP14"], group="G1", db=db, base=catalogue)
    for name in names:
        db.create_run(
            CandidateRun(
                session=s.id,
                candidate=name,
                started=time.time() - 60,
                deadline=time.time() + 600,
                items=[Item(index=1)],
            )
        )
        # TAI.CP14.3: automatic part failed (and a jury part); TAI.CP14.4 purely automatic, acquis
        _fake_intervention(
            db,
            s.id,
            name,
            1,
            _played(catalogue, "dhcp-serveur-arrete"),
            {"TAI.CP14.3": "non_acquis", "TAI.CP14.4": "acquis"},
        )
        if finished:
            db.finish_run(s.id, name, time.time())
    return s.id


def test_override_rule() -> None:
    assert is_override("non_acquis", True, "acquis")  # failed automatic part, jury says acquis
    assert is_override("acquis", False, "non_acquis")  # purely automatic, jury says non acquis
    assert is_override("non_acquis", False, "acquis")
    assert not is_override("acquis", True, "non_acquis")  # the jury's own part, after a passed automatic one
    assert not is_override("acquis", False, "acquis")  # agreeing is no override
    assert not is_override("jury", True, "acquis")  # nothing automatic decided


def test_merge_counts_the_jury_override_and_says_both(catalogue: Path) -> None:
    sc = _played(catalogue, "dhcp-serveur-arrete")
    recs = [
        _record("TAI.CP14.3", "non_acquis", ("✗ diagnostic avant changement",)),
        _record("TAI.CP14.4", "acquis", ("✓ dhcp_actif",)),
    ]
    before = merge(recs, sc, {})
    assert score(before)[:2] == (1, 2)
    # A mark without its motive (stored before this rule) does not override.
    silent = merge(recs, sc, {"TAI.CP14.3": JuryMark(index=1, criterion="TAI.CP14.3", verdict="acquis")})
    assert silent[0].verdict == "non_acquis" and not silent[0].override
    marks = {
        "TAI.CP14.3": JuryMark(
            index=1, criterion="TAI.CP14.3", verdict="acquis", comment="a testé avec ip a", by="jury1"
        )
    }
    m = merge(recs, sc, marks)
    assert m[0].verdict == "acquis" and m[0].override and m[0].source == "derogation"
    assert "automatique : non acquis — jury : acquis, motif : a testé avec ip a (jury1)" in m[0].evidence
    assert score(m)[:2] == (2, 2)


def test_override_needs_a_motive_and_the_report_says_it(db: ExamDB, catalogue: Path) -> None:
    sid = _session(db, catalogue)
    with pytest.raises(UsageError, match="demande son motif"):
        core.jury_mark(db, sid, "Léa Durand", criterion="TAI.CP14.3", verdict="acquis", by="jury1")
    with pytest.raises(UsageError, match="demande son motif"):
        core.jury_mark(db, sid, "Léa Durand", criterion="TAI.CP14.4", verdict="non_acquis", comment="  ", by="jury1")
    assert db.jury(sid, "Léa Durand") == []  # nothing saved
    core.jury_mark(
        db, sid, "Léa Durand", criterion="TAI.CP14.3", verdict="acquis", comment="questions posées", by="jury1"
    )
    rep = exam_report(sid, "Léa Durand", db)
    assert rep.score.acquis == 2 and rep.score.overrides == 1
    html = render(rep, "html")
    assert "automatique : non acquis — jury : acquis, motif : questions posées (jury1)" in html
    assert "dont 1 par décision du jury contre l&#x27;automatique" in html
    assert "src-derogation" in html and "non signée" in html


def test_signed_grid_is_frozen(db: ExamDB, catalogue: Path) -> None:
    sid = _session(db, catalogue, ("Léa Durand", "Max"))
    db.finish_run(sid, "Max", time.time())
    core.jury_comment(db, sid, "Léa Durand", 1, "Calme")
    sig = core.sign(db, sid, "léa durand", "jury1")
    assert sig.by == "jury1"
    for attempt in (
        lambda: core.jury_mark(
            db, sid, "Léa Durand", criterion="TAI.CP14.3", verdict="acquis", comment="x", by="jury2"
        ),
        lambda: core.jury_comment(db, sid, "Léa Durand", 1, "autre"),
        lambda: core.sign(db, sid, "Léa Durand", "jury2"),
    ):
        with pytest.raises(UsageError, match="grille signée par jury1 le "):
            attempt()
    assert db.jury(sid, "Léa Durand") == [] and core.get_run(db, sid, "Léa Durand").items[0].comment == "Calme"
    rep = exam_report(sid, "Léa Durand", db)
    assert rep.signed_by == "jury1" and "signé par jury1 le " in render(rep, "html")
    # Another candidate's grid is not frozen by hers.
    core.jury_mark(db, sid, "Max", criterion="TAI.CP14.3", verdict="acquis", comment="x", by="jury2")


def test_sign_waits_for_the_end(db: ExamDB, catalogue: Path) -> None:
    sid = _session(db, catalogue, finished=False)
    with pytest.raises(UsageError, match="n'est pas terminé"):
        core.sign(db, sid, "Léa Durand", "jury1")
    assert db.signature(sid, "Léa Durand") is None


def test_two_members_on_one_criterion(db: ExamDB, catalogue: Path) -> None:
    sid = _session(db, catalogue)
    # Both saw no mark; jury1 saves first, jury2's is refused, naming jury1 and what it said.
    core.jury_mark(db, sid, "Léa Durand", criterion="TAI.CP14.3", verdict="acquis", comment="bien", by="jury1", seen="")
    with pytest.raises(UsageError, match=r"noté entre-temps par jury1 : acquis \(« bien »\)"):
        core.jury_mark(db, sid, "Léa Durand", criterion="TAI.CP14.3", verdict="non_acquis", by="jury2", seen="")
    # The command line without --seen: another member's mark is not replaced either.
    with pytest.raises(UsageError, match="noté entre-temps par jury1"):
        core.jury_mark(db, sid, "Léa Durand", criterion="TAI.CP14.3", verdict="non_acquis", by="jury2")
    [mark] = db.jury(sid, "Léa Durand")
    assert (mark.verdict, mark.by) == ("acquis", "jury1")
    # Having seen it (its version), jury2 may replace it; jury1 may change its own.
    core.jury_mark(db, sid, "Léa Durand", criterion="TAI.CP14.3", verdict="non_acquis", by="jury2", seen=mark.version)
    [mark2] = db.jury(sid, "Léa Durand")
    assert (mark2.verdict, mark2.by) == ("non_acquis", "jury2")
    with pytest.raises(UsageError, match="noté entre-temps par jury2"):  # an old version: refused
        core.jury_mark(
            db, sid, "Léa Durand", criterion="TAI.CP14.3", verdict="acquis", comment="x", by="jury1", seen=mark.version
        )
    core.jury_clear(db, sid, "Léa Durand", 1, "TAI.CP14.3")  # removed since she saw it
    with pytest.raises(UsageError, match="effacée entre-temps"):
        core.jury_mark(
            db, sid, "Léa Durand", criterion="TAI.CP14.3", verdict="acquis", comment="x", by="jury1", seen=mark2.version
        )
    assert db.jury(sid, "Léa Durand") == []


def test_group_csv_has_comments_and_a_summary_per_competence(
    db: ExamDB,
    catalogue: Path,
    tmp_path: Path,
) -> None:
    sid = _session(db, catalogue, ("Ana", "Ben"))
    core.jury_mark(
        db, sid, "Ana", criterion="TAI.CP14.3", verdict="acquis", comment="a questionné ; « bien »", by="jury1"
    )
    core.jury_comment(db, sid, "Ana", 1, "Méthodique")
    text = export.write_csv(tmp_path / "g.csv", export.rows(db, session=sid)).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    head = rows[0]
    ana = next(r for r in rows[1:] if r[2] == "Ana")
    assert (
        ana[head.index("commentaires du jury")]
        == "intervention 1 : Méthodique | TAI.CP14.3 (jury1) : a questionné ; « bien »"
    )
    start = rows.index([]) + 1
    assert rows[start][0] == "synthèse par compétence"
    summary = {(r[3], r[5]): r for r in rows[start + 1 :]}
    sh = rows[start]
    cp14 = summary[("Ana", "TAI.CP14")]
    assert cp14[sh.index("CCP")] == "TAI.CCP3"
    got = {
        k: cp14[sh.index(k)]
        for k in ("acquis", "non acquis", "à évaluer (jury)", "dont décisions du jury contre l'automatique")
    }
    assert got == {
        "acquis": "2",
        "non acquis": "0",
        "à évaluer (jury)": "0",
        "dont décisions du jury contre l'automatique": "1",
    }
    assert summary[("Ben", "TAI.CP14")][sh.index("non acquis")] == "1"
    everyone = summary[("(tous)", "TAI.CP14")]
    assert (everyone[sh.index("acquis")], everyone[sh.index("non acquis")]) == ("3", "1")


def test_a_signed_mark_is_not_cleared_either(db: ExamDB, catalogue: Path) -> None:
    sid = _session(db, catalogue)
    core.jury_mark(db, sid, "Léa Durand", criterion="TAI.CP14.3", verdict="acquis", comment="bien", by="jury1")
    core.sign(db, sid, "Léa Durand", "jury1")
    with pytest.raises(UsageError, match="grille signée par jury1"):
        core.jury_clear(db, sid, "Léa Durand", 1, "TAI.CP14.3")
    assert len(db.jury(sid, "Léa Durand")) == 1


def test_report_all_says_what_it_needs(
    db: ExamDB,
    catalogue: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import argparse
    import zipfile

    from simulateur.exam.cli import _report_all

    sid = _session(db, catalogue, ("Ana", "Élise Noël"))
    args = lambda **kw: argparse.Namespace(**{"id": sid, "candidate": None, "output": None, **kw})  # noqa: E731 — a one-line helper for the calls below
    with pytest.raises(UsageError, match="demande -o FICHIER.zip"):
        _report_all(args(), db)
    with pytest.raises(UsageError, match="retirez --candidate"):
        _report_all(args(candidate="Ana", output="x.zip"), db)
    with pytest.raises(UsageError, match="pas une tentative"):
        _report_all(args(id="20260101-000000-x", output="x.zip"), db)
    empty = core.new_session(count=1, minutes=40, seed=1, competences=["TAI.CP14"], db=db, base=catalogue)
    with pytest.raises(UsageError, match="aucun candidat"):
        _report_all(args(id=empty.id, output="x.zip"), db)
    monkeypatch.setenv("SIMULATEUR_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("PATH", "/nonexistent")
    out = tmp_path / "all.zip"
    assert _report_all(args(output=str(out)), db) == 0  # no chromium: the HTML, and why no PDF
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == [f"rapport-{sid}-ana.html", f"rapport-{sid}-elise-noel.html"]
        assert "Élise Noël" in zf.read(f"rapport-{sid}-elise-noel.html").decode()
