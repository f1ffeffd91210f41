"""backdate — make a freshly built host's past fit its ticket's story (run inside the host).

A lab is built in seconds: its services started, then its faults applied, just now. The ticket says
« hier soir ». Given the build's three instants (start, services up, faults done) and the story's two
(boot, fault), this moves every trace of the build into the story: what happened while the services
started is shown at the boot time, what the faults did at the fault time, each keeping its own
seconds. Traces: the services' journals (/var/log/sysd), APT's and dpkg's histories, CUPS's logs,
the service manager's state (/run/sysd: "active since", "inactive since"), and the dates of the
files the build wrote or touched. Anything outside the build's window is left as it is.

Usage: python3 -I - T_START T_BOOT T_END BOOT FAULT   (epoch seconds; the script on stdin).
Standard library only; never imports simulateur.
"""

import os
import re
import sys
import time

T_START, T_BOOT, T_END, BOOT, FAULT = (float(a) for a in sys.argv[1:6])
SLACK = 2.0   # a trace's own clock reads whole seconds

LOGS = ("/var/log/sysd", "/var/log/apt", "/var/log/dpkg.log", "/var/log/cups", "/var/log/alternatives.log")
TREES = ("/etc", "/var", "/root", "/home", "/srv", "/opt", "/usr/local")
SKIP = ("/var/cache/apt/archives/partial", "/proc", "/sys", "/dev", "/run")


def moved(t):
    """Where an instant of the build goes in the story (None: not one of the build's). The faults
    began on a fresh second (session.run): a line stamped with T_BOOT's second is theirs."""
    if not T_START - SLACK <= t <= T_END + SLACK:
        return None
    if t < int(T_BOOT):
        return BOOT + max(0.0, t - T_START)
    return FAULT + max(0.0, t - T_BOOT)


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SYSLOG = re.compile(r"^(?P<mon>[A-Z][a-z]{2}) (?P<day>[ \d]\d) (?P<hms>\d\d:\d\d:\d\d)")
ISO = re.compile(r"(?P<date>\d{4}-\d\d-\d\d)(?P<sep> {1,2}|T)(?P<hms>\d\d:\d\d:\d\d)")
CUPS = re.compile(r"\[(?P<day>\d\d)/(?P<mon>[A-Z][a-z]{2})/(?P<year>\d{4}):(?P<hms>\d\d:\d\d:\d\d) (?P<tz>[+-]\d{4})\]")


def _epoch(year, mon, day, hms):
    try:
        return time.mktime(time.strptime("%d %d %d %s" % (year, mon, day, hms), "%Y %m %d %H:%M:%S"))
    except ValueError:
        return None


def _syslog(m):
    year = time.localtime(T_END).tm_year
    t = _epoch(year, MONTHS.index(m.group("mon")) + 1, int(m.group("day")), m.group("hms"))
    new = moved(t) if t is not None else None
    if new is None:
        return m.group(0)
    day = "%2d" % time.localtime(new).tm_mday if m.group("day").startswith(" ") else "%02d" % time.localtime(new).tm_mday
    return "%s %s %s" % (MONTHS[time.localtime(new).tm_mon - 1], day, time.strftime("%H:%M:%S", time.localtime(new)))


def _iso(m):
    y, mo, d = (int(x) for x in m.group("date").split("-"))
    t = _epoch(y, mo, d, m.group("hms"))
    new = moved(t) if t is not None else None
    if new is None:
        return m.group(0)
    return time.strftime("%Y-%m-%d", time.localtime(new)) + m.group("sep") + time.strftime("%H:%M:%S", time.localtime(new))


def _cups(m):
    t = _epoch(int(m.group("year")), MONTHS.index(m.group("mon")) + 1, int(m.group("day")), m.group("hms"))
    new = moved(t) if t is not None else None
    if new is None:
        return m.group(0)
    return "[%s %s]" % (time.strftime("%d/%b/%Y:%H:%M:%S", time.localtime(new)), m.group("tz"))


def rewrite_log(path):
    try:
        st = os.stat(path)
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
    except (OSError, UnicodeError):
        return
    lines = []
    for line in text.splitlines(keepends=True):
        line = SYSLOG.sub(_syslog, line, count=1)
        line = ISO.sub(_iso, line)
        line = CUPS.sub(_cups, line)
        lines.append(line)
    new = "".join(lines)
    if new != text:
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(new)
        os.utime(path, (st.st_atime, st.st_mtime))   # its own date: below, with the others


def rewrite_state(path):
    """/run/sysd/NAME.{since,stopped,failed}: an epoch on line 1 (since, stopped) or in since=."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return
    out = []
    for i, line in enumerate(lines):
        key, sep, value = line.partition("=")
        try:
            if i == 0 and not sep:
                new = moved(float(line.split()[0]))
                line = line if new is None else "%f" % new
            elif sep and key == "since":
                new = moved(float(value))
                line = line if new is None else "since=%f" % new
        except (ValueError, IndexError):
            pass
        out.append(line)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def redate_tree(top):
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP]
        for name in files + dirs:
            path = os.path.join(root, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            new = moved(st.st_mtime)
            if new is not None:
                try:
                    os.utime(path, (new, new), follow_symlinks=False)
                except OSError:
                    pass
    try:
        st = os.stat(top)
        new = moved(st.st_mtime)
        if new is not None:
            os.utime(top, (new, new))
    except OSError:
        pass


def main():
    for where in LOGS:
        if os.path.isdir(where):
            for root, _, files in os.walk(where):
                for name in files:
                    if not name.endswith((".gz", ".xz")):
                        rewrite_log(os.path.join(root, name))
        elif os.path.isfile(where):
            rewrite_log(where)
    if os.path.isdir("/run/sysd"):
        for name in os.listdir("/run/sysd"):
            if name.endswith((".since", ".stopped", ".failed")):
                rewrite_state(os.path.join("/run/sysd", name))
    for top in TREES:
        if os.path.isdir(top):
            redate_tree(top)


main()
