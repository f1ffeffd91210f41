"""backdate — make a freshly built host's past fit its ticket's story (from the machine side).

A lab is built in seconds: its services started, then its faults applied, just now. The ticket says
« hier soir ». Given the build's three instants (start, services up, faults done) and the story's two
(boot, fault), this moves every trace of the build into the story: what happened while the services
started is shown at the boot time, what the faults did at the fault time, each keeping its own
seconds. Traces: the services' journals (/var/log/sysd), APT's and dpkg's histories, CUPS's logs,
the service manager's state (/run/sysd: "active since", "inactive since"), and the dates of the
files the build wrote or touched. Anything outside the build's window is left as it is.

Why from the machine side, on the host's overlay upper dir: every file the build wrote or touched
is there (overlayfs copies a file up before any change), and only those — a walk of a few hundred
entries instead of the host's whole /etc, /var, /usr/local through its merged view. It ran first as
a Python script in each host: 0.78 s for the four hosts of dhcp-serveur-arrete (python3 started in
each, trees walked through the overlay); from the machine, in threads: see the README (« Où passe le
temps »). Files are opened through confine (links never leave the host's root), dates set without
following links. /run/sysd is the host's own tmpfs: reached through its PID 1's root.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from simulateur.lab import confine

SLACK = 2.0  # a trace's own clock reads whole seconds

LOGS = ("var/log/sysd", "var/log/apt", "var/log/dpkg.log", "var/log/cups", "var/log/alternatives.log")
TREES = ("etc", "var", "root", "home", "srv", "opt", "usr/local")
SKIP = ("var/cache/apt/archives/partial",)
SYSD_RUN = "/run/sysd"

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SYSLOG = re.compile(r"^(?P<mon>[A-Z][a-z]{2}) (?P<day>[ \d]\d) (?P<hms>\d\d:\d\d:\d\d)")
ISO = re.compile(r"(?P<date>\d{4}-\d\d-\d\d)(?P<sep> {1,2}|T)(?P<hms>\d\d:\d\d:\d\d)")
CUPS = re.compile(r"\[(?P<day>\d\d)/(?P<mon>[A-Z][a-z]{2})/(?P<year>\d{4}):(?P<hms>\d\d:\d\d:\d\d) (?P<tz>[+-]\d{4})\]")


def _epoch(year: int, mon: int, day: int, hms: str) -> float | None:
    try:
        return time.mktime(time.strptime(f"{year} {mon} {day} {hms}", "%Y %m %d %H:%M:%S"))
    except ValueError:
        return None


Marks = dict[str, tuple[int, int]]  # a log (relative to the upper dir) -> (inode, size) when the services were up


@dataclass(frozen=True)
class BootMark:
    """The instant the services were up, and where each host's logs stood then."""

    t_boot: float
    marks: dict[str, Marks]


@dataclass(frozen=True)
class Story:
    """The build's window (start, services up, faults done), the story's (boot, fault), and where
    each host's logs stood when the services were up (`marks`: host -> Marks). A log's lines stamp
    whole seconds: the services' last lines and the faults' first share one — the line's place in
    its file, before or after the mark, says whose it is (no waiting for a fresh second)."""

    t_start: float
    t_boot: float
    t_end: float
    boot: float
    fault: float
    marks: dict[str, Marks] = field(default_factory=dict)

    def moved(self, t: float, phase: str | None = None) -> float | None:
        """Where an instant of the build goes in the story (None: not one of the build's).
        `phase`: "boot" or "fault" when the line's place told; "seconds" for a whole-second stamp of
        a log with no mark (a log the faults replaced); None for an exact instant (a file's date)."""
        if not self.t_start - SLACK <= t <= self.t_end + SLACK:
            return None
        if phase is None:
            phase = "boot" if t < self.t_boot else "fault"
        elif phase == "seconds":
            phase = "boot" if t < int(self.t_boot) else "fault"
        if phase == "boot":
            return self.boot + min(max(0.0, t - self.t_start), max(0.0, self.t_boot - self.t_start))
        return self.fault + max(0.0, t - self.t_boot)

    # --- lines of logs ----------------------------------------------------------------------------
    def _syslog(self, m: re.Match[str], phase: str) -> str:
        t = _epoch(
            time.localtime(self.t_end).tm_year, MONTHS.index(m.group("mon")) + 1, int(m.group("day")), m.group("hms")
        )
        new = self.moved(t, phase) if t is not None else None
        if new is None:
            return m.group(0)
        lt = time.localtime(new)
        day = f"{lt.tm_mday:2d}" if m.group("day").startswith(" ") else f"{lt.tm_mday:02d}"
        return f"{MONTHS[lt.tm_mon - 1]} {day} {time.strftime('%H:%M:%S', lt)}"

    def _iso(self, m: re.Match[str], phase: str) -> str:
        y, mo, d = (int(x) for x in m.group("date").split("-"))
        t = _epoch(y, mo, d, m.group("hms"))
        new = self.moved(t, phase) if t is not None else None
        if new is None:
            return m.group(0)
        lt = time.localtime(new)
        return time.strftime("%Y-%m-%d", lt) + m.group("sep") + time.strftime("%H:%M:%S", lt)

    def _cups(self, m: re.Match[str], phase: str) -> str:
        t = _epoch(int(m.group("year")), MONTHS.index(m.group("mon")) + 1, int(m.group("day")), m.group("hms"))
        new = self.moved(t, phase) if t is not None else None
        if new is None:
            return m.group(0)
        return f"[{time.strftime('%d/%b/%Y:%H:%M:%S', time.localtime(new))} {m.group('tz')}]"

    def log_lines(self, text: str, phase: str) -> str:
        out = []
        for line in text.splitlines(keepends=True):
            line = SYSLOG.sub(lambda m: self._syslog(m, phase), line, count=1)
            line = ISO.sub(lambda m: self._iso(m, phase), line)
            out.append(CUPS.sub(lambda m: self._cups(m, phase), line))
        return "".join(out)

    def log_data(self, data: bytes, cut: int | None) -> bytes:
        """A log's bytes rewritten: before `cut` (its size when the services were up, moved on to
        the end of a line being written then) the boot's, after it the faults'; no cut: by time."""

        def text(part: bytes, phase: str) -> bytes:
            return self.log_lines(part.decode("utf-8", errors="surrogateescape"), phase).encode(
                "utf-8", errors="surrogateescape"
            )

        if cut is None:
            return text(data, "seconds")
        if 0 < cut < len(data) and data[cut - 1 : cut] != b"\n":
            end = data.find(b"\n", cut)
            cut = len(data) if end < 0 else end + 1
        return text(data[:cut], "boot") + text(data[cut:], "fault")

    def state_text(self, text: str) -> str:
        """/run/sysd/NAME.{since,stopped,failed}: an epoch on line 1 (since, stopped) or in since=."""
        out = []
        for i, line in enumerate(text.splitlines()):
            key, sep, value = line.partition("=")
            try:
                if i == 0 and not sep:
                    new = self.moved(float(line.split()[0]))
                    line = line if new is None else f"{new:f}"
                elif sep and key == "since":
                    new = self.moved(float(value))
                    line = line if new is None else f"since={new:f}"
            except (ValueError, IndexError):
                pass
            out.append(line)
        return "\n".join(out) + "\n"


def _rewrite(root: Path, inside: str, change: Callable[[bytes, os.stat_result], bytes]) -> None:
    """Rewrite a regular file of the host in place, its own dates kept (set below with the others)."""
    try:
        fd = confine.open_in(root, inside, os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return
        data = b""
        while chunk := os.pread(fd, 1 << 20, len(data)):
            data += chunk
        new = change(data, st)
        if new != data:
            os.ftruncate(fd, 0)
            os.pwrite(fd, new, 0)
            os.utime(fd, ns=(st.st_atime_ns, st.st_mtime_ns))
    except OSError:
        pass
    finally:
        os.close(fd)


def _files(top: Path, rel: str) -> list[str]:
    """The regular files under `rel` of `top` (or `rel` itself), as paths relative to `top`."""
    here = top / rel
    if here.is_symlink():
        return []
    if here.is_file():
        return [rel]
    found = []
    for dirpath, _, names in os.walk(here):
        base = os.path.relpath(dirpath, top)
        found += [os.path.join(base, n) for n in names if not n.endswith((".gz", ".xz"))]
    return found


def _redate_tree(top: Path, rel: str, story: Story) -> None:
    skip = {str(top / s) for s in SKIP}
    start = top / rel
    if start.is_symlink() or not start.is_dir():
        return
    for dirpath, dirs, names in os.walk(start):
        dirs[:] = [d for d in dirs if os.path.join(dirpath, d) not in skip]
        for name in names + dirs:
            _redate(os.path.join(dirpath, name), story)
    _redate(str(start), story)


def _redate(path: str, story: Story) -> None:
    try:
        new = story.moved(os.lstat(path).st_mtime)
        if new is not None:
            os.utime(path, (new, new), follow_symlinks=False)
    except OSError:
        pass


def log_marks(upper: Path) -> Marks:
    """Where each log of a host's overlay upper dir stands now: (inode, size)."""
    marks: Marks = {}
    for rel in LOGS:
        for path in _files(upper, rel):
            try:
                st = os.lstat(upper / path)
            except OSError:
                continue
            marks[path] = (st.st_ino, st.st_size)
    return marks


def backdate_layer(upper: Path, story: Story, marks: Marks) -> None:
    """The traces a host's build left in its overlay upper dir: its logs, then every file's date.
    A log born since the mark is all the faults'; one the faults replaced (another inode, shorter)
    is split by its lines' seconds."""
    for rel in LOGS:
        for path in _files(upper, rel):

            def change(data: bytes, st: os.stat_result, path: str = path) -> bytes:
                ino, size = marks.get(path, (st.st_ino, 0))
                cut = size if ino == st.st_ino and size <= st.st_size else None
                return story.log_data(data, cut)

            _rewrite(upper, path, change)
    for rel in TREES:
        _redate_tree(upper, rel, story)


def backdate_run(root: Path, story: Story) -> None:
    """The host's service manager's state (its /run, reached through `root`, the host's root)."""
    try:
        fd = confine.open_in(root, SYSD_RUN, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        names = os.listdir(fd)
    finally:
        os.close(fd)
    for name in names:
        if name.endswith((".since", ".stopped", ".failed")):
            _rewrite(
                root, f"{SYSD_RUN}/{name}", lambda data, _: story.state_text(data.decode(errors="replace")).encode()
            )
