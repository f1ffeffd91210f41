"""A recorded terminal's screen at any moment: the asciicast's output played into a terminal emulator
(pyte, a VT102/xterm-like one), as a viewer shows it — full-screen programs (nano, less, top)
included, on the alternate screen they draw on and leave.

`ScreenPlayer.seek(t)` plays every event up to `t` seconds (going back replays from the start:
a terminal's state is only known by playing what it was sent), then `lines()` is the text shown
and `screen.buffer` each cell with its colours.
"""

from __future__ import annotations

import copy
from typing import Any

import pyte

from simulateur.journal.asciicast import Cast

_ALTERNATE = {1049 << 5, 1047 << 5, 47 << 5}   # pyte keeps private modes shifted by 5 bits
IDLE_CAP = 2.0    # a pause longer than this (reading, thinking) is skipped when playing


class _Screen(pyte.Screen):
    """pyte's screen with xterm's alternate screen: what was shown before a full-screen program
    comes back when it leaves."""

    def __init__(self, columns: int, lines: int) -> None:
        self._saved: tuple[Any, Any] | None = None
        super().__init__(columns, lines)

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private") and any(m << 5 in _ALTERNATE for m in modes):
            if self._saved is None:
                self._saved = ({y: copy.copy(line) for y, line in self.buffer.items()}, copy.copy(self.cursor))
                self.erase_in_display(2)
            modes = tuple(m for m in modes if m << 5 not in _ALTERNATE)
        if modes:
            super().set_mode(*modes, **kwargs)

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private") and any(m << 5 in _ALTERNATE for m in modes):
            if self._saved is not None:
                buffer, cursor = self._saved
                self._saved = None
                self.buffer.clear()
                for y, line in buffer.items():
                    if y < self.lines:
                        self.buffer[y] = line
                self.cursor = cursor
                self.cursor.x = min(self.cursor.x, self.columns - 1)
                self.cursor.y = min(self.cursor.y, self.lines - 1)
                self.dirty.update(range(self.lines))
            modes = tuple(m for m in modes if m << 5 not in _ALTERNATE)
        if modes:
            super().reset_mode(*modes, **kwargs)

    @property
    def alternate(self) -> bool:
        return self._saved is not None


class ScreenPlayer:
    """The screen of one recording at a chosen time."""

    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self._outputs = [e for e in cast.events if e.code in ("o", "r")]
        self._restart()

    def _restart(self) -> None:
        self.screen = _Screen(self.cast.header.width, self.cast.header.height)
        self._stream = pyte.Stream(self.screen)
        self._next = 0          # index in _outputs of the first event not yet played
        self.position = 0.0

    @property
    def duration(self) -> float:
        return self.cast.duration

    def seek(self, t: float) -> None:
        """The screen as it was `t` seconds into the recording (clamped to the recording)."""
        t = min(max(0.0, t), self.duration)
        if t < self.position:
            self._restart()
        while self._next < len(self._outputs) and self._outputs[self._next].t <= t:
            event = self._outputs[self._next]
            if event.code == "o":
                self._stream.feed(event.data)
            else:
                self._resize(event.data)
            self._next += 1
        self.position = t

    def _resize(self, size: str) -> None:
        cols, _, rows = size.partition("x")
        if cols.isdigit() and rows.isdigit() and 0 < int(cols) <= 1000 and 0 < int(rows) <= 1000:
            self.screen.resize(lines=int(rows), columns=int(cols))

    def next_event(self) -> float | None:
        """When the next change of the screen comes (None at the end)."""
        return self._outputs[self._next].t if self._next < len(self._outputs) else None

    def advance(self, dt: float, idle_cap: float = IDLE_CAP) -> None:
        """Play `dt` more seconds, a pause longer than `idle_cap` shortened to it."""
        last = self._outputs[self._next - 1].t if self._next else 0.0
        upcoming = self.next_event()
        target = self.position + dt
        if upcoming is not None and upcoming - last > idle_cap and target - last > idle_cap:
            target = max(target, upcoming)
        self.seek(target)

    @property
    def at_end(self) -> bool:
        return self.position >= self.duration

    def lines(self) -> list[str]:
        """The text on the screen, line by line (trailing blanks removed)."""
        return [line.rstrip() for line in self.screen.display]

    def text(self) -> str:
        lines = self.lines()
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines)
