"""The journal as the kernel saw it: what the shells reported, kept only where the lab's exec
record (simulateur.lab.audit — every program started in a host, recorded from the machine) shows
it ran; what ran without being reported, added.

The shells' own reports (simulateur/lab/hostfiles/bashrc, the SSH sessions' ssh-session) come from
inside the hosts: root there can silence them (`unset PROMPT_COMMAND`) or write anything to their
channel. They still say what no exec record says — the line as typed, with its quotes, aliases and
builtins — so a report is kept, as the line typed, when it is borne out:

- a report of a terminal (`shell`, tagged with its terminal's session) is borne out when every
  program the line names (builtins aside; `sh -c '…'`, `sudo`, pipelines seen through) was
  started by that very terminal's shell between the line's start and its report. Its exit code
  is then the kernel's for the line's last program, when that is the last program it started;
- a report of an SSH session is borne out when those programs were started on its host, in
  none of the trainees' terminals or `exec` commands, in that time;
- a report naming no program at all (`cd`, `echo … > f`) cannot be checked: it is kept, but
  marked `verified=False` — such a line is never counted as a diagnostic or a test.

A report not borne out is dropped. Every program a trainee's terminal started (directly: a
command of the line; what that command started in turn is listed in its `ran`) that no kept
report accounts for becomes an entry of its own (`source="kernel"`, the command line rebuilt from
its argv, the kernel's exit code) — so an unreported command still counts, and nothing done in a
host can remove one. Commands of `exec` entries are recorded by the machine itself and kept as
they are, as are a VM console's reports (its guest runs a kernel of its own: no record to check
against).
"""

from __future__ import annotations

import json
import os
import shlex
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from simulateur.journal.shell import commands
from simulateur.journal.store import Entry

RECORD = "exec.jsonl"
AFTER_PROMPT = 0.2  # seconds: a report may reach us a moment after the next line has begun
BUILTINS = frozenset(
    [
        ".",
        ":",
        "[",
        "[[",
        "]]",
        "alias",
        "bg",
        "bind",
        "break",
        "builtin",
        "caller",
        "case",
        "cd",
        "command",
        "compgen",
        "complete",
        "compopt",
        "continue",
        "declare",
        "dirs",
        "disown",
        "do",
        "done",
        "echo",
        "elif",
        "else",
        "enable",
        "esac",
        "eval",
        "exec",
        "exit",
        "export",
        "false",
        "fc",
        "fg",
        "fi",
        "for",
        "function",
        "getopts",
        "hash",
        "help",
        "history",
        "if",
        "in",
        "jobs",
        "kill",
        "let",
        "local",
        "logout",
        "mapfile",
        "popd",
        "printf",
        "pushd",
        "pwd",
        "read",
        "readarray",
        "readonly",
        "return",
        "select",
        "set",
        "shift",
        "shopt",
        "source",
        "suspend",
        "test",
        "then",
        "time",
        "times",
        "trap",
        "true",
        "type",
        "typeset",
        "ulimit",
        "umask",
        "unalias",
        "unset",
        "until",
        "wait",
        "while",
        "{",
        "}",
    ]
)
TRAINEE_TAGS = ("shell:", "exec")


@dataclass
class Exec:
    id: int
    sid: int
    t: float
    argv: list[str]
    parent: int | None
    pid: int = 0
    rc: int | None = None
    end: float | None = None
    children: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return os.path.basename(self.argv[0]) if self.argv else ""

    @property
    def text(self) -> str:
        return shlex.join(self.argv) if self.argv else "?"


@dataclass
class Session:
    sid: int
    host: str
    tag: str
    root: int | None = None  # the first program it started: the terminal's shell


@dataclass
class Record:
    sessions: dict[int, Session] = field(default_factory=dict)
    execs: dict[int, Exec] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Record:
        rec = cls()
        try:
            lines = path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return rec
        for line in lines:
            try:
                d = json.loads(line)
                kind = d["k"]
                if kind == "session":
                    rec.sessions[int(d["sid"])] = Session(int(d["sid"]), str(d["host"]), str(d["tag"]))
                elif kind == "exec":
                    argv = d.get("argv")
                    rec.execs[int(d["id"])] = Exec(
                        int(d["id"]),
                        int(d["sid"]),
                        float(d["t"]),
                        [str(a) for a in argv] if isinstance(argv, list) else [],
                        d.get("parent"),
                        int(d.get("pid") or 0),
                    )
                elif kind == "exit" and int(d["id"]) in rec.execs:
                    e = rec.execs[int(d["id"])]
                    e.rc, e.end = d.get("rc"), float(d["t"])
            except (ValueError, KeyError, TypeError):
                continue  # a damaged line is skipped, never fatal
        for e in sorted(rec.execs.values(), key=lambda e: e.id):
            s = rec.sessions.get(e.sid)
            if s is not None and s.root is None and e.parent is None:
                s.root = e.id
            elif s is not None and s.root is not None and e.parent == s.root and e.pid == rec.execs[s.root].pid:
                s.root = e.id  # the terminal's shell exec'd again (a wrapper): the last image is the shell
            if e.parent in rec.execs:
                rec.execs[e.parent].children.append(e.id)
        return rec

    def descendants(self, e: Exec, until: float | None = None) -> list[Exec]:
        """What `e` started, and what those started…; with `until`, only what started by then:
        a daemon a command started lives on, and what it runs later (an SSH session under an sshd
        restarted from a terminal) is not that command's doing."""
        out, todo = [], list(e.children)
        while todo:
            c = self.execs[todo.pop(0)]
            if until is not None and c.t > until:
                continue
            out.append(c)
            todo.extend(c.children)
        return out


def _end(e: Exec) -> float:
    """When a command ended — or, still running (a daemon started by hand), when it started:
    nothing it runs later is counted as its doing."""
    return e.end if e.end is not None else e.t


def _named(line: str) -> list[str]:
    """The programs a line names, in order (builtins, expansions and remote commands aside)."""
    names = []
    for cmd in commands(line):
        if cmd.host is not None:  # run over there by ssh: here, it is ssh that ran
            names.append("ssh")
            continue
        if not cmd.argv:
            continue
        name = cmd.name
        if not name or name in BUILTINS or "=" in name or any(c in name for c in "$`"):
            continue
        names.append(name)
    return names


def reconcile(entries: list[Entry], rec: Record) -> list[Entry]:
    """The journal the facts are computed on (see the module's docstring)."""
    if not rec.execs:
        return entries
    by_terminal: dict[str, list[Exec]] = defaultdict(list)  # shell session token → its execs
    host_execs: dict[str, list[Exec]] = defaultdict(list)  # ssh: every exec of a host outside trainees' commands
    tops: list[tuple[Session, Exec]] = []  # a terminal's commands (what its shell started)
    owners: list[Exec] = []  # the trainee's commands: terminals' and `exec`'s
    for e in rec.execs.values():
        s = rec.sessions.get(e.sid)
        if s is None or e.id == s.root:
            continue
        if s.tag.startswith("shell:"):
            by_terminal[s.tag[len("shell:") :]].append(e)
            if s.root is not None and e.parent == s.root:
                tops.append((s, e))
                owners.append(e)
    for s in rec.sessions.values():
        if s.tag.startswith("exec") and s.root is not None:
            owners.append(rec.execs[s.root])
    top_of: dict[int, Exec] = {}  # an exec the trainee's command started while it ran → that command
    for top in owners:
        for e in [top, *rec.descendants(top, until=_end(top))]:
            top_of[e.id] = top
    for e in rec.execs.values():
        s = rec.sessions.get(e.sid)
        if s is not None and e.id not in top_of and not (e.id == s.root and s.tag.startswith(TRAINEE_TAGS)):
            host_execs[s.host].append(e)  # a service's, or a daemon's a trainee's command left running
    for pool in (*by_terminal.values(), *host_execs.values()):
        pool.sort(key=lambda e: e.t)
    starts = {id(pool): [e.t for e in pool] for pool in (*by_terminal.values(), *host_execs.values())}
    # a terminal the record has no session of is a VM's console (a guest runs its own kernel): its
    # reports are kept as they are
    terminals = {s.tag[len("shell:") :] for s in rec.sessions.values() if s.tag.startswith("shell:")}
    consumed: set[int] = set()
    out: list[Entry] = []
    last_t: dict[str, float] = {}
    for entry in sorted(entries, key=lambda e: e.t):
        if entry.source == "shell" and entry.session in terminals:
            pool = by_terminal.get(entry.session, [])
            lo = max(entry.start or 0.0, last_t.get(entry.session, 0.0) - AFTER_PROMPT)
            last_t[entry.session] = entry.t
        elif entry.source == "ssh":
            pool = host_execs.get(entry.host, [])
            lo = (entry.start or entry.t) - 1.0
        else:
            out.append(entry)  # exec, event: written by the machine itself
            continue
        times = starts.get(id(pool), [])
        window = [e for e in pool[bisect_left(times, lo) : bisect_right(times, entry.t)] if e.id not in consumed]
        names = _named(entry.cmd)
        if not names:
            out.append(entry.model_copy(update={"verified": False}))
            continue
        matched = [e for e in window if e.name in names]
        if not all(any(e.name == n for e in matched) for n in names):
            continue  # not borne out: dropped (what did run in that time is added below)
        for e in matched:  # what the line named, with the command each belongs to, and all below
            top = top_of.get(e.id, e) if entry.source == "shell" else e
            consumed.update(x.id for x in [e, top, *rec.descendants(top, until=entry.t)])
        rc = entry.rc
        final = commands(entry.cmd)[-1:]
        if final and final[0].host is None and final[0].name == names[-1]:
            # the line ends with a program: its exit code is the kernel's, not the report's
            ended = [e for e in matched if e.name == names[-1] and e.end is not None]
            if ended:
                rc = ended[-1].rc
        out.append(entry.model_copy(update={"verified": True, "rc": rc}))
    for s, top in tops:
        if top.id in consumed:
            continue
        below = rec.descendants(top, until=_end(top))
        if any(e.id in consumed for e in below):
            continue
        out.append(
            Entry(
                t=top.end or top.t,
                start=top.t,
                host=s.host,
                cmd=top.text,
                rc=top.rc,
                source="kernel",
                session=s.tag[len("shell:") :],
                ran=[e.text for e in below],
                verified=True,
            )
        )
    return sorted(out, key=lambda e: e.t)
