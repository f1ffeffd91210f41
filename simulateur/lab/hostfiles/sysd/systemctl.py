"""systemctl: its options, its help, and the dispatch of a verb to its implementation."""

import signal

from .common import Fail, VERSION, err
from .verbs import (v_boot, v_daemon_reload, v_enable, v_kill, v_reenable, v_reload, v_reset_failed,
                    v_restart, v_start, v_stop)
from .views import (v_cat, v_is_active, v_is_enabled, v_is_system_running, v_list_jobs, v_list_unit_files,
                    v_list_units, v_show, v_status)


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
