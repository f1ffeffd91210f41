"""The timer always visible during an intervention: elapsed time, or a countdown in timed mode."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.message import Message
from textual.widgets import Static

from simulateur.i18n import tr
from simulateur.tui import format as F


class Timer(Static):
    DEFAULT_CSS = """
    Timer { width: auto; height: 1; padding: 0 1; }
    """

    class Expired(Message):
        """The countdown reached zero (posted once)."""

    def __init__(
        self, started: float, expected: float, *, countdown: bool, clock: Callable[[], float], id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.started = started
        self.expected = expected
        self.countdown = countdown
        self.clock = clock
        self._expired = False

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1, self.tick)

    def elapsed(self) -> float:
        return max(0.0, self.clock() - self.started)

    def tick(self) -> None:
        elapsed = self.elapsed()
        if not self.countdown:
            self.update(
                Text.assemble(
                    ("⏱ ", "bold"),
                    (F.clock(elapsed), "bold"),
                    (" " + tr("tui.timer.expected", minutes=int(self.expected // 60)), "dim"),
                )
            )
            return
        remaining = self.expected - elapsed
        if remaining >= 0:
            soon = remaining < 300  # said by a sign too, not by the yellow alone (same width: no title cut)
            style = "bold yellow" if soon else "bold"
            self.update(
                Text.assemble(
                    ("⚠ " if soon else "⏳ ", style), (tr("tui.timer.remaining", time=F.clock(remaining)), style)
                )
            )
            return
        self.update(Text("⚠" + tr("tui.timer.over", time=F.clock(-remaining)), style="bold white on red"))
        if not self._expired:
            self._expired = True
            self.post_message(self.Expired())
