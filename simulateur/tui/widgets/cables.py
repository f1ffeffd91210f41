"""The « Câbles » tab: where each cable of the lab is plugged, and the trainee's hands on it
(plug it into a switch, unplug it) — what `simulateur cable` does, journaled the same way."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Select, Static

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab import cable
from simulateur.session import cabling

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


class CablesPane(VerticalScroll):
    DEFAULT_CSS = """
    CablesPane { padding: 0 1; }
    CablesPane Label { margin-top: 1; }
    CablesPane Select { width: 100%; }
    CablesPane #cables-buttons { height: auto; margin-top: 1; }
    CablesPane #cables-buttons Button { margin-right: 2; }
    CablesPane #cables-state { margin-top: 1; }
    """

    app: SimulateurApp

    def compose(self) -> ComposeResult:
        running = self.app.running
        assert running is not None
        which = [f"{h}:{i}" for h, i in cabling.cables(running.lab)]
        switches = list(running.lab.topology.switches)
        yield Static(tr("tui.cables.intro"), classes="muted")
        yield Static(id="cables-state")
        yield Label(tr("tui.cables.cable"))
        yield Select([(w, w) for w in which], value=which[0], allow_blank=False, id="cables-which", compact=True)
        yield Label(tr("tui.cables.switch"))
        yield Select([(s, s) for s in switches], value=switches[0], allow_blank=False, id="cables-switch", compact=True)
        with Horizontal(id="cables-buttons"):
            yield Button(tr("tui.cables.plug"), id="cables-plug", variant="primary")
            yield Button(tr("tui.cables.unplug"), id="cables-unplug", variant="warning")

    # pyroute2 runs its own asyncio loop: every call to the lab goes through a thread.
    async def on_mount(self) -> None:
        await self.refresh_state()

    async def refresh_state(self) -> None:
        running = self.app.running
        assert running is not None

        def states() -> list[str]:
            lines = []
            for host, iface in cabling.cables(running.lab):
                try:
                    lines.append(cabling.state_text(cable.inspect_cable(running.lab, host, iface)))
                except SimError as exc:
                    lines.append(f"{host}:{iface} : {exc}")
            return lines

        self.query_one("#cables-state", Static).update("\n".join(await asyncio.to_thread(states)))

    def _selected(self) -> tuple[str, str]:
        host, iface = str(self.query_one("#cables-which", Select).value).split(":", 1)
        return host, iface

    @on(Button.Pressed, "#cables-plug")
    async def plug(self) -> None:
        running = self.app.running
        assert running is not None
        host, iface = self._selected()
        switch = str(self.query_one("#cables-switch", Select).value)
        try:
            self.notify(
                await asyncio.to_thread(cabling.plug, running.lab, running.attempt.journal, host, iface, switch)
            )
        except SimError as exc:
            self.notify(str(exc), severity="error")
        await self.refresh_state()

    @on(Button.Pressed, "#cables-unplug")
    async def unplug(self) -> None:
        running = self.app.running
        assert running is not None
        host, iface = self._selected()
        try:
            self.notify(await asyncio.to_thread(cabling.unplug, running.lab, running.attempt.journal, host, iface))
        except SimError as exc:
            self.notify(str(exc), severity="error")
        await self.refresh_state()
