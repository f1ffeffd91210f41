"""Snapshots of every screen at 80×24 and at 200×50 (text and SVG under tests/tui/snapshots/;
the 200×50 ones end in -200x50), and the catalogue in the high-contrast theme.

A fixed catalogue (tests/tui/fixtures) and a frozen clock keep them stable. When a screen changes
on purpose:  SIMULATEUR_SNAPSHOT_UPDATE=1 .venv/bin/pytest tests/tui/test_snapshots.py  — then look
at the SVG files (any browser) before committing them.
"""

from __future__ import annotations

import time

import pytest

from simulateur.scenario.loader import find_scenario
from simulateur.session.store import Escalation, Store
from simulateur.tui.app import SimulateurApp
from simulateur.tui.screens.briefing import BriefingScreen
from simulateur.tui.screens.progression import ProgressionScreen
from simulateur.tui.screens.resultats import ResultatsScreen

from tuihelpers import (
    FIXTURE_SCENARIOS, assert_snapshot, make_result, needs_root, recorded_attempt, run_async, screen_text,
    start_attempt, wait_for, wait_screen,
)

T0 = 1_767_261_600.0     # 2026-01-01 10:00 UTC
T1 = 2_082_801_600.0     # 2036-01-01 10:00 UTC (an exam still open)

#: The smallest terminal the app is made for, and a large one: every screen is captured at both.
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 50), id="200x50")]


def named(name: str, size: tuple[int, int]) -> str:
    return name if size == (80, 24) else f"{name}-{size[0]}x{size[1]}"


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def stored_attempts() -> str:
    sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
    store = Store()
    last = ""
    for n, verdicts in enumerate(({"TAI.CP14.2": "non_acquis", "TAI.CP14.3": "jury", "TAI.CP14.4": "non_acquis",
                                   "TAI.CP10.4": "acquis"},
                                  {"TAI.CP14.2": "acquis", "TAI.CP14.3": "jury", "TAI.CP14.4": "acquis",
                                   "TAI.CP10.4": "acquis"}), 1):
        last = f"2026010{n}-100000-panne-dhcp-ui{n}"
        start = T0 + (n - 1) * 86400
        store.begin(attempt_id=last, scenario=sc, seed=7, mode="entrainement", lab=f"ui{n}", attempt_dir=None,
                    started=start)
        store.reveal_hint(last, 0, sc.hints[0])
        store.save_qualification(last, "moyen", "haute")
        store.save_fiche(last, "cause", "Le service DHCP (dnsmasq) était arrêté sur srv.")
        if n == 1:
            store.save_escalation(last, Escalation(to="niveau2", reason="droits", t=start + 60))
        result = make_result(verdicts)
        store.submit(last, result, submitted=start + 754)
    return last


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_catalogue(fixture_scenarios, size) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=size) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, named("catalogue", size))

    run_async(go())


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_briefing(fixture_scenarios, size) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=size) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(BriefingScreen("panne-dhcp", seed=7))
            await wait_screen(pilot, "BriefingScreen")
            # The name field has the focus: its cursor blinks (as the fiche's, below) — a steady one.
            for widget in app.screen.query("Input"):
                widget.cursor_blink = False  # type: ignore[attr-defined]
            await pilot.pause(0.3)
            assert_snapshot(app, named("briefing", size))

    run_async(go())


@pytest.mark.integration
@needs_root
@pytest.mark.parametrize("size", SIZES)
def test_snapshot_intervention_and_fiche(fixture_scenarios, labs, size) -> None:
    clock = {"now": time.time()}

    async def go() -> None:
        app = SimulateurApp(clock=lambda: clock["now"])
        async with app.run_test(size=size) as pilot:
            r = await start_attempt(pilot, labs)
            clock["now"] = r.started + 125
            # the timer ticks every second: under load a fixed pause missed the tick (00:00 captured)
            await wait_for(pilot, lambda: "02:05" in screen_text(app), 30, "minuteur à 02:05")
            same = {r.lab_id: "ui1"} if len(r.lab_id) == 3 else None
            assert same is not None, f"laboratoire {r.lab_id} : un autre laboratoire ui* tourne déjà"
            assert_snapshot(app, named("intervention", size), same)
            await pilot.press("q")
            await pilot.pause(0.3)
            assert_snapshot(app, named("intervention-qualification", size), same)
            await pilot.press("e")
            await pilot.pause(0.3)
            for widget in app.screen.query("Input, TextArea"):
                widget.cursor_blink = False  # type: ignore[attr-defined]
            assert_snapshot(app, named("intervention-escalade", size), same)
            await pilot.press("f")
            await wait_screen(pilot, "FicheScreen")
            # The text cursor blinks (every 0.5 s): under load the capture fell in either phase and the
            # cursor cell changed colour. A steady cursor (public `cursor_blink`) is always drawn.
            for widget in app.screen.query("Input, TextArea"):
                widget.cursor_blink = False  # type: ignore[attr-defined]
            await pilot.pause(0.3)
            assert_snapshot(app, named("fiche", size), same)
        app.shutdown()

    run_async(go())


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_resultats(fixture_scenarios, size) -> None:
    last = stored_attempts()

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=size) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ResultatsScreen(last))
            await wait_screen(pilot, "ResultatsScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, named("resultats", size))

    run_async(go())


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_progression(fixture_scenarios, size) -> None:
    stored_attempts()

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=size) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ProgressionScreen())
            await wait_screen(pilot, "ProgressionScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, named("progression", size))

    run_async(go())


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_timeline_and_player(fixture_scenarios, size) -> None:
    """An attempt's timeline (the screen the jury opens with c) and the player paused on a command."""
    from simulateur.tui.screens.timeline import TimelineScreen

    directory = recorded_attempt("20260101-100000-panne-dhcp-ui9", T0)

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=size) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(TimelineScreen("Intervention 1 — Plus de réseau — Inès Roux", directory, T0))
            await wait_screen(pilot, "TimelineScreen")
            app.screen.query_one("#timeline").move_cursor(row=3)
            await pilot.pause(0.3)
            assert_snapshot(app, named("chronologie", size))
            await pilot.press("enter")
            await wait_screen(pilot, "PlayerScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, named("lecteur", size))

    run_async(go())


def exam_done_session() -> tuple[str, str]:
    """A session whose candidate handed in « panne-dhcp », at fixed times (stable captures), in the
    future: a deadline already past would end her exam at once."""
    from simulateur.exam import core
    from simulateur.exam.db import ExamDB
    from simulateur.exam.models import CandidateRun, Item

    db = ExamDB(Store())
    s = core.new_session(count=1, minutes=40, seed=1, competences=["TAI.CP14"], group="TAI B", db=db)
    db.create_run(CandidateRun(session=s.id, candidate="Inès Roux", started=T1, deadline=T1 + 2400,
                               items=[Item(index=1)]))
    sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
    aid = "20260101-100000-panne-dhcp-ui9"
    db.store.begin(attempt_id=aid, scenario=sc, seed=7, mode="examen", lab="ui9", attempt_dir=None,
                   candidate="Inès Roux", started=T1 + 10)
    db.store.submit(aid, make_result({"TAI.CP14.4": "acquis", "TAI.CP14.3": "jury"}), submitted=T1 + 600)
    run = core.get_run(db, s.id, "Inès Roux")
    item = run.items[0]
    item.status, item.attempt, item.lab, item.started, item.ended = "remise", aid, "ui9", T1 + 10, T1 + 600
    db.update_item(s.id, "Inès Roux", item)
    return s.id, aid


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_exam_screens(fixture_scenarios, size) -> None:
    """The exam's screens: the sessions (trainer's hub), the jury's grid, the candidate's end screen."""
    from textual.widgets import Select

    from simulateur.exam import core
    from simulateur.exam.db import ExamDB
    from simulateur.tui.screens.exam_intervention import continue_exam
    from simulateur.tui.screens.examen import ExamenScreen

    sid, _ = exam_done_session()
    from simulateur.tui import format as F

    created = ExamDB(Store()).session(sid).created   # the session's creation time: now
    shown = F.when(created)
    same = {sid: "S" * len(sid), shown: "01/01 10:00",
            shown.replace(" ", "&#160;"): "01/01&#160;10:00"}   # the SVG writes its spaces so
    core.end_run(ExamDB(Store()), sid, "Inès Roux")   # her exam over: no countdown moving in the captures

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=size) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ExamenScreen())
            await wait_screen(pilot, "ExamenScreen")
            app.screen.query_one("#jury-candidate", Select).value = "Inès Roux"
            await pilot.pause(0.3)
            assert_snapshot(app, named("examen", size), same)
            app.screen.query_one("#jury").focus()
            await pilot.press("enter")
            await wait_screen(pilot, "JuryScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, named("jury", size), same)
            await pilot.press("escape")
            await wait_screen(pilot, "ExamenScreen")
            db = ExamDB(app.store)
            continue_exam(app, db, core.Step(None, None, None, False, core.get_run(db, sid, "Inès Roux")))
            await wait_screen(pilot, "ExamDoneScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, named("examen-fin", size), same)

    run_async(go())


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_profile_and_high_contrast(fixture_scenarios, size) -> None:
    """The trainee picker, and the catalogue in the high-contrast theme (SVG: its colours)."""
    from simulateur.tui.app import HIGH_CONTRAST

    stored_attempts()

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=size) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.press("s")
            await wait_screen(pilot, "ProfileScreen")
            await pilot.pause(0.3)
            for widget in app.screen.query("Input"):
                widget.cursor_blink = False  # type: ignore[attr-defined]
            assert_snapshot(app, named("stagiaire", size))
            await pilot.press("escape")
            await wait_screen(pilot, "CatalogueScreen")
            app.theme = HIGH_CONTRAST.name
            await pilot.pause(0.3)
            assert_snapshot(app, named("catalogue-contraste", size))

    run_async(go())


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_verification(fixture_scenarios, size) -> None:
    """« Vérifier » (training): which requirements hold, never how to fix them."""
    from simulateur.tui.screens.verification import VerificationScreen

    from tuihelpers import make_result

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=size) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(VerificationScreen(make_result({"TAI.CP14.2": "acquis", "TAI.CP14.3": "jury",
                                                            "TAI.CP14.4": "non_acquis", "TAI.CP10.4": "non_acquis"}), 2))
            await wait_screen(pilot, "VerificationScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, named("verification", size))

    run_async(go())


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_questionnaire(fixture_scenarios, size) -> None:
    """The questionnaire professionnel, its time over (the correction: a screen with no clock running)."""
    from simulateur.quiz import paper
    from simulateur.quiz.db import QuizDB

    run = paper.start(QuizDB(Store()), seed=11, minutes=45, now=T0)

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=size) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.go_quiz(run.id)
            await wait_screen(pilot, "QuizScreen")
            await pilot.pause(0.3)
            for widget in app.screen.query("Input"):
                widget.cursor_blink = False  # type: ignore[attr-defined]
            assert_snapshot(app, named("questionnaire", size))

    run_async(go())
