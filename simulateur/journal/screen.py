"""A recorded terminal's screen at any moment: the asciicast's output played into a terminal emulator
(pyte, a VT102/xterm-like one), as a viewer shows it — full-screen programs (nano, less, top)
included, on the alternate screen they draw on and leave.

`ScreenPlayer.seek(t)` plays every event up to `t` seconds, then `lines()` is the text shown and
`screen.buffer` each cell with its colours. A terminal's state is only known by playing what it
was sent: going back starts again from the last copy of the screen kept on the way (one per
CHECKPOINT_CHARS of output), not from the start. pyte draws text a character at a time; plain
ASCII text — most of a shell session — is drawn here a line at a time (several times faster).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

import pyte
from pyte import charsets
from pyte import modes as mo
from pyte.screens import StaticDefaultDict

from simulateur.journal.asciicast import Cast

_ALTERNATE = {1049 << 5, 1047 << 5, 47 << 5}  # pyte keeps private modes shifted by 5 bits
IDLE_CAP = 2.0  # a pause longer than this (reading, thinking) is skipped when playing
CHECKPOINT_CHARS = 64_000


class _Screen(pyte.Screen):
    """pyte's screen with xterm's alternate screen: what was shown before a full-screen program
    comes back when it leaves."""

    def __init__(self, columns: int, lines: int) -> None:
        self._saved: tuple[Any, Any] | None = None
        self._cells: dict[Any, dict[str, Any]] = {}  # style → character → its cell, made once
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

    def draw(self, data: str) -> None:
        """pyte's draw, a run of cells at a time for printable ASCII in the usual charset and
        replace mode (the same cells, cursor and wrapping); anything else goes to pyte's."""
        if (
            not data.isascii()
            or not data.isprintable()
            or mo.IRM in self.mode
            or (self.g1_charset if self.charset else self.g0_charset) is not charsets.LAT1_MAP
        ):
            super().draw(data)
            return
        attrs = self.cursor.attrs
        cells = self._cells.get(attrs)
        if cells is None:
            if len(self._cells) > 4096:
                self._cells.clear()
            cells = self._cells[attrs] = {}
        i, n = 0, len(data)
        while i < n:
            if self.cursor.x >= self.columns:
                if mo.DECAWM in self.mode:
                    self.dirty.add(self.cursor.y)
                    self.carriage_return()
                    self.linefeed()
                else:
                    self.cursor.x = self.columns - 1
            line = self.buffer[self.cursor.y]
            x = self.cursor.x
            chunk = data[i : i + self.columns - x]
            for c in chunk:
                cell = cells.get(c)
                if cell is None:
                    cell = cells[c] = attrs._replace(data=c)
                line[x] = cell
                x += 1
            self.cursor.x = x
            i += len(chunk)
        self.dirty.add(self.cursor.y)

    def clone(self) -> _Screen:
        """An independent copy (its buffer's new lines take the copy's own default cell)."""
        cells, self._cells = self._cells, {}
        try:
            twin = copy.deepcopy(self)
        finally:
            self._cells = cells
        twin.buffer = defaultdict(lambda: StaticDefaultDict[int, Any](twin.default_char), dict(twin.buffer.items()))
        return twin


class ScreenPlayer:
    """The screen of one recording at a chosen time."""

    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self._outputs = [e for e in cast.events if e.code in ("o", "r")]
        self._restart()

    def _restart(self) -> None:
        self.screen = _Screen(self.cast.header.width, self.cast.header.height)
        self._stream = pyte.Stream(self.screen)
        self._next = 0  # index in _outputs of the first event not yet played
        self.position = 0.0
        self._checkpoints: list[tuple[int, _Screen]] = [(0, self.screen.clone())]
        self._since_checkpoint = 0

    def _restore(self, t: float) -> None:
        """The last kept screen from before `t`."""
        index, screen = next((i, sc) for i, sc in reversed(self._checkpoints) if i == 0 or self._outputs[i - 1].t <= t)
        self.screen = screen.clone()
        self._stream = pyte.Stream(self.screen)
        self._next = index
        self.position = self._outputs[index - 1].t if index else 0.0

    @property
    def duration(self) -> float:
        return self.cast.duration

    def seek(self, t: float) -> None:
        """The screen as it was `t` seconds into the recording (clamped to the recording)."""
        t = min(max(0.0, t), self.duration)
        if t < self.position:
            self._restore(t)
        while self._next < len(self._outputs) and self._outputs[self._next].t <= t:
            event = self._outputs[self._next]
            if event.code == "o":
                try:
                    self._stream.feed(event.data)
                except Exception:  # noqa: BLE001 — what the emulator cannot play is left out, never fatal
                    self._stream = pyte.Stream(self.screen)
                self._since_checkpoint += len(event.data)
            else:
                self._resize(event.data)
            self._next += 1
            # Kept only between two sequences (pyte's parser holds no half of one then), once per index.
            if (
                self._since_checkpoint >= CHECKPOINT_CHARS
                and self._next > self._checkpoints[-1][0]
                and getattr(self._stream, "_taking_plain_text", True) is not False
            ):
                self._checkpoints.append((self._next, self.screen.clone()))
                self._since_checkpoint = 0
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
        """The text on the screen, line by line (trailing blanks removed). A wide character's
        second cell holds "" (pyte's own `display` fails on one left alone by an overwrite)."""
        screen = self.screen
        return ["".join(screen.buffer[y][x].data for x in range(screen.columns)).rstrip() for y in range(screen.lines)]

    def text(self) -> str:
        lines = self.lines()
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines)
