"""The asciicast v2 format (what asciinema records and plays): a terminal session as text.

A file is one JSON header line — ``{"version": 2, "width", "height", "timestamp", "env": {"TERM",
"SHELL"}, "title"}`` — then one JSON array per event: ``[seconds since the start, code, data]``
with code "o" (what the program wrote to the screen), "i" (what was typed) or "r" (the window
became "COLSxROWS"). Written a line at a time and flushed at once, so that a session killed
outright keeps every event before its end; a reader therefore accepts a last line cut short.

Bytes are decoded as UTF-8 incrementally (a character split over two reads is kept whole); an
invalid byte becomes U+FFFD, as the terminal would show it.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from simulateur.i18n import tr

EventCode = Literal["o", "i", "r"]
SUFFIX = ".cast"


class CastError(ValueError):
    """A recording that cannot be read: what is wrong (French, for the user), and where (line, 1-based)."""

    def __init__(self, why: str, line: int) -> None:
        super().__init__(why)
        self.why = why
        self.line = line


@dataclass
class Header:
    width: int
    height: int
    timestamp: int
    title: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 2,
                "width": self.width,
                "height": self.height,
                "timestamp": self.timestamp,
                "env": self.env,
                "title": self.title,
            },
            ensure_ascii=False,
        )


@dataclass
class Event:
    t: float
    code: str
    data: str


@dataclass
class Cast:
    header: Header
    events: list[Event]
    truncated: bool = False  # the last line was cut short (a session killed while writing)

    def output(self) -> str:
        """Everything the screen was sent, in order."""
        return "".join(e.data for e in self.events if e.code == "o")

    @property
    def duration(self) -> float:
        return self.events[-1].t if self.events else 0.0


class CastWriter:
    """Appends events to a new recording; every event reaches the file (the kernel) at once."""

    def __init__(self, path: Path, header: Header) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        self.path = path
        self._file: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self._start = time.monotonic()
        self._decoders: dict[EventCode, codecs.IncrementalDecoder] = {
            "o": codecs.getincrementaldecoder("utf-8")("replace"),
            "i": codecs.getincrementaldecoder("utf-8")("replace"),
        }
        self._write(header.to_json())

    def _write(self, line: str) -> None:
        self._file.write(line + "\n")
        self._file.flush()

    def _event(self, code: EventCode, data: str) -> None:
        if data and not self._file.closed:
            self._write(json.dumps([round(time.monotonic() - self._start, 6), code, data], ensure_ascii=False))

    def output(self, data: bytes) -> None:
        self._event("o", self._decoders["o"].decode(data))

    def input(self, data: bytes) -> None:
        self._event("i", self._decoders["i"].decode(data))

    def resize(self, width: int, height: int) -> None:
        self._event("r", f"{width}x{height}")

    def close(self) -> None:
        if self._file.closed:
            return
        for code, decoder in self._decoders.items():
            self._event(code, decoder.decode(b"", final=True))  # an incomplete character at the end
        self._file.close()


def _header(obj: object) -> Header:
    if not isinstance(obj, dict) or obj.get("version") != 2:
        raise CastError(tr("cast.not_v2"), 1)
    width, height = obj.get("width"), obj.get("height")
    if not isinstance(width, int) or not isinstance(height, int) or width <= 0 or height <= 0:
        raise CastError(tr("cast.bad_size"), 1)
    env = obj.get("env") if isinstance(obj.get("env"), dict) else {}
    return Header(
        width=width,
        height=height,
        timestamp=int(obj.get("timestamp") or 0),
        title=str(obj.get("title") or ""),
        env={str(k): str(v) for k, v in (env or {}).items()},
    )


def parse(text: str) -> Cast:
    """A recording from its text; CastError if it is not one (an empty or cut last line is allowed)."""
    lines = text.split("\n")
    complete = text.endswith("\n")
    if complete:
        lines.pop()
    if not lines or not lines[0].strip():
        raise CastError(tr("cast.empty"), 1)
    try:
        header = _header(json.loads(lines[0]))
    except json.JSONDecodeError:
        raise CastError(tr("cast.bad_header"), 1) from None
    events: list[Event] = []
    truncated = False
    last_t = 0.0
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines) and not complete:  # cut while being written: what came before stays
                truncated = True
                break
            raise CastError(tr("cast.bad_line"), number) from None
        if (
            not isinstance(item, list)
            or len(item) != 3
            or not isinstance(item[0], (int, float))
            or isinstance(item[0], bool)
            or not isinstance(item[1], str)
            or not isinstance(item[2], str)
        ):
            raise CastError(tr("cast.bad_event"), number)
        t = float(item[0])
        if t < last_t - 1e-6 or math.isnan(t):
            raise CastError(tr("cast.time_back"), number)
        last_t = t
        events.append(Event(t, item[1], item[2]))
    return Cast(header, events, truncated)


def read(path: Path) -> Cast:
    """The recording at `path` (OSError if it cannot be read, CastError if it is not one)."""
    return parse(path.read_bytes().decode("utf-8", errors="replace"))
