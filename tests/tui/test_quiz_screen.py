"""The questionnaire professionnel in the app (pilot): answering, moving between questions, handing
in, the correction; a questionnaire whose time is up is shown corrected and takes no answer."""

from __future__ import annotations

import time

from textual.widgets import Input
from tuihelpers import run_async, wait_for, wait_screen, widget_text

from simulateur.quiz import paper
from simulateur.quiz.bank import load_bank
from simulateur.quiz.db import QuizDB
from simulateur.quiz.draw import draw
from simulateur.quiz.models import Open, SingleChoice
from simulateur.session.store import Store
from simulateur.tui.app import SimulateurApp


def test_take_a_questionnaire_in_the_app(fixture_scenarios) -> None:
    bank = load_bank()
    seed = next(s for s in range(200) if isinstance(bank.questions[draw(bank, s)[0]], SingleChoice))
    db = QuizDB(Store())
    run = paper.start(db, seed=seed, minutes=45, bank=bank)
    first = run.questions[0]
    right = "abcdefgh"[first.answer - 1]

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.go_quiz(run.id)
            await wait_screen(pilot, "QuizScreen")
            screen = app.screen
            assert "1/21" in widget_text(screen.query_one("#question"))
            await wait_for(pilot, lambda: "temps restant 4" in widget_text(screen.query_one("#clock")), 10, "horloge")
            await pilot.press(*right, "enter")
            await wait_for(pilot, lambda: "2/21" in widget_text(screen.query_one("#question")), 10, "question 2")
            assert db.answers(run.id)[first.id].answer == right
            await pilot.press("z", "z", "enter")  # refused: one French line, no move
            await pilot.pause()
            if not isinstance(run.questions[1], Open) and run.questions[1].kind != "numeric":
                assert "inconnu" in widget_text(screen.query_one("#status"))
            await pilot.press("pageup")
            await wait_for(pilot, lambda: screen.query_one("#answer", Input).value == right, 10, "réponse rappelée")
            await pilot.press("ctrl+s")
            await wait_for(
                pilot, lambda: "Résultat par compétence" in widget_text(screen.query_one("#question")), 10, "correction"
            )
            text = widget_text(screen.query_one("#question"))
            assert "juste — 1 / 1" in text and "TAI.CP9 — Intervenir sur une infrastructure réseau" in text
            assert not screen.query_one("#answer", Input).display
        assert db.run(run.id).submitted is not None

    run_async(go())


def test_a_questionnaire_past_its_time_is_shown_corrected(fixture_scenarios) -> None:
    db = QuizDB(Store())
    run = paper.start(db, seed=3, minutes=1, now=time.time() - 120)

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.go_quiz(run.id)
            await wait_screen(pilot, "QuizScreen")
            screen = app.screen
            await wait_for(pilot, lambda: "Temps écoulé" in widget_text(screen.query_one("#question")), 10, "clos")
            assert not screen.query_one("#answer", Input).display
        assert db.answers(run.id) == {}

    run_async(go())


def test_the_palette_starts_a_questionnaire(fixture_scenarios) -> None:
    from textual.command import CommandPalette

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: CommandPalette.is_open(app), 5, "palette ouverte")
            await pilot.press(*"questionnaire")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await wait_screen(pilot, "QuizScreen")
            runs = QuizDB(Store()).runs()
            assert len(runs) == 1 and runs[0].minutes == 45 and len(runs[0].questions) == 21
            await pilot.press("escape")
            await wait_screen(pilot, "CatalogueScreen")

    run_async(go())
