"""Questions on what the candidate did, read from an attempt's journal with the scoring's own
reading (simulateur.journal.classify): the files she wrote, the services she restarted, the tests
she ran — and, when she changed something and tested nothing after it, how she made sure it worked.

A question names what she did and when (« vous avez modifié /etc/dnsmasq.conf à 10 h 12 :
pourquoi ? »), never what she should have done: the expected elements are the jury's only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from simulateur.journal.classify import Kind, file_events, read_entry
from simulateur.journal.rules import EDITORS, kind_of, positional
from simulateur.journal.shell import Command, commands
from simulateur.journal.store import Entry

Topic = Literal["file", "service", "test", "untested"]

#: systemctl and service verbs that (re)start a service.
RESTART_VERBS = {
    "restart",
    "reload",
    "start",
    "try-restart",
    "reload-or-restart",
    "try-reload-or-restart",
    "force-reload",
    "condrestart",
}
_SYSTEMCTL_WITH_VALUE = {
    "-t",
    "--type",
    "-p",
    "--property",
    "-H",
    "--host",
    "-M",
    "--machine",
    "-n",
    "--lines",
    "-o",
    "--output",
    "--signal",
    "-s",
    "--kill-whom",
    "--job-mode",
}


@dataclass(frozen=True)
class Done:
    """One thing the journal shows she did, that the jury may ask about."""

    topic: Topic
    subject: str  # the file, the service, the test command
    host: str
    t: float  # when (epoch)
    count: int = 1  # how many times (a file edited three times is one question)
    hosts: tuple[str, ...] = field(default_factory=tuple)


def clock(t: float) -> str:
    """« 10 h 12 », in the machine's local time (the jury's)."""
    tm = time.localtime(t)
    return f"{tm.tm_hour} h {tm.tm_min:02d}"


def services_restarted(cmd: Command) -> list[str]:
    """The services this simple command (re)starts: systemctl, service, invoke-rc.d, /etc/init.d/X."""
    if not cmd.argv:
        return []
    name, args = cmd.name, list(cmd.argv[1:])
    if name == "systemctl":
        words = positional(args, _SYSTEMCTL_WITH_VALUE)
        if words and words[0] in RESTART_VERBS:
            return [w.removesuffix(".service") for w in words[1:]]
        return []
    if name in ("service", "invoke-rc.d"):
        return [args[0]] if len(args) >= 2 and args[1] in RESTART_VERBS else []
    if "/init.d/" in cmd.argv[0]:
        return [name] if args and args[0] in RESTART_VERBS else []
    return []


def _path_like(word: str) -> bool:
    return bool(word) and " " not in word and not word.startswith("-") and ("/" in word or "." in word)


BACKUP_SUFFIXES = (".bak", ".orig", ".old", ".save", ".sav", ".back", "~")


def _is_backup(sources: list[str], dest: str) -> bool:
    """`cp F F.bak`, `cp F /root/F.orig`: a copy kept aside, not a change of the system."""
    base = dest.rstrip("/").rsplit("/", 1)[-1]
    if base.endswith(BACKUP_SUFFIXES):
        return True
    return any(base != s.rsplit("/", 1)[-1] and base.startswith(s.rsplit("/", 1)[-1]) for s in sources)


def files_written(cmd: Command) -> list[str]:
    """The files this simple command writes: its redirections, an editor's or `sed -i`'s or
    `tee`'s operands, a copy's or move's destination (each confirmed by journal.files)."""
    words = list(cmd.writes)
    name = cmd.name
    args = [a for a in cmd.argv[1:] if not a.startswith("-")]
    if name in EDITORS | {"tee", "truncate", "dos2unix"}:
        words += args
    elif name == "sed":
        scripted = any(
            a in ("-e", "-f", "--expression", "--file") or a.startswith("--expression=") for a in cmd.argv[1:]
        )
        words += args if scripted else args[1:]
    elif name in ("cp", "mv", "install") and len(args) >= 2 and not _is_backup(args[:-1], args[-1]):
        words.append(args[-1])
    out: list[str] = []
    for w in words:
        if w not in out and (w in cmd.writes or (_path_like(w) and "edit" in file_events(cmd.text, w))):
            out.append(w)
    return out


def _when(e: Entry) -> float:
    return e.start if e.start is not None else e.t


def read_journal(entries: list[Entry]) -> list[Done]:
    """What she did, in the order she first did it: each file written (its last time), each
    service restarted (its last time), the last test she ran after her last change (or her last
    test, when she changed nothing), or her last change when no test followed it."""
    files: dict[tuple[str, str], Done] = {}
    services: dict[tuple[str, str], Done] = {}
    last_change: Entry | None = None
    last_test: Entry | None = None
    for e in sorted(entries, key=_when):
        if e.source == "event":
            continue
        reading = read_entry(e)
        if reading.kind is Kind.CHANGE:
            for cmd in commands(e.cmd):
                if kind_of(cmd) is not Kind.CHANGE:  # `ip a > etat.txt; systemctl restart x`: a look saved
                    continue
                host = cmd.host or e.host
                for path in files_written(cmd):
                    prev = files.get((host, path))
                    files[(host, path)] = Done("file", path, host, _when(e), (prev.count + 1) if prev else 1)
                for svc in services_restarted(cmd):
                    prev = services.get((host, svc))
                    services[(host, svc)] = Done("service", svc, host, _when(e), (prev.count + 1) if prev else 1)
            last_change = e
        elif reading.kind is Kind.TEST:
            last_test = e
    done = sorted([*files.values(), *services.values()], key=lambda d: d.t)
    if last_test is not None and (last_change is None or _when(last_test) > _when(last_change)):
        done.append(Done("test", last_test.cmd, last_test.host, _when(last_test)))
    elif last_change is not None:
        done.append(Done("untested", last_change.cmd, last_change.host, _when(last_change)))
    return done
