"""What every part of sysd shares: where the host's files are, the version, the timeouts, the
user-facing error (Fail) and the small file helpers (every path joined under $SYSD_ROOT)."""

import os
import socket
import sys

ROOT = os.environ.get("SYSD_ROOT") or "/"
UNIT_DIR = "/etc/systemd/system"
RUN_DIR = "/run/sysd"
LOG_DIR = "/var/log/sysd"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
VERSION = "systemd 252 (sysd: lab shim, not the real systemd)"

GRACE = 0.15  # a simple service still alive after this is "started"
START_TIMEOUT = 15.0  # control processes (forking ExecStart, Exec*Pre/Post)
STOP_TIMEOUT = 5.0  # SIGTERM -> SIGKILL
PIDFILE_WAIT = 2.0  # forking: wait for PIDFile= to appear

UNIT_SUFFIXES = (
    ".service",
    ".socket",
    ".target",
    ".timer",
    ".mount",
    ".automount",
    ".path",
    ".slice",
    ".scope",
    ".device",
    ".swap",
)
SIMPLE_TYPES = ("simple", "exec", "notify", "notify-reload", "idle", "dbus")


_HOST = None


class Fail(Exception):
    """A user-facing error: message for stderr and an exit code."""

    def __init__(self, msg, code=1):
        super().__init__(msg)
        self.code = code


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
    lines = [str(first)] + ["%s=%s" % (k, str(v).replace("\n", " ")) for k, v in items if v is not None]
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


def host_view(path):
    """Turn a path under ROOT back into the host's own view of it."""
    root = os.path.abspath(ROOT)
    p = os.path.abspath(path)
    if root == "/":
        return p
    if p.startswith(root + "/"):
        return p[len(root) :]
    return p
