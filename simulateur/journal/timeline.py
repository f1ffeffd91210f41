"""An attempt's timeline: every journal entry in the order it happened, with its time since the
attempt's start, the host it ran on, what it counts as (simulateur.journal.classify.read_entry:
the same reading the scoring facts use, on the journal as the kernel saw it) and whether it failed — what the results screen, the jury
screen and the report show for a debrief.

A step also knows the recorded terminal (simulateur.journal.replay) that was open on its host at
that moment, so that a viewer can play the screen as it was when the command ran.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from simulateur.journal.classify import NOT_RUN, read_entry
from simulateur.journal.replay import Recording
from simulateur.journal.store import Entry, Journal

Mark = Literal["diagnostic", "change", "test", "other", "event"]
MARKS: tuple[Mark, ...] = ("diagnostic", "change", "test", "other", "event")
# ok: exit code 0; not_run: 126/127 (not executable, not found: it did nothing); failed: a test or
# a change that exited non-zero (the facts count no such test); nonzero: a look or another command
# that exited non-zero — `systemctl status` of a stopped service (3), `grep` finding nothing (1)
# still looked, and the facts count them as the diagnostics they are; unknown: no exit code.
Outcome = Literal["ok", "failed", "not_run", "nonzero", "unknown"]


@dataclass(frozen=True, slots=True)
class Step:
    at: float  # seconds since the attempt's start (when the command started, if known)
    t: float  # when it ended (epoch, as journaled)
    host: str  # "-" for an event of the attempt (hint, qualification, escalation)
    cmd: str
    rc: int | None
    mark: Mark
    source: str
    origin: str | None = None  # ssh: the lab host the session came from
    remote: tuple[str, ...] = ()  # hosts its commands reached through ssh

    @property
    def outcome(self) -> Outcome:
        if self.mark == "event" or self.rc is None:
            return "unknown"
        if self.rc in NOT_RUN:
            return "not_run"
        if self.rc == 0:
            return "ok"
        return "failed" if self.mark in ("test", "change") else "nonzero"

    @property
    def failed(self) -> bool:
        return self.outcome in ("failed", "not_run")


def step_of(entry: Entry, started: float) -> Step:
    begin = entry.start if entry.start is not None else entry.t
    if entry.source == "event":
        return Step(
            at=begin - started, t=entry.t, host=entry.host, cmd=entry.cmd, rc=None, mark="event", source=entry.source
        )
    reading = read_entry(entry)
    return Step(
        at=begin - started,
        t=entry.t,
        host=entry.host,
        cmd=entry.cmd,
        rc=entry.rc,
        mark=reading.kind.value,
        source=entry.source,
        origin=entry.origin,
        remote=tuple(sorted(reading.hosts - {entry.host})),
    )


def build(entries: Iterable[Entry], started: float) -> list[Step]:
    """The steps of these entries, in the order they started."""
    return sorted((step_of(e, started) for e in entries), key=lambda s: (s.at, s.t))


def attempt_started(directory: Path) -> float | None:
    try:
        value = json.loads((directory / "attempt.json").read_text()).get("started")
    except (OSError, ValueError, AttributeError):
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def of_attempt(directory: Path | str | None, started: float | None = None) -> list[Step]:
    """The timeline of the attempt in `directory` (empty when it has no journal)."""
    if not directory:
        return []
    directory = Path(directory)
    entries = Journal(directory / "journal.jsonl").entries()
    if not entries:
        return []
    if started is None:
        started = attempt_started(directory)
    if started is None:
        started = min(e.start if e.start is not None else e.t for e in entries)
    return build(entries, started)


def hosts(steps: Sequence[Step]) -> list[str]:
    """The hosts commands ran on, in the order of their first command."""
    return list(dict.fromkeys(s.host for s in steps if s.mark != "event"))


def counts(steps: Sequence[Step]) -> Counter[str]:
    """How many commands of each mark, and how many failed (key "failed")."""
    out: Counter[str] = Counter(s.mark for s in steps if s.mark != "event")
    out["commands"] = sum(1 for s in steps if s.mark != "event")
    out["failed"] = sum(1 for s in steps if s.failed)
    return out


def clock(seconds: float) -> str:
    """« +12:05 » (minutes:seconds since the start; hours when over one)."""
    sign = "-" if seconds < 0 else "+"
    s = int(abs(seconds))
    if s >= 3600:
        return f"{sign}{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{sign}{s // 60:02d}:{s % 60:02d}"


def recording_at(
    recordings: Sequence[Recording], step: Step, durations: dict[Path, float] | None = None
) -> tuple[Recording, float] | None:
    """The terminal open on the step's host when it ran, and the moment (seconds into the recording)
    just after it ended; else the last one of that host started before it, at its end."""
    covering: tuple[Recording, float] | None = None
    before: tuple[Recording, float] | None = None
    for r in recordings:
        if r.host != step.host:
            continue
        offset = step.t - r.started
        if offset < -1.0:  # the name's clock has one-second steps
            continue
        length = (durations or {}).get(r.path)
        if length is not None and offset > length + 1.0:
            before = (r, length)
        else:
            covering = (r, max(0.0, offset + 0.5))
    return covering or before
