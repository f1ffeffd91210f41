"""The services' logs (/var/log/sysd/NAME.log): the "systemd[1]" lines this program writes, and the
lines read back in journalctl's short format."""

import os
import re
import time

from .common import hostname


class Log:
    def __init__(self, u):
        self.u = u
        self.path = u.logfile

    def open(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        return open(self.path, "ab")

    def sd(self, msg):
        line = "%s %s systemd[1]: %s\n" % (time.strftime("%b %d %H:%M:%S"), hostname(), msg)
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(self.path, "a+b") as f:
                f.seek(0, os.SEEK_END)
                if f.tell():
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":
                        line = "\n" + line
                f.write(line.encode("utf-8", "replace"))
        except OSError:
            pass


MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
TS_RE = re.compile(r"^([A-Z][a-z]{2}) ([ 0-3]?\d) (\d\d):(\d\d):(\d\d) ")
NOHOST_RE = re.compile(
    r"^([A-Z][a-z]{2}) ([ 0-3]?\d) (\d\d:\d\d:\d\d) "
    r"([^\s\[\]:]+(?:\[\d+\])?:(?: |$))"
)
SHORT_RE = re.compile(
    r"^([A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d) (\S+) "
    r"([^\s:]+(?:\[\d+\])?): ?(.*)$"
)


def normalize(line, no_host=False, cat=False):
    """Show daemon lines like 'Nov  3 20:00:01 dnsmasq[12]: …' as journalctl
    would ('Nov 03 20:00:01 HOST dnsmasq[12]: …')."""
    m = NOHOST_RE.match(line)
    if m:
        line = "%s %02d %s %s %s%s" % (m.group(1), int(m.group(2)), m.group(3), hostname(), m.group(4), line[m.end() :])
    if no_host or cat:
        m = SHORT_RE.match(line)
        if m:
            return m.group(4) if cat else "%s %s: %s" % (m.group(1), m.group(3), m.group(4))
    return line


def read_entries(path, sizes=None, offset=0):
    """[(sort key, line)] for one log file, in file order (from byte
    `offset`).  The size read up to is stored in sizes[path] (for -f)."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except OSError:
        return []
    if sizes is not None:
        sizes[path] = offset + len(data)
    out, key = [], (0, 0, 0, 0, 0)
    for raw in data.decode("utf-8", "replace").splitlines():
        m = TS_RE.match(raw)
        if m and m.group(1) in MONTHS:
            key = (MONTHS[m.group(1)], int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)))
        out.append((key, raw))
    return out


def tail_lines(u, n):
    return [normalize(line) for _, line in read_entries(u.logfile)[-n:]] if n > 0 else []
