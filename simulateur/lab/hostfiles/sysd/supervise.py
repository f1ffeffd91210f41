"""Supervision: the service's environment and command lines, spawning, control processes and
their timeouts, and the start, stop and reload jobs (each run with the unit's lock held)."""

import os
import re
import shlex
import signal
import subprocess
import time

from .common import (
    DEFAULT_PATH,
    GRACE,
    PIDFILE_WAIT,
    RUN_DIR,
    START_TIMEOUT,
    STOP_TIMEOUT,
    Fail,
    hp,
    read_int,
    read_text,
    remove,
    write_file,
    write_kv,
)
from .fmt import status_log
from .logs import Log
from .procs import alive, all_stats, proc_comm, proc_stat, proc_tree, send, wait_gone
from .state import get_state

JOB_FAILED = {
    "exit-code": "the control process exited with error code",
    "signal": "a fatal signal was delivered to the control process",
    "timeout": "a timeout was exceeded",
    "protocol": "the service did not take the steps required by its unit configuration",
    "resources": "of unavailable resources or another system error",
}


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
        word = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda mm: env.get(mm.group(1), ""), word)
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
    kw = dict(
        stdin=subprocess.DEVNULL,
        stdout=logf,
        stderr=logf,
        close_fds=True,
        start_new_session=True,
        cwd=cwd,
        env=env,
        executable=executable,
        umask=0o022,
    )
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
        return Outcome(False, "signal" if code == "killed" else "exit-code", p.pid, code, status, cmd)
    return Outcome(True, None, p.pid, code, status, cmd)


def job_failed_message(u, result):
    return 'Job for %s failed because %s.\nSee "systemctl status %s" and "journalctl -xeu %s" for details.' % (
        u.name,
        JOB_FAILED.get(result, JOB_FAILED["exit-code"]),
        u.name,
        u.name,
    )


def bad_setting_message(u, verb):
    return (
        "Failed to %s %s: Unit %s has a bad unit file setting.\n"
        "See system logs and 'systemctl status %s' for details." % (verb, u.name, u.name, u.name)
    )


def fail_start(u, result, procs, pid=None, code=None, status=None, what="control", cmd=None):
    items = [("since", time.time()), ("pid", pid), ("what", what), ("code", code), ("status", status), ("cmd", cmd)]
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
            raise fail_start(u, out.result, procs, out.pid, out.code, out.status, "control", cmd.label())
    if kind == "oneshot":
        for cmd in u.cmds("ExecStart"):
            out = run_control(u, cmd, env)
            procs.append(out.process_line())
            if not out.ok:
                raise fail_start(u, out.result, procs, out.pid, out.code, out.status, "main", cmd.label())
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
            raise fail_start(u, out.result, procs, out.pid, out.code, out.status, "control", cmd.label())
        pid = None
        if pidfile:
            deadline = time.monotonic() + PIDFILE_WAIT
            why = "Can't open PID file %s (yet?) after start: No such file or directory" % pidfile
            while True:
                text = read_text(hp(pidfile))
                pid = read_int(hp(pidfile))
                if pid and alive(pid):
                    break
                if pid and text.endswith("\n"):  # complete, but names a dead PID
                    why = "PID %d read from file %s does not exist or is a zombie." % (pid, pidfile)
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
        raise fail_start(u, "exit-code", procs, None, "exited", e.status, "main", cmd.label())
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
        raise fail_start(
            u, "signal" if code == "killed" else "exit-code", procs, p.pid, code, status, "main", cmd.label()
        )
    post_start(u, env, p.pid, procs)
    log.sd("Started %s." % u.label)


def post_start(u, env, pid, procs):
    for cmd in u.cmds("ExecStartPost"):
        out = run_control(u, cmd, dict(env, MAINPID=str(pid or "")))
        procs.append(out.process_line())
        if not out.ok:
            if pid:
                kill_tree(u, pid)
            raise fail_start(u, out.result, procs, out.pid, out.code, out.status, "control", cmd.label())


def guess_main_pid(ctl_pid, not_before):
    """Type=forking without PIDFile=: the process left behind in the control
    process' session, or else the single new orphan."""
    stats = all_stats()
    same = [
        p for p, st in stats.items() if p != ctl_pid and (st[2] == ctl_pid or st[3] == ctl_pid) and st[0] not in "ZXx"
    ]
    if same:
        return min(same)
    me = os.getpid()
    orphans = [
        p
        for p, st in stats.items()
        if st[1] == 1 and st[4] >= not_before and p not in (me, ctl_pid) and st[0] not in "ZXx"
    ]
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
            log.sd("%s: Killing process %d (%s) with signal SIGKILL." % (u.name, p, proc_comm(p)))
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
