"""The « Câbles » tab of the intervention screen, on a real lab of poste-sans-liaison: it shows
where each cable is, plugs and unplugs for real (the host sees the link come and go), journaled as
a change on the host. Scenarios without cables have no such tab."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Select, TabbedContent
from tuihelpers import needs_root, run_async, screen_text, start_attempt

from simulateur.lab import cable
from simulateur.tui.app import SimulateurApp

pytestmark = [pytest.mark.integration, needs_root]


def test_cables_tab_plugs_and_unplugs_for_real(labs) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(100, 32)) as pilot:
            r = await start_attempt(pilot, labs, scenario="poste-sans-liaison", seed=5)
            screen = app.screen
            screen.query_one(TabbedContent).active = "tab-cables"
            await pilot.pause()
            assert "poste:eth0 →" in screen_text(app)

            screen.query_one("#cables-which", Select).value = "poste:eth0"
            await pilot.click("#cables-unplug")
            await pilot.pause()
            c = await asyncio.to_thread(cable.inspect_cable, r.lab, "poste", "eth0")  # pyroute2: not in the loop
            assert c.switch is None and not c.carrier
            assert "poste:eth0 → câble débranché" in screen_text(app)

            screen.query_one("#cables-switch", Select).value = "lan"
            await pilot.click("#cables-plug")
            await pilot.pause()
            c = await asyncio.to_thread(cable.inspect_cable, r.lab, "poste", "eth0")  # pyroute2: not in the loop
            assert c.switch == "lan"
            assert "poste:eth0 → commutateur « lan »" in screen_text(app)
            cmds = [(e.host, e.cmd, e.source) for e in r.attempt.journal.entries()]
            assert ("poste", "câble poste:eth0 débranché", "exec") in cmds
            assert ("poste", "câble poste:eth0 branché sur lan", "exec") in cmds

    run_async(go())


def test_no_cables_tab_without_cables(fixture_scenarios, labs) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await start_attempt(pilot, labs)
            assert not app.screen.query("#tab-cables")

    run_async(go())
