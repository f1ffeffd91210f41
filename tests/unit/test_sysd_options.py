"""Every option form the hosts' systemctl and journalctl accept, at the parser (sysd's
parse_systemctl / parse_journalctl): GNU semantics (options after the verb, combined short flags,
attached and separate values, `--`), the values they set, and the exact error each bad form gives.
Written against the hand-made parser before it was replaced, so that the replacement is proven to
take the same command lines to the same options and the same messages."""

from __future__ import annotations

import signal
import sys
from types import SimpleNamespace

import pytest

from simulateur.paths import HOSTFILES_DIR


def _sysd():
    """The package as a host imports it (top-level `sysd`), from the source tree."""
    sys.path.insert(0, str(HOSTFILES_DIR))
    try:
        from sysd import common, journalctl, systemctl
    finally:
        sys.path.remove(str(HOSTFILES_DIR))
    return SimpleNamespace(
        Fail=common.Fail,
        VERSION=common.VERSION,
        parse_systemctl=systemctl.parse_systemctl,
        SYSTEMCTL_HELP=systemctl.SYSTEMCTL_HELP,
        parse_journalctl=journalctl.parse_journalctl,
        JOURNALCTL_HELP=journalctl.JOURNALCTL_HELP,
    )


sysd = _sysd()


def sc(**changes):
    opts = {
        "now": False,
        "all": False,
        "quiet": False,
        "types": [],
        "states": [],
        "legend": True,
        "lines": 10,
        "signal": signal.SIGTERM,
        "whom": "all",
        "props": [],
        "value": False,
    }
    opts.update(changes)
    return opts


def jc(**changes):
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
    opts.update(changes)
    return opts


SYSTEMCTL_OK = [
    ([], sc(), []),
    (["-q", "is-active", "x"], sc(quiet=True), ["is-active", "x"]),
    (["is-active", "--quiet", "x"], sc(quiet=True), ["is-active", "x"]),
    (["is-failed", "x", "-q"], sc(quiet=True), ["is-failed", "x"]),
    (["status", "x", "-n", "5"], sc(lines=5), ["status", "x"]),
    (["status", "-n5", "x"], sc(lines=5), ["status", "x"]),
    (["--lines=0", "status"], sc(lines=0), ["status"]),
    (["--lines", "3", "status", "x"], sc(lines=3), ["status", "x"]),
    (["-n", "-5", "status"], sc(lines=-5), ["status"]),
    (["-aq"], sc(all=True, quiet=True), []),
    (["-alq", "list-units"], sc(all=True, quiet=True), ["list-units"]),
    (["-an2"], sc(all=True, lines=2), []),
    (["-tservice"], sc(types=["service"]), []),
    (["-t", "service,failed"], sc(types=["service"], states=["failed"]), []),
    (["--type=service", "--type", "socket"], sc(types=["service", "socket"]), []),
    (["--state=failed,running", "--state", "active,"], sc(states=["failed", "running", "active"]), []),
    (["--failed", "list-units"], sc(states=["failed"]), ["list-units"]),
    (["--no-legend"], sc(legend=False), []),
    (["--legend=no"], sc(legend=False), []),
    (["--legend", "yes"], sc(legend=True), []),
    (["--no-legend", "--legend=on"], sc(legend=True), []),
    (
        ["-p", "MainPID", "--property=ActiveState", "--value", "show", "x"],
        sc(props=["MainPID", "ActiveState"], value=True),
        ["show", "x"],
    ),
    (["show", "-pMainPID", "--property", "Id", "x"], sc(props=["MainPID", "Id"]), ["show", "x"]),
    (["kill", "-s", "KILL", "x"], sc(signal=signal.SIGKILL), ["kill", "x"]),
    (["kill", "-s9", "x"], sc(signal=9), ["kill", "x"]),
    (["--signal=sighup", "kill", "x"], sc(signal=signal.SIGHUP), ["kill", "x"]),
    (["--signal", "SIGUSR1", "--kill-whom=main", "kill", "x"], sc(signal=signal.SIGUSR1, whom="main"), ["kill", "x"]),
    (["--kill-whom", "control"], sc(whom="control"), []),
    (["--now", "enable", "x"], sc(now=True), ["enable", "x"]),
    (["disable", "x", "--now"], sc(now=True), ["disable", "x"]),
    (["--all"], sc(all=True), []),
    (["--", "-x"], sc(), ["-x"]),
    (["status", "--", "-n", "--all"], sc(), ["status", "-n", "--all"]),
    (["-q", "--", "is-active", "-q"], sc(quiet=True), ["is-active", "-q"]),
    (["-", "status"], sc(), ["-", "status"]),
    # Accepted, without effect here.
    (
        [
            "--no-pager",
            "--full",
            "-f",
            "-r",
            "-i",
            "-l",
            "--plain",
            "--system",
            "--no-block",
            "--no-ask-password",
            "--force",
            "--no-reload",
            "--show-types",
            "--no-wall",
            "--recursive",
            "--reverse",
            "--ignore-inhibitors",
            "--runtime",
            "--wait",
            "status",
            "x",
        ],
        sc(),
        ["status", "x"],
    ),
    (["-fril", "status"], sc(), ["status"]),
    (
        [
            "-o",
            "json",
            "--output=cat",
            "--job-mode",
            "replace",
            "--what=cache",
            "--timestamp=utc",
            "--check-inhibitors=no",
            "--preset-mode",
            "full",
            "--when=now",
            "--message",
            "m",
            "--kill-value=1",
        ],
        sc(),
        [],
    ),
]


@pytest.mark.parametrize(("argv", "opts", "args"), SYSTEMCTL_OK, ids=[" ".join(a) or "-" for a, _, _ in SYSTEMCTL_OK])
def test_systemctl_option_forms(argv, opts, args):
    assert sysd.parse_systemctl(list(argv)) == (opts, args)


HELP_SC = sysd.SYSTEMCTL_HELP.rstrip("\n")
SYSTEMCTL_FAIL = [
    (["--bogus"], "systemctl: unrecognized option '--bogus'", 1),
    (["status", "--bogus=1"], "systemctl: unrecognized option '--bogus=1'", 1),
    (["--now=yes", "enable", "x"], "systemctl: unrecognized option '--now=yes'", 1),
    (["--no-pager=1"], "systemctl: unrecognized option '--no-pager=1'", 1),
    (["-z"], "systemctl: invalid option -- 'z'", 1),
    (["-aZ"], "systemctl: invalid option -- 'Z'", 1),
    (["-u", "x"], "systemctl: invalid option -- 'u'", 1),
    (["status", "-n"], "systemctl: option requires an argument -- 'n'", 1),
    (["-aqs"], "systemctl: option requires an argument -- 's'", 1),
    (["status", "--lines"], "systemctl: option '--lines' requires an argument", 1),
    (["--property"], "systemctl: option '--property' requires an argument", 1),
    (["-n", "x", "status"], "Failed to parse lines 'x'", 1),
    (["--lines=1.5"], "Failed to parse lines '1.5'", 1),
    (["kill", "-s", "FOO", "x"], "Failed to parse signal string FOO.", 1),
    (["--signal=sigfoo"], "Failed to parse signal string sigfoo.", 1),
    (["--user", "status"], "systemctl --user is not available in this lab host: only system services exist here.", 1),
    (
        ["status", "--global"],
        "systemctl --global is not available in this lab host: only system services exist here.",
        1,
    ),
    (["-h"], HELP_SC, 0),
    (["status", "--help"], HELP_SC, 0),
    (["-ah"], HELP_SC, 0),
    (["--version"], sysd.VERSION, 0),
    (["-t", "help"], "Available unit types:\nservice", 0),
    (["--type=service,help"], "Available unit types:\nservice", 0),
]


@pytest.mark.parametrize(("argv", "message", "code"), SYSTEMCTL_FAIL, ids=[" ".join(a) for a, _, _ in SYSTEMCTL_FAIL])
def test_systemctl_option_errors(argv, message, code):
    with pytest.raises(sysd.Fail) as caught:
        sysd.parse_systemctl(list(argv))
    assert (str(caught.value), caught.value.code) == (message, code)


JOURNALCTL_OK = [
    ([], jc()),
    (["-u", "x"], jc(units=["x"])),
    (["-ux"], jc(units=["x"])),
    (["--unit=x"], jc(units=["x"])),
    (["--unit", "x", "-u", "y.service"], jc(units=["x", "y.service"])),
    (["-u", "-f"], jc(units=["-f"])),  # a required value is the next word, always
    (["-xe"], jc(end=True)),
    (["-xeu", "x"], jc(end=True, units=["x"])),
    (["-xeu", "x", "--no-pager"], jc(end=True, units=["x"])),
    (["-fu", "x"], jc(follow=True, units=["x"])),
    (["-u", "x", "-n", "20", "--no-pager"], jc(units=["x"], lines=20)),
    (["-n20"], jc(lines=20)),
    (["-n", "20"], jc(lines=20)),
    (["-n"], jc(lines=10)),
    (["-n", "-u", "x"], jc(lines=10, units=["x"])),
    (["-n", "all"], jc(lines=-1)),
    (["-nall"], jc(lines=-1)),
    (["-n", "+all"], jc(lines=-1)),
    (["-n", "+3"], jc(lines=3)),
    (["-n", "-5"], jc(lines=0)),
    (["-xn20"], jc(lines=20)),
    (["-en"], jc(end=True, lines=10)),
    (["-en", "5", "-r"], jc(end=True, lines=5, reverse=True)),
    (["--lines=5"], jc(lines=5)),
    (["--lines", "5"], jc(lines=5)),
    (["--lines"], jc(lines=10)),
    (["--lines", "-u", "x"], jc(lines=10, units=["x"])),
    (["-b"], jc()),
    (["-b", "0"], jc()),
    (["-b0", "-u", "x"], jc(units=["x"])),
    (["-b", "-u", "x"], jc(units=["x"])),
    (["--boot=all"], jc()),
    (["--boot", "+0"], jc()),
    (["--boot"], jc()),
    (["-b0123456789abcdef0123456789abcdef"], jc()),
    (["--boot=0123456789abcdef0123456789abcdef"], jc()),
    (["-o", "cat"], jc(output="cat")),
    (["-ocat"], jc(output="cat")),
    (["--output=short-full"], jc(output="short-full")),
    (["--output", "short-traditional"], jc(output="short-traditional")),
    (["-r"], jc(reverse=True)),
    (["--reverse", "--quiet"], jc(reverse=True, quiet=True)),
    (["-q"], jc(quiet=True)),
    (["--no-hostname"], jc(no_host=True)),
    (["-f"], jc(follow=True)),
    (["--follow"], jc(follow=True)),
    (["--pager-end"], jc(end=True)),
    (
        [
            "-x",
            "-a",
            "-l",
            "--no-pager",
            "--all",
            "--full",
            "--utc",
            "--no-tail",
            "--catalog",
            "--system",
            "--merge",
            "--no-full",
            "-xal",
        ],
        jc(),
    ),
]


@pytest.mark.parametrize(("argv", "opts"), JOURNALCTL_OK, ids=[" ".join(a) or "-" for a, _ in JOURNALCTL_OK])
def test_journalctl_option_forms(argv, opts):
    assert sysd.parse_journalctl(list(argv)) == opts


def _bad(what):
    return "journalctl: %s is not supported in this lab's journal (use -u UNIT, -n N, -f, -e, -r)." % what


HELP_JC = sysd.JOURNALCTL_HELP.rstrip("\n")
JOURNALCTL_FAIL = [
    (["--since", "today"], _bad("--since"), 1),
    (["-u", "x", "--since=today"], _bad("--since"), 1),
    (["--until=now"], _bad("--until"), 1),
    (["--grep", "x"], _bad("--grep"), 1),
    (["--user"], _bad("--user"), 1),
    (["-S", "today"], _bad("-S"), 1),
    (["-p", "err"], _bad("-p"), 1),
    (["-xp3"], _bad("-p"), 1),
    (["-k"], _bad("-k"), 1),
    (["-D", "/tmp"], _bad("-D"), 1),
    (["-o", "json"], _bad("-o json"), 1),
    (["-ojson"], _bad("-o json"), 1),
    (["--output=json"], _bad("--output=json"), 1),
    (["--output", "verbose"], _bad("--output=verbose"), 1),
    (["--bogus"], "journalctl: unrecognized option '--bogus'", 1),
    (["--no-pager=1"], "journalctl: unrecognized option '--no-pager=1'", 1),
    (["-z"], "journalctl: invalid option -- 'z'", 1),
    (["-xz"], "journalctl: invalid option -- 'z'", 1),
    (["-u"], "journalctl: option requires an argument -- 'u'", 1),
    (["-xeu"], "journalctl: option requires an argument -- 'u'", 1),
    (["-o"], "journalctl: option requires an argument -- 'o'", 1),
    (["--unit"], "journalctl: option '--unit' requires an argument", 1),
    (["--output"], "journalctl: option '--output' requires an argument", 1),
    (["ssh"], "journalctl: filtering by 'ssh' is not supported in this lab (use -u UNIT).", 1),
    (["_PID=1"], "journalctl: filtering by '_PID=1' is not supported in this lab (use -u UNIT).", 1),
    (["-"], "journalctl: filtering by '-' is not supported in this lab (use -u UNIT).", 1),
    (["-n", "x"], "journalctl: filtering by 'x' is not supported in this lab (use -u UNIT).", 1),
    (["-nx"], "Failed to parse lines 'x'", 1),
    (["-ne"], "Failed to parse lines 'e'", 1),  # an optional value is attached or numeric
    (["-bu", "x"], "Data from the specified boot (u) is not available: No such boot ID in journal", 1),
    (
        ["-b", "0123456789abcdef0123456789abcdef"],
        "journalctl: filtering by '0123456789abcdef0123456789abcdef' is not supported in this lab (use -u UNIT).",
        1,
    ),
    (["--lines=x"], "Failed to parse lines 'x'", 1),
    (["-b", "-1"], "Data from the specified boot (-1) is not available: No such boot ID in journal", 1),
    (["-b1"], "Data from the specified boot (1) is not available: No such boot ID in journal", 1),
    (["--boot=abc"], "Data from the specified boot (abc) is not available: No such boot ID in journal", 1),
    (["-h"], HELP_JC, 0),
    (["-u", "x", "--help"], HELP_JC, 0),
    (["--version"], sysd.VERSION, 0),
]


@pytest.mark.parametrize(("argv", "message", "code"), JOURNALCTL_FAIL, ids=[" ".join(a) for a, _, _ in JOURNALCTL_FAIL])
def test_journalctl_option_errors(argv, message, code):
    with pytest.raises(sysd.Fail) as caught:
        sysd.parse_journalctl(list(argv))
    assert (str(caught.value), caught.value.code) == (message, code)


# What getopt brings beyond the hand-made parser, as getopt_long does it in the real tools.
GNU_EXTRAS = [
    (sysd.parse_systemctl, ["--no-pag", "--val", "show", "x"], (sc(value=True), ["show", "x"])),  # unique prefixes
    (sysd.parse_systemctl, ["--li", "3"], (sc(lines=3), [])),
    (sysd.parse_journalctl, ["--uni=x", "--lin", "5"], jc(units=["x"], lines=5)),
    (sysd.parse_journalctl, ["--un=x"], "journalctl: unrecognized option '--un=x'"),  # --unit or --until
    (sysd.parse_journalctl, ["--", "-u"], "journalctl: filtering by '-u' is not supported in this lab (use -u UNIT)."),
    (sysd.parse_journalctl, ["-e", "--"], jc(end=True)),
    (sysd.parse_journalctl, ["--sinc", "today"], _bad("--since")),
    (sysd.parse_systemctl, ["--no", "status"], "systemctl: unrecognized option '--no'"),  # ambiguous
    (sysd.parse_systemctl, ["--no-pag=1"], "systemctl: unrecognized option '--no-pag=1'"),
    # The options before a bad one are acted on first, one by one: the help wins over a later error.
    (sysd.parse_systemctl, ["-h", "-z"], HELP_SC),
    (sysd.parse_systemctl, ["-n", "x", "--bogus"], "Failed to parse lines 'x'"),
    (sysd.parse_systemctl, ["--bogus", "-n", "x"], "systemctl: unrecognized option '--bogus'"),
    (sysd.parse_journalctl, ["--help", "-z"], HELP_JC),
    (sysd.parse_journalctl, ["-o", "json", "--since"], _bad("-o json")),
    (sysd.parse_journalctl, ["-u", "x", "--since"], _bad("--since")),
    # Words (journalctl's matches) are looked at after the options, as journalctl does.
    (
        sysd.parse_journalctl,
        ["ssh", "-b1"],
        "Data from the specified boot (1) is not available: No such boot ID in journal",
    ),
]


@pytest.mark.parametrize(("parse", "argv", "expected"), GNU_EXTRAS, ids=[" ".join(a) for _, a, _ in GNU_EXTRAS])
def test_gnu_getopt_forms(parse, argv, expected):
    try:
        got = parse(list(argv))
    except sysd.Fail as e:
        got = str(e)
    assert got == expected
