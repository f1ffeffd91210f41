"""The app as a whole: help, command palette, quitting, crashes, orphan labs, the CLI entry point."""

from __future__ import annotations

import subprocess
import sys

import pytest
from textual.command import CommandPalette
from textual.widgets import Input
from tuihelpers import needs_root, notified, run_async, screen_text, start_attempt, wait_for, wait_screen

from simulateur import cli
from simulateur.errors import SimError
from simulateur.lab.state import load_state
from simulateur.session import run
from simulateur.session.store import Store
from simulateur.tui.app import SimulateurApp


def lab_exists(lab: str) -> bool:
    try:
        load_state(lab)
    except SimError:
        return False
    return True


def test_help_screen_lists_the_keys_of_the_screen(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.press("f1")
            await wait_screen(pilot, "HelpScreen")
            text = screen_text(app)
            assert "Aide" in text and "Catalogue" in text and "Progression" in text
            await pilot.press("escape")
            await wait_screen(pilot, "CatalogueScreen")

    run_async(go())


def test_command_palette_lists_the_main_actions_in_french(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            titles = [c.title for c in app.get_system_commands(app.screen)]
            for title in ("Catalogue des scénarios", "Progression", "Aide", "Changer de thème", "Quitter"):
                assert title in titles
            assert any(t.startswith("Ouvrir « ") for t in titles)
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: CommandPalette.is_open(app), 5, "palette ouverte")
            assert app.screen.query_one(Input).placeholder == "Rechercher une commande…"
            await pilot.press(*"progression")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await wait_screen(pilot, "ProgressionScreen")

    run_async(go())


def test_quit_without_attempt_does_not_ask(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.press("ctrl+c")  # Ctrl+C quits too (asks only mid-attempt)
            await wait_for(pilot, lambda: not app.is_running, 5, "application fermée")

    run_async(go())


@pytest.mark.integration
@needs_root
def test_a_crash_leaves_no_lab_and_keeps_the_attempt(fixture_scenarios, labs) -> None:
    state = {}

    async def go() -> None:
        app = SimulateurApp()
        state["app"] = app
        async with app.run_test(size=(80, 24)) as pilot:
            r = await start_attempt(pilot, labs)
            state["r"] = r
            r.attempt.journal.record("poste", "ip a", 0, "shell")
            app.store.save_fiche(r.attempt_id, "symptome", "plus de réseau")
            app.call_later(lambda: 1 / 0)  # a bug in the app
            await pilot.pause(0.5)

    try:
        with pytest.raises(ZeroDivisionError):
            run_async(go())
    finally:
        state["app"].shutdown()  # what simulateur.tui.run() does in its finally
    r = state["r"]
    assert r.stopped and not lab_exists(r.lab_id)
    store = Store()
    assert store.attempt(r.attempt_id).status == "interrompue"
    assert store.fiche(r.attempt_id) == {"symptome": "plus de réseau"}
    assert [e.cmd for e in r.attempt.journal.entries()] == ["ip a"]


@pytest.mark.integration
@needs_root
def test_the_next_start_reaps_the_lab_of_a_killed_app(fixture_scenarios, labs) -> None:
    started = run.start("panne-dhcp", 7)
    labs.append(started.lab.id)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    info = started.attempt.info
    Store().begin(
        attempt_id=info.id,
        scenario=started.scenario,
        seed=7,
        mode="entrainement",
        lab=started.lab.id,
        attempt_dir=started.attempt.dir,
        started=info.started,
        owner_pid=dead.pid,
    )

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: not lab_exists(started.lab.id), 30, "laboratoire orphelin arrêté")
            await wait_for(pilot, lambda: any("interrompue" in m for m in notified(app)), 5, "notification")

    run_async(go())
    assert Store().attempt(info.id).status == "interrompue"


@pytest.mark.integration
@needs_root
def test_a_lab_started_by_the_cli_is_not_reaped(fixture_scenarios, labs) -> None:
    started = run.start("panne-dhcp", 7)
    labs.append(started.lab.id)

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.pause(0.5)

    run_async(go())
    assert lab_exists(started.lab.id)


def test_cli_without_command_and_without_terminal_lists() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "simulateur"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert proc.returncode == 0 and "dhcp-serveur-arrete" in proc.stdout


def test_cli_without_command_needs_root_or_a_login(monkeypatch, capsys, tmp_path) -> None:
    """Not root: the candidate's app, which needs a login to a centre's service (tui/candidate.py);
    without one, one French line saying how (or to train as root)."""
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(cli.os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("simulateur : l'application du candidat parle au service du centre") and err.count("\n") == 1
    assert "en root" in err
