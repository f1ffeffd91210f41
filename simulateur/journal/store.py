"""The attempt's journal: one JSON line per command the trainee ran, kept outside every host.

What the shells report is only kept where the kernel's record of the lab's programs bears it out
(simulateur.journal.kernel): `entries()` is that reconciled journal, `reported()` the lines as
they were written."""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel


class Entry(BaseModel):
    t: float  # when the command ended (recorded by simulateur)
    start: float | None = None  # when it started (from the shell's history)
    host: str
    cmd: str
    rc: int | None = None
    source: Literal["shell", "exec", "ssh", "event", "kernel"] = "shell"
    origin: str | None = None  # ssh: the lab host the session was opened from
    session: str | None = None  # shell: the terminal it was typed in (its exec record's tag)
    ran: list[str] = []  # kernel: what the command started in turn (a script's commands)
    verified: bool | None = None  # borne out by the kernel's record (None: no record to check against)


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: Entry) -> None:
        line = (entry.model_dump_json() + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def record(
        self,
        host: str,
        cmd: str,
        rc: int | None,
        source: Literal["shell", "exec", "event"],
        start: float | None = None,
        session: str | None = None,
    ) -> None:
        self.append(Entry(t=time.time(), start=start, host=host, cmd=cmd, rc=rc, source=source, session=session))

    def entries(self) -> list[Entry]:
        """The journal as the kernel saw it (simulateur.journal.kernel): what the shells reported
        and the lab's exec record bears out, and what ran unreported."""
        from simulateur.journal import kernel

        return kernel.reconcile(self.reported(), kernel.Record.read(self.path.parent / kernel.RECORD))

    def reported(self) -> list[Entry]:
        """All readable entries as written; a damaged line is skipped, never fatal."""
        try:
            lines = self.path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                out.append(Entry.model_validate(json.loads(line)))
            except (ValueError, TypeError):
                continue
        return out
