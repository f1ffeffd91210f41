"""5. Résultats and 6. Progression, from attempts stored in SQLite (no lab needed)."""

from __future__ import annotations

import csv
import sqlite3
import time

from textual.widgets import DataTable, Select
from tuihelpers import FIXTURE_SCENARIOS, make_result, notified, run_async, screen_text, wait_screen, widget_text

from simulateur.paths import data_dir
from simulateur.scenario.loader import find_scenario
from simulateur.session.store import Escalation, Store
from simulateur.tui.app import SimulateurApp
from simulateur.tui.screens.progression import ProgressionScreen
from simulateur.tui.screens.resultats import ResultatsScreen


def seed_store() -> tuple[Store, list[str]]:
    sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
    store = Store()
    ids = []
    base = time.time() - 3 * 86400
    plans = [
        (
            "soumise",
            {"TAI.CP14.2": "non_acquis", "TAI.CP14.3": "jury", "TAI.CP14.4": "non_acquis", "TAI.CP10.4": "acquis"},
        ),
        ("soumise", {"TAI.CP14.2": "acquis", "TAI.CP14.3": "jury", "TAI.CP14.4": "acquis", "TAI.CP10.4": "acquis"}),
        ("abandonnee", None),
    ]
    for n, (status, verdicts) in enumerate(plans, 1):
        aid = f"2026010{n}-panne-dhcp-ui{n}"
        ids.append(aid)
        start = base + n * 3600
        store.begin(
            attempt_id=aid,
            scenario=sc,
            seed=7,
            mode="entrainement" if n != 2 else "chronometre",
            lab=f"ui{n}",
            attempt_dir=f"/nonexistent/{aid}",
            started=start,
            candidate="Alice",
        )
        if n == 1:
            store.reveal_hint(aid, 0, sc.hints[0])
            store.save_escalation(aid, Escalation(to="niveau2", reason="droits", t=start + 60))
        if verdicts:
            store.save_qualification(aid, "moyen", "haute")
            store.save_fiche(aid, "cause", "dnsmasq arrêté")
            store.submit(aid, make_result(verdicts), submitted=start + 750)
        else:
            store.set_status(aid, status)
    return store, ids


def test_results_grid_time_hints_and_reference() -> None:
    _, ids = seed_store()

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ResultatsScreen(ids[0]))
            await wait_screen(pilot, "ResultatsScreen")
            summary = widget_text(app.screen.query_one("#summary"))
            assert "Score : 1/3 critères acquis, 1 à évaluer par le jury" in summary
            assert "Temps passé : 12 min 30 s" in summary
            assert "Indices utilisés : 1 (+5 min) → temps compté 17 min 30 s" in summary
            assert "priorité haute" in summary and "Escalade : vers Technicien de niveau 2 — droits" in summary
            grid = widget_text(app.screen.query_one("#grid"))
            assert "non acquis  TAI.CP14.4" in grid and "acquis      TAI.CP10.4" in grid
            assert "✗ preuve de TAI.CP14.4" in grid
            reference = widget_text(app.screen.query_one("#reference"))
            assert "sur srv :   systemctl start dnsmasq" in reference  # as a technician types it
            assert "Qualification attendue : impact moyen, urgence haute → priorité haute" in reference
            assert "Les questions posées à l'utilisateur" in reference
            fiche = widget_text(app.screen.query_one("#fiche"))
            assert "Cause : dnsmasq arrêté" in fiche and "Symptôme constaté : (vide)" in fiche
            coached = widget_text(app.screen.query_one("#coaching-text"))
            assert "✗ TAI.CP14.4" in coached and "✗ TAI.CP14.2" in coached and "TAI.CP10.4" not in coached
            assert "1/8 rubrique remplie" in coached and "Cause : nomme dnsmasq" in coached
            assert "à évaluer par le jury" in coached
            await pilot.press("escape")
            await wait_screen(pilot, "CatalogueScreen")

            # An attempt never submitted: no grid, and no reference solution either.
            app.push_screen(ResultatsScreen(ids[2]))
            await wait_screen(pilot, "ResultatsScreen")
            assert not app.screen.query("#reference")
            assert "la tentative n'a pas été soumise" in screen_text(app)

    run_async(go())


def test_self_assessment_of_the_jury_criteria_by_keyboard() -> None:
    """Training: the criteria left to the jury are ticked by the trainee, kept at once and shown
    « auto-évalué »; the score does not move. An exam's attempt gets no coaching at all."""
    from simulateur.coaching.selfmarks import self_marks

    store, ids = seed_store()

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ResultatsScreen(ids[0]))
            await wait_screen(pilot, "ResultatsScreen")
            radio = app.screen.query_one("#self-0")
            assert radio.name == "TAI.CP14.3"
            while app.focused is not radio:
                await pilot.press("tab")
            await pilot.press("down")  # to « non acquis »
            await pilot.press("enter")
            await pilot.pause()
            assert [(m.criterion, m.verdict) for m in self_marks(store, ids[0])] == [("TAI.CP14.3", "non_acquis")]
            assert store.attempt(ids[0]).score.jury == 1
            await pilot.press("escape")
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ResultatsScreen(ids[0]))
            await wait_screen(pilot, "ResultatsScreen")
            pressed = app.screen.query_one("#self-0").pressed_button
            assert pressed is not None and pressed.name == "non_acquis" and "(auto-évalué)" in str(pressed.label)

            sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
            store.begin(attempt_id="exam-1", scenario=sc, seed=7, mode="examen", lab="ui8", attempt_dir=None)
            store.submit("exam-1", make_result({"TAI.CP14.3": "jury", "TAI.CP14.4": "non_acquis"}))
            await pilot.press("escape")
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ResultatsScreen("exam-1"))
            await wait_screen(pilot, "ResultatsScreen")
            assert not app.screen.query("#coaching") and not app.screen.query("RadioSet")

    run_async(go())


def test_progression_table_filters_chart_and_csv() -> None:
    _store, ids = seed_store()

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.press("p")
            await wait_screen(pilot, "ProgressionScreen")
            table = app.screen.query_one(DataTable)
            assert [str(k.value) for k in table.rows] == list(reversed(ids))  # newest first
            text = screen_text(app)
            assert "chronométré" in text and "abandonnée" in text and "4/4" not in text
            chart = widget_text(app.screen.query_one("#chart"))
            assert "TAI.CP14" in chart and "100 % (2/2), 2 tentatives" in chart
            assert "TAI.CP10" in chart

            app.screen.query_one("#status", Select).value = "soumise"
            await pilot.pause()
            assert table.row_count == 2
            app.screen.query_one("#competence", Select).value = "TAI.CP10"
            await pilot.pause()
            assert "TAI.CP14" not in widget_text(app.screen.query_one("#chart"))

            await pilot.press("x")
            await pilot.pause()
            exported = sorted((data_dir() / "exports").glob("progression-*.csv"))
            assert len(exported) == 1
            rows = list(csv.DictReader(exported[0].open(encoding="utf-8-sig"), delimiter=";"))
            assert [r["tentative"] for r in rows] == ids[:2]

            table.focus()
            table.move_cursor(row=0)
            await pilot.press("enter")
            await wait_screen(pilot, "ResultatsScreen")
            assert app.screen.attempt_id == ids[1]
            await pilot.press("escape")
            await wait_screen(pilot, "ProgressionScreen")

    run_async(go())


def test_progression_skips_damaged_rows() -> None:
    store, ids = seed_store()
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE attempts SET mode = 'inconnu' WHERE id = ?", (ids[1],))

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ProgressionScreen())
            await wait_screen(pilot, "ProgressionScreen")
            assert app.screen.query_one(DataTable).row_count == 2
            assert any("1 tentative illisible" in m for m in notified(app))

    run_async(go())
