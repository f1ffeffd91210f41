"""Examen blanc in the app: the trainer's hub (draw), the jury's grid and exports (no lab), and
the candidate's flow on real labs: no hint, hand-in, next intervention, time-out at 0."""

from __future__ import annotations

import json
import time
from html import unescape

import pytest
from textual.widgets import Button, DataTable, Input, Select
from tuihelpers import (
    FIXTURE_SCENARIOS,
    make_result,
    needs_root,
    notified,
    run_async,
    screen_text,
    wait_for,
    wait_screen,
    widget_text,
)

from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.exam.models import CandidateRun, Item
from simulateur.paths import data_dir
from simulateur.scenario.loader import find_scenario
from simulateur.session.store import Store
from simulateur.tui.app import SimulateurApp
from simulateur.tui.screens.examen import ExamenScreen


def test_hub_draws_a_session(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.press("e")
            await wait_screen(pilot, "ExamenScreen")
            screen = app.screen
            for key, value in (("count", "2"), ("minutes", "30"), ("group", "TAI B"), ("seed", "4")):
                screen.query_one(f"#f-{key}", Input).value = value
            await pilot.click("#create")
            await pilot.pause()
            sessions = ExamDB(app.store).sessions()
            assert len(sessions) == 1 and sessions[0].group == "TAI B" and sessions[0].minutes == 30
            assert sorted(i.scenario for i in sessions[0].interventions) == ["imprimante", "panne-dhcp"]
            assert sessions[0].id in screen_text(app) and "TAI B" in screen_text(app)
            # A bad filter is one red line, no session.
            screen.query_one("#f-competences", Input).value = "TAI.CP99"
            screen.query_one("#create", Button).press()
            await pilot.pause()
            assert "compétence « TAI.CP99 » inconnue" in widget_text(screen.query_one("#exam-status"))
            assert len(ExamDB(app.store).sessions()) == 1

    run_async(go())


def _exam_with_one_intervention_done(fixture_scenarios) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A session whose candidate handed in « panne-dhcp » (stored as the core stores it)."""
    db = ExamDB(Store())
    s = core.new_session(count=1, minutes=40, seed=1, competences=["TAI.CP14"], group="TAI B", db=db)
    db.create_run(
        CandidateRun(
            session=s.id,
            candidate="Inès Roux",
            started=time.time() - 600,
            deadline=time.time() + 1800,
            items=[Item(index=1)],
        )
    )
    sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
    aid = "20260101-000000-panne-dhcp-ui9"
    db.store.begin(
        attempt_id=aid,
        scenario=sc,
        seed=7,
        mode="examen",
        lab="ui9",
        attempt_dir=None,
        candidate="Inès Roux",
        started=time.time() - 590,
    )
    db.store.submit(aid, make_result({"TAI.CP14.4": "acquis", "TAI.CP14.3": "jury"}))
    run = core.get_run(db, s.id, "Inès Roux")
    item = run.items[0]
    item.status, item.attempt, item.lab, item.started, item.ended = "remise", aid, "ui9", time.time() - 590, time.time()
    db.update_item(s.id, "Inès Roux", item)
    return s.id, aid


def test_jury_grid_marks_comments_and_exports(fixture_scenarios) -> None:
    sid, _ = _exam_with_one_intervention_done(fixture_scenarios)

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ExamenScreen())
            await wait_screen(pilot, "ExamenScreen")
            app.screen.query_one("#jury-candidate", Select).value = "Inès Roux"
            await pilot.pause()
            await pilot.click("#jury")
            await wait_screen(pilot, "JuryScreen")
            table = app.screen.query_one(DataTable)
            keys = [str(k.value) for k in table.rows]
            assert keys[0] == "1|TAI.CP14.3"  # the scenario's jury criterion first
            assert "1|TAI.CP14.1" in keys and "1|TAI.CP14.4" not in keys  # optional ones; never an automatic one
            assert "questions" in screen_text(app)  # what to observe
            app.screen.query_one("#crit-comment", Input).value = "a demandé depuis quand"
            table.focus()
            await pilot.press("a")
            await pilot.pause()
            table.move_cursor(row=keys.index("1|TAI.CP14.1"))
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            marks = {m.criterion: m for m in ExamDB(app.store).jury(sid, "Inès Roux")}
            assert marks["TAI.CP14.3"].verdict == "acquis" and marks["TAI.CP14.3"].comment == "a demandé depuis quand"
            assert marks["TAI.CP14.1"].verdict == "non_acquis"
            await pilot.press("delete")  # cleared again
            await pilot.pause()
            assert "TAI.CP14.1" not in {m.criterion for m in ExamDB(app.store).jury(sid, "Inès Roux")}
            item_comment = app.screen.query_one("#item-comment", Input)
            item_comment.value = "Très à l'écoute"
            item_comment.focus()
            await pilot.press("enter")
            await pilot.pause()
            assert core.get_run(ExamDB(app.store), sid, "Inès Roux").items[0].comment == "Très à l'écoute"
            await pilot.click("#export-reports")
            await pilot.pause()
            await pilot.click("#export-group")
            await pilot.pause()

    run_async(go())
    folder = data_dir() / "rapports"
    html = unescape((folder / f"{sid}-ines-roux.html").read_text())
    assert "a demandé depuis quand" in html and "Très à l'écoute" in html and "src-automatique+jury" in html
    assert json.loads((folder / f"{sid}-ines-roux.json").read_text())["candidate"] == "Inès Roux"
    assert "TAI.CP14.3" in (folder / f"{sid}-ines-roux.md").read_text()
    assert "Inès Roux" in (folder / "suivi-tai-b.csv").read_text(encoding="utf-8-sig")


def test_the_candidates_end_screen_offers_no_jury_grid(fixture_scenarios) -> None:
    """The screen a candidate is left on at the end of their exam: what became of each
    intervention, and no way to the jury's grid (no button, no key, nothing in the footer)."""
    from simulateur.tui.screens.exam_intervention import continue_exam

    sid, _ = _exam_with_one_intervention_done(fixture_scenarios)
    db = ExamDB(Store())
    core.end_run(db, sid, "Inès Roux")  # her last hand-in: the run is over
    run = core.get_run(db, sid, "Inès Roux")
    assert run.finished is not None

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ExamenScreen())
            await wait_screen(pilot, "ExamenScreen")
            continue_exam(app, db, core.Step(None, None, None, False, run))  # as after her last hand-in
            await wait_screen(pilot, "ExamDoneScreen")
            text = screen_text(app)
            assert "Examen terminé pour Inès Roux" in text and "Intervention 1" in text and "remise" in text
            assert "Grille du jury" not in text and "grille" not in text.lower()
            assert not app.screen.query("#jury")
            assert not [b for b in app.active_bindings.values() if "jury" in b.binding.action]
            for key in ("j", "J"):
                await pilot.press(key)
                await pilot.pause()
                assert type(app.screen).__name__ == "ExamDoneScreen"
            await pilot.press("escape")  # back to the sessions' screen
            await wait_screen(pilot, "ExamenScreen")

    run_async(go())


@pytest.mark.integration
@needs_root
def test_candidate_flow_no_hint_hand_in_then_time_out(fixture_scenarios) -> None:
    db = ExamDB(Store())
    s = core.new_session(count=2, minutes=0.4, seed=5, db=db)

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ExamenScreen())
            await wait_screen(pilot, "ExamenScreen")
            app.screen.query_one("#candidate", Input).value = "Hugo Petit"
            await pilot.click("#begin")
            await wait_screen(pilot, "ExamInterventionScreen", timeout=60)
            first = app.running
            assert first is not None and first.index == 1 and first.candidate == "Hugo Petit"
            assert not app.screen.query("#tab-hints")  # no hint tab
            text = screen_text(app)
            assert "intervention 1/2" in text and "⚠ reste" in text  # 24 s left: the sign beside the yellow
            await pilot.press("i")
            await pilot.pause()
            assert any("Pas d'indice" in m for m in notified(app))
            await pilot.press("ctrl+s")
            await wait_screen(pilot, "ConfirmScreen")
            await pilot.press("o")
            await wait_for(
                pilot, lambda: app.running is not None and app.running is not first, 60, "deuxième intervention"
            )
            await wait_screen(pilot, "ExamInterventionScreen")
            second = app.running
            assert second.index == 2 and second.lab_id and "intervention 2/2" in screen_text(app)
            # Nobody hands it in: at 0 it is scored and the candidate sees the end.
            await wait_screen(pilot, "ExamDoneScreen", timeout=60)
            assert app.running is None and "Examen terminé pour Hugo Petit" in screen_text(app)
            assert "Grille du jury" not in screen_text(app)

    run_async(go())
    run = core.get_run(db, s.id, "Hugo Petit")
    assert [i.status for i in run.items] == ["remise", "temps_ecoule"] and run.finished is not None
    for item in run.items:
        rec = db.store.attempt(item.attempt or "")
        assert rec is not None and rec.status == "soumise" and rec.mode == "examen"
    from simulateur.errors import SimError
    from simulateur.lab.state import load_state

    for item in run.items:  # both labs stopped (an id reused since is another attempt's)
        try:
            state = load_state(item.lab or "")
        except SimError:
            continue
        assert not state.attempt_dir or not state.attempt_dir.endswith(item.attempt or "?")
    deadline = time.monotonic() + 10
    while core.watchdog_alive(run) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not core.watchdog_alive(run)


def test_the_candidate_chosen_for_the_jury_stays_chosen(fixture_scenarios) -> None:
    """The hub's table posts RowHighlighted after its refreshes (at mount, on a return from the
    jury's grid): the session's details are shown again, and the candidate the trainer chose stays
    chosen (the Select's options set again used to clear it — under load before the first grid)."""
    _exam_with_one_intervention_done(fixture_scenarios)

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ExamenScreen())
            await wait_screen(pilot, "ExamenScreen")
            select = app.screen.query_one("#jury-candidate", Select)
            select.value = "Inès Roux"
            app.screen.show_session()  # as the table's RowHighlighted does
            await pilot.pause()
            assert select.value == "Inès Roux"
            await pilot.click("#jury")
            await wait_screen(pilot, "JuryScreen")
            await pilot.press("escape")
            await wait_screen(pilot, "ExamenScreen")
            assert app.screen.query_one("#jury-candidate", Select).value == "Inès Roux"

    run_async(go())
