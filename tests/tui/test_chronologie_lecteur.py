"""The attempt's timeline and the recorded terminal's player, on the results screen and on the jury's
(examen blanc) — from an attempt's files as a session leaves them, no lab needed."""

from __future__ import annotations

import time

from textual.widgets import DataTable, Select
from tuihelpers import (
    FIXTURE_SCENARIOS,
    make_result,
    notified,
    recorded_attempt,
    run_async,
    screen_text,
    wait_for,
    wait_screen,
    widget_text,
)

from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.exam.models import CandidateRun, Item
from simulateur.scenario.loader import find_scenario
from simulateur.session.store import Store
from simulateur.tui.app import SimulateurApp
from simulateur.tui.screens.examen import ExamenScreen
from simulateur.tui.screens.resultats import ResultatsScreen

AID = "20260101-100000-panne-dhcp-ui9"


def _stored(started: float, mode: str = "entrainement", candidate: str | None = None) -> Store:
    directory = recorded_attempt(AID, started)
    sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
    store = Store()
    store.begin(
        attempt_id=AID,
        scenario=sc,
        seed=7,
        mode=mode,
        lab="ui9",
        attempt_dir=directory,
        started=started,
        candidate=candidate,
    )
    store.submit(AID, make_result({"TAI.CP14.4": "acquis", "TAI.CP14.3": "jury"}), submitted=started + 120)
    return store


def _rows(table: DataTable) -> list[list[str]]:
    return [[str(getattr(c, "plain", c)) for c in table.get_row(k)] for k in table.rows]


def _notified(app, text: str) -> bool:  # type: ignore[no-untyped-def]
    return any(text in m for m in notified(app))


def _player_text(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(app.screen.player.lines()) if app.screen.player else ""


def test_results_show_the_timeline_and_play_the_terminal_at_a_command(fixture_scenarios) -> None:
    started = float(int(time.time()) - 3600)
    _stored(started)

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(100, 36)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ResultatsScreen(AID))
            await wait_screen(pilot, "ResultatsScreen")
            summary = widget_text(app.screen.query_one("#timeline-summary"))
            assert (
                "4 commandes : 1 diagnostic, 1 modification, 1 test, 2 en échec · 2 terminaux enregistrés"
            ) in summary
            table = app.screen.query_one("#timeline", DataTable)
            assert _rows(table) == [
                ["+00:20", "poste", "diagnostic", "réussie", "ip a"],
                ["+00:30", "poste", "autre", "non lancée (code 127)", "lpq"],
                ["+01:00", "srv", "modification", "réussie", "systemctl restart dnsmasq"],
                ["+01:30", "poste", "test", "échec (code 1)", "ping -c1 srv"],
                ["+01:40", "—", "événement", "—", "indice 1 consulté"],
            ]
            # One host at a time (h), the footer's key.
            table.focus()
            await pilot.pause()
            assert "Hôte suivant" in screen_text(app) and "Revoir" in screen_text(app)
            await pilot.press("h")
            await pilot.pause()
            assert [r[4] for r in _rows(table)] == ["ip a", "lpq", "ping -c1 srv"]
            assert "Hôte affiché : poste" in widget_text(app.screen.query_one("#timeline-host"))
            await pilot.press("h")
            await pilot.pause()
            assert [r[4] for r in _rows(table)] == ["systemctl restart dnsmasq"]
            # srv's terminal was opened after that command: said, nothing opened.
            await pilot.press("enter")
            await pilot.pause()
            assert type(app.screen).__name__ == "ResultatsScreen"
            assert _notified(app, "Aucun terminal enregistré sur « srv » à ce moment")
            await pilot.press("h")  # after the last host: every host again
            await pilot.pause()
            assert len(_rows(table)) == 5

            # Entrée on the failed ping: the player, paused just after it, shows the screen then.
            table.move_cursor(row=3)
            await pilot.press("enter")
            await wait_screen(pilot, "PlayerScreen")
            screen = app.screen
            assert not screen.playing
            text = _player_text(app)
            assert "ping: srv: Nom ou service inconnu" in text and "lpq: commande introuvable" in text
            assert "exit" not in text
            shown = screen_text(app)
            assert "Dernière commande : +01:30 test — ping -c1 srv" in shown
            assert "Session 1/2 : « poste »" in shown
            assert "root@poste" in shown  # the emulated screen itself is drawn
            assert "← −5 s" in shown and "→ +5 s" in shown and "space Lecture/pause" in shown
            # ← goes back 5 s per press: before the ping was typed.
            for _ in range(2):
                await pilot.press("left")
            await pilot.pause()
            assert "ping -c1 srv" not in _player_text(app)
            assert "Dernière commande : +00:30 autre — lpq" in screen_text(app)
            await pilot.press("right", "right")
            await pilot.pause()
            assert "ping: srv: Nom ou service inconnu" in _player_text(app)
            await pilot.press("home")
            await pilot.pause()
            assert "ip a" not in _player_text(app) and screen.player.position == 0
            await pilot.press("end")
            await pilot.pause()
            assert "exit" in _player_text(app)
            # + changes the speed; Espace plays from the start again; the pauses longer than 2 s are
            # shortened, so the whole 95 s session plays in a few seconds.
            await pilot.press("plus", "plus")
            await pilot.pause()
            assert screen.speed == 4.0 and "×4" in screen_text(app)
            await pilot.press("space")
            await pilot.pause()
            assert screen.playing
            await wait_for(pilot, lambda: screen.player.at_end, 40, "lecture jusqu'au bout")
            assert not screen.playing and "exit" in _player_text(app)
            # n: the attempt's next session (srv's), playing; p: back to poste's.
            await pilot.press("n")
            await pilot.pause()
            assert "Session 2/2 : « srv »" in screen_text(app)
            await wait_for(pilot, lambda: "active" in _player_text(app), 20, "la session de srv joue")
            await pilot.press("p")
            await pilot.pause()
            assert "Session 1/2 : « poste »" in screen_text(app)
            await pilot.press("escape")
            await wait_screen(pilot, "ResultatsScreen")

            # t: the attempt's terminals from the start, playing.
            app.screen.query_one("#results").focus()
            await pilot.pause()
            assert "Terminaux" in screen_text(app)
            await pilot.press("t")
            await wait_screen(pilot, "PlayerScreen")
            assert app.screen.playing
            await wait_for(pilot, lambda: "ip a" in _player_text(app), 30, "la session joue")

    run_async(go())


def test_results_of_an_attempt_without_journal_say_so(fixture_scenarios) -> None:
    sc = find_scenario("panne-dhcp", FIXTURE_SCENARIOS).scenario
    store = Store()
    store.begin(
        attempt_id="x-ui8", scenario=sc, seed=7, mode="entrainement", lab="ui8", attempt_dir=None, started=time.time()
    )

    async def go() -> None:
        app = SimulateurApp(reap=False)
        async with app.run_test(size=(100, 36)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(ResultatsScreen("x-ui8"))
            await wait_screen(pilot, "ResultatsScreen")
            assert "Aucune commande enregistrée" in widget_text(app.screen.query_one("#timeline-none"))
            await pilot.press("t")
            await pilot.pause()
            assert type(app.screen).__name__ == "ResultatsScreen"
            assert _notified(app, "Aucun terminal enregistré pour cette tentative")

    run_async(go())


def test_jury_screen_opens_the_interventions_timeline_and_its_terminal(fixture_scenarios) -> None:
    started = float(int(time.time()) - 600)
    store = _stored(started, mode="examen", candidate="Inès Roux")
    db = ExamDB(store)
    s = core.new_session(count=1, minutes=40, seed=1, competences=["TAI.CP14"], group="TAI B", db=db)
    db.create_run(
        CandidateRun(
            session=s.id, candidate="Inès Roux", started=started, deadline=started + 2400, items=[Item(index=1)]
        )
    )
    run = core.get_run(db, s.id, "Inès Roux")
    item = run.items[0]
    item.status, item.attempt, item.lab, item.started, item.ended = "remise", AID, "ui9", started, started + 120
    db.update_item(s.id, "Inès Roux", item)

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
            app.screen.query_one("#jury-table").focus()
            await pilot.pause()
            footer = screen_text(app)
            assert "Chronologie" in footer and "Terminaux" in footer
            assert "Commandes : 4 (1 diagnostic, 1 modification, 1 test, 2 en échec) — c : chronologie" in widget_text(
                app.screen.query_one("#jury-detail")
            )
            await pilot.press("c")
            await wait_screen(pilot, "TimelineScreen")
            assert "Intervention 1 —" in screen_text(app) and "Inès Roux" in screen_text(app)
            table = app.screen.query_one("#timeline", DataTable)
            assert [r[2] for r in _rows(table)] == ["diagnostic", "autre", "modification", "test", "événement"]
            assert app.focused is table
            table.move_cursor(row=0)
            await pilot.press("enter")
            await wait_screen(pilot, "PlayerScreen")
            assert "1: lo: <LOOPBACK,UP>" in _player_text(app) and "lpq" not in _player_text(app)
            assert "Dernière commande : +00:20 diagnostic — ip a" in screen_text(app)
            await pilot.press("escape")
            await wait_screen(pilot, "TimelineScreen")
            await pilot.press("t")
            await wait_screen(pilot, "PlayerScreen")
            await pilot.press("escape", "escape")
            await wait_screen(pilot, "JuryScreen")
            await pilot.press("t")
            await wait_screen(pilot, "PlayerScreen")
            assert "Session 1/2 : « poste »" in screen_text(app)

    run_async(go())
