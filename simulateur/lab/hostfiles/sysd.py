#!/usr/bin/python3 -I
"""sysd — a small systemctl / journalctl for simulateur lab hosts.

A lab host has no systemd (PID 1 is a shell loop that reaps orphans).  This
file is copied into each host as /usr/local/sbin/systemctl and
/usr/local/sbin/journalctl and dispatches on the basename of argv[0].  It
manages the services described by /etc/systemd/system/NAME.service with
systemd-like (English) output.  Standard library only, Python >= 3.9, and it
must never import simulateur.

Every path below is a path *inside the host*; the files that this program
reads or writes itself are joined under $SYSD_ROOT (default "/"), so tests can
run it against a temporary directory.  Paths handed to the services (the
command line, WorkingDirectory=) are left untouched.

Runtime state, in /run/sysd (a private tmpfs in each host):
  NAME.pid      main PID of the running service (a single number)
  NAME.since    line 1: start time (epoch seconds); then KEY=VALUE lines
                (stime = start time of the main PID in clock ticks, used to
                detect PID reuse; process = a finished control process)
  NAME.failed   line 1: the result (exit-code, timeout, protocol,
                resources); then KEY=VALUE lines (since, pid, code, status…)
  NAME.stopped  time of the last clean stop (for "inactive (dead) since")
  NAME.remain   Type=oneshot + RemainAfterExit=yes: "active (exited)"
  NAME.lock     flock(2) serialising start/stop of the unit
Logs: /var/log/sysd/NAME.log (the service's stdout and stderr, plus
"systemd[1]" lines written by this program).
"""

import configparser
import fcntl
import fnmatch
import glob
import heapq
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

ROOT = os.environ.get("SYSD_ROOT") or "/"
UNIT_DIR = "/etc/systemd/system"
RUN_DIR = "/run/sysd"
LOG_DIR = "/var/log/sysd"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
VERSION = "systemd 252 (sysd: lab shim, not the real systemd)"

GRACE = 0.15            # a simple service still alive after this is "started"
START_TIMEOUT = 15.0    # control processes (forking ExecStart, Exec*Pre/Post)
STOP_TIMEOUT = 5.0      # SIGTERM -> SIGKILL
PIDFILE_WAIT = 2.0      # forking: wait for PIDFile= to appear

UNIT_SUFFIXES = (".service", ".socket", ".target", ".timer", ".mount",
                 ".automount", ".path", ".slice", ".scope", ".device", ".swap")
SIMPLE_TYPES = ("simple", "exec", "notify", "notify-reload", "idle", "dbus")

EXIT_NAMES = {0: "SUCCESS", 1: "FAILURE", 2: "INVALIDARGUMENT",
              3: "NOTIMPLEMENTED", 4: "NOPERMISSION", 5: "NOTINSTALLED",
              6: "NOTCONFIGURED", 7: "NOTRUNNING", 200: "CHDIR", 203: "EXEC",
              216: "GROUP", 217: "USER"}

JOB_FAILED = {
    "exit-code": "the control process exited with error code",
    "signal": "a fatal signal was delivered to the control process",
    "timeout": "a timeout was exceeded",
    "protocol": "the service did not take the steps required by its unit configuration",
    "resources": "of unavailable resources or another system error",
}

_HOST = None


class Fail(Exception):
    """A user-facing error: message for stderr and an exit code."""

    def __init__(self, msg, code=1):
        super().__init__(msg)
        self.code = code


# ---------------------------------------------------------------- helpers

def hp(path):
    """A path inside the host, as seen by this program."""
    return os.path.join(ROOT, path.lstrip("/"))


def hostname():
    global _HOST
    if _HOST is None:
        try:
            _HOST = socket.gethostname().split(".")[0] or "localhost"
        except OSError:
            _HOST = "localhost"
    return _HOST


def err(msg):
    sys.stdout.flush()
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def read_int(path):
    text = read_text(path)
    try:
        return int(text.split()[0]) if text else None
    except ValueError:
        return None


def write_file(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        pass


def write_kv(path, first, items):
    lines = [str(first)] + ["%s=%s" % (k, str(v).replace("\n", " "))
                            for k, v in items if v is not None]
    write_file(path, "\n".join(lines) + "\n")


def read_kv(path):
    text = read_text(path)
    if text is None:
        return None, {}
    lines = text.splitlines()
    kv = {}
    for line in lines[1:]:
        k, sep, v = line.partition("=")
        if sep:
            kv.setdefault(k, []).append(v)
    return (lines[0] if lines else ""), kv


def kv1(kv, key, cast=str):
    try:
        return cast(kv[key][-1])
    except (KeyError, IndexError, ValueError):
        return None


def signame(n):
    try:
        return signal.Signals(n).name[3:]
    except ValueError:
        return str(n)


def status_log(code, status):
    """As in systemd's log lines: code=exited, status=3/NOTIMPLEMENTED."""
    if code == "killed":
        return "code=killed, status=%d/%s" % (status, signame(status))
    return "code=exited, status=%d/%s" % (status, EXIT_NAMES.get(status, "n/a"))


def status_view(code, status):
    """As in systemctl status: (code=exited, status=1/FAILURE)."""
    if code == "killed":
        return "code=killed, signal=%s" % signame(status)
    if status is None:
        return "code=exited, status=?"
    name = EXIT_NAMES.get(status)
    return "code=exited, status=%d%s" % (status, "/" + name if name else "")


def fmt_ts(ts):
    return time.strftime("%a %Y-%m-%d %H:%M:%S %Z", time.localtime(ts))


def fmt_ago(ts):
    d = max(0.0, time.time() - ts)
    s = int(d)
    MIN, HOUR, DAY, WEEK = 60, 3600, 86400, 604800
    MONTH, YEAR = 2629800, 31557600

    def pl(n, one, many):
        return "%d %s" % (n, one if n == 1 else many)
    if d >= YEAR:
        txt = "%s %s" % (pl(s // YEAR, "year", "years"), pl(s % YEAR // MONTH, "month", "months"))
    elif d >= MONTH:
        txt = "%s %s" % (pl(s // MONTH, "month", "months"), pl(s % MONTH // DAY, "day", "days"))
    elif d >= WEEK:
        txt = "%s %s" % (pl(s // WEEK, "week", "weeks"), pl(s % WEEK // DAY, "day", "days"))
    elif d >= 2 * DAY:
        txt = "%d days" % (s // DAY)
    elif d >= 25 * HOUR:
        txt = "1 day %dh" % ((s - DAY) // HOUR)
    elif d >= 6 * HOUR:
        txt = "%dh" % (s // HOUR)
    elif d >= HOUR:
        txt = "%dh %dmin" % (s // HOUR, s % HOUR // MIN)
    elif d >= 5 * MIN:
        txt = "%dmin" % (s // MIN)
    elif d >= MIN:
        txt = "%dmin %ds" % (s // MIN, s % MIN)
    elif d >= 1:
        txt = "%ds" % s
    elif d >= 0.001:
        txt = "%dms" % int(d * 1000)
    else:
        return "now"
    return txt + " ago"


def fmt_bytes(n):
    for i, suffix in ((4, "T"), (3, "G"), (2, "M"), (1, "K")):
        if n >= 1024 ** i:
            return "%.1f%s" % (n / 1024 ** i, suffix)
    return "%dB" % n


def fmt_cpu(sec):
    ms = int(round(sec * 1000))
    if ms < 1000:
        return "%dms" % ms
    if ms < 60000:
        return ("%.3f" % (ms / 1000)).rstrip("0").rstrip(".") + "s"
    m, rest = divmod(ms, 60000)
    return "%dmin %s" % (m, ("%.3f" % (rest / 1000)).rstrip("0").rstrip(".") + "s")


def use_color():
    forced = os.environ.get("SYSTEMD_COLORS")
    if forced is not None:
        return forced.lower() in ("1", "yes", "true", "on", "16", "256", "24bit")
    if "NO_COLOR" in os.environ or os.environ.get("TERM", "dumb") == "dumb":
        return False
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def paint(text, code):
    return "\x1b[%sm%s\x1b[0m" % (code, text) if use_color() else text


RED, GREEN, BRED, BGREEN = "0;31", "0;32", "0;1;31", "0;1;32"


# ---------------------------------------------------------------- processes

def proc_stat(pid):
    """(state, ppid, pgrp, session, starttime) or None."""
    text = read_text("/proc/%d/stat" % pid)
    if not text:
        return None
    try:
        rest = text[text.rindex(")") + 2:].split()
        return rest[0], int(rest[1]), int(rest[2]), int(rest[3]), int(rest[19])
    except (ValueError, IndexError):
        return None


def alive(pid, stime=None):
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except OSError:
        return False
    st = proc_stat(pid)
    if st is None:
        return os.path.isdir("/proc/%d" % pid) or not os.path.isdir("/proc/self")
    if st[0] in ("Z", "X", "x"):
        return False
    if stime is not None and st[4] != stime:
        return False          # the PID was reused by another process
    return True


def proc_comm(pid):
    text = read_text("/proc/%d/comm" % pid)
    return text.strip() if text else "?"


def proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            raw = f.read()
    except OSError:
        return proc_comm(pid)
    parts = [p.decode("utf-8", "replace") for p in raw.split(b"\0") if p]
    return " ".join(parts) if parts else "[%s]" % proc_comm(pid)


def all_stats():
    out = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if name.isdigit():
            st = proc_stat(int(name))
            if st is not None:
                out[int(name)] = st
    return out


def proc_tree(pid):
    """The main PID and its living descendants (like a unit's cgroup)."""
    stats = all_stats()
    children = {}
    for p, st in stats.items():
        children.setdefault(st[1], []).append(p)
    result, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in result:
            continue
        result.append(p)
        todo.extend(children.get(p, []))
    return [p for p in result if p == pid or alive(p)]


def wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = [p for p in left if alive(p)]
    return left


def send(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- units

def unit_name(arg):
    if not arg or "/" in arg or arg.startswith("."):
        raise Fail('Invalid unit name "%s".' % arg)
    name = arg if arg.endswith(UNIT_SUFFIXES) else arg + ".service"
    if not os.path.isfile(hp(UNIT_DIR + "/" + name)):
        name = unit_aliases().get(name, name)
    return name


def unit_aliases():
    """{alias: unit} from the Alias= lines of the units' [Install] sections: as on Debian,
    `systemctl restart sshd` acts on ssh.service (Alias=sshd.service)."""
    out = {}
    for n in all_unit_names():
        text = read_text(os.path.join(hp(UNIT_DIR), n)) or ""
        for line in text.splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and key.strip() == "Alias":
                for alias in value.split():
                    out.setdefault(alias, n)
    return out


class Cmd:
    def __init__(self, kind, value):
        self.kind = kind
        v = value.strip()
        flags = ""
        while v and v[0] in "-@+!:|":
            flags += v[0]
            v = v[1:]
        self.flags = flags
        self.text = v
        self.argv = shlex.split(v)
        if not self.argv:
            raise ValueError("empty command line")

    @property
    def ignore_failure(self):
        return "-" in self.flags

    def label(self):
        return "%s=%s" % (self.kind, self.text)


class Unit:
    def __init__(self, name):
        self.name = name
        self.base = name[:-8] if name.endswith(".service") else name
        self.path = UNIT_DIR + "/" + name
        self.file = hp(self.path)
        self.found = name.endswith(".service") and "@" not in name \
            and os.path.isfile(self.file)
        self.values = {}
        self.error = None
        if self.found:
            try:
                self._parse()
                self._check()
            except (OSError, UnicodeDecodeError, configparser.Error, ValueError) as e:
                self.error = str(e) or e.__class__.__name__

    # -- parsing: configparser after systemd-style preprocessing (leading
    #    blanks stripped, backslash continuations joined, repeated keys
    #    numbered so that ExecStartPre=, Environment=… can be given twice).
    def _parse(self):
        with open(self.file, encoding="utf-8") as f:
            text = f.read()
        lines, counts, section, cont = [], {}, None, ""
        for raw in text.splitlines():
            line = raw.strip()
            if cont:
                if line.startswith(("#", ";")):
                    continue
                line = cont + " " + line
                cont = ""
            if line.endswith("\\") and not line.startswith(("#", ";")):
                cont = line[:-1].rstrip()
                continue
            if not line or line[0] in "#;":
                lines.append("")
            elif line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                lines.append(line)
            elif "=" in line and section is not None:
                key, val = line.split("=", 1)
                key = key.strip()
                n = counts.get((section, key), 0)
                counts[(section, key)] = n + 1
                lines.append("%s\x1f%d=%s" % (key, n, val))
            else:
                lines.append("")            # systemd ignores such lines too
        if cont:
            lines.append(cont)
        cp = configparser.ConfigParser(
            interpolation=None, strict=False, delimiters=("=",),
            comment_prefixes=("#", ";"), empty_lines_in_values=False,
            default_section="\x1fnone")
        cp.optionxform = str
        cp.read_string("\n".join(lines) + "\n")
        tmp = {}
        for sec in cp.sections():
            for key, val in cp.items(sec, raw=True):
                k, _, n = key.partition("\x1f")
                tmp.setdefault((sec, k), []).append((int(n or 0), val or ""))
        self.values = {k: [v for _, v in sorted(vs)] for k, vs in tmp.items()}

    def _spec(self, value):
        table = {"%": "%", "n": self.name, "N": self.base, "p": self.base,
                 "P": self.base, "i": "", "I": "", "H": hostname(),
                 "l": hostname(), "t": "/run", "h": "/root", "u": "root",
                 "U": "0", "T": "/tmp", "V": "/var/tmp", "S": "/var/lib",
                 "C": "/var/cache", "L": "/var/log", "E": "/etc"}
        return re.sub(r"%(.)", lambda m: table.get(m.group(1), m.group(0)), value)

    def get(self, section, key, default=None):
        vals = self.values.get((section, key))
        return self._spec(vals[-1].strip()) if vals else default

    def getlist(self, section, key):
        vals = [v.strip() for v in self.values.get((section, key), [])]
        for i in range(len(vals) - 1, -1, -1):
            if vals[i] == "":                   # "Key=" resets the list
                vals = vals[i + 1:]
                break
        return [self._spec(v) for v in vals]

    def boolean(self, section, key):
        return (self.get(section, key) or "").lower() in ("1", "yes", "true", "on")

    def cmds(self, kind):
        return [Cmd(kind, v) for v in self.getlist("Service", kind)]

    def _check(self):
        t = self.type
        start = self.cmds("ExecStart")
        for kind in ("ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop",
                     "ExecStopPost"):
            self.cmds(kind)
        if not start:
            raise ValueError("Service has no ExecStart=, ExecStop=, or "
                             "SuccessAction=. Refusing.")
        if len(start) > 1 and t != "oneshot":
            raise ValueError("Service has more than one ExecStart= setting, which "
                             "is only allowed for Type=oneshot services. Refusing.")

    @property
    def type(self):
        t = (self.get("Service", "Type") or "simple").lower()
        return t if t in SIMPLE_TYPES + ("forking", "oneshot") else "simple"

    @property
    def description(self):
        return self.get("Unit", "Description") or ""

    @property
    def label(self):
        d = self.description
        return "%s - %s" % (self.name, d) if d and d != self.name else self.name

    @property
    def pidfile(self):
        p = self.get("Service", "PIDFile")
        if p and not p.startswith("/"):
            p = "/run/" + p
        return p

    def install_targets(self):
        out = []
        for key, suffix in (("WantedBy", ".wants"), ("RequiredBy", ".requires")):
            for v in self.getlist("Install", key):
                out.extend(t + suffix for t in v.split())
        return out

    def rf(self, ext):
        return hp("%s/%s.%s" % (RUN_DIR, self.base, ext))

    @property
    def logfile(self):
        return hp("%s/%s.log" % (LOG_DIR, self.base))


def load(arg):
    return Unit(unit_name(arg))


def all_unit_names():
    try:
        names = os.listdir(hp(UNIT_DIR))
    except OSError:
        return []
    return sorted(n for n in names if n.endswith(".service") and "@" not in n
                  and os.path.isfile(os.path.join(hp(UNIT_DIR), n)))


def wants_links(name):
    """Every enablement symlink for NAME under /etc/systemd/system."""
    out = []
    for d in ("*.wants", "*.requires"):
        for link in glob.glob(os.path.join(hp(UNIT_DIR), d, name)):
            if os.path.islink(link) or os.path.exists(link):
                out.append(link)
    return sorted(out)


def enabled_state(u):
    if wants_links(u.name):
        return "enabled"
    return "disabled" if u.install_targets() else "static"


def host_view(path):
    """Turn a path under ROOT back into the host's own view of it."""
    root = os.path.abspath(ROOT)
    p = os.path.abspath(path)
    if root == "/":
        return p
    if p.startswith(root + "/"):
        return p[len(root):]
    return p


# ---------------------------------------------------------------- logs

class Log:
    def __init__(self, u):
        self.u = u
        self.path = u.logfile

    def open(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        return open(self.path, "ab")

    def sd(self, msg):
        line = "%s %s systemd[1]: %s\n" % (time.strftime("%b %d %H:%M:%S"),
                                          hostname(), msg)
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


MONTHS = {m: i for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
TS_RE = re.compile(r"^([A-Z][a-z]{2}) ([ 0-3]?\d) (\d\d):(\d\d):(\d\d) ")
NOHOST_RE = re.compile(r"^([A-Z][a-z]{2}) ([ 0-3]?\d) (\d\d:\d\d:\d\d) "
                       r"([^\s\[\]:]+(?:\[\d+\])?:(?: |$))")
SHORT_RE = re.compile(r"^([A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d) (\S+) "
                      r"([^\s:]+(?:\[\d+\])?): ?(.*)$")


def normalize(line, no_host=False, cat=False):
    """Show daemon lines like 'Nov  3 20:00:01 dnsmasq[12]: …' as journalctl
    would ('Nov 03 20:00:01 HOST dnsmasq[12]: …')."""
    m = NOHOST_RE.match(line)
    if m:
        line = "%s %02d %s %s %s%s" % (m.group(1), int(m.group(2)), m.group(3),
                                       hostname(), m.group(4), line[m.end():])
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
            key = (MONTHS[m.group(1)], int(m.group(2)), int(m.group(3)),
                   int(m.group(4)), int(m.group(5)))
        out.append((key, raw))
    return out


def tail_lines(u, n):
    return [normalize(line) for _, line in read_entries(u.logfile)[-n:]] if n > 0 else []


# ---------------------------------------------------------------- state

class State:
    def __init__(self, state, sub, pid=None, since=None, kv=None, result=None):
        self.state, self.sub, self.pid, self.since = state, sub, pid, since
        self.kv = kv or {}
        self.result = result

    @property
    def active(self):
        return self.state == "active"


class UnitLock:
    def __init__(self, u, block=True):
        self.u, self.block, self.fd = u, block, None

    def __enter__(self):
        path = self.u.rf("lock")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | (0 if self.block else fcntl.LOCK_NB))
        except OSError:
            os.close(self.fd)
            self.fd = None
        return self.fd is not None

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)


def read_pidfile(u):
    p = u.pidfile
    return read_int(hp(p)) if p else None


def get_state(u, locked=False):
    pid = read_int(u.rf("pid"))
    if pid:
        first, kv = read_kv(u.rf("since"))
        try:
            since = float(first)
        except (TypeError, ValueError):
            since = None
        if alive(pid, kv1(kv, "stime", int)):
            return State("active", "running", pid, since, kv)
        if u.found and u.type == "forking":
            newpid = read_pidfile(u)          # the daemon re-forked (reload…)
            if newpid and newpid != pid and alive(newpid):
                st = proc_stat(newpid)
                items = [("stime", st[4] if st else None)]
                items += [("process", v) for v in kv.get("process", [])]
                write_file(u.rf("pid"), "%d\n" % newpid)
                write_kv(u.rf("since"), first, items)
                return State("active", "running", newpid, since, kv)
        # The main process died behind our back: the unit has failed.
        now = time.time()
        fkv = {"since": [str(now)], "pid": [str(pid)], "what": ["main"],
               "process": kv.get("process", [])}
        if locked:
            mark_failed_lazily(u, pid, now, kv)
        else:
            with UnitLock(u, block=False) as got:
                if got and read_int(u.rf("pid")) == pid:
                    mark_failed_lazily(u, pid, now, kv)
        return State("failed", "failed", pid, now, fkv, "exit-code")
    if os.path.exists(u.rf("remain")):
        try:
            since = float(read_text(u.rf("remain")).split()[0])
        except (AttributeError, ValueError, IndexError):
            since = None
        return State("active", "exited", None, since)
    first, kv = read_kv(u.rf("failed"))
    if first is not None:
        return State("failed", "failed", kv1(kv, "pid", int), kv1(kv, "since", float),
                     kv, first.strip() or "exit-code")
    try:
        since = float(read_text(u.rf("stopped")).split()[0])
    except (AttributeError, ValueError, IndexError):
        since = None
    return State("inactive", "dead", None, since)


def mark_failed_lazily(u, pid, now, kv):
    write_kv(u.rf("failed"), "exit-code",
             [("since", now), ("pid", pid), ("what", "main")]
             + [("process", v) for v in kv.get("process", [])])
    for ext in ("pid", "since"):
        remove(u.rf(ext))
    Log(u).sd("%s: Failed with result 'exit-code'." % u.name)


# ---------------------------------------------------------------- running

def locale_lang():
    for f in ("/etc/locale.conf", "/etc/default/locale"):
        for line in (read_text(hp(f)) or "").splitlines():
            k, _, v = line.strip().partition("=")
            if k == "LANG" and v:
                return v.strip().strip("\"'")
    return "C.UTF-8"


def service_env(u, mainpid=None):
    env = {"PATH": DEFAULT_PATH, "LANG": locale_lang()}
    for spec in u.getlist("Service", "EnvironmentFile"):
        optional = spec.startswith("-")
        path = spec.lstrip("-")
        text = read_text(hp(path))
        if text is None:
            if optional:
                continue
            raise Fail("Failed to load environment files: No such file or directory")
        for line in text.splitlines():
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("export "):
                line = line[7:].strip()
            k, sep, v = line.partition("=")
            if sep:
                v = v.strip()
                if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                    v = v[1:-1]
                env[k.strip()] = v
    for value in u.getlist("Service", "Environment"):
        for item in shlex.split(value):
            k, sep, v = item.partition("=")
            if sep and k:
                env[k] = v
    if mainpid:
        env["MAINPID"] = str(mainpid)
    return env


def expand(argv, env):
    """systemd's $VAR (word split) and ${VAR} expansion; $$ is a dollar."""
    out = []
    for i, word in enumerate(argv):
        m = re.match(r"^\$([A-Za-z_][A-Za-z0-9_]*)$", word)
        if m and i > 0:
            out.extend(env.get(m.group(1), "").split())
            continue
        word = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                      lambda mm: env.get(mm.group(1), ""), word)
        out.append(word.replace("$$", "$"))
    return out


class SpawnError(Exception):
    def __init__(self, status, step, msg):
        super().__init__(msg)
        self.status, self.step = status, step


def spawn(u, cmd, env, logf):
    argv = expand(cmd.argv, env)
    executable = None
    if "@" in cmd.flags and len(argv) >= 2:
        executable, argv = argv[0], argv[1:]
    cwd = u.get("Service", "WorkingDirectory") or "/"
    cwd_optional = cwd.startswith("-")
    cwd = cwd.lstrip("-")
    if cwd == "~":
        cwd = "/root"
    if cwd_optional and not os.path.isdir(cwd):
        cwd = "/"
    kw = dict(stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, close_fds=True,
              start_new_session=True, cwd=cwd, env=env, executable=executable,
              umask=0o022)
    user, group = u.get("Service", "User"), u.get("Service", "Group")
    if user and user not in ("root", "0"):
        kw["user"] = user
    if group and group not in ("root", "0"):
        kw["group"] = group
    try:
        return subprocess.Popen(argv, **kw)
    except KeyError as e:
        if group and "group" in str(e).lower():
            raise SpawnError(216, "GROUP", "Failed to determine group credentials: No such process")
        raise SpawnError(217, "USER", "Failed to determine user credentials: No such process")
    except OSError as e:
        why = e.strerror or str(e)
        if e.filename == cwd and not os.path.isdir(cwd):
            raise SpawnError(200, "CHDIR", "Changing to the requested working directory failed: " + why)
        raise SpawnError(203, "EXEC", why)


def log_spawn_error(u, cmd, e, what):
    log = Log(u)
    exe = cmd.argv[0]
    if e.step == "EXEC":
        log.sd("%s: Failed to locate executable %s: %s" % (u.name, exe, e))
        log.sd("%s: Failed at step EXEC spawning %s: %s" % (u.name, exe, e))
    else:
        log.sd("%s: %s" % (u.name, e))
        log.sd("%s: Failed at step %s spawning %s: %s" % (u.name, e.step, exe, e))
    log.sd("%s: %s process exited, %s" % (u.name, what, status_log("exited", e.status)))


class Outcome:
    """Result of a control process: ok, result, pid, code, status."""

    def __init__(self, ok, result=None, pid=None, code="exited", status=0, cmd=None):
        self.ok, self.result, self.pid = ok, result, pid
        self.code, self.status, self.cmd = code, status, cmd

    def process_line(self):
        if self.pid is None or self.cmd is None:
            return None
        return "%s|%s|%s|%s" % (self.pid, self.cmd.label(), self.code, self.status)


def run_control(u, cmd, env, timeout=START_TIMEOUT, op="start"):
    log = Log(u)
    try:
        with log.open() as logf:
            p = spawn(u, cmd, env, logf)
    except SpawnError as e:
        log_spawn_error(u, cmd, e, "Control")
        return Outcome(cmd.ignore_failure, "exit-code", None, "exited", e.status, cmd)
    try:
        rc = p.wait(timeout)
    except subprocess.TimeoutExpired:
        log.sd("%s: %s operation timed out. Terminating." % (u.name, op.capitalize()))
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except OSError:
                send(p.pid, sig)
            try:
                p.wait(1.0)
                break
            except subprocess.TimeoutExpired:
                continue
        log.sd("%s: Control process exited, %s" % (u.name, status_log("killed", signal.SIGTERM)))
        return Outcome(False, "timeout", p.pid, "killed", int(signal.SIGTERM), cmd)
    code, status = ("killed", -rc) if rc < 0 else ("exited", rc)
    if rc != 0:
        if cmd.ignore_failure:
            return Outcome(True, None, p.pid, code, status, cmd)
        log.sd("%s: Control process exited, %s" % (u.name, status_log(code, status)))
        return Outcome(False, "signal" if code == "killed" else "exit-code",
                       p.pid, code, status, cmd)
    return Outcome(True, None, p.pid, code, status, cmd)


def job_failed_message(u, result):
    return ('Job for %s failed because %s.\nSee "systemctl status %s" and '
            '"journalctl -xeu %s" for details.'
            % (u.name, JOB_FAILED.get(result, JOB_FAILED["exit-code"]), u.name, u.name))


def bad_setting_message(u, verb):
    return ("Failed to %s %s: Unit %s has a bad unit file setting.\n"
            "See system logs and 'systemctl status %s' for details."
            % (verb, u.name, u.name, u.name))


def fail_start(u, result, procs, pid=None, code=None, status=None, what="control",
               cmd=None):
    items = [("since", time.time()), ("pid", pid), ("what", what),
             ("code", code), ("status", status), ("cmd", cmd)]
    items += [("process", p) for p in procs if p]
    write_kv(u.rf("failed"), result, items)
    for ext in ("pid", "since", "remain"):
        remove(u.rf(ext))
    log = Log(u)
    log.sd("%s: Failed with result '%s'." % (u.name, result))
    log.sd("Failed to start %s." % u.label)
    return Fail(job_failed_message(u, result), 1)


def record_running(u, pid, procs, since=None):
    st = proc_stat(pid)
    write_file(u.rf("pid"), "%d\n" % pid)
    items = [("stime", st[4] if st else None)] + [("process", p) for p in procs if p]
    write_kv(u.rf("since"), since if since is not None else time.time(), items)


def start_locked(u):
    """Start the unit (lock held).  Raises Fail on failure."""
    st = get_state(u, locked=True)
    if st.active:
        return
    if not u.found:
        raise Fail("Failed to start %s: Unit %s not found." % (u.name, u.name), 5)
    if u.error:
        Log(u).sd("%s: %s" % (u.name, u.error))
        raise Fail(bad_setting_message(u, "start"), 1)
    for ext in ("failed", "stopped", "remain", "pid", "since"):
        remove(u.rf(ext))
    os.makedirs(hp(RUN_DIR), exist_ok=True)
    log = Log(u)
    procs = []
    try:
        env = service_env(u)
    except Fail as e:
        log.sd("%s: %s" % (u.name, e))
        raise fail_start(u, "resources", procs)
    kind = u.type
    if kind in ("forking", "oneshot"):
        log.sd("Starting %s..." % u.label)
    for cmd in u.cmds("ExecStartPre"):
        out = run_control(u, cmd, env)
        procs.append(out.process_line())
        if not out.ok:
            raise fail_start(u, out.result, procs, out.pid, out.code, out.status,
                             "control", cmd.label())
    if kind == "oneshot":
        for cmd in u.cmds("ExecStart"):
            out = run_control(u, cmd, env)
            procs.append(out.process_line())
            if not out.ok:
                raise fail_start(u, out.result, procs, out.pid, out.code,
                                 out.status, "main", cmd.label())
        post_start(u, env, None, procs)
        if u.boolean("Service", "RemainAfterExit"):
            write_file(u.rf("remain"), "%f\n" % time.time())
        else:
            write_file(u.rf("stopped"), "%f\n" % time.time())
            log.sd("%s: Deactivated successfully." % u.name)
        log.sd("Finished %s." % u.label)
        return
    if kind == "forking":
        cmd = u.cmds("ExecStart")[0]
        pidfile = u.pidfile
        if pidfile:
            remove(hp(pidfile))
        t0 = proc_stat(os.getpid())
        out = run_control(u, cmd, env)
        procs.append(out.process_line())
        if not out.ok:
            raise fail_start(u, out.result, procs, out.pid, out.code, out.status,
                             "control", cmd.label())
        pid = None
        if pidfile:
            deadline = time.monotonic() + PIDFILE_WAIT
            why = "Can't open PID file %s (yet?) after start: No such file or " \
                  "directory" % pidfile
            while True:
                text = read_text(hp(pidfile))
                pid = read_int(hp(pidfile))
                if pid and alive(pid):
                    break
                if pid and text.endswith("\n"):    # complete, but names a dead PID
                    why = "PID %d read from file %s does not exist or is a zombie." \
                          % (pid, pidfile)
                    pid = None
                    break
                if time.monotonic() >= deadline:
                    pid = None
                    break
                time.sleep(0.02)
            if not pid:
                log.sd("%s: %s" % (u.name, why))
        else:
            pid = guess_main_pid(out.pid, t0[4] if t0 else 0)
            if not pid:
                log.sd("%s: Supervising process could not be determined." % u.name)
        if not pid:
            raise fail_start(u, "protocol", procs)
        record_running(u, pid, procs)
        post_start(u, env, pid, procs)
        log.sd("Started %s." % u.label)
        return
    # Type=simple (and exec, notify… treated alike)
    cmd = u.cmds("ExecStart")[0]
    try:
        with log.open() as logf:
            p = spawn(u, cmd, env, logf)
    except SpawnError as e:
        log_spawn_error(u, cmd, e, "Main")
        raise fail_start(u, "exit-code", procs, None, "exited", e.status, "main",
                         cmd.label())
    record_running(u, p.pid, procs)
    deadline = time.monotonic() + GRACE
    while p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    rc = p.poll()
    if rc is not None:
        code, status = ("killed", -rc) if rc < 0 else ("exited", rc)
        procs.append(Outcome(True, None, p.pid, code, status, cmd).process_line())
        if rc == 0:
            log.sd("Started %s." % u.label)
            log.sd("%s: Deactivated successfully." % u.name)
            for ext in ("pid", "since"):
                remove(u.rf(ext))
            write_file(u.rf("stopped"), "%f\n" % time.time())
            return
        log.sd("%s: Main process exited, %s" % (u.name, status_log(code, status)))
        raise fail_start(u, "signal" if code == "killed" else "exit-code", procs,
                         p.pid, code, status, "main", cmd.label())
    post_start(u, env, p.pid, procs)
    log.sd("Started %s." % u.label)


def post_start(u, env, pid, procs):
    for cmd in u.cmds("ExecStartPost"):
        out = run_control(u, cmd, dict(env, MAINPID=str(pid or "")))
        procs.append(out.process_line())
        if not out.ok:
            if pid:
                kill_tree(u, pid)
            raise fail_start(u, out.result, procs, out.pid, out.code, out.status,
                             "control", cmd.label())


def guess_main_pid(ctl_pid, not_before):
    """Type=forking without PIDFile=: the process left behind in the control
    process' session, or else the single new orphan."""
    stats = all_stats()
    same = [p for p, st in stats.items()
            if p != ctl_pid and (st[2] == ctl_pid or st[3] == ctl_pid)
            and st[0] not in "ZXx"]
    if same:
        return min(same)
    me = os.getpid()
    orphans = [p for p, st in stats.items()
               if st[1] == 1 and st[4] >= not_before and p not in (me, ctl_pid)
               and st[0] not in "ZXx"]
    return orphans[0] if len(orphans) == 1 else None


def kill_tree(u, pid, sig=signal.SIGTERM):
    log = Log(u)
    pids = proc_tree(pid)
    for p in pids:
        send(p, sig)
        send(p, signal.SIGCONT)
    left = wait_gone(pids, STOP_TIMEOUT)
    if left:
        log.sd("%s: State 'stop-sigterm' timed out. Killing." % u.name)
        for p in left:
            log.sd("%s: Killing process %d (%s) with signal SIGKILL."
                   % (u.name, p, proc_comm(p)))
            send(p, signal.SIGKILL)
        wait_gone(left, 1.0)


def stop_locked(u):
    st = get_state(u, locked=True)
    if not st.active:
        return
    log = Log(u)
    log.sd("Stopping %s..." % u.label)
    try:
        env = service_env(u, st.pid)
    except Fail:
        env = {"PATH": DEFAULT_PATH, "MAINPID": str(st.pid or "")}
    if u.found and not u.error:
        for cmd in u.cmds("ExecStop"):
            run_control(u, cmd, env, STOP_TIMEOUT, "stop")
    if st.pid:
        kill_tree(u, st.pid)
    for ext in ("pid", "since", "remain"):
        remove(u.rf(ext))
    if u.found and u.pidfile:
        remove(hp(u.pidfile))
    if u.found and not u.error:
        for cmd in u.cmds("ExecStopPost"):
            run_control(u, cmd, env, STOP_TIMEOUT, "stop")
    write_file(u.rf("stopped"), "%f\n" % time.time())
    log.sd("%s: Deactivated successfully." % u.name)
    log.sd("Stopped %s." % u.label)


def reload_locked(u):
    st = get_state(u, locked=True)
    if not st.active:
        raise Fail("Job for %s invalid." % u.name, 1)
    log = Log(u)
    log.sd("Reloading %s..." % u.label)
    cmds = u.cmds("ExecReload")
    if cmds:
        env = service_env(u, st.pid)
        for cmd in cmds:
            out = run_control(u, cmd, env, START_TIMEOUT, "reload")
            if not out.ok:
                log.sd("Reload failed for %s." % u.label)
                raise Fail(job_failed_message(u, out.result), 1)
    elif st.pid:
        send(st.pid, signal.SIGHUP)
    log.sd("Reloaded %s." % u.label)


# ---------------------------------------------------------------- systemctl verbs

def need_units(verb, args):
    if not args:
        raise Fail("Too few arguments.", 1)
    return [load(a) for a in args]


def each(units, fn):
    """Run fn on each unit, printing errors; first non-zero code wins."""
    rc = 0
    for u in units:
        try:
            fn(u)
        except Fail as e:
            err(str(e))
            rc = rc or e.code
    return rc


def v_start(opts, args):
    def one(u):
        if not u.found:
            raise Fail("Failed to start %s: Unit %s not found." % (u.name, u.name), 5)
        with UnitLock(u):
            start_locked(u)
    return each(need_units("start", args), one)


def v_stop(opts, args):
    def one(u):
        if not u.found and not os.path.exists(u.rf("pid")):
            raise Fail("Failed to stop %s: Unit %s not loaded." % (u.name, u.name), 5)
        with UnitLock(u):
            stop_locked(u)
    return each(need_units("stop", args), one)


def v_restart(opts, args, only_if_active=False, reload_if_possible=False):
    verb = "restart"
    if reload_if_possible:
        verb = "reload-or-restart" if not only_if_active else "try-reload-or-restart"
    elif only_if_active:
        verb = "try-restart"

    def one(u):
        if not u.found:
            raise Fail("Failed to %s %s: Unit %s not found." % (verb, u.name, u.name), 5)
        if u.error:
            raise Fail(bad_setting_message(u, "restart"), 1)
        with UnitLock(u):
            st = get_state(u, locked=True)
            if only_if_active and not st.active:
                return
            if reload_if_possible and st.active:
                reload_locked(u)
                return
            stop_locked(u)
            start_locked(u)
    return each(need_units(verb, args), one)


def v_reload(opts, args):
    def one(u):
        if not u.found:
            raise Fail("Failed to reload %s: Unit %s not found." % (u.name, u.name), 5)
        with UnitLock(u):
            reload_locked(u)
    return each(need_units("reload", args), one)


def v_kill(opts, args):
    sig = opts["signal"]

    def one(u):
        st = get_state(u)
        if not st.active or not st.pid:
            if not u.found:
                raise Fail("Failed to kill unit %s: Unit %s not loaded." % (u.name, u.name), 1)
            return
        pids = [st.pid] if opts["whom"] == "main" else proc_tree(st.pid)
        for p in pids:
            send(p, sig)
    return each(need_units("kill", args), one)


def v_reset_failed(opts, args):
    names = [unit_name(a) for a in args] if args else all_unit_names()
    for n in names:
        u = Unit(n)
        if get_state(u).state == "failed":
            with UnitLock(u):
                remove(u.rf("failed"))
                if not alive(read_int(u.rf("pid"))):
                    for ext in ("pid", "since"):
                        remove(u.rf(ext))
    return 0


def v_is_active(opts, args, failed=False):
    units = need_units("is-active", args)
    rc = 1 if failed else 3
    for u in units:
        state = get_state(u).state if u.found or os.path.exists(u.rf("pid")) else "inactive"
        if not opts["quiet"]:
            print(state)
        if (failed and state == "failed") or (not failed and state == "active"):
            rc = 0
    return rc


def v_is_enabled(opts, args):
    units = need_units("is-enabled", args)
    rc = 1
    for u in units:
        if not u.found:
            err("Failed to get unit file state for %s: No such file or directory" % u.name)
            continue
        state = enabled_state(u)
        if not opts["quiet"]:
            print(state)
        if state in ("enabled", "static"):
            rc = 0
    return rc


def v_enable(opts, args, enable=True):
    units = need_units("enable" if enable else "disable", args)
    for u in units:
        if not u.found:
            raise Fail("Failed to %s unit: Unit file %s does not exist."
                       % ("enable" if enable else "disable", u.name), 1)
    rc = 0
    for u in units:
        if enable:
            targets = u.install_targets()
            if not targets:
                if not opts["quiet"]:
                    err("The unit files have no installation config (WantedBy=, "
                        "RequiredBy=, Also=,\nAlias= settings in the [Install] "
                        "section, and DefaultInstance= for template\nunits). This "
                        "means they are not meant to be enabled or disabled using "
                        "systemctl.")
                continue
            for t in targets:
                link = os.path.join(hp(UNIT_DIR), t, u.name)
                if os.path.islink(link) or os.path.exists(link):
                    continue
                os.makedirs(os.path.dirname(link), exist_ok=True)
                os.symlink(u.file, link)
                if not opts["quiet"]:
                    err("Created symlink %s \u2192 %s." % (host_view(link), u.path))
        else:
            for link in wants_links(u.name):
                remove(link)
                if not opts["quiet"]:
                    err('Removed "%s".' % host_view(link))
    if opts["now"]:
        rc = (v_start if enable else v_stop)(opts, args)
    return rc


def v_reenable(opts, args):
    v_enable(dict(opts, now=False), args, enable=False)
    return v_enable(opts, args, enable=True)


def v_daemon_reload(opts, args):
    return 0


def v_cat(opts, args):
    units = need_units("cat", args)
    rc, first = 0, True
    for u in units:
        text = read_text(u.file) if u.found else None
        if text is None:
            err("No files found for %s." % u.name)
            rc = 1
            continue
        if not first:
            print()
        first = False
        print("# %s" % u.path)
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    return rc


def cgroup_info(pid):
    pids = proc_tree(pid)
    tasks, rss, cpu = 0, 0, 0.0
    try:
        tick = os.sysconf("SC_CLK_TCK")
        page = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        tick, page = 100, 4096
    for p in pids:
        text = read_text("/proc/%d/stat" % p)
        if text:
            try:
                f = text[text.rindex(")") + 2:].split()
                cpu += (int(f[11]) + int(f[12])) / tick
                tasks += int(f[17])
                rss += int(f[21]) * page
            except (ValueError, IndexError):
                pass
    return pids, tasks, rss, cpu


def status_block(u, opts):
    st = get_state(u)
    lines = []
    if st.state == "active":
        bullet = paint("\u25cf", GREEN)
    elif st.state == "failed":
        bullet = paint("\u00d7", RED)
    else:
        bullet = "\u25cb"
    desc = u.description
    head = "%s %s" % (bullet, u.name)
    if desc and desc != u.name:
        head += " - " + desc
    lines.append(head)
    if not u.found:
        lines.append("     Loaded: not-found (Reason: Unit %s not found.)" % u.name)
    elif u.error:
        lines.append("     Loaded: bad-setting (Reason: Unit %s has a bad unit file setting.)"
                     % u.name)
    else:
        es = enabled_state(u)
        lines.append("     Loaded: loaded (%s; %s%s)" % (
            u.path, es, "" if es == "static" else "; preset: enabled"))
    since = ""
    if st.since:
        since = " since %s; %s" % (fmt_ts(st.since), fmt_ago(st.since))
    if st.state == "active":
        lines.append("     Active: %s%s" % (paint("active (%s)" % st.sub, BGREEN), since))
    elif st.state == "failed":
        lines.append("     Active: %s%s" % (
            paint("failed (Result: %s)" % (st.result or "exit-code"), BRED), since))
    else:
        lines.append("     Active: inactive (dead)%s" % since)
    docs = " ".join(u.getlist("Unit", "Documentation")).split() if u.found else []
    for i, d in enumerate(docs):
        lines.append("%s %s" % ("       Docs:" if i == 0 else "            ", d))
    for proc in st.kv.get("process", []):
        parts = proc.split("|")
        if len(parts) == 4:
            try:
                view = status_view(parts[2], int(parts[3]))
            except ValueError:
                continue
            lines.append("    Process: %s %s (%s)" % (parts[0], parts[1], view))
    if st.state == "active" and st.pid:
        lines.append("   Main PID: %d (%s)" % (st.pid, proc_comm(st.pid)))
        pids, tasks, rss, cpu = cgroup_info(st.pid)
        if tasks:
            lines.append("      Tasks: %d" % tasks)
        if rss:
            lines.append("     Memory: %s" % fmt_bytes(rss))
        lines.append("        CPU: %s" % fmt_cpu(cpu))
        lines.append("     CGroup: /system.slice/%s" % u.name)
        ordered = [st.pid] + sorted(p for p in pids if p != st.pid)
        for i, p in enumerate(ordered):
            branch = "\u2514\u2500" if i == len(ordered) - 1 else "\u251c\u2500"
            lines.append("             %s%d %s" % (branch, p, proc_cmdline(p)))
    elif st.state == "failed" and st.pid and kv1(st.kv, "what") == "main":
        code = kv1(st.kv, "code") or "exited"
        status = kv1(st.kv, "status", int)
        lines.append("   Main PID: %d (%s)" % (st.pid, status_view(code, status)))
    logs = tail_lines(u, opts["lines"])
    if logs:
        lines.append("")
        lines.extend(logs)
    return st, "\n".join(lines)


def v_status(opts, args):
    if not args:
        return system_status()
    rc, first = 0, True
    for a in args:
        u = load(a)
        if not u.found and not os.path.exists(u.rf("pid")) \
                and not os.path.exists(u.logfile):
            err("Unit %s could not be found." % u.name)
            rc = 4
            continue
        st, block = status_block(u, opts)
        if not first:
            print()
        first = False
        print(block)
        if not st.active and rc != 4:
            rc = 3
    return rc


def system_status():
    units = [Unit(n) for n in all_unit_names()]
    failed = sum(1 for u in units if get_state(u).state == "failed")
    state = "degraded" if failed else "running"
    dot = paint("\u25cf", RED if failed else GREEN)
    print("%s %s" % (dot, hostname()))
    print("    State: %s" % paint(state, BRED if failed else BGREEN))
    print("    Units: %d loaded" % len(units))
    print("     Jobs: 0 queued")
    print("   Failed: %d units" % failed)
    return 0


def table(rows, last_free=True):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r, widths)]
        if last_free:
            cells[-1] = r[-1]
        out.append(" ".join(cells).rstrip())
    return out


def v_list_units(opts, args):
    types = opts["types"]
    units = []
    if not types or "service" in types:
        for n in all_unit_names():
            if args and not any(fnmatch.fnmatchcase(n, p) or fnmatch.fnmatchcase(n, p + ".service")
                                for p in args):
                continue
            u = Unit(n)
            st = get_state(u)
            load_state = "bad-setting" if u.error else "loaded"
            if opts["states"]:
                if not {st.state, st.sub, load_state} & set(opts["states"]):
                    continue
            elif not opts["all"] and st.state == "inactive":
                continue
            units.append((u, st, load_state))
    rows = [("", "UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION")]
    for u, st, load_state in units:
        rows.append(("\u25cf" if st.state == "failed" else " ", u.name, load_state,
                     st.state, st.sub, u.description or u.name))
    lines = table(rows)
    if opts["legend"]:
        for line in lines:
            print(line)
    else:
        for line in lines[1:]:
            print(line)
    if opts["legend"]:
        print()
        print("LOAD   = Reflects whether the unit definition was properly loaded.")
        print("ACTIVE = The high-level unit activation state, i.e. generalization of SUB.")
        print("SUB    = The low-level unit activation state, values depend on unit type.")
        if opts["all"]:
            print("%d loaded units listed." % len(units))
        else:
            print("%d loaded units listed. Pass --all to see loaded but inactive "
                  "units, too." % len(units))
        print("To show all installed unit files use 'systemctl list-unit-files'.")
    return 0


def v_list_unit_files(opts, args):
    types = opts["types"]
    rows = [("UNIT FILE", "STATE", "VENDOR PRESET")]
    if not types or "service" in types:
        for n in all_unit_names():
            if args and not any(fnmatch.fnmatchcase(n, p) for p in args):
                continue
            u = Unit(n)
            es = enabled_state(u)
            if opts["states"] and es not in opts["states"]:
                continue
            rows.append((n, es, "-" if es == "static" else "enabled"))
    lines = table(rows)
    for line in (lines if opts["legend"] else lines[1:]):
        print(line)
    if opts["legend"]:
        print()
        print("%d unit files listed." % (len(rows) - 1))
    return 0


def v_show(opts, args):
    if not args:
        raise Fail("'systemctl show' without a unit is not supported in this lab.", 1)
    first = True
    for a in args:
        u = load(a)
        st = get_state(u)
        load_state = "not-found" if not u.found else ("bad-setting" if u.error else "loaded")
        ok = u.found and not u.error
        props = [
            ("Type", u.type if ok else ""),
            ("Restart", "no"),
            ("PIDFile", (u.pidfile or "") if ok else ""),
            ("MainPID", str(st.pid if st.active and st.pid else 0)),
            ("ExecMainPID", str(st.pid or 0)),
            ("ExecMainStatus", str(kv1(st.kv, "status", int) or 0)),
            ("Result", st.result or "success"),
            ("Id", u.name),
            ("Names", u.name),
            ("Description", u.description or u.name),
            ("LoadState", load_state),
            ("ActiveState", st.state),
            ("SubState", st.sub),
            ("FragmentPath", u.path if u.found else ""),
            ("UnitFileState", enabled_state(u) if ok else ""),
            ("UnitFilePreset", "enabled" if ok else ""),
            ("ActiveEnterTimestamp", fmt_ts(st.since) if st.active and st.since else ""),
            ("WantedBy", " ".join(t[:-6] for t in u.install_targets() if t.endswith(".wants"))
             if ok else ""),
        ]
        wanted = []
        for p in opts["props"]:
            wanted.extend(x for x in p.split(",") if x)
        if not first and not opts["value"]:
            print()
        first = False
        for k, v in props:
            if wanted and k not in wanted:
                continue
            print(v if opts["value"] else "%s=%s" % (k, v))
    return 0


def v_list_jobs(opts, args):
    print("No jobs running.")
    return 0


def v_is_system_running(opts, args):
    failed = any(get_state(Unit(n)).state == "failed" for n in all_unit_names())
    if not opts["quiet"]:
        print("degraded" if failed else "running")
    return 1 if failed else 0


def v_boot(opts, args):
    """Hidden verb for the lab engine: start every enabled unit, all at once
    as systemd does when nothing orders them (our units have no After=).
    Silent on success; one line per failed unit on stderr (by unit name), with
    the service's own last words when it left some (the engine shows the last
    line)."""
    import threading

    units = [u for u in (Unit(n) for n in all_unit_names()) if wants_links(u.name)]
    failures = {}

    def boot_one(u):
        try:
            before = os.path.getsize(u.logfile)
        except OSError:
            before = 0
        try:
            with UnitLock(u):
                start_locked(u)
        except Fail as e:
            reason = str(e).splitlines()[0]
            for _, line in reversed(read_entries(u.logfile, offset=before)):
                if line.strip() and " systemd[1]: " not in line:
                    reason = normalize(line, cat=True).strip()
                    break
            failures[u.name] = reason
        except Exception as e:  # a thread must not swallow a crash: report it as the unit's failure
            failures[u.name] = "%s: %s" % (type(e).__name__, e)

    threads = [threading.Thread(target=boot_one, args=(u,)) for u in units]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in sorted(failures):
        err("Failed to start %s: %s" % (name, failures[name]))
    return 1 if failures else 0


NOT_HERE = ("reboot", "poweroff", "halt", "kexec", "suspend", "hibernate",
            "hybrid-sleep", "suspend-then-hibernate", "soft-reboot", "isolate",
            "rescue", "emergency", "default", "switch-root", "exit")
UNSUPPORTED = ("mask", "unmask", "edit", "link", "revert", "preset", "preset-all",
               "set-property", "set-default", "get-default", "set-environment",
               "unset-environment", "import-environment", "show-environment",
               "list-dependencies", "list-timers", "list-sockets", "list-machines",
               "list-automounts", "list-paths", "freeze", "thaw", "clean", "bind",
               "mount-image", "add-wants", "add-requires", "log-level", "log-target",
               "service-log-level", "service-log-target", "whoami", "help",
               "daemon-reexec", "cancel", "is-selected")

VERBS = {
    "start": v_start,
    "stop": v_stop,
    "restart": v_restart,
    "try-restart": lambda o, a: v_restart(o, a, only_if_active=True),
    "condrestart": lambda o, a: v_restart(o, a, only_if_active=True),
    "reload-or-restart": lambda o, a: v_restart(o, a, reload_if_possible=True),
    "try-reload-or-restart": lambda o, a: v_restart(o, a, True, True),
    "reload-or-try-restart": lambda o, a: v_restart(o, a, True, True),
    "force-reload": lambda o, a: v_restart(o, a, True, True),
    "reload": v_reload,
    "kill": v_kill,
    "reset-failed": v_reset_failed,
    "status": v_status,
    "show": v_show,
    "cat": v_cat,
    "is-active": v_is_active,
    "is-failed": lambda o, a: v_is_active(o, a, failed=True),
    "is-enabled": v_is_enabled,
    "enable": v_enable,
    "disable": lambda o, a: v_enable(o, a, enable=False),
    "reenable": v_reenable,
    "list-units": v_list_units,
    "list-unit-files": v_list_unit_files,
    "list-jobs": v_list_jobs,
    "daemon-reload": v_daemon_reload,
    "is-system-running": v_is_system_running,
    "__boot": v_boot,
}

SYSTEMCTL_HELP = """systemctl [OPTIONS...] COMMAND ...

Manage the services of this lab host (sysd shim: there is no real systemd
here; units live in /etc/systemd/system/NAME.service).

Unit Commands:
  list-units [PATTERN...]      List running (or, with --all, all) units
  list-unit-files [PATTERN...] List installed unit files
  status [UNIT...]             Show runtime status of one or more units
  show UNIT...                 Show properties (-p PROP, --value)
  cat UNIT...                  Show the unit file
  start UNIT...                Start (activate) one or more units
  stop UNIT...                 Stop (deactivate) one or more units
  reload UNIT...               Reload one or more units
  restart UNIT...              Start or restart one or more units
  try-restart UNIT...          Restart one or more units if active
  reload-or-restart UNIT...    Reload one or more units if possible,
                               otherwise start or restart
  kill UNIT...                 Send signal (-s SIG) to processes of a unit
  reset-failed [UNIT...]       Reset failed state
  is-active UNIT...            Check whether units are active
  is-failed UNIT...            Check whether units are failed

Unit File Commands:
  enable [--now] UNIT...       Enable one or more unit files
  disable [--now] UNIT...      Disable one or more unit files
  reenable UNIT...             Reenable one or more unit files
  is-enabled UNIT...           Check whether unit files are enabled

System Commands:
  daemon-reload                Reload systemd manager configuration
  is-system-running            Check whether the system is fully running
"""


def parse_systemctl(argv):
    opts = {"now": False, "all": False, "quiet": False, "types": [], "states": [],
            "legend": True, "lines": 10, "signal": signal.SIGTERM, "whom": "all",
            "props": [], "value": False}
    args = []
    long_arg = {"--type", "--state", "--lines", "--signal", "--kill-whom",
                "--kill-value", "--property", "--output", "--job-mode", "--legend",
                "--what", "--timestamp", "--check-inhibitors", "--preset-mode",
                "--when", "--message"}
    long_flag = {"--no-pager", "--full", "--quiet", "--now", "--all", "--no-legend",
                 "--plain", "--failed", "--system", "--value", "--no-block",
                 "--no-ask-password", "--force", "--no-reload", "--show-types",
                 "--no-wall", "--recursive", "--reverse", "--ignore-inhibitors",
                 "--runtime", "--wait", "--help", "--version",
                 "--user", "--global"}
    short_arg = "tnspo"
    short_flag = "alqfrih"

    def set_opt(name, val):
        if name in ("--type", "-t"):
            for t in val.split(","):
                if t == "help":
                    raise Fail("Available unit types:\nservice", 0)
                if t in ("service", "socket", "target", "timer", "mount", "automount",
                         "path", "slice", "scope", "device", "swap"):
                    opts["types"].append(t)
                else:
                    opts["states"].append(t)   # systemctl -t also takes states
        elif name == "--state":
            opts["states"].extend(s for s in val.split(",") if s)
        elif name in ("--lines", "-n"):
            try:
                opts["lines"] = int(val)
            except ValueError:
                raise Fail("Failed to parse lines '%s'" % val, 1)
        elif name in ("--signal", "-s"):
            opts["signal"] = parse_signal(val)
        elif name == "--kill-whom":
            opts["whom"] = val
        elif name in ("--property", "-p"):
            opts["props"].append(val)
        elif name == "--legend":
            opts["legend"] = val.lower() in ("1", "yes", "true", "on")

    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a == "--":
            args.extend(argv[i:])
            break
        if a.startswith("--"):
            name, eq, val = a.partition("=")
            if name in long_arg:
                if not eq:
                    if i >= len(argv):
                        raise Fail("systemctl: option '%s' requires an argument" % name, 1)
                    val = argv[i]
                    i += 1
                set_opt(name, val)
            elif name in long_flag and not eq:
                if name == "--help":
                    raise Fail(SYSTEMCTL_HELP.rstrip("\n"), 0)
                if name == "--version":
                    raise Fail(VERSION, 0)
                if name in ("--user", "--global"):
                    raise Fail("systemctl %s is not available in this lab host: only "
                               "system services exist here." % name, 1)
                key = {"--now": "now", "--all": "all", "--quiet": "quiet",
                       "--value": "value"}.get(name)
                if key:
                    opts[key] = True
                elif name == "--no-legend":
                    opts["legend"] = False
                elif name == "--failed":
                    opts["states"].append("failed")
            else:
                raise Fail("systemctl: unrecognized option '%s'" % a, 1)
        elif a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                j += 1
                if c in short_arg:
                    val = a[j:]
                    if not val:
                        if i >= len(argv):
                            raise Fail("systemctl: option requires an argument -- '%s'" % c, 1)
                        val = argv[i]
                        i += 1
                    set_opt("-" + c, val)
                    break
                if c not in short_flag:
                    raise Fail("systemctl: invalid option -- '%s'" % c, 1)
                if c == "h":
                    raise Fail(SYSTEMCTL_HELP.rstrip("\n"), 0)
                if c == "a":
                    opts["all"] = True
                elif c == "q":
                    opts["quiet"] = True
        else:
            args.append(a)
    return opts, args


def parse_signal(val):
    v = val.upper()
    if v.isdigit():
        return int(v)
    if not v.startswith("SIG"):
        v = "SIG" + v
    try:
        return int(getattr(signal.Signals, v))
    except AttributeError:
        raise Fail("Failed to parse signal string %s." % val, 1)


def systemctl_main(argv):
    opts, args = parse_systemctl(argv)
    if not args:
        return v_list_units(opts, [])
    verb, rest = args[0], args[1:]
    if verb in VERBS:
        return VERBS[verb](opts, rest)
    if verb in NOT_HERE:
        err("systemctl %s: not available here: this lab host is a network namespace, "
            "not a real machine with systemd." % verb)
        return 1
    if verb in UNSUPPORTED:
        hint = ""
        if verb in ("edit", "mask", "unmask", "link", "revert"):
            hint = " Edit the unit file in /etc/systemd/system/ directly, then run " \
                   "'systemctl daemon-reload'."
        err("systemctl %s: not supported by this lab's systemctl.%s" % (verb, hint))
        return 1
    err("Unknown command verb '%s'." % verb)
    return 1


# ---------------------------------------------------------------- journalctl

JOURNALCTL_HELP = """journalctl [OPTIONS...]

Query the logs of this lab host's services (sysd shim).

  -u --unit=UNIT          Show logs from the specified unit (repeatable)
  -n --lines[=INTEGER]    Number of journal entries to show
  -e --pager-end          Jump to the end (last 1000 entries)
  -f --follow             Follow the journal (Ctrl-C to stop)
  -r --reverse            Show the newest entries first
  -o --output=short|cat   Change journal output mode
     --no-hostname        Suppress output of hostname field
  -x -b -q --no-pager -a -l  Accepted
"""


def parse_journalctl(argv):
    opts = {"units": [], "lines": None, "end": False, "follow": False,
            "reverse": False, "quiet": False, "output": "short", "no_host": False}
    flags_long = {"--no-pager": None, "--pager-end": "end", "--follow": "follow",
                  "--catalog": None, "--quiet": "quiet", "--reverse": "reverse",
                  "--all": None, "--full": None, "--system": None, "--merge": None,
                  "--no-full": None, "--no-hostname": "no_host", "--utc": None,
                  "--no-tail": None}
    unsupported = {"--since", "--until", "--priority", "--identifier", "--grep",
                   "--dmesg", "--list-boots", "--vacuum-size", "--vacuum-time",
                   "--disk-usage", "--cursor", "--after-cursor", "--field",
                   "--user", "--user-unit", "--facility", "--directory", "--file"}
    unsupported_short = "SUptkgDFM"

    def bad(what):
        return Fail("journalctl: %s is not supported in this lab's journal "
                    "(use -u UNIT, -n N, -f, -e, -r)." % what, 1)

    def set_lines(val):
        if val in ("all", "+all"):
            opts["lines"] = -1
            return
        try:
            opts["lines"] = max(0, int(val.lstrip("+")))
        except ValueError:
            raise Fail("Failed to parse lines '%s'" % val, 1)

    def check_boot(val):
        if val not in ("", "0", "+0", "all") and not re.match(r"^[0-9a-f]{32}$", val):
            raise Fail("Data from the specified boot (%s) is not available: "
                       "No such boot ID in journal" % val, 1)

    def is_num(s):
        return bool(re.match(r"^[+-]?\d+$", s)) or s in ("all", "+all")

    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a.startswith("--"):
            name, eq, val = a.partition("=")
            if name == "--unit":
                if not eq:
                    if i >= len(argv):
                        raise Fail("journalctl: option '--unit' requires an argument", 1)
                    val = argv[i]
                    i += 1
                opts["units"].append(val)
            elif name == "--lines":
                if eq:
                    set_lines(val)
                elif i < len(argv) and is_num(argv[i]):
                    set_lines(argv[i])
                    i += 1
                else:
                    opts["lines"] = 10
            elif name == "--boot":
                if eq:
                    check_boot(val)
                elif i < len(argv) and is_num(argv[i]):
                    check_boot(argv[i])
                    i += 1
            elif name == "--output":
                if not eq:
                    if i >= len(argv):
                        raise Fail("journalctl: option '--output' requires an argument", 1)
                    val = argv[i]
                    i += 1
                if val not in ("short", "cat", "short-full", "short-traditional"):
                    raise bad("--output=%s" % val)
                opts["output"] = val
            elif name == "--help":
                raise Fail(JOURNALCTL_HELP.rstrip("\n"), 0)
            elif name == "--version":
                raise Fail(VERSION, 0)
            elif name in flags_long and not eq:
                if flags_long[name]:
                    opts[flags_long[name]] = True
            elif name in unsupported:
                raise bad(name)
            else:
                raise Fail("journalctl: unrecognized option '%s'" % a, 1)
        elif a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                j += 1
                rest = a[j:]
                if c == "u":
                    if not rest:
                        if i >= len(argv):
                            raise Fail("journalctl: option requires an argument -- 'u'", 1)
                        rest = argv[i]
                        i += 1
                    opts["units"].append(rest)
                    break
                if c == "o":
                    if not rest:
                        if i >= len(argv):
                            raise Fail("journalctl: option requires an argument -- 'o'", 1)
                        rest = argv[i]
                        i += 1
                    if rest not in ("short", "cat", "short-full", "short-traditional"):
                        raise bad("-o %s" % rest)
                    opts["output"] = rest
                    break
                if c == "n":
                    if rest:
                        set_lines(rest)
                        break
                    if i < len(argv) and is_num(argv[i]):
                        set_lines(argv[i])
                        i += 1
                    else:
                        opts["lines"] = 10
                    continue
                if c == "b":
                    if rest:
                        check_boot(rest)
                        break
                    if i < len(argv) and is_num(argv[i]):
                        check_boot(argv[i])
                        i += 1
                    continue
                if c == "e":
                    opts["end"] = True
                elif c == "f":
                    opts["follow"] = True
                elif c == "r":
                    opts["reverse"] = True
                elif c == "q":
                    opts["quiet"] = True
                elif c == "h":
                    raise Fail(JOURNALCTL_HELP.rstrip("\n"), 0)
                elif c in "xal":
                    pass
                elif c in unsupported_short:
                    raise bad("-" + c)
                else:
                    raise Fail("journalctl: invalid option -- '%s'" % c, 1)
        else:
            raise Fail("journalctl: filtering by '%s' is not supported in this lab "
                       "(use -u UNIT)." % a, 1)
    return opts


def journal_files(patterns):
    """[(unit name, log path)] selected by -u patterns (all when none)."""
    logdir = hp(LOG_DIR)
    try:
        present = sorted(f[:-4] + ".service" for f in os.listdir(logdir) if f.endswith(".log"))
    except OSError:
        present = []
    if not patterns:
        names = present
    else:
        names = []
        for p in patterns:
            try:
                n = unit_name(p)
            except Fail:
                continue
            if any(ch in p for ch in "*?["):
                names.extend(x for x in present if fnmatch.fnmatchcase(x, n)
                             or fnmatch.fnmatchcase(x, p))
            elif n.endswith(".service"):
                names.append(n)
        names = list(dict.fromkeys(names))
    return [(n, os.path.join(logdir, n[:-8] + ".log")) for n in names]


def journalctl_main(argv):
    opts = parse_journalctl(argv)
    files = journal_files(opts["units"])
    cat = opts["output"] == "cat"

    def show(line):
        return normalize(line, opts["no_host"], cat)

    positions = {}
    streams = [read_entries(path, positions) for _, path in files]
    entries = [line for _, line in heapq.merge(*streams, key=lambda e: e[0])]
    n = opts["lines"]
    if n is None:
        n = 1000 if opts["end"] else (10 if opts["follow"] else -1)
    if n >= 0:
        entries = entries[-n:] if n else []
    if opts["reverse"]:
        entries.reverse()
    out = sys.stdout
    for line in entries:
        out.write(show(line) + "\n")
    if not entries and not opts["quiet"] and not opts["follow"]:
        out.write("-- No entries --\n")
    out.flush()
    if not opts["follow"]:
        return 0
    return follow(opts, positions, show)


def follow(opts, positions, show):
    partial = {}
    try:
        while True:
            time.sleep(0.2)
            for name, path in journal_files(opts["units"]):
                pos = positions.get(path, 0)
                try:
                    size = os.path.getsize(path)
                except OSError:
                    continue
                if size < pos:          # truncated
                    pos = 0
                if size == pos:
                    positions[path] = pos
                    continue
                with open(path, "rb") as f:
                    f.seek(pos)
                    data = f.read(size - pos)
                positions[path] = pos + len(data)
                text = partial.pop(path, "") + data.decode("utf-8", "replace")
                lines = text.split("\n")
                if lines[-1]:
                    partial[path] = lines[-1]
                for line in lines[:-1]:
                    sys.stdout.write(show(line) + "\n")
                sys.stdout.flush()
    except KeyboardInterrupt:
        return 0


# ---------------------------------------------------------------- main

def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    prog = os.path.basename(argv[0]) if argv else "systemctl"
    args = argv[1:]
    if prog not in ("systemctl", "journalctl") and args and args[0] in ("systemctl", "journalctl"):
        prog, args = args[0], args[1:]
    tool = "journalctl" if prog == "journalctl" else "systemctl"
    try:
        return journalctl_main(args) if tool == "journalctl" else systemctl_main(args)
    except Fail as e:
        if e.code == 0:
            print(str(e))
        else:
            err(str(e))
        return e.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return 0
    except Exception as e:  # never show a traceback to a trainee
        try:
            err("%s: %s" % (tool, str(e) or e.__class__.__name__))
        except Exception:
            pass
        return 1


if __name__ == "__main__":
    try:
        code = main()
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except OSError:
                pass
        sys.exit(code)
    except KeyboardInterrupt:
        os._exit(130)
