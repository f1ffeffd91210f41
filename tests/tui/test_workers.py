"""The one build worker (App.build): its result or its failure reaches the screen that started it
through Worker.StateChanged; Ctrl+Q during a build waits for it, releases what was built, then exits."""

from __future__ import annotations

import threading

from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker
from tuihelpers import notified, run_async, wait_for, wait_screen

from simulateur.errors import SimError
from simulateur.tui.app import SimulateurApp
from simulateur.tui.workers import Outcome


class BuildingScreen(Screen[None]):
    """A screen that builds something and keeps each outcome the app hands it."""

    def __init__(self) -> None:
        super().__init__()
        self.outcomes: list[Outcome] = []

    def compose(self):
        yield Static("en construction", id="state")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        outcome = self.app.built(event)
        if outcome is not None:
            self.outcomes.append(outcome)


def test_a_build_returns_its_result_or_its_failure_in_french(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            screen = BuildingScreen()
            app.push_screen(screen)
            await wait_screen(pilot, "BuildingScreen")
            app.build(screen, lambda: "le laboratoire", lambda built: None)
            assert app.building
            await wait_for(pilot, lambda: len(screen.outcomes) == 1, 10, "le résultat")
            assert screen.outcomes[0] == Outcome(result="le laboratoire") and not app.building

            def fails() -> str:
                raise SimError("l'hôte srv n'a pas démarré")

            app.build(screen, fails, lambda built: None)
            await wait_for(pilot, lambda: len(screen.outcomes) == 2, 10, "l'échec")
            assert screen.outcomes[1] == Outcome(problem="l'hôte srv n'a pas démarré") and not app.building

            def bug() -> str:
                raise KeyError("x")

            app.build(screen, bug, lambda built: None)
            await wait_for(pilot, lambda: len(screen.outcomes) == 3, 10, "le bogue dit")
            assert screen.outcomes[2].problem == "KeyError: 'x'"
            assert app.is_running  # a failed build never ends the app

    run_async(go())


def test_quitting_during_a_build_releases_what_was_built_then_exits(fixture_scenarios) -> None:
    go_on = threading.Event()
    released: list[str] = []

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            screen = BuildingScreen()
            app.push_screen(screen)
            await wait_screen(pilot, "BuildingScreen")
            app.build(screen, lambda: go_on.wait(10) and "le laboratoire", released.append)
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: app.quitting, 10, "Ctrl+Q pris en compte")
            await pilot.pause(0.3)
            assert app.is_running and released == []  # the build is waited for, said so
            assert any("arrêté dès qu'il est prêt" in m for m in notified(app))
            go_on.set()
            await wait_for(pilot, lambda: not app.is_running, 10, "l'application fermée")
        assert released == ["le laboratoire"] and screen.outcomes == [] and app.return_code == 0

    run_async(go())
