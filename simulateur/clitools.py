"""What the command-line modules share (simulateur.cli and the verbs registered under it: exam,
entretien, quiz…): who runs the command, and printing JSON."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import Any

from simulateur.errors import SimError
from simulateur.i18n import tr


def is_root() -> bool:
    return os.geteuid() == 0


def require_root() -> None:
    """The command changes labs or the store: root only (one French line otherwise)."""
    if not is_root():
        raise SimError(tr("cli.need_root"), exit_code=2)


def root_only(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Marks a command that changes labs or the store as root's; simulateur.cli.dispatch checks it
    once for every command (the command line, the service's workers), before the command runs."""
    command.root_only = True  # type: ignore[attr-defined]  # a mark on the function, read by cli.dispatch
    return command


def print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def jury_login(args: argparse.Namespace) -> str:
    """Who marks or signs: the service's word (its peer's login), else this Unix account (the
    one behind sudo)."""
    forced = getattr(args, "jury_login", None)
    if forced:
        return str(forced)
    import pwd

    sudo = os.environ.get("SUDO_USER") if is_root() else None
    try:
        return sudo or pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"#{os.geteuid()}"
