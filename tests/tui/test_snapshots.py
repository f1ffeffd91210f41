"""Snapshots of every screen at 80×24 and at 200×50, and the catalogue in the high-contrast theme,
with pytest-textual-snapshot: `snap_compare` runs the app, `run_before` leads it to the screen, the
SVG is compared with tests/tui/__snapshots__/test_snapshots/<test>[<screen>-<size>].svg.

Nothing on these screens moves from one run to the next, by construction rather than by masking:
a fixed catalogue (tests/tui/fixtures), fixed seeds, a frozen clock given to the app, stored
attempts and exam sessions at fixed times (TZ=UTC), a fixed lab id (see `fixed_lab`), and no
animation or blinking cursor (`steady_app`, `steady`: Textual's own switches). When a screen
changes on purpose:  .venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update  — then look at
the SVG files (any browser; a failed run also writes snapshot_report.html) before committing them.
"""

from __future__ import annotations

import fcntl
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tuihelpers import (
    FIXTURE_SCENARIOS,
    footer_settled,
    make_result,
    needs_root,
    recorded_attempt,
    start_attempt,
    wait_for,
    wait_screen,
)

from simulateur.scenario.loader import find_scenario
from simulateur.session.store import Escalation, Store
from simulateur.tui.app import SimulateurApp
from simulateur.tui.screens.briefing import BriefingScreen
from simulateur.tui.screens.progression import ProgressionScreen
from simulateur.tui.screens.resultats import ResultatsScreen

T0 = 1_767_261_600.0  # 2026-01-01 10:00 UTC
T1 = 2_082_801_600.0  # 2036-01-01 12:00 UTC (an exam still open)

#: The smallest terminal the app is made for, and a large one: every screen is captured at both.
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 50), id="200x50")]

Pilot = Any
Steps = Callable[[Pilot], Awaitable[None]]


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def snapshot(snap_compare: Any) -> Callable[..., None]:
    """snap_compare with the app made steady first, and `steps` awaited in its pilot before the
    capture; then, on the screen they reach, the footer awaited (`footer_settled`) and `steady`."""

    def compare(app: SimulateurApp, size: tuple[int, int], steps: Steps) -> None:
        async def run_before(pilot: Pilot) -> None:
            await steps(pilot)
            await wait_for(pilot, lambda: footer_settled(pilot.app), 30, "pied de page à jour")
            steady(pilot.app)

        assert snap_compare(steady_app(app), terminal_size=size, run_before=run_before)

    return compare


def steady_app(app: SimulateurApp) -> SimulateurApp:
    """No animation (a tab's underline slides for 0.3 s after a 0.02 s timer: under load the capture
    could fall in the middle of it, a cell of the tab bar then of another colour)."""
    app.animation_level = "none"
    return app


def steady(app: SimulateurApp) -> None:
    """The text cursors still (an Input's or TextArea's cursor blinks every 0.5 s: the capture could
    fall in either phase), and no notification toast (each goes away after its own timeout)."""
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    app.clear_notifications()


def stored_attempts() -> str:
    sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
    store = Store()
    last = ""
    for n, verdicts in enumerate(
        (
            {"TAI.CP14.2": "non_acquis", "TAI.CP14.3": "jury", "TAI.CP14.4": "non_acquis", "TAI.CP10.4": "acquis"},
            {"TAI.CP14.2": "acquis", "TAI.CP14.3": "jury", "TAI.CP14.4": "acquis", "TAI.CP10.4": "acquis"},
        ),
        1,
    ):
        last = f"2026010{n}-100000-panne-dhcp-ui{n}"
        start = T0 + (n - 1) * 86400
        store.begin(
            attempt_id=last, scenario=sc, seed=7, mode="entrainement", lab=f"ui{n}", attempt_dir=None, started=start
        )
        store.reveal_hint(last, 0, sc.hints[0])
        store.save_qualification(last, "moyen", "haute")
        store.save_fiche(last, "cause", "Le service DHCP (dnsmasq) était arrêté sur srv.")
        if n == 1:
            store.save_escalation(last, Escalation(to="niveau2", reason="droits", t=start + 60))
        result = make_result(verdicts)
        store.submit(last, result, submitted=start + 754)
    return last


def on_screen(screen: Callable[[], Any] | None, name: str) -> Steps:
    """Steps: the catalogue, then `screen()` pushed and shown."""

    async def steps(pilot: Pilot) -> None:
        await wait_screen(pilot, "CatalogueScreen")
        if screen is not None:
            pilot.app.push_screen(screen())
            await wait_screen(pilot, name)

    return steps


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_catalogue(fixture_scenarios, snapshot, size) -> None:
    snapshot(SimulateurApp(reap=False), size, on_screen(None, "CatalogueScreen"))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_briefing(fixture_scenarios, snapshot, size) -> None:
    snapshot(SimulateurApp(reap=False), size, on_screen(lambda: BriefingScreen("panne-dhcp", seed=7), "BriefingScreen"))


LAB_PREFIX = "vue"


@pytest.fixture
def fixed_lab(monkeypatch: pytest.MonkeyPatch, labs: list[str]) -> Iterator[str]:
    """The intervention's lab id is on screen (header, host panel): always « vue1 ». Ids are the
    lowest free number after the prefix; this prefix is used by this test only, and the test holds a
    lock of the machine's (flock) while its lab lives: two test sessions running it at once take
    turns, and a « vue » lab found under the lock is one a killed run left behind (stopped here)."""
    from simulateur.errors import SimError
    from simulateur.lab.state import list_lab_ids
    from simulateur.session import run

    with open(Path(tempfile.gettempdir()) / "simulateur-tests-vue.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for lab in list_lab_ids():
            if lab.startswith(LAB_PREFIX) and lab[len(LAB_PREFIX) :].isdigit():
                try:
                    run.stop(lab)
                except SimError:
                    pass
        monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", LAB_PREFIX)
        yield LAB_PREFIX + "1"
        for lab in labs:  # stopped under the lock (the `labs` fixture's stop then finds nothing)
            try:
                run.stop(lab)
            except SimError:
                pass


#: The intervention's tabs and its fiche: the keys pressed on the intervention screen to reach each.
INTERVENTION = {"intervention": (), "qualification": ("q",), "escalade": ("e",), "fiche": ("f",)}


@pytest.mark.integration
@needs_root
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", list(INTERVENTION))
def test_snapshot_intervention(fixture_scenarios, fixed_lab, labs, snapshot, screen, size) -> None:
    """A real lab built through the briefing; the app's clock is frozen 2 min 05 s after the attempt
    began, so its timer shows 02:05 from its first tick."""
    app = SimulateurApp(reap=False, clock=lambda: app.running.started + 125 if app.running is not None else T0)

    async def steps(pilot: Pilot) -> None:
        r = await start_attempt(pilot, labs)
        assert r.lab_id == fixed_lab, f"laboratoire {r.lab_id} au lieu de {fixed_lab}"
        await pilot.press(*INTERVENTION[screen])
        if screen == "fiche":
            await wait_screen(pilot, "FicheScreen")

    try:
        snapshot(app, size, steps)
    finally:
        app.shutdown()


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_resultats(fixture_scenarios, snapshot, size) -> None:
    last = stored_attempts()
    snapshot(SimulateurApp(reap=False), size, on_screen(lambda: ResultatsScreen(last), "ResultatsScreen"))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_progression(fixture_scenarios, snapshot, size) -> None:
    stored_attempts()
    snapshot(SimulateurApp(reap=False), size, on_screen(ProgressionScreen, "ProgressionScreen"))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", ["chronologie", "lecteur"])
def test_snapshot_timeline_and_player(fixture_scenarios, snapshot, screen, size) -> None:
    """An attempt's timeline (the screen the jury opens with c) and the player paused on a command."""
    from simulateur.tui.screens.timeline import TimelineScreen

    directory = recorded_attempt("20260101-100000-panne-dhcp-ui9", T0)

    async def steps(pilot: Pilot) -> None:
        await on_screen(
            lambda: TimelineScreen("Intervention 1 — Plus de réseau — Inès Roux", directory, T0), "TimelineScreen"
        )(pilot)
        pilot.app.screen.query_one("#timeline").move_cursor(row=3)
        if screen == "lecteur":
            await pilot.pause()
            await pilot.press("enter")
            await wait_screen(pilot, "PlayerScreen")

    snapshot(SimulateurApp(reap=False), size, steps)


def exam_done_session() -> tuple[str, str]:
    """A session created at T1 whose candidate handed in « panne-dhcp », at fixed times, in the
    future: a deadline already past would end her exam at once."""
    from simulateur.exam import core
    from simulateur.exam.db import ExamDB
    from simulateur.exam.models import CandidateRun, Item

    db = ExamDB(Store())
    s = core.new_session(count=1, minutes=40, seed=1, competences=["TAI.CP14"], group="TAI B", db=db, now=T1)
    db.create_run(
        CandidateRun(session=s.id, candidate="Inès Roux", started=T1, deadline=T1 + 2400, items=[Item(index=1)])
    )
    sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
    aid = "20260101-100000-panne-dhcp-ui9"
    db.store.begin(
        attempt_id=aid,
        scenario=sc,
        seed=7,
        mode="examen",
        lab="ui9",
        attempt_dir=None,
        candidate="Inès Roux",
        started=T1 + 10,
    )
    db.store.submit(aid, make_result({"TAI.CP14.4": "acquis", "TAI.CP14.3": "jury"}), submitted=T1 + 600)
    run = core.get_run(db, s.id, "Inès Roux")
    item = run.items[0]
    item.status, item.attempt, item.lab, item.started, item.ended = "remise", aid, "ui9", T1 + 10, T1 + 600
    db.update_item(s.id, "Inès Roux", item)
    return s.id, aid


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", ["examen", "jury", "examen-fin"])
def test_snapshot_exam_screens(fixture_scenarios, snapshot, screen, size) -> None:
    """The exam's screens: the sessions (trainer's hub), the jury's grid, the candidate's end screen."""
    from textual.widgets import Select

    from simulateur.exam import core
    from simulateur.exam.db import ExamDB
    from simulateur.tui.screens.exam_intervention import continue_exam
    from simulateur.tui.screens.examen import ExamenScreen

    sid, _ = exam_done_session()
    core.end_run(ExamDB(Store()), sid, "Inès Roux")  # her exam over: no countdown moving in the captures
    app = SimulateurApp(reap=False)

    async def steps(pilot: Pilot) -> None:
        await on_screen(ExamenScreen, "ExamenScreen")(pilot)
        app.screen.query_one("#jury-candidate", Select).value = "Inès Roux"  # kept by the table's refreshes
        if screen == "jury":
            await pilot.pause()
            app.screen.query_one("#jury").focus()
            await pilot.press("enter")
            await wait_screen(pilot, "JuryScreen")
        elif screen == "examen-fin":
            db = ExamDB(app.store)
            continue_exam(app, db, core.Step(None, None, None, False, core.get_run(db, sid, "Inès Roux")))
            await wait_screen(pilot, "ExamDoneScreen")

    snapshot(app, size, steps)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", ["stagiaire", "catalogue-contraste"])
def test_snapshot_profile_and_high_contrast(fixture_scenarios, snapshot, screen, size) -> None:
    """The trainee picker, and the catalogue in the high-contrast theme (SVG: its colours)."""
    from simulateur.tui.app import HIGH_CONTRAST

    stored_attempts()
    app = SimulateurApp(reap=False)

    async def steps(pilot: Pilot) -> None:
        await wait_screen(pilot, "CatalogueScreen")
        if screen == "stagiaire":
            await pilot.press("s")
            await wait_screen(pilot, "ProfileScreen")
        else:
            app.theme = HIGH_CONTRAST.name

    snapshot(app, size, steps)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_verification(fixture_scenarios, snapshot, size) -> None:
    """« Vérifier » (training): which requirements hold, never how to fix them."""
    from simulateur.tui.screens.verification import VerificationScreen

    result = make_result(
        {"TAI.CP14.2": "acquis", "TAI.CP14.3": "jury", "TAI.CP14.4": "non_acquis", "TAI.CP10.4": "non_acquis"}
    )
    snapshot(SimulateurApp(reap=False), size, on_screen(lambda: VerificationScreen(result, 2), "VerificationScreen"))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_questionnaire(fixture_scenarios, snapshot, size) -> None:
    """The questionnaire professionnel, its time over (the correction: a screen with no clock running)."""
    from simulateur.quiz import paper
    from simulateur.quiz.db import QuizDB

    run = paper.start(QuizDB(Store()), seed=11, minutes=45, now=T0)
    app = SimulateurApp(reap=False)

    async def steps(pilot: Pilot) -> None:
        await wait_screen(pilot, "CatalogueScreen")
        app.go_quiz(run.id)
        await wait_screen(pilot, "QuizScreen")

    snapshot(app, size, steps)
