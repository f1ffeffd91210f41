"""One intervention's timeline on a screen of its own (from the jury's grid): its commands per
host with their nature, result and time, and its recorded terminals."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from simulateur.i18n import tr
from simulateur.tui.widgets.timeline import TimelinePanel


class TimelineScreen(Screen[None]):
    CSS = """
    #timeline-head { height: auto; padding: 0 1; }
    #timeline-scroll { padding: 0 1; }
    #timeline-box { border: round $accent 60%; border-title-color: $accent; border-title-style: bold;
                    padding: 0 1; }
    """
    HELP_TITLE = tr("tui.timeline.title")
    HELP_TEXT = tr("tui.timeline.help")
    BINDINGS = [
        Binding("escape", "back", tr("tui.key.back")),
        Binding("t", "terminals", tr("tui.key.terminals")),
    ]
    AUTO_FOCUS = "#timeline"

    def __init__(self, head: str, directory: Path | str | None, started: float | None) -> None:
        super().__init__()
        self.head = head
        self.directory = directory
        self.started = started

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.head, style="bold"), id="timeline-head")
        with VerticalScroll(id="timeline-scroll"):
            panel = TimelinePanel(self.directory, self.started, id="timeline-box")
            panel.border_title = tr("tui.timeline.box")
            yield panel
        yield Footer()

    def action_terminals(self) -> None:
        self.query_one(TimelinePanel).play()

    def action_back(self) -> None:
        self.app.pop_screen()
