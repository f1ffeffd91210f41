"""The attempt's journal: one JSON line per command the trainee ran, kept outside every host."""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel


class Entry(BaseModel):
    t: float                      # when the command ended (recorded by simulateur)
    start: float | None = None    # when it started (from the shell's history)
    host: str
    cmd: str
    rc: int | None = None
    source: Literal["shell", "exec", "ssh", "event"] = "shell"
    origin: str | None = None     # ssh: the lab host the session was opened from


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

    def record(self, host: str, cmd: str, rc: int | None, source: Literal["shell", "exec", "event"],
               start: float | None = None) -> None:
        self.append(Entry(t=time.time(), start=start, host=host, cmd=cmd, rc=rc, source=source))

    def entries(self) -> list[Entry]:
        """All readable entries; a damaged line is skipped, never fatal."""
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
