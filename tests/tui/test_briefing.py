"""2. Briefing: the ticket as written, its documentation, the mode; the build never freezes the screen."""

from __future__ import annotations

import threading

from textual.widgets import Button, ProgressBar
from tuihelpers import run_async, screen_text, wait_for, wait_screen

from simulateur.errors import SimError
from simulateur.session import run
from simulateur.tui.app import SimulateurApp
from simulateur.tui.screens.briefing import BriefingScreen


def test_ticket_documentation_and_mode(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(100, 40)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(BriefingScreen("panne-dhcp", seed=7))
            await wait_screen(pilot, "BriefingScreen")
            text = screen_text(app)
            assert "De : Mme Martin, comptable" in text and "Où : service comptabilité" in text
            assert "« Depuis ce matin mon ordinateur n'a plus de réseau." in text
            assert "Réseau local 192.168." in text and "{" not in text  # parameters drawn by the seed
            assert "Graine du tirage : 7" in text and "Entraînement" in text and "Chronométré 20 min" in text
            assert app.screen.mode() == "entrainement"
            app.screen.query_one("#chronometre").value = True
            await pilot.pause()
            assert app.screen.mode() == "chronometre"

    run_async(go())


def test_build_shows_progress_and_a_failure_leaves_the_screen_usable(fixture_scenarios, monkeypatch) -> None:
    release = threading.Event()

    def fake_start(scenario_id, seed=None, *, candidate=None, progress=None, **kw):
        assert scenario_id == "panne-dhcp" and seed == 7 and candidate == "Alice"
        progress("Construction des hôtes…")
        progress("Démarrage des services…")
        release.wait(10)
        raise SimError("l'hôte srv n'a pas démarré : test")

    monkeypatch.setattr(run, "start", fake_start)

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(BriefingScreen("panne-dhcp", seed=7))
            await wait_screen(pilot, "BriefingScreen")
            await pilot.click("#candidate")
            await pilot.press(*"Alice")
            await pilot.click("#start")
            bar = app.screen.query_one(ProgressBar)
            await wait_for(pilot, lambda: bar.progress == 2, 10, "deux étapes affichées")
            # The build runs in a thread: the app keeps answering (help opens and closes).
            assert "Démarrage des services…" in screen_text(app)
            assert app.building and not app.screen.query_one("#form").display
            await pilot.press("escape")  # cannot leave during the build
            assert type(app.screen).__name__ == "BriefingScreen"
            release.set()
            await wait_for(pilot, lambda: "Échec" in screen_text(app), 10, "message d'échec")
            assert "Échec : l'hôte srv" in screen_text(app)
            assert not app.building and app.screen.query_one("#form").display
            assert app.screen.focused is app.screen.query_one("#start", Button)
            assert app.running is None

    run_async(go())
