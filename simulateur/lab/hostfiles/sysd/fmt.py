"""Output formatting as systemd shows it: exit statuses, timestamps, ages, sizes, CPU times,
colours and tables."""

import os
import signal
import sys
import time

EXIT_NAMES = {
    0: "SUCCESS",
    1: "FAILURE",
    2: "INVALIDARGUMENT",
    3: "NOTIMPLEMENTED",
    4: "NOPERMISSION",
    5: "NOTINSTALLED",
    6: "NOTCONFIGURED",
    7: "NOTRUNNING",
    200: "CHDIR",
    203: "EXEC",
    216: "GROUP",
    217: "USER",
}


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
        if n >= 1024**i:
            return "%.1f%s" % (n / 1024**i, suffix)
    return "%dB" % n


def fmt_cpu(sec):
    ms = round(sec * 1000)
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


def table(rows, last_free=True):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r, widths)]
        if last_free:
            cells[-1] = r[-1]
        out.append(" ".join(cells).rstrip())
    return out
