"""Hints: revealed one at a time on demand, each recorded, its cost shown before revealing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from simulateur.i18n import tr
from simulateur.session.store import HINT_COST_MINUTES

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


class HintsPane(VerticalScroll):
    DEFAULT_CSS = """
    HintsPane { padding: 0 1; }
    HintsPane .hint { margin-top: 1; }
    HintsPane Button { margin-top: 1; }
    HintsPane #hints-cost { margin-top: 1; }
    """

    app: SimulateurApp

    def compose(self) -> ComposeResult:
        running = self.app.running
        if running is None or running.timed:
            yield Static(tr("tui.hints.timed"), classes="muted")
            return
        yield Static(id="hints-cost", classes="muted")
        yield Button(tr("tui.hints.reveal"), id="hints-reveal", variant="warning")

    def on_mount(self) -> None:
        self.refresh_hints()

    def revealed(self) -> int:
        running = self.app.running
        return len(self.app.store.hints(running.attempt_id)) if running else 0

    def refresh_hints(self) -> None:
        running = self.app.running
        if running is None or running.timed:
            return
        for old in self.query(".hint"):
            old.remove()
        shown = self.app.store.hints(running.attempt_id)
        button = self.query_one("#hints-reveal", Button)
        for h in shown:
            text = Text.assemble(
                (tr("tui.hints.number", n=h.index + 1, total=len(running.scenario.hints)), "bold"), " " + h.text
            )
            self.mount(Static(text, classes="hint"), before=button)
        left = len(running.scenario.hints) - len(shown)
        cost = self.query_one("#hints-cost", Static)
        if left:
            cost.update(tr("tui.hints.cost", cost=HINT_COST_MINUTES, used=len(shown), left=left))
        else:
            cost.update(tr("tui.hints.all", used=len(shown)))
        button.display = left > 0

    @on(Button.Pressed, "#hints-reveal")
    def ask_and_reveal(self) -> None:
        """The cost said first: the next hint is revealed (and counted) only once the trainee says yes."""
        from simulateur.tui.screens.dialogs import ConfirmScreen

        running = self.app.running
        if running is None or running.timed:
            self.notify(tr("tui.hints.timed"), severity="warning")
            return
        n = self.revealed()
        total = len(running.scenario.hints)
        if n >= total:
            self.notify(tr("tui.hints.none_left"))
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.reveal_next()

        self.app.push_screen(
            ConfirmScreen(tr("tui.hints.confirm", n=n + 1, total=total, cost=HINT_COST_MINUTES)), answer
        )

    def reveal_next(self) -> None:
        running = self.app.running
        if running is None or running.timed:
            self.notify(tr("tui.hints.timed"), severity="warning")
            return
        n = self.revealed()
        if n >= len(running.scenario.hints):
            self.notify(tr("tui.hints.none_left"))
            return
        running.reveal_hint(n)
        self.refresh_hints()
