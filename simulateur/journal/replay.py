"""An attempt's recorded terminals (simulateur.journal.terminal): found, listed, played back.

Playing keeps the recording's timing, with two changes a viewer wants: a pause longer than
IDLE_CAP seconds (the trainee reading a man page, thinking) lasts IDLE_CAP, and `speed` divides
every delay. Only what the screen was sent ("o" events) is played; keys typed are already in it
through the terminal's echo.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from simulateur.errors import SimError, UsageError
from simulateur.i18n import tr
from simulateur.journal import asciicast
from simulateur.paths import data_dir

IDLE_CAP = 2.0


@dataclass
class Recording:
    n: int  # its number in the attempt's list (1 = the first session), as --list shows it
    host: str
    path: Path

    @property
    def started(self) -> float:
        date, clock = self.path.name.split("-", 2)[:2]
        try:
            return time.mktime(time.strptime(date + clock.split(".", 1)[0], "%Y%m%d%H%M%S"))
        except ValueError:
            return self.path.stat().st_mtime

    def read(self) -> asciicast.Cast:
        """The recording; SimError in French (path, line, why) if it cannot be read."""
        try:
            return asciicast.read(self.path)
        except asciicast.CastError as exc:
            raise SimError(tr("replay.corrupt", path=self.path, line=exc.line, why=exc.why)) from None
        except OSError as exc:
            raise SimError(tr("replay.unreadable", path=self.path, why=exc.strerror or exc)) from None


def attempt_dir(attempt_id: str) -> Path:
    """The directory of an attempt named as `simulateur attempts`/`report` name it."""
    directory = data_dir() / "attempts" / attempt_id
    if "/" not in attempt_id and attempt_id not in ("", ".", "..") and (directory / "attempt.json").is_file():
        return directory
    try:
        from simulateur.session.store import Store

        rec = Store().attempt(attempt_id)
    except Exception:  # noqa: BLE001 — no store, or an unreadable one: the id is unknown here
        rec = None
    if rec is not None and rec.attempt_dir and Path(rec.attempt_dir).is_dir():
        return Path(rec.attempt_dir)
    raise UsageError(tr("replay.unknown_attempt", id=attempt_id))


def recordings(directory: Path) -> list[Recording]:
    """Every recorded terminal of the attempt in `directory`, oldest first."""
    folder = directory / "terminals"
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix == asciicast.SUFFIX and p.name.count("-") >= 2)
    except OSError:
        return []
    return [Recording(n, p.stem.split("-", 2)[2], p) for n, p in enumerate(files, start=1)]


def select(attempt_id: str, host: str | None = None, session: int | None = None) -> list[Recording]:
    found = recordings(attempt_dir(attempt_id))
    if not found:
        raise SimError(tr("replay.none", id=attempt_id))
    if session is not None:
        chosen = [r for r in found if r.n == session]
        if not chosen:
            raise UsageError(tr("replay.no_session", n=session, id=attempt_id, count=len(found)))
        found = chosen
    if host is not None:
        kept = [r for r in found if r.host == host]
        if not kept:
            raise SimError(
                tr("replay.none_host", host=host, id=attempt_id, hosts=", ".join(sorted({r.host for r in found})))
            )
        found = kept
    return found


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60} min {s % 60:02d} s"


def list_lines(attempt_id: str) -> list[str]:
    """The lines `simulateur replay ATTEMPT --list` prints."""
    found = select(attempt_id)
    lines = [tr("replay.list_head", id=attempt_id)]
    for r in found:
        try:
            cast = r.read()
            duration = _clock(cast.duration)
            size = f"{cast.header.width}x{cast.header.height}" + (tr("replay.truncated") if cast.truncated else "")
        except SimError as exc:
            duration, size = "?", str(exc)
        lines.append(
            tr(
                "replay.list_row",
                n=r.n,
                when=time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(r.started)),
                host=r.host,
                duration=duration,
                size=size,
                path=r.path.name,
            )
        )
    return lines


def play(
    cast: asciicast.Cast,
    out: IO[str],
    speed: float = 1.0,
    idle_cap: float = IDLE_CAP,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Write the screen's output of `cast` to `out` at its pace (pauses capped at `idle_cap`, then / `speed`)."""
    last = 0.0
    for event in cast.events:
        if event.code != "o":
            continue
        delay = min(max(0.0, event.t - last), idle_cap) / speed
        last = event.t
        if delay > 0.001:
            out.flush()
            sleep(delay)
        out.write(event.data)
    out.flush()


def replay(
    attempt_id: str, host: str | None = None, speed: float = 1.0, session: int | None = None, out: IO[str] | None = None
) -> int:
    """Play the attempt's terminals (all, or one host's, or one session) one after the other."""
    if not speed > 0 or speed == float("inf"):
        raise UsageError(tr("replay.bad_speed", speed=speed))
    out = out or sys.stdout
    chosen = select(attempt_id, host, session)
    casts = [(r, r.read()) for r in chosen]  # every file checked before anything is played
    is_tty = out.isatty() if hasattr(out, "isatty") else False
    for r, cast in casts:
        when = time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(cast.header.timestamp or r.started))
        out.write(tr("replay.session_head", n=r.n, host=r.host, when=when) + "\r\n")
        play(cast, out, speed)
        if is_tty:  # a session cut in colour, or inside a full-screen program: the terminal as it was
            text = cast.output()
            out.write(
                "\x1b[0m\x1b[?25h" + ("\x1b[?1049l" if text.rfind("\x1b[?1049h") > text.rfind("\x1b[?1049l") else "")
            )
        out.write("\r\n" + tr("replay.session_end", n=r.n) + "\r\n")
        out.flush()
    return 0
