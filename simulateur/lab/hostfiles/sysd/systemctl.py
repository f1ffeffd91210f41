"""systemctl: its options, its help, and the dispatch of a verb to its implementation."""

import signal

from . import options
from .common import VERSION, Fail, err
from .verbs import (
    v_boot,
    v_daemon_reload,
    v_enable,
    v_kill,
    v_reenable,
    v_reload,
    v_reset_failed,
    v_restart,
    v_start,
    v_stop,
)
from .views import (
    v_cat,
    v_is_active,
    v_is_enabled,
    v_is_system_running,
    v_list_jobs,
    v_list_unit_files,
    v_list_units,
    v_show,
    v_status,
)

NOT_HERE = (
    "reboot",
    "poweroff",
    "halt",
    "kexec",
    "suspend",
    "hibernate",
    "hybrid-sleep",
    "suspend-then-hibernate",
    "soft-reboot",
    "isolate",
    "rescue",
    "emergency",
    "default",
    "switch-root",
    "exit",
)
UNSUPPORTED = (
    "mask",
    "unmask",
    "edit",
    "link",
    "revert",
    "preset",
    "preset-all",
    "set-property",
    "set-default",
    "get-default",
    "set-environment",
    "unset-environment",
    "import-environment",
    "show-environment",
    "list-dependencies",
    "list-timers",
    "list-sockets",
    "list-machines",
    "list-automounts",
    "list-paths",
    "freeze",
    "thaw",
    "clean",
    "bind",
    "mount-image",
    "add-wants",
    "add-requires",
    "log-level",
    "log-target",
    "service-log-level",
    "service-log-target",
    "whoami",
    "help",
    "daemon-reexec",
    "cancel",
    "is-selected",
)

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


# systemctl's options (getopt, GNU style: simulateur.lab.hostfiles.sysd.options). Those that do
# nothing here are accepted all the same, so that a command line written for a real Debian runs.
SHORTOPTS = "t:n:s:p:o:alqfrih"
LONG_WITH_VALUE = (
    "type",
    "state",
    "lines",
    "signal",
    "kill-whom",
    "kill-value",
    "property",
    "output",
    "job-mode",
    "legend",
    "what",
    "timestamp",
    "check-inhibitors",
    "preset-mode",
    "when",
    "message",
)
LONG_FLAGS = (
    "no-pager",
    "full",
    "quiet",
    "now",
    "all",
    "no-legend",
    "plain",
    "failed",
    "system",
    "value",
    "no-block",
    "no-ask-password",
    "force",
    "no-reload",
    "show-types",
    "no-wall",
    "recursive",
    "reverse",
    "ignore-inhibitors",
    "runtime",
    "wait",
    "help",
    "version",
    "user",
    "global",
)
LONGOPTS = [o + "=" for o in LONG_WITH_VALUE] + list(LONG_FLAGS)
UNIT_TYPES = ("service", "socket", "target", "timer", "mount", "automount", "path", "slice", "scope", "device", "swap")
FLAG_KEYS = {"--now": "now", "-a": "all", "--all": "all", "-q": "quiet", "--quiet": "quiet", "--value": "value"}


def parse_systemctl(argv):
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
    try:
        found, args = options.parse(argv, SHORTOPTS, LONGOPTS)
    except options.OptionError as e:
        apply_options(opts, e.before)
        raise Fail("systemctl: %s" % e, 1)
    apply_options(opts, found)
    return opts, args


def apply_options(opts, found):
    """Set opts from getopt's [(option, value)], in order; Fail at the first bad value."""
    for name, val in found:
        if name in ("-t", "--type"):
            for t in val.split(","):
                if t == "help":
                    raise Fail("Available unit types:\nservice", 0)
                if t in UNIT_TYPES:
                    opts["types"].append(t)
                else:
                    opts["states"].append(t)  # systemctl -t also takes states
        elif name == "--state":
            opts["states"].extend(s for s in val.split(",") if s)
        elif name in ("-n", "--lines"):
            try:
                opts["lines"] = int(val)
            except ValueError:
                raise Fail("Failed to parse lines '%s'" % val, 1)
        elif name in ("-s", "--signal"):
            opts["signal"] = parse_signal(val)
        elif name == "--kill-whom":
            opts["whom"] = val
        elif name in ("-p", "--property"):
            opts["props"].append(val)
        elif name == "--legend":
            opts["legend"] = val.lower() in ("1", "yes", "true", "on")
        elif name == "--no-legend":
            opts["legend"] = False
        elif name == "--failed":
            opts["states"].append("failed")
        elif name in ("-h", "--help"):
            raise Fail(SYSTEMCTL_HELP.rstrip("\n"), 0)
        elif name == "--version":
            raise Fail(VERSION, 0)
        elif name in ("--user", "--global"):
            raise Fail("systemctl %s is not available in this lab host: only system services exist here." % name, 1)
        elif name in FLAG_KEYS:
            opts[FLAG_KEYS[name]] = True


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
        err(
            "systemctl %s: not available here: this lab host is a network namespace, "
            "not a real machine with systemd." % verb
        )
        return 1
    if verb in UNSUPPORTED:
        hint = ""
        if verb in ("edit", "mask", "unmask", "link", "revert"):
            hint = " Edit the unit file in /etc/systemd/system/ directly, then run 'systemctl daemon-reload'."
        err("systemctl %s: not supported by this lab's systemctl.%s" % (verb, hint))
        return 1
    err("Unknown command verb '%s'." % verb)
    return 1
