"""The escalation form: when the fault is beyond level 1, say to whom, why, and what was done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from simulateur.i18n import tr
from simulateur.tui import format as F

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp

from simulateur.ticket import ESCALATION_TARGETS as RECIPIENTS


class EscaladeForm(VerticalScroll):
    DEFAULT_CSS = """
    EscaladeForm { padding: 0 1; }
    EscaladeForm Label { margin-top: 1; }
    EscaladeForm Select { width: 100%; }
    EscaladeForm TextArea { height: 4; }
    EscaladeForm Button { margin-top: 1; }
    EscaladeForm #escalade-state { margin-top: 1; }
    """

    app: SimulateurApp

    def compose(self) -> ComposeResult:
        yield Static(tr("tui.escalade.intro"), classes="muted")
        yield Label(tr("tui.escalade.to"))
        yield Select(
            [(tr(f"tui.escalade.to.{r}"), r) for r in RECIPIENTS],
            prompt=tr("tui.escalade.choose"),
            id="escalade-to",
            compact=True,
        )
        yield Label(tr("tui.escalade.reason"))
        yield Input(placeholder=tr("tui.escalade.reason.placeholder"), id="escalade-reason", compact=True)
        yield Label(tr("tui.escalade.done"))
        yield TextArea(id="escalade-done", compact=True, placeholder=tr("tui.escalade.done.placeholder"))
        yield Button(tr("tui.escalade.send"), id="escalade-send", variant="warning")
        yield Static(self._state(), id="escalade-state")

    def _state(self) -> str:
        running = self.app.running
        rec = self.app.store.attempt(running.attempt_id) if running else None
        if rec is None or rec.escalation is None:
            return ""
        return tr(
            "tui.escalade.sent",
            to=tr(f"tui.escalade.to.{rec.escalation.to}") if rec.escalation.to in RECIPIENTS else rec.escalation.to,
            at=F.hour(rec.escalation.t),
        )

    @on(Button.Pressed, "#escalade-send")
    def send(self) -> None:
        to = self.query_one("#escalade-to", Select).value
        reason = self.query_one("#escalade-reason", Input).value.strip()
        if not isinstance(to, str) or not reason:
            self.notify(tr("tui.escalade.incomplete"), severity="warning")
            return
        running = self.app.running
        if running is None:
            return
        running.escalate(to, reason, self.query_one("#escalade-done", TextArea).text.strip())
        self.query_one("#escalade-state", Static).update(self._state())
        self.notify(tr("tui.escalade.notified"))
