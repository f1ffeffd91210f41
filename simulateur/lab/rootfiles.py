"""A host's files in a tree the machine reaches: a running netns host's root (through its PID 1), a
VM's staged tree before its first boot. What both kinds share: the path check, reading where a missing
file is no file, and the error users read when a write fails. Links are resolved inside the tree
(simulateur.lab.confine), never in the machine's root.
"""

from __future__ import annotations

import errno
from pathlib import Path

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab import confine


def checked(inside: str) -> str:
    """`inside` itself, refused if it climbs (`..`): a host's path names a file of the host."""
    if ".." in inside.split("/"):
        raise SimError(tr("lab.bad_path", path=inside), exit_code=2)
    return inside


def read_text(root: Path, inside: str) -> str | None:
    try:
        return confine.read_bytes(root, checked(inside)).decode(errors="replace")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
        return None
    except OSError as exc:  # ELOOP (a loop of links made in the host): nothing to read
        if exc.errno == errno.ELOOP:
            return None
        raise


def write_text(root: Path, inside: str, content: str, mode: int, host: str) -> None:
    try:
        confine.write_bytes(root, checked(inside), content.encode(), mode)
    except OSError as exc:
        raise SimError(tr("lab.write_failed", path=inside, host=host, why=exc.strerror or exc)) from None
