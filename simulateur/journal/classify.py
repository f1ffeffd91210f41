"""What a journal line counts as for the scoring: a diagnostic (looking), a test (checking that
something works), a change (modifying the system), or nothing of note — read from what the
line really ran (simulateur.journal.shell) and what each command does (simulateur.journal.rules).

A line with several commands (`;`, `&&`, `|`, `$( … )`, `sh -c '…'`) is a change if any part
changes something, else a test if any part tests, else a diagnostic if any part looks.

A journal entry also has an exit code: a command that could not run — not installed (127) or
not executable (126) — looked at nothing and tested nothing. On a line of several commands the
code is only the last one's: its changes still count (they may have run), its looks do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from simulateur.journal.files import backs_up, command_backs_up, command_edits, edits
from simulateur.journal.rules import Kind, kind_of
from simulateur.journal.shell import commands

if TYPE_CHECKING:
    from simulateur.journal.store import Entry

__all__ = [
    "Kind",
    "Reading",
    "backs_up",
    "classify",
    "edits",
    "entry_file_events",
    "file_events",
    "ran",
    "read",
    "read_entry",
    "split_commands",
]

NOT_RUN = {126, 127}  # the shell's codes for « not executable » and « command not found »
PRIORITY = (Kind.CHANGE, Kind.TEST, Kind.DIAGNOSTIC)


@lru_cache(maxsize=16384)
def _kinds(line: str) -> tuple[Kind, ...]:
    return tuple(kind_of(cmd) for cmd in commands(line))


def _overall(kinds: tuple[Kind, ...] | list[Kind]) -> Kind:
    return next((kind for kind in PRIORITY if kind in kinds), Kind.OTHER)


def classify(line: str) -> Kind:
    """The kind of a command line, whatever its exit code."""
    return _overall(_kinds(line))


def split_commands(line: str) -> list[str]:
    """The simple commands of a line, each as typed (a command given to `sh -c` or `ssh` is the
    text it was given)."""
    return [cmd.text for cmd in commands(line)]


@dataclass(frozen=True, slots=True)
class Reading:
    """A journal entry as the facts count it.

    `hosts`: where its commands ran through ssh (`ssh poste 'systemctl restart cups'` ran on
    poste), besides the host it was typed on. `tests_last`: its last command is a test run after
    a change of the same line (`systemctl restart cups && lp f`): with exit code 0, it is a
    successful test after that change."""

    kind: Kind
    hosts: frozenset[str] = frozenset()
    tests_last: bool = False


def ran(line: str, rc: int | None) -> bool:
    """False for a single command that could not run (126, 127)."""
    return rc not in NOT_RUN or len(_kinds(line)) > 1


@lru_cache(maxsize=16384)
def read(line: str, rc: int | None) -> Reading:
    kinds = list(_kinds(line))
    if rc in NOT_RUN:
        if len(kinds) <= 1:
            return Reading(Kind.OTHER)
        kinds = [k if k is Kind.CHANGE else Kind.OTHER for k in kinds]
    hosts = frozenset(
        cmd.host for cmd, kind in zip(commands(line), kinds, strict=True) if cmd.host and kind is not Kind.OTHER
    )
    tests_last = bool(kinds) and kinds[-1] is Kind.TEST and Kind.CHANGE in kinds[:-1]
    return Reading(_overall(kinds), hosts, tests_last)


def file_events(line: str, path: str) -> list[Literal["backup", "edit"]]:
    """What the line does to `path`, command by command: `cp F F.bak && nano F` is a backup
    then an edit."""
    events: list[Literal["backup", "edit"]] = []
    for cmd in commands(line):
        if command_edits(cmd, path):
            events.append("edit")
        elif command_backs_up(cmd, path):
            events.append("backup")
    return events


def read_entry(entry: Entry) -> Reading:
    """A journal entry as the facts count it: its line, and what the line started in turn when the
    kernel saw it (`entry.ran`: a script's commands); a line the kernel could not bear out (it named
    no program: `verified` False) looked at nothing and tested nothing."""
    reading = read(entry.cmd, entry.rc)
    if entry.ran and ran(entry.cmd, entry.rc):
        below = [read(c, None) for c in entry.ran]
        reading = Reading(
            _overall([reading.kind, *(r.kind for r in below)]),
            reading.hosts.union(*(r.hosts for r in below)),
            reading.tests_last,
        )
    if entry.verified is False and reading.kind in (Kind.DIAGNOSTIC, Kind.TEST):
        reading = Reading(Kind.OTHER, reading.hosts)
    return reading


def entry_file_events(entry: Entry, path: str) -> list[Literal["backup", "edit"]]:
    """`file_events` of the line, then of what it started in turn (entry.ran)."""
    events = file_events(entry.cmd, path)
    for cmd in entry.ran:
        events += file_events(cmd, path)
    return events
