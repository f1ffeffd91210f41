"""The app's screens without a lab (issue 20): the catalogue at 80×24, search ranking, the IDI filter,
data never read as markup, the palette's screenshot."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Select
from tuihelpers import notified, run_async, screen_text, wait_for, wait_screen

from simulateur.tui.app import SimulateurApp
from simulateur.tui.screens.dialogs import ConfirmScreen


def rows(app) -> list[str]:
    return [str(k.value) for k in app.screen.query_one(DataTable).rows]


def test_catalogue_titles_whole_at_80_columns(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            text = screen_text(app)
            for sc in app.catalogue.scenarios.values():
                assert sc.scenario.title in text, (sc.scenario.title, text)
            assert "CCP" in text and "Meilleur" in text
        app2 = SimulateurApp()
        async with app2.run_test(size=(160, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            assert "Compétences" in screen_text(app2) and "Réf." in screen_text(app2)

    run_async(go())


def test_search_ranks_title_matches_first() -> None:
    """The shipped catalogue: a word in some titles and in other scenarios' tickets."""

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            from simulateur.tui import format as F

            scenarios = {sid: l.scenario for sid, l in app.catalogue.scenarios.items()}
            word = next(
                w
                for w in ("imprimante", "dhcp", "dns", "réseau", "compta")
                if any(F.fold(w) in F.fold(s.title) for s in scenarios.values())
                and any(
                    F.fold(w) not in F.fold(s.title) and F.fold(w) in F.fold(s.ticket.text) for s in scenarios.values()
                )
            )
            await pilot.press("slash", *word)
            await pilot.pause()
            found = rows(app)
            in_title = [F.fold(word) in F.fold(scenarios[s].title) for s in found]
            assert any(in_title) and not all(in_title)
            assert in_title == sorted(in_title, reverse=True), found  # every title match before the others

    run_async(go())


def test_idi_filter() -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            screen = app.screen
            ccp = screen.query_one("#ccp", Select)
            values = [v for _, v in screen.ccp_options()]  # the options the filter was given
            assert "IDI" in values and any(str(v).startswith("IDI.CCP") for v in values)
            ccp.value = "IDI"
            await pilot.pause()
            idi = rows(app)
            expected = sorted(
                sid
                for sid, l in app.catalogue.scenarios.items()
                if any(c.startswith("IDI.") for c in [*l.scenario.competences, *l.scenario.also])
            )
            assert expected and sorted(idi) == expected
            one = next(v for v in values if str(v).startswith("IDI.CCP"))
            ccp.value = one
            await pilot.pause()
            assert set(rows(app)) <= set(idi)

    run_async(go())


def test_data_is_never_markup(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            loaded = app.catalogue.scenarios["imprimante"]
            loaded.scenario = loaded.scenario.model_copy(update={"title": "Imprimante [x] bloquée [b]vite[/b]"})
            app.screen.refresh_table()
            await pilot.pause()
            assert "Imprimante [x] bloquée [b]vite[/b]" in screen_text(app)
            app.push_screen(ConfirmScreen("Champs vides : [x] cause, [bold]solution[/bold]"))
            await pilot.pause()
            assert "Champs vides : [x] cause, [bold]solution[/bold]" in screen_text(app)

    run_async(go())


def test_palette_screenshot_saves_and_says_where(fixture_scenarios, tmp_path, monkeypatch) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.press("ctrl+p")
            await wait_screen(pilot, "CommandPalette")
            await pilot.press(*"Capture")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await wait_for(
                pilot, lambda: any("Capture enregistrée" in m for m in notified(app)), 10, "capture enregistrée"
            )
            message = next(m for m in notified(app) if "Capture enregistrée" in m)
            path = Path(message.split(" : ", 1)[1].strip())
            assert path.suffix == ".svg" and path.exists() and "<svg" in path.read_text()[:2000]

    run_async(go())


def test_briefing_name_focused_and_modes_by_shape(fixture_scenarios) -> None:
    from simulateur.tui.screens.briefing import BriefingScreen

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(BriefingScreen("panne-dhcp", seed=7))
            await wait_screen(pilot, "BriefingScreen")
            assert app.focused is app.screen.query_one("#candidate")  # typing goes to the name at once
            await pilot.press(*"Ana")
            assert app.screen.query_one("#candidate").value == "Ana"
            text = screen_text(app)
            assert "●▌ Entraînement" in text and "○▌ Chronométré" in text  # shape, not colour alone
            app.screen.query_one("#chronometre").value = True
            await pilot.pause()
            text = screen_text(app)
            assert "○▌ Entraînement" in text and "●▌ Chronométré" in text

    run_async(go())
