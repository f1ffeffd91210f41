"""The attempt's timeline as a table: time since the start, host, nature, result, command
(simulateur.journal.timeline). `h` shows one host at a time; Entrée selects a row (the screen
plays the terminal at that moment)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from simulateur.i18n import N_, tr, trn
from simulateur.journal import timeline
from simulateur.journal.replay import recordings
from simulateur.journal.timeline import Step, clock, hosts

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp

MARK_STYLES = {
    "diagnostic": "cyan",
    "change": "bold yellow",
    "test": "green",
    "other": "dim",
    "event": "italic magenta",
}


def mark_text(step: Step) -> Text:
    return Text(tr(f"timeline.mark.{step.mark}"), style=MARK_STYLES[step.mark])


def outcome_text(step: Step) -> Text:
    label = tr(f"timeline.outcome.{step.outcome}", rc=step.rc)
    return Text(
        label,
        style={"ok": "green", "failed": "bold red", "not_run": "bold red", "nonzero": "yellow"}.get(
            step.outcome, "dim"
        ),
    )


def command_text(step: Step) -> Text:
    out = Text(step.cmd, style="italic" if step.mark == "event" else "")
    if step.origin:
        out.append(tr("timeline.via_ssh", origin=step.origin), style="dim")
    if step.remote:
        out.append(tr("timeline.reaches", hosts=", ".join(step.remote)), style="dim")
    if step.source == "kernel":
        out.append(tr("timeline.unreported"), style="dim")
    return out


class TimelineTable(DataTable[object]):
    """The steps of one attempt, optionally those of one host only."""

    BINDINGS = [
        Binding("enter", "select_cursor", tr("tui.key.play_here")),
        Binding("h", "next_host", tr("tui.key.next_host")),
    ]

    class HostShown(Message):
        def __init__(self, table: TimelineTable, host: str | None) -> None:
            super().__init__()
            self.table = table
            self.host = host

    def __init__(self, steps: Sequence[Step], id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.steps = list(steps)
        self.hosts = hosts(self.steps)
        self.host: str | None = None

    def on_mount(self) -> None:
        for key in ("at", "host", "mark", "outcome", "cmd"):
            self.add_column(tr(f"tui.timeline.col.{key}"), key=key)
        self.fill()

    def shown(self) -> list[tuple[int, Step]]:
        return [(i, s) for i, s in enumerate(self.steps) if self.host is None or s.host == self.host]

    def fill(self) -> None:
        self.clear()
        for i, s in self.shown():
            self.add_row(
                clock(s.at),
                "—" if s.mark == "event" else s.host,
                mark_text(s),
                outcome_text(s),
                command_text(s),
                key=str(i),
            )

    def action_next_host(self) -> None:
        """Cycle: every host, then each host in the order it was first used."""
        cycle: list[str | None] = [None, *self.hosts]
        self.host = cycle[(cycle.index(self.host) + 1) % len(cycle)]
        self.fill()
        self.post_message(self.HostShown(self, self.host))

    def step_at(self, row_key: object) -> Step | None:
        value = getattr(row_key, "value", row_key)
        try:
            return self.steps[int(str(value))]
        except (ValueError, IndexError):
            return None

    def current(self) -> Step | None:
        if self.row_count == 0:
            return None
        return self.step_at(self.coordinate_to_cell_key(self.cursor_coordinate).row_key)


class TimelinePanel(Vertical):
    """An attempt's timeline with its counts; a row selected (Entrée, click) plays its host's
    terminal at that moment."""

    app: SimulateurApp

    DEFAULT_CSS = """
    TimelinePanel { height: auto; }
    TimelinePanel #timeline-summary { height: auto; }
    TimelinePanel #timeline-host { height: auto; color: $text-muted; }
    TimelinePanel TimelineTable { height: auto; max-height: 16; }
    """

    def __init__(self, directory: Path | str | None, started: float | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.directory = Path(directory) if directory else None
        self.started = started
        self.steps = timeline.of_attempt(self.directory, started)
        self.terminals = len(recordings(self.directory)) if self.directory else 0

    def compose(self) -> ComposeResult:
        n = timeline.counts(self.steps)
        yield Static(
            tr(
                "tui.timeline.summary",
                commands=trn("count.commands", n["commands"]),
                diagnostic=trn("count.diagnostics", n["diagnostic"]),
                change=trn("count.changes", n["change"]),
                test=trn("count.tests", n["test"]),
                failed=n["failed"],
                terminals=trn("count.terminals", self.terminals),
            ),
            id="timeline-summary",
        )
        if self.steps:
            yield Static(tr("tui.timeline.showing", host=tr("tui.timeline.all_hosts")), id="timeline-host")
            yield TimelineTable(self.steps, id="timeline")
        else:
            yield Static(Text(tr("tui.timeline.none"), style="dim"), id="timeline-none")

    @on(DataTable.RowSelected, "#timeline")
    def _play_row(self, event: DataTable.RowSelected) -> None:
        event.stop()
        step = self.query_one(TimelineTable).step_at(event.row_key)
        self.play(step)

    @on(TimelineTable.HostShown)
    def _host_shown(self, event: TimelineTable.HostShown) -> None:
        self.query_one("#timeline-host", Static).update(
            tr("tui.timeline.showing", host=event.host or tr("tui.timeline.all_hosts"))
        )

    def play(self, step: Step | None = None) -> bool:
        return self.app.open_player(self.directory, self.started, step, self.steps)


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.timeline.col.at"),
    N_("tui.timeline.col.cmd"),
    N_("tui.timeline.col.host"),
    N_("tui.timeline.col.mark"),
    N_("tui.timeline.col.outcome"),
)
