"""The trainee's app as a daily tool (issue 20): never stuck, every key where the footer says,
« Vérifier » in training."""

from __future__ import annotations

import pytest
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Select, TabbedContent
from tuihelpers import (
    footer_text,
    needs_root,
    notified,
    run_async,
    screen_text,
    start_attempt,
    wait_for,
    wait_screen,
    widget_text,
)

from simulateur.session import run
from simulateur.session.attempt import Attempt
from simulateur.tui.app import SimulateurApp

pytestmark = [pytest.mark.integration, needs_root]


def test_shell_on_a_lab_stopped_elsewhere_never_freezes(fixture_scenarios, labs, monkeypatch) -> None:
    """The lab stopped from another terminal, then `s`: one French message, the app still answers;
    and a shell that fails inside the lent terminal still gives it back (resume always runs)."""

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(120, 36)) as pilot:
            r = await start_attempt(pilot, labs)
            lent: list[str] = []
            driver = HeadlessDriver  # the driver of run_test()
            monkeypatch.setattr(driver, "can_suspend", property(lambda self: True))
            monkeypatch.setattr(driver, "suspend_application_mode", lambda self: lent.append("suspend"))
            monkeypatch.setattr(driver, "resume_application_mode", lambda self: lent.append("resume"))

            # A shell whose program fails inside the lent terminal: the app takes it back, says why.
            def broken_shell(lab, host, journal, record_dir):
                raise OSError(5, "Input/output error")

            monkeypatch.setattr(run, "interactive_shell", broken_shell)
            app.screen.query_one("#hosts").focus()
            await pilot.press("s")
            await pilot.pause()
            assert lent == ["suspend", "resume"]
            assert any("Le shell sur poste s'est interrompu" in m for m in notified(app))

            # The lab stopped from elsewhere: said before anything is lent, in French, once.
            run.stop(r.lab_id)
            app.clear_notifications()
            lent.clear()
            await pilot.press("s")
            await pilot.pause()
            messages = notified(app)
            assert len(messages) == 1 and f"Le laboratoire {r.lab_id} n'existe plus" in messages[0], messages
            assert lent == []
            # Still answering: Ctrl+Q asks, « oui » quits (the lab already gone is no error).
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert "Quitter ?" in screen_text(app)
            await pilot.press("o")
            await wait_for(pilot, lambda: not app.is_running or r.stopped, 30, "l'application quitte")
        assert app.return_code == 0
        assert app.store.attempt(r.attempt_id).status == "abandonnee"

    run_async(go())


def test_training_keys_hint_asks_first_and_verify(fixture_scenarios, labs) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(120, 36)) as pilot:
            r = await start_attempt(pilot, labs)
            screen = app.screen
            foot = await footer_text(pilot)
            for key in (
                "s Shell",
                "f Fiche",
                "i Indice",
                "v Vérifier",
                "t Ticket",
                "j Journal",
                "q Qualifier",
                "e Escalader",
            ):
                assert key in foot, foot

            # `i`: the cost asked first; « non » spends nothing, « oui » reveals hint 1.
            await pilot.press("i")
            await pilot.pause()
            assert "Il coûte 5 min" in screen_text(app) and "Révéler l'indice 1/2 ?" in screen_text(app)
            await pilot.press("n")
            await pilot.pause()
            assert app.store.hints(r.attempt_id) == []
            await pilot.press("i")
            await pilot.pause()
            await pilot.press("o")
            await pilot.pause()
            assert [h.index for h in app.store.hints(r.attempt_id)] == [0]

            # `q`: Qualification with the focus on Impact, so the keys go there.
            await pilot.press("q")
            await pilot.pause()
            assert screen.query_one(TabbedContent).active == "tab-qualif"
            assert app.focused is screen.query_one("#impact", Select)
            await pilot.press("e")
            await pilot.pause()
            assert app.focused is screen.query_one("#escalade-to", Select)
            screen.query_one("#hosts").focus()  # a focused list searches the letters typed
            await pilot.press("t")
            await pilot.pause()
            assert screen.query_one(TabbedContent).active == "tab-ticket"

            # « Vérifier »: the criteria's labels and verdicts, no evidence; the attempt goes on.
            screen.query_one("#hosts").focus()
            await pilot.press("v")
            await wait_screen(pilot, "VerificationScreen", 60)
            text = widget_text(app.screen.query_one("#verification-verdicts"))
            assert "non acquis" in text and "✗" in text
            assert "Vérification n° 1" in screen_text(app)
            for line in text.splitlines():
                assert not line.strip().startswith(("✓ ", "✗ ")) or "acquis" in line  # no observed value
            assert app.running is r and not r.stopped and not r.submitted
            assert app.store.attempt(r.attempt_id).status == "en_cours"
            assert app.store.attempt(r.attempt_id).score is None  # nothing handed in
            await pilot.press("escape")
            await wait_screen(pilot, "InterventionScreen")
            screen.query_one("#hosts").focus()
            await pilot.press("v")
            await wait_screen(pilot, "VerificationScreen", 60)
            assert "Vérification n° 2" in screen_text(app)
            await pilot.press("escape")
            await wait_screen(pilot, "InterventionScreen")
            assert Attempt(r.attempt.dir).verifications() == 2

            # Counted in the results after the submission.
            await pilot.press("f")
            await wait_screen(pilot, "FicheScreen")
            await pilot.press("ctrl+s")
            await pilot.pause()
            await pilot.press("o")
            await wait_screen(pilot, "ResultatsScreen", 60)
            assert "Vérifications avant la remise : 2" in screen_text(app)
            assert r.stopped

    run_async(go())


def test_enter_in_the_name_field_starts(fixture_scenarios, labs) -> None:
    from simulateur.tui.screens.briefing import BriefingScreen

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.push_screen(BriefingScreen("panne-dhcp", seed=7))
            await wait_screen(pilot, "BriefingScreen")
            await pilot.press(*"Ana", "enter")
            await wait_for(pilot, lambda: app.running is not None, 60, "laboratoire construit")
            labs.append(app.running.lab_id)
            await wait_screen(pilot, "InterventionScreen")
            assert app.store.attempt(app.running.attempt_id).candidate == "Ana"
        app.shutdown()

    run_async(go())


def test_timed_footer_has_no_hint_nor_verify(fixture_scenarios, labs) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(120, 36)) as pilot:
            r = await start_attempt(pilot, labs, mode="chronometre")
            foot = await footer_text(pilot)
            assert "Indice" not in foot and "Vérifier" not in foot and "t Ticket" in foot, foot
            await pilot.press("v")
            await pilot.press("i")
            await pilot.pause()
            assert app.store.hints(r.attempt_id) == [] and Attempt(r.attempt.dir).verifications() == 0
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert "Révéler un indice" not in titles and "Vérifier" not in titles
        app.shutdown()

    run_async(go())
