"""1. Catalogue: table, filters, search as you type, details, best result, opening a briefing."""

from __future__ import annotations

import time

from textual.widgets import DataTable, Select
from tuihelpers import FIXTURE_SCENARIOS, run_async, screen_text, wait_screen
from tuihelpers import make_result as result

from simulateur.scenario.loader import find_scenario
from simulateur.session.store import Store
from simulateur.tui.app import SimulateurApp


def rows(app) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(k.value) for k in table.rows]


def test_table_filters_and_search(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            assert sorted(rows(app)) == ["imprimante", "panne-dhcp"]
            text = screen_text(app)
            for header in ("Scénario", "CCP", "Niv.", "Durée", "Meilleur"):  # Réf., Compétences: wider only
                assert header in text
            assert "CCP3" in text and "20 min" in text

            # Search as you type: accents and case do not matter.
            await pilot.press("slash", *"RESEAU")
            assert rows(app) == ["panne-dhcp"]
            await pilot.press("escape")  # back to the table, filters cleared
            assert len(rows(app)) == 2

            screen = app.screen
            screen.query_one("#level", Select).value = 2
            await pilot.pause()
            assert rows(app) == ["imprimante"]
            screen.query_one("#level", Select).clear()
            screen.query_one("#competence", Select).value = "TAI.CP10"
            await pilot.pause()
            assert rows(app) == ["panne-dhcp"]
            screen.query_one("#competence", Select).clear()
            screen.query_one("#ccp", Select).value = "TAI.CCP1"
            await pilot.pause()
            assert rows(app) == ["imprimante"]
            screen.query_one("#ccp", Select).clear()
            await pilot.pause()
            assert len(rows(app)) == 2

    run_async(go())


def test_details_pane_and_enter_opens_the_briefing(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(100, 50)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            table = app.screen.query_one(DataTable)
            table.move_cursor(row=table.get_row_index("panne-dhcp"))
            await pilot.pause()
            details = screen_text(app)
            assert "TAI.CP14" in details and "Diagnostiquer et résoudre" in details
            assert "TAI.CP14.4" in details and "Une solution est trouvée" in details
            await pilot.press("enter")
            await wait_screen(pilot, "BriefingScreen")
            assert app.screen.scenario_id == "panne-dhcp"
            await pilot.press("escape")
            await wait_screen(pilot, "CatalogueScreen")

    run_async(go())


def test_best_previous_result_is_shown(fixture_scenarios) -> None:
    sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
    store = Store()
    for n, verdicts in enumerate(
        ({"TAI.CP14.2": "non_acquis", "TAI.CP14.4": "acquis"}, {"TAI.CP14.2": "acquis", "TAI.CP14.4": "acquis"}), 1
    ):
        store.begin(
            attempt_id=f"a{n}",
            scenario=sc,
            seed=n,
            mode="entrainement",
            lab=None,
            attempt_dir=None,
            started=time.time() - 100,
        )
        store.submit(f"a{n}", result(verdicts))

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            table = app.screen.query_one(DataTable)
            assert str(table.get_cell("panne-dhcp", "best")) == "2/2"
            assert str(table.get_cell("imprimante", "best")) == "—"

    run_async(go())


def test_the_shipped_catalogue_loads() -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            assert "dhcp-serveur-arrete" in rows(app)

    run_async(go())
