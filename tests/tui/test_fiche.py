"""4. Fiche d'intervention: every field a jury expects, saved as the trainee types."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea
from tuihelpers import needs_root, run_async, screen_text, start_attempt, wait_screen

from simulateur.session.store import FICHE_FIELDS, Store
from simulateur.tui.app import SimulateurApp

pytestmark = [pytest.mark.integration, needs_root]


def test_fiche_is_saved_as_you_type_and_survives_the_app(fixture_scenarios, labs) -> None:
    async def go() -> str:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            r = await start_attempt(pilot, labs)
            await pilot.press("f")
            await wait_screen(pilot, "FicheScreen")
            text = screen_text(app)
            assert "Symptôme constaté" in text and "Diagnostic (tests réalisés et résultats)" in text
            for name in FICHE_FIELDS:  # every field of the form is there
                assert app.screen.query_one(f"#f-{name}", TextArea)
            assert app.screen.query_one("#f-temps_passe", TextArea).text.endswith("s")  # prefilled
            await pilot.press(*"Plus de reseau")
            assert app.store.fiche(r.attempt_id)["symptome"] == "Plus de reseau"  # each keystroke saved
            assert "enregistrée à" in screen_text(app)
            await pilot.press("tab", *"ip a : pas d'IPv4")
            assert app.store.fiche(r.attempt_id)["diagnostic"] == "ip a : pas d'IPv4"
            await pilot.press("escape")
            await wait_screen(pilot, "InterventionScreen")
            await pilot.press("f")  # reopened: what was typed is there
            await wait_screen(pilot, "FicheScreen")
            assert app.screen.query_one("#f-symptome", TextArea).text == "Plus de reseau"
            attempt_id = r.attempt_id
        app.shutdown()  # the app ends without submitting
        return attempt_id

    attempt_id = run_async(go())
    fresh = Store()  # as a new app would read it
    assert fresh.fiche(attempt_id)["symptome"] == "Plus de reseau"
    assert fresh.attempt(attempt_id).status == "interrompue"
