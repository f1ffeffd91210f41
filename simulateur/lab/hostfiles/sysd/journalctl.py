"""journalctl: its options and help, the logs selected by -u, merged in time order, -n, -r, -o,
and -f (follow)."""

import fnmatch
import heapq
import os
import re
import sys
import time

from . import options
from .common import LOG_DIR, VERSION, Fail, hp
from .logs import normalize, read_entries
from .units import unit_name

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


# journalctl's options (getopt, GNU style: simulateur.lab.hostfiles.sysd.options). -n and -b take
# an optional value (attached, or the next word when it is a number): alone, -n is -n10 and -b the
# current boot, as in journalctl.
SHORTOPTS = "u:o:n:b:efrqhxalS:U:p:t:g:D:F:M:k"
OPTIONAL = {"n": "10", "lines": "10", "b": "0", "boot": "0"}
OUTPUTS = ("short", "cat", "short-full", "short-traditional")
FLAGS = {
    "-e": "end",
    "--pager-end": "end",
    "-f": "follow",
    "--follow": "follow",
    "-r": "reverse",
    "--reverse": "reverse",
    "-q": "quiet",
    "--quiet": "quiet",
    "--no-hostname": "no_host",
}
ACCEPTED = (
    "-x",
    "-a",
    "-l",
    "--no-pager",
    "--catalog",
    "--all",
    "--full",
    "--system",
    "--merge",
    "--no-full",
    "--utc",
    "--no-tail",
)
UNSUPPORTED_WITH_VALUE = (
    "since",
    "until",
    "priority",
    "identifier",
    "grep",
    "vacuum-size",
    "vacuum-time",
    "cursor",
    "after-cursor",
    "field",
    "user-unit",
    "facility",
    "directory",
    "file",
)
UNSUPPORTED_FLAGS = ("dmesg", "list-boots", "disk-usage", "user")
UNSUPPORTED_SHORT = "SUptkgDFM"
LONGOPTS = (
    [o + "=" for o in ("unit", "lines", "boot", "output") + UNSUPPORTED_WITH_VALUE]
    + [o[2:] for o in list(FLAGS) + list(ACCEPTED) if o.startswith("--")]
    + list(UNSUPPORTED_FLAGS)
    + ["help", "version"]
)


def unsupported(option):
    return Fail("journalctl: %s is not supported in this lab's journal (use -u UNIT, -n N, -f, -e, -r)." % option, 1)


def parse_journalctl(argv):
    opts = {
        "units": [],
        "lines": None,
        "end": False,
        "follow": False,
        "reverse": False,
        "quiet": False,
        "output": "short",
        "no_host": False,
    }
    try:
        found, words = options.parse(options.explicit(argv, SHORTOPTS, LONGOPTS, OPTIONAL), SHORTOPTS, LONGOPTS)
    except options.OptionError as e:
        apply_options(opts, e.before)
        if e.option.lstrip("-") in UNSUPPORTED_WITH_VALUE + UNSUPPORTED_FLAGS or (
            len(e.option) == 2 and e.option[1] in UNSUPPORTED_SHORT
        ):
            raise unsupported(e.option)
        raise Fail("journalctl: %s" % e, 1)
    apply_options(opts, found)
    if words:
        raise Fail("journalctl: filtering by '%s' is not supported in this lab (use -u UNIT)." % words[0], 1)
    return opts


def apply_options(opts, found):
    """Set opts from getopt's [(option, value)], in order; Fail at the first bad or unsupported one."""
    for name, val in found:
        if name in ("-u", "--unit"):
            opts["units"].append(val)
        elif name in ("-n", "--lines"):
            if val in ("all", "+all"):
                opts["lines"] = -1
                continue
            try:
                opts["lines"] = max(0, int(val.lstrip("+")))
            except ValueError:
                raise Fail("Failed to parse lines '%s'" % val, 1)
        elif name in ("-b", "--boot"):
            if val not in ("", "0", "+0", "all") and not re.match(r"^[0-9a-f]{32}$", val):
                raise Fail("Data from the specified boot (%s) is not available: No such boot ID in journal" % val, 1)
        elif name in ("-o", "--output"):
            if val not in OUTPUTS:
                raise unsupported("-o %s" % val if name == "-o" else "--output=%s" % val)
            opts["output"] = val
        elif name in ("-h", "--help"):
            raise Fail(JOURNALCTL_HELP.rstrip("\n"), 0)
        elif name == "--version":
            raise Fail(VERSION, 0)
        elif name in FLAGS:
            opts[FLAGS[name]] = True
        elif name not in ACCEPTED:
            raise unsupported(name)


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
                names.extend(x for x in present if fnmatch.fnmatchcase(x, n) or fnmatch.fnmatchcase(x, p))
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
            for _name, path in journal_files(opts["units"]):
                pos = positions.get(path, 0)
                try:
                    size = os.path.getsize(path)
                except OSError:
                    continue
                if size < pos:  # truncated
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
