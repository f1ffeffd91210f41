"""journalctl: its options and help, the logs selected by -u, merged in time order, -n, -r, -o,
and -f (follow)."""

import fnmatch
import heapq
import os
import re
import sys
import time

from .common import Fail, LOG_DIR, VERSION, hp
from .units import unit_name
from .logs import normalize, read_entries


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
