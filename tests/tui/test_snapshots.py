"""Snapshots of the main screens at 80×24 (text and SVG under tests/tui/snapshots/).

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


def test_snapshot_catalogue(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, "catalogue")

    run_async(go())


def test_snapshot_briefing(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(BriefingScreen("panne-dhcp", seed=7))
            await wait_screen(pilot, "BriefingScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, "briefing")

    run_async(go())


@pytest.mark.integration
@needs_root
def test_snapshot_intervention_and_fiche(fixture_scenarios, labs) -> None:
    clock = {"now": time.time()}

    async def go() -> None:
        app = SimulateurApp(clock=lambda: clock["now"])
        async with app.run_test(size=(80, 24)) as pilot:
            r = await start_attempt(pilot, labs)
            clock["now"] = r.started + 125
            # the timer ticks every second: under load a fixed pause missed the tick (00:00 captured)
            await wait_for(pilot, lambda: "02:05" in screen_text(app), 30, "minuteur à 02:05")
            same = {r.lab_id: "ui1"} if len(r.lab_id) == 3 else None
            assert same is not None, f"laboratoire {r.lab_id} : un autre laboratoire ui* tourne déjà"
            assert_snapshot(app, "intervention", same)
            await pilot.press("q")
            await pilot.pause(0.3)
            assert_snapshot(app, "intervention-qualification", same)
            await pilot.press("f")
            await wait_screen(pilot, "FicheScreen")
            # The text cursor blinks (every 0.5 s): under load the capture fell in either phase and the
            # cursor cell changed colour. A steady cursor (public `cursor_blink`) is always drawn.
            for widget in app.screen.query("Input, TextArea"):
                widget.cursor_blink = False  # type: ignore[attr-defined]
            await pilot.pause(0.3)
            assert_snapshot(app, "fiche", same)
        app.shutdown()

    run_async(go())


def test_snapshot_resultats(fixture_scenarios) -> None:
    last = stored_attempts()

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ResultatsScreen(last))
            await wait_screen(pilot, "ResultatsScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, "resultats")

    run_async(go())


def test_snapshot_progression(fixture_scenarios) -> None:
    stored_attempts()

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ProgressionScreen())
            await wait_screen(pilot, "ProgressionScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, "progression")

    run_async(go())


def test_snapshot_timeline_and_player(fixture_scenarios) -> None:
    """An attempt's timeline (the screen the jury opens with c) and the player paused on a command."""
    from simulateur.tui.screens.timeline import TimelineScreen

    directory = recorded_attempt("20260101-100000-panne-dhcp-ui9", T0)

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(TimelineScreen("Intervention 1 — Plus de réseau — Inès Roux", directory, T0))
            await wait_screen(pilot, "TimelineScreen")
            app.screen.query_one("#timeline").move_cursor(row=3)
            await pilot.pause(0.3)
            assert_snapshot(app, "chronologie")
            await pilot.press("enter")
            await wait_screen(pilot, "PlayerScreen")
            await pilot.pause(0.3)
            assert_snapshot(app, "lecteur")

    run_async(go())
