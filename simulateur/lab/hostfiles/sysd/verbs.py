"""The systemctl verbs that act: start, stop, restart and its variants, reload, kill,
reset-failed, enable, disable, reenable, daemon-reload, and the engine's hidden __boot."""

import os

from .common import UNIT_DIR, Fail, err, host_view, hp, read_int, remove
from .logs import normalize, read_entries
from .procs import alive, proc_tree, send
from .state import UnitLock, get_state
from .supervise import bad_setting_message, reload_locked, start_locked, stop_locked
from .units import Unit, all_unit_names, need_units, unit_name, wants_links


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


def v_enable(opts, args, enable=True):
    units = need_units("enable" if enable else "disable", args)
    for u in units:
        if not u.found:
            raise Fail(
                "Failed to %s unit: Unit file %s does not exist." % ("enable" if enable else "disable", u.name), 1
            )
    rc = 0
    for u in units:
        if enable:
            targets = u.install_targets()
            if not targets:
                if not opts["quiet"]:
                    err(
                        "The unit files have no installation config (WantedBy=, "
                        "RequiredBy=, Also=,\nAlias= settings in the [Install] "
                        "section, and DefaultInstance= for template\nunits). This "
                        "means they are not meant to be enabled or disabled using "
                        "systemctl."
                    )
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
        except Exception as e:  # noqa: BLE001 — a thread must not swallow a crash: report it as the unit's failure
            failures[u.name] = "%s: %s" % (type(e).__name__, e)

    threads = [threading.Thread(target=boot_one, args=(u,)) for u in units]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in sorted(failures):
        err("Failed to start %s: %s" % (name, failures[name]))
    return 1 if failures else 0
