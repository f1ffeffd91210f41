"""The systemctl verbs that look: status, show, cat, is-active, is-failed, is-enabled,
list-units, list-unit-files, list-jobs, is-system-running."""

import fnmatch
import os
import sys

from .common import Fail, err, hostname, kv1, read_text
from .fmt import BGREEN, BRED, GREEN, RED, fmt_ago, fmt_bytes, fmt_cpu, fmt_ts, paint, status_view, table
from .logs import tail_lines
from .procs import proc_cmdline, proc_comm, proc_tree
from .state import get_state
from .units import Unit, all_unit_names, enabled_state, load, need_units


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
                f = text[text.rindex(")") + 2 :].split()
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
        lines.append("     Loaded: bad-setting (Reason: Unit %s has a bad unit file setting.)" % u.name)
    else:
        es = enabled_state(u)
        lines.append("     Loaded: loaded (%s; %s%s)" % (u.path, es, "" if es == "static" else "; preset: enabled"))
    since = ""
    if st.since:
        since = " since %s; %s" % (fmt_ts(st.since), fmt_ago(st.since))
    if st.state == "active":
        lines.append("     Active: %s%s" % (paint("active (%s)" % st.sub, BGREEN), since))
    elif st.state == "failed":
        lines.append("     Active: %s%s" % (paint("failed (Result: %s)" % (st.result or "exit-code"), BRED), since))
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
        if not u.found and not os.path.exists(u.rf("pid")) and not os.path.exists(u.logfile):
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


def v_list_units(opts, args):
    types = opts["types"]
    units = []
    if not types or "service" in types:
        for n in all_unit_names():
            if args and not any(fnmatch.fnmatchcase(n, p) or fnmatch.fnmatchcase(n, p + ".service") for p in args):
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
        rows.append(
            ("\u25cf" if st.state == "failed" else " ", u.name, load_state, st.state, st.sub, u.description or u.name)
        )
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
            print("%d loaded units listed. Pass --all to see loaded but inactive units, too." % len(units))
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
    for line in lines if opts["legend"] else lines[1:]:
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
            ("WantedBy", " ".join(t[:-6] for t in u.install_targets() if t.endswith(".wants")) if ok else ""),
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
