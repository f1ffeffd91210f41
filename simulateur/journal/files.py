"""Which journal lines modify a given file, and which copy it somewhere first: what « backed
up the file before editing it » is judged on.

A file is modified by an editor, `sed -i`, `tee`, `truncate`, a copy or move onto it, or any
redirection that writes it — wherever that sits in the line: `sh -c 'printf … > F'`,
`cat > F <<EOF`, `echo … | sudo tee F`, `ssh h "sed -i … F"`.
"""

from __future__ import annotations

from simulateur.journal.rules import EDITORS, Kind, kind_of
from simulateur.journal.shell import Command, commands


def _touches(words: list[str] | tuple[str, ...], path: str) -> bool:
    """A word names `path`: the same path, one ending with its name, or its bare name (typed
    from its directory: `cd /etc/network; nano interfaces`)."""
    base = path.rsplit("/", 1)[-1]
    return any(w in (path, base) or w.endswith("/" + base) for w in words)


def _operands(cmd: Command) -> list[str]:
    return [w for w in cmd.argv[1:] if not w.startswith("-")]


def edits(line: str, path: str) -> bool:
    """Does this command line modify `path`?"""
    return any(command_edits(cmd, path) for cmd in commands(line))


def command_edits(cmd: Command, path: str) -> bool:
    if _touches(cmd.writes, path):
        return True
    if not cmd.argv or kind_of(cmd) is not Kind.CHANGE:
        return False
    name = cmd.name
    if name in EDITORS | {"sed", "tee", "truncate", "dos2unix", "patch"}:
        return _touches(cmd.argv[1:], path)
    if name in ("cp", "mv", "install", "rsync", "ln"):
        operands = _operands(cmd)
        return len(operands) >= 2 and _touches(operands[-1:], path)
    return False


def backs_up(line: str, path: str) -> bool:
    """Is this command line a copy of `path` somewhere else (cp, rsync, tar, cat > …)?"""
    return any(command_backs_up(cmd, path) for cmd in commands(line))


def command_backs_up(cmd: Command, path: str) -> bool:
    name, operands = cmd.name, _operands(cmd)
    if name in ("cp", "rsync", "scp", "install") and len(operands) >= 2:
        return _touches(operands[:-1], path) and not _touches(operands[-1:], path)
    if name == "tar":
        return _touches(operands, path)
    if name == "cat":  # cat F > F.bak
        return _touches(operands, path) and bool(cmd.writes) and not _touches(cmd.writes, path)
    return False
