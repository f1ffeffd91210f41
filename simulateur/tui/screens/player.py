"""A recorded terminal, played in the app (results, jury): the screen as the trainee saw it at each
moment (simulateur.journal.screen), with play/pause, moves in time, speed and the other sessions of
the attempt; under it, the last command journaled on that host at that moment."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.journal import timeline
from simulateur.journal.replay import Recording, recordings
from simulateur.journal.screen import ScreenPlayer
from simulateur.journal.timeline import Step, clock
from simulateur.tui.widgets.timeline import mark_text

if TYPE_CHECKING:
    from textual.app import App

SPEEDS = (1.0, 2.0, 4.0, 8.0, 0.5)
STEP_SECONDS = 5.0
TICK = 0.1

_NAMES = {"brown": "yellow", "brightbrown": "bright_yellow"}


def _colour(name: str) -> str | None:
    if name == "default":
        return None
    if len(name) == 6 and all(c in "0123456789abcdefABCDEF" for c in name):
        return "#" + name
    name = _NAMES.get(name, name)
    return "bright_" + name[6:] if name.startswith("bright") and not name.startswith("bright_") else name


def render_screen(player: ScreenPlayer) -> Text:
    """The emulated screen as styled text, the cursor shown as a reversed cell."""
    screen = player.screen
    out = Text(no_wrap=True, overflow="crop")
    styles: dict[tuple, Style] = {}
    cursor = screen.cursor
    for y in range(screen.lines):
        line = screen.buffer[y]
        for x in range(screen.columns):
            ch = line[x]
            data = ch.data
            if not data:  # the second cell of a wide character
                continue
            at_cursor = not cursor.hidden and x == cursor.x and y == cursor.y
            key = (ch.fg, ch.bg, ch.bold, ch.italics, ch.underscore, ch.strikethrough, ch.reverse != at_cursor)
            style = styles.get(key)
            if style is None:
                try:
                    style = Style(
                        color=_colour(ch.fg),
                        bgcolor=_colour(ch.bg),
                        bold=ch.bold,
                        italic=ch.italics,
                        underline=ch.underscore,
                        strike=ch.strikethrough,
                        reverse=ch.reverse != at_cursor,
                    )
                except Exception:  # noqa: BLE001 — a colour name rich does not know: shown without it
                    style = Style(bold=ch.bold, reverse=ch.reverse != at_cursor)
                styles[key] = style
            out.append(data, style)
        if y < screen.lines - 1:
            out.append("\n")
    return out


class TerminalView(Static):
    """The recorded terminal's screen (its size is the recording's; scrolled when bigger)."""


class PlayerScreen(Screen[None]):
    CSS = """
    #player-head { height: auto; padding: 0 1; text-style: bold; }
    #player-box { height: 1fr; border: round $accent 60%; }
    #player-term { width: auto; height: auto; }
    #player-bar { height: auto; padding: 0 1; }
    #player-command { height: auto; padding: 0 1; color: $text-muted; }
    """
    HELP_TITLE = tr("tui.player.title")
    HELP_TEXT = tr("tui.player.help")
    # Priority: the box scrolls with the arrows and Début/Fin too; here they move in time.
    BINDINGS = [
        Binding("escape", "back", tr("tui.key.back")),
        Binding("space", "play_pause", tr("tui.key.play_pause"), priority=True),
        Binding("left", "move(-5)", tr("tui.key.rewind"), key_display="←", priority=True),
        Binding("right", "move(5)", tr("tui.key.forward"), key_display="→", priority=True),
        Binding("plus,equals_sign", "speed", tr("tui.key.speed"), key_display="+"),
        Binding("n", "session(1)", tr("tui.key.next_session")),
        Binding("p", "session(-1)", tr("tui.key.prev_session"), show=False),
        Binding("home", "seek_start", tr("tui.key.start_of"), show=False, priority=True),
        Binding("end", "seek_end", tr("tui.key.end_of"), show=False, priority=True),
    ]
    AUTO_FOCUS = "#player-box"

    def __init__(
        self,
        found: Sequence[Recording],
        index: int = 0,
        at: float | None = None,
        steps: Sequence[Step] = (),
        started: float | None = None,
    ) -> None:
        super().__init__()
        self.found = list(found)
        self.index = index
        self.steps = list(steps)
        self.started = started
        self.player: ScreenPlayer | None = None
        self.problem = ""
        self.playing = at is None  # opened at a command's moment: paused there; else plays from the start
        self.speed = SPEEDS[0]
        self._at = at
        self._last_tick = time.monotonic()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="player-head")
        with ScrollableContainer(id="player-box"):
            yield TerminalView(id="player-term")
        yield Static(id="player-bar")
        yield Static(id="player-command")
        yield Footer()

    def on_mount(self) -> None:
        self.load(self.index, self._at)
        self.set_interval(TICK, self._tick)

    @property
    def recording(self) -> Recording:
        return self.found[self.index]

    def load(self, index: int, at: float | None = None) -> None:
        self.index = index
        self.problem = ""
        try:
            self.player = ScreenPlayer(self.recording.read())
        except SimError as exc:
            self.player, self.problem = None, str(exc)
        if self.player is not None and at is not None:
            self.player.seek(at)
        self._last_tick = time.monotonic()
        self.show()

    def _tick(self) -> None:
        now = time.monotonic()
        dt, self._last_tick = now - self._last_tick, now
        if not self.playing or self.player is None:
            return
        self.player.advance(dt * self.speed)
        if self.player.at_end:
            self.playing = False
        self.show()

    def _started_at(self) -> float:
        if self.player is not None and self.player.cast.header.timestamp:
            return float(self.player.cast.header.timestamp)
        return self.recording.started

    def show(self) -> None:
        r = self.recording
        when = time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(self._started_at()))
        head = tr("tui.player.head", n=r.n, count=len(self.found), host=r.host, when=when, file=r.path.name)
        if self.player is not None and self.player.cast.truncated:
            head += tr("tui.player.truncated")
        self.query_one("#player-head", Static).update(Text(head))
        term = self.query_one("#player-term", TerminalView)
        bar = self.query_one("#player-bar", Static)
        command = self.query_one("#player-command", Static)
        if self.player is None:
            term.update(Text(self.problem, style="bold red"))
            bar.update("")
            command.update("")
            return
        term.update(render_screen(self.player))
        state = tr("tui.player.playing") if self.playing else tr("tui.player.paused")
        speed = f"{self.speed:g}".replace(".", ",")
        bar.update(
            Text(
                tr(
                    "tui.player.bar",
                    state=state,
                    position=clock(self.player.position)[1:],
                    duration=clock(self.player.duration)[1:],
                    speed=speed,
                )
            )
        )
        command.update(self._last_command())

    def _last_command(self) -> Text:
        assert self.player is not None
        now = self._started_at() + self.player.position
        done = [s for s in self.steps if s.host == self.recording.host and s.mark != "event" and s.t <= now + 0.5]
        if not done:
            return Text(tr("tui.player.no_command"))
        s = done[-1]
        head, _, tail = tr("tui.player.last_command", at=clock(s.at), mark="\0", cmd=s.cmd).partition("\0")
        return Text.assemble(head, mark_text(s), tail)

    # --- keys ----------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_play_pause(self) -> None:
        if self.player is None:
            return
        if not self.playing and self.player.at_end:
            self.player.seek(0)
        self.playing = not self.playing
        self._last_tick = time.monotonic()
        self.show()

    def action_move(self, seconds: float) -> None:
        if self.player is not None:
            self.player.seek(self.player.position + seconds)
            self.show()

    def action_seek_start(self) -> None:
        if self.player is not None:
            self.player.seek(0)
            self.show()

    def action_seek_end(self) -> None:
        if self.player is not None:
            self.player.seek(self.player.duration)
            self.playing = False
            self.show()

    def action_speed(self) -> None:
        self.speed = SPEEDS[(SPEEDS.index(self.speed) + 1) % len(SPEEDS)]
        self.show()

    def action_session(self, delta: int) -> None:
        if len(self.found) > 1:
            self.playing = True
            self.load((self.index + delta) % len(self.found), None)


def open_player(
    app: App,
    directory: Path | str | None,
    started: float | None = None,
    step: Step | None = None,
    steps: Sequence[Step] | None = None,
) -> bool:
    """Push the player on the attempt's terminals — at `step`'s moment on its host when given.
    False (and a notice) when there is nothing to play."""
    found = recordings(Path(directory)) if directory else []
    if not found:
        app.notify(tr("tui.timeline.no_terminal"), severity="warning")
        return False
    if steps is None:
        steps = timeline.of_attempt(directory, started)
    if step is None or step.mark == "event":
        app.push_screen(PlayerScreen(found, steps=steps, started=started))
        return True
    durations = {}
    for r in found:
        if r.host == step.host:
            try:
                durations[r.path] = r.read().duration
            except SimError:
                continue
    where = timeline.recording_at(found, step, durations)
    if where is None:
        app.notify(tr("tui.timeline.no_terminal_host", host=step.host), severity="warning")
        return False
    recording, at = where
    app.push_screen(PlayerScreen(found, index=found.index(recording), at=at, steps=steps, started=started))
    return True
