"""3. Intervention on a real lab: hosts, timer, journal, shells, hints, qualification, escalation, quitting."""

from __future__ import annotations

import contextlib
import time

import pytest
from textual.widgets import Input, Select, TabbedContent
from tuihelpers import needs_root, notified, run_async, screen_text, start_attempt, wait_for, widget_text

from simulateur.errors import SimError
from simulateur.lab.state import load_state
from simulateur.session import run
from simulateur.tui.app import SimulateurApp
from simulateur.tui.widgets.journal import JournalTable

pytestmark = [pytest.mark.integration, needs_root]


def lab_exists(lab: str) -> bool:
    try:
        load_state(lab)
    except SimError:
        return False
    return True


def test_intervention_screen(fixture_scenarios, labs, monkeypatch) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            r = await start_attempt(pilot, labs)
            screen = app.screen
            await wait_for(pilot, lambda: "en marche" in screen_text(app), 30, "l'état des hôtes affiché")
            text = screen_text(app)
            assert "poste en marche" in text and "srv   en marche" in text  # names padded to the longest
            assert f"simulateur shell {r.lab_id}" in text and "(prévu 20 min)" in text
            assert r.scenario.title in text and "entraînement" in text
            assert app.store.attempt(r.attempt_id).status == "en_cours"
            titles = [c.title for c in app.get_system_commands(screen)]
            for title in (
                "Shell sur poste",
                "Shell sur srv",
                "Révéler un indice",
                "Qualifier le ticket",
                "Escalader le ticket",
                "Fiche d'intervention",
                "Quitter",
                "Aide",
            ):
                assert title in titles

            # The journal follows the attempt's file, whoever writes it (here the core's exec).
            await pilot.press("j")
            assert screen.query_one(TabbedContent).active == "tab-journal"
            run.exec_command(r.lab, "poste", ["ip -br addr >/dev/null"], r.attempt.journal)
            table = screen.query_one(JournalTable)
            await wait_for(pilot, lambda: table.row_count == 1, 5, "commande dans le journal")
            assert "ip -br addr" in screen_text(app)

            # Hints: revealed one at a time, recorded, cost shown (and asked first).
            await pilot.press("i")
            assert screen.query_one(TabbedContent).active == "tab-hints"
            await pilot.pause()
            await pilot.press("o")
            await pilot.pause()
            assert "Indice 1/2 : Le poste a-t-il une adresse IP ?" in screen_text(app)
            assert "coûte 5 min" in screen_text(app)
            assert [h.index for h in app.store.hints(r.attempt_id)] == [0]
            assert any(e.cmd == "indice 1 consulté" and e.source == "event" for e in r.attempt.journal.entries())

            # Qualification: impact × urgency → priority, saved through Attempt.qualify.
            await pilot.press("q")
            await pilot.pause()
            screen.query_one("#impact", Select).value = "moyen"
            screen.query_one("#urgency", Select).value = "haute"
            await pilot.pause()
            assert "Priorité : haute (4/5)" in screen_text(app)
            await pilot.click("#qualif-save")
            await pilot.pause()
            q = r.attempt.qualification()
            assert (q.impact, q.urgency) == ("moyen", "haute")
            assert app.store.attempt(r.attempt_id).qualification.priority == 4

            # Escalation form.
            await pilot.press("e")
            await pilot.pause()
            screen.query_one("#escalade-to", Select).value = "niveau2"
            screen.query_one("#escalade-reason", Input).value = "droits administrateur requis"
            await pilot.pause()
            await pilot.click("#escalade-send")
            await pilot.pause()
            esc = app.store.attempt(r.attempt_id).escalation
            assert esc is not None and esc.to == "niveau2" and esc.reason == "droits administrateur requis"
            scored = r.attempt.escalation()  # the attempt's own record, the one the checker scores
            assert scored is not None and (scored.to, scored.reason) == ("niveau2", "droits administrateur requis")
            assert "Ticket escaladé vers Technicien de niveau 2" in widget_text(screen.query_one("#escalade-state"))

            # Shell: headless, the app cannot suspend → it says how to open one in another terminal.
            await pilot.press("t")
            screen.query_one("#hosts").focus()
            await pilot.press("s")
            await pilot.pause()
            assert any(f"simulateur shell {r.lab_id} poste" in m for m in notified(app))

            # With a terminal, the app suspends and runs the core's recorded shell on the chosen host.
            calls = []

            def fake_shell(lab, host, journal, record_dir):
                calls.append(host)
                assert record_dir == r.attempt.dir  # the terminal is recorded with the attempt
                journal.record(host, "systemctl status dnsmasq", 3, "shell", start=time.time())
                return 0

            monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
            monkeypatch.setattr(run, "interactive_shell", fake_shell)
            await pilot.press("down", "enter")  # second host, Enter opens its shell
            await pilot.pause()
            assert calls == ["srv"]
            await pilot.press("j")
            await wait_for(pilot, lambda: "systemctl status dnsmasq" in screen_text(app), 5, "commande du shell")

            # Quitting mid-attempt asks first; « non » keeps everything running.
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert "Quitter ?" in screen_text(app)
            await pilot.press("n")
            await pilot.pause()
            assert lab_exists(r.lab_id) and app.is_running
            await pilot.press("ctrl+q")
            await pilot.pause()
            await pilot.press("o")
            await wait_for(pilot, lambda: r.stopped, 30, "laboratoire arrêté")
        assert not lab_exists(r.lab_id)
        assert app.store.attempt(r.attempt_id).status == "abandonnee"
        assert (r.attempt.dir / "journal.jsonl").exists()

    run_async(go())


def test_timed_mode_counts_down_without_hints(fixture_scenarios, labs) -> None:
    now = [time.time()]

    async def go() -> None:
        app = SimulateurApp(clock=lambda: now[0])
        async with app.run_test(size=(80, 24)) as pilot:
            r = await start_attempt(pilot, labs, mode="chronometre")
            now[0] = r.started + 65
            # the timer ticks every second: wait for the tick, not for a fixed time (load)
            await wait_for(pilot, lambda: "reste 18:55" in screen_text(app), 30, "minuteur à 18:55")
            text = screen_text(app)
            assert "reste 18:55" in text and "chronométré" in text
            await pilot.press("i")  # no hint key in this mode: neither shown nor run
            await pilot.pause()
            assert app.store.hints(r.attempt_id) == []
            app.screen.query_one(TabbedContent).active = "tab-hints"
            await pilot.pause()
            assert "Pas d'indice en mode chronométré." in screen_text(app)
            now[0] = r.started + 20 * 60 + 5
            await wait_for(pilot, lambda: "temps dépassé de 00:05" in screen_text(app), 30, "temps dépassé")
            await wait_for(
                pilot, lambda: any("Temps écoulé" in m for m in notified(app)), 30, "notification « Temps écoulé »"
            )
        app.shutdown()
        assert r.stopped and not lab_exists(r.lab_id)
        assert app.store.attempt(r.attempt_id).status == "interrompue"

    run_async(go())
