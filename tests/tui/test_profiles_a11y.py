"""Issue 20 items 4 and 5: who is at the keyboard (profiles), the high-contrast theme, focus always
visible, every action by keyboard, nothing said by colour alone; and item 1's leftovers."""

from __future__ import annotations

import io
import json
import time

from rich.console import Console
from textual.widgets import DataTable, Input, Select
from tuihelpers import (
    FIXTURE_SCENARIOS,
    footer_text,
    make_result,
    notified,
    run_async,
    screen_text,
    wait_for,
    wait_screen,
)

from simulateur.errors import SimError
from simulateur.paths import data_dir
from simulateur.scenario.loader import find_scenario
from simulateur.session.store import CriterionRecord, Store
from simulateur.tui.app import HIGH_CONTRAST, SimulateurApp
from simulateur.tui.screens.briefing import BriefingScreen
from simulateur.tui.screens.progression import ProgressionScreen
from simulateur.tui.widgets.grid import grid


def _plain(renderable) -> str:
    console = Console(width=100, file=io.StringIO(), color_system=None, record=True)
    console.print(renderable)
    return console.export_text()


# --- item 1's leftovers ----------------------------------------------------------------------------
def test_grid_shows_each_competence_once_whatever_the_criteria_order() -> None:
    """A scenario listing a competence's criteria apart (CP4, CP5, CP4) showed the CP4 heading twice."""

    def crit(cid: str, comp: str, verdict: str) -> CriterionRecord:
        return CriterionRecord(cid, f"libellé {cid}", comp, f"compétence {comp}", verdict, ())

    out = _plain(
        grid(
            [
                crit("TAI.CP4.1", "TAI.CP4", "acquis"),
                crit("TAI.CP5.2", "TAI.CP5", "non_acquis"),
                crit("TAI.CP4.3", "TAI.CP4", "jury"),
            ]
        )
    )
    assert out.count("compétence TAI.CP4") == 1 and out.count("compétence TAI.CP5") == 1
    assert out.index("TAI.CP4.3") < out.index("compétence TAI.CP5")  # grouped under its heading
    # nothing said by colour alone: each verdict has its symbol and its word
    assert "✓ acquis" in out and "✗ non acquis" in out and "? à évaluer" in out


def test_briefing_start_key_does_not_type_into_the_name_and_stays_in_the_footer(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(BriefingScreen("panne-dhcp", seed=7))
            await wait_screen(pilot, "BriefingScreen")
            screen = app.screen
            assert isinstance(app.focused, Input) and app.focused.id == "candidate"
            assert "f5 Démarrer" in await footer_text(pilot)  # the footer, with the name focused
            started: list[tuple[str, str | None]] = []

            def no_lab(mode: str, candidate: str | None) -> None:  # no lab in this test: the build fails
                started.append((mode, candidate))
                raise SimError("pas de laboratoire dans ce test")

            screen._build = no_lab
            await pilot.press("d", "o", "m")
            assert screen.query_one("#candidate", Input).value == "dom"  # d types, it does not start
            assert not started
            await pilot.press("f5")
            await wait_for(pilot, lambda: not app.building and screen.query_one("#form").display, 10, "l'échec")
            assert started == [("entrainement", "dom")]

    run_async(go())


# --- profiles ----------------------------------------------------------------------------------------
def _seed_trainees() -> None:
    """Alice: 1/3 in training and 3/3 in an exam; Bob: 3/3 in training."""
    sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
    store = Store()
    base = time.time() - 86400
    plans = [("Alice", "entrainement", "non_acquis"), ("Bob", "entrainement", "acquis"), ("Alice", "examen", "acquis")]
    for n, (who, mode, verdict) in enumerate(plans, 1):
        aid = f"2026010{n}-panne-dhcp-ui{n}"
        store.begin(
            attempt_id=aid,
            scenario=sc,
            seed=7,
            mode=mode,
            lab=f"ui{n}",
            attempt_dir=None,
            started=base + n * 60,
            candidate=who,
        )
        store.submit(
            aid,
            make_result({"TAI.CP14.2": verdict, "TAI.CP14.4": verdict, "TAI.CP10.4": "acquis"}),
            submitted=base + n * 60 + 30,
        )


def _best_cell(app: SimulateurApp) -> str:
    table = app.screen.query_one(DataTable)
    return str(table.get_cell("panne-dhcp", "best"))


def test_trainee_chosen_once_remembered_and_best_is_theirs_in_training(fixture_scenarios) -> None:
    _seed_trainees()

    async def first() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            assert "Stagiaire : aucun" in screen_text(app)
            await pilot.press("s")
            await wait_screen(pilot, "ProfileScreen")
            assert "Alice" in screen_text(app) and "Bob" in screen_text(app)  # names already used
            await pilot.press("tab")  # to the known names
            await pilot.press("home", "enter")  # Alice, by keyboard only
            await wait_screen(pilot, "CatalogueScreen")
            await wait_for(pilot, lambda: "Stagiaire : Alice" in screen_text(app), 5, "Alice dans l'en-tête")
            assert _best_cell(app) == "1/3"  # Alice's training (her exam's 3/3 apart, Bob's 3/3 not hers)

    run_async(first())
    saved = json.loads((data_dir() / "reglages.json").read_text())
    assert saved["trainee"] == "Alice"

    async def again() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            assert "Stagiaire : Alice" in screen_text(app)  # remembered
            app.push_screen(BriefingScreen("panne-dhcp", seed=7))
            await wait_screen(pilot, "BriefingScreen")
            assert app.screen.query_one("#candidate", Input).value == "Alice"
            await pilot.press("escape")
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.press("s")
            await wait_screen(pilot, "ProfileScreen")
            await pilot.press(*"Bob", "enter")  # a name typed
            await wait_screen(pilot, "CatalogueScreen")
            await wait_for(pilot, lambda: _best_cell(app) == "3/3", 5, "le meilleur score de Bob")

    run_async(again())


def test_progression_is_per_trainee_training_and_exam_apart(fixture_scenarios) -> None:
    _seed_trainees()

    async def go() -> None:
        app = SimulateurApp(reap=False)
        app.set_trainee("Alice")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ProgressionScreen())
            await wait_screen(pilot, "ProgressionScreen")
            table = app.screen.query_one("#attempts", DataTable)
            assert [str(k.value) for k in table.rows] == ["20260101-panne-dhcp-ui1"]  # Alice, training
            app.screen.query_one("#kind", Select).value = "exam"
            await pilot.pause()
            assert [str(k.value) for k in table.rows] == ["20260103-panne-dhcp-ui3"]  # Alice, exam
            app.screen.query_one("#trainee", Select).value = "Bob"
            await pilot.pause()
            assert table.row_count == 0
            app.screen.query_one("#kind", Select).value = "training"
            await pilot.pause()
            assert [str(k.value) for k in table.rows] == ["20260102-panne-dhcp-ui2"]

    run_async(go())


# --- accessibility -----------------------------------------------------------------------------------
def test_high_contrast_from_the_palette_and_remembered(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.press("ctrl+p")
            await wait_screen(pilot, "CommandPalette")
            await pilot.press(*"contraste")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.theme == HIGH_CONTRAST.name, 5, "thème contrasté")

    run_async(go())
    assert json.loads((data_dir() / "reglages.json").read_text())["theme"] == HIGH_CONTRAST.name

    async def again() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            assert app.theme == HIGH_CONTRAST.name

    run_async(again())


def test_a_damaged_settings_file_says_so_and_keeps_defaults(fixture_scenarios) -> None:
    data_dir().mkdir(parents=True, exist_ok=True)
    (data_dir() / "reglages.json").write_text("{pas du json")

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            assert app.trainee is None
            assert any("reglages.json" in m and "illisible" in m for m in notified(app))

    run_async(go())


def _focus_marks(widget) -> tuple:
    s = widget.styles
    return (s.outline_left, s.border_left, s.background, s.text_style)


def test_focus_is_visible_on_every_focusable_widget(fixture_scenarios) -> None:
    """Every focusable widget of the catalogue, the briefing, the progression and the profile picker
    looks different focused (the accent bar down its left edge at least)."""
    _seed_trainees()

    async def check(app: SimulateurApp, pilot, where: str) -> list[str]:
        bad = []
        for widget in list(app.screen.focus_chain):
            app.screen.set_focus(None)
            await pilot.pause()
            blurred = _focus_marks(widget)
            widget.focus()
            await pilot.pause()
            focused = _focus_marks(widget)
            if focused == blurred or focused[0][0] in ("", "none", "hidden"):
                bad.append(f"{where}: {type(widget).__name__}#{widget.id}")
        return bad

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            bad = await check(app, pilot, "catalogue")
            app.push_screen(BriefingScreen("panne-dhcp", seed=7))
            await wait_screen(pilot, "BriefingScreen")
            bad += await check(app, pilot, "briefing")
            await pilot.press("escape")
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ProgressionScreen())
            await wait_screen(pilot, "ProgressionScreen")
            bad += await check(app, pilot, "progression")
            app.choose_trainee()
            await wait_screen(pilot, "ProfileScreen")
            bad += await check(app, pilot, "stagiaire")
            assert not bad, bad

    run_async(go())


def test_jury_comments_by_keyboard_only(fixture_scenarios) -> None:
    from test_examen import _exam_with_one_intervention_done

    from simulateur.exam import core
    from simulateur.exam.db import ExamDB
    from simulateur.tui.screens.examen import ExamenScreen

    sid, _ = _exam_with_one_intervention_done(fixture_scenarios)

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ExamenScreen())
            await wait_screen(pilot, "ExamenScreen")
            app.screen.query_one("#jury-candidate", Select).value = "Inès Roux"
            app.screen.query_one("#jury").focus()
            await pilot.press("enter")
            await wait_screen(pilot, "JuryScreen")
            assert "m Commenter le critère" in screen_text(app)  # said in the footer
            await pilot.press("a", "m")
            assert app.focused is not None and app.focused.id == "crit-comment"
            await pilot.press(*"a questionné", "enter")
            await pilot.pause()
            assert isinstance(app.focused, DataTable)  # back to the table
            await pilot.press("i", *"clair", "escape")
            assert isinstance(app.focused, DataTable)  # Escape: the table, not out of the grid
            assert type(app.screen).__name__ == "JuryScreen"
            await pilot.press("i", "enter")
            await pilot.pause()
            marks = {m.criterion: m for m in ExamDB(app.store).jury(sid, "Inès Roux")}
            assert marks["TAI.CP14.3"].comment == "a questionné"
            assert core.get_run(ExamDB(app.store), sid, "Inès Roux").items[0].comment == "clair"

    run_async(go())


def test_the_timer_says_time_is_short_by_a_sign_not_only_yellow() -> None:
    from textual.app import App

    from simulateur.tui.widgets.timer import Timer

    now = {"t": 1000.0}

    class One(App[None]):
        def compose(self):
            yield Timer(1000.0, 1200.0, countdown=True, clock=lambda: now["t"], id="timer")

    async def go() -> None:
        app = One()
        async with app.run_test(size=(60, 3)) as pilot:
            timer = app.query_one(Timer)
            assert "⏳ reste 20:00" in str(timer.render())
            now["t"] = 1000.0 + 1200 - 120
            timer.tick()
            await pilot.pause()
            assert "⚠ reste 02:00" in str(timer.render())
            now["t"] = 1000.0 + 1200 + 30
            timer.tick()
            await pilot.pause()
            assert "⚠ temps dépassé de 00:30" in str(timer.render())

    run_async(go())
