"""The hosts' systemctl/journalctl shim (the package simulateur/lab/hostfiles/sysd), run for real.

Each test gets a fake host root (SYSD_ROOT=tmp_path) and runs the hosts' launcher (reading the
package from the source tree) as a subprocess,
exactly as a trainee would, with real processes. Every process a test starts is stopped,
then killed by PID if it survived (never by name).
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from simulateur.lab.hostfs import sysd_launcher
from simulateur.paths import HOSTFILES_DIR

SLEEP = shutil.which("sleep") or "/bin/sleep"
SH = shutil.which("sh") or "/bin/sh"
FALSE = shutil.which("false") or "/bin/false"
HOST = socket.gethostname().split(".")[0]

JOB_FAILED = (
    "Job for {0}.service failed because the control process exited with error code.\n"
    'See "systemctl status {0}.service" and "journalctl -xeu {0}.service" for details.\n'
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait_dead(pid: int, timeout: float = 20.0) -> bool:  # returns as soon as it is dead
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.02)
    return not _alive(pid)


class Host:
    def __init__(self, root: Path):
        self.root = root
        self.units: set[str] = set()
        self.pids: set[int] = set()
        self.bin = root / "_bin"
        self.bin.mkdir()
        for tool in ("systemctl", "journalctl"):
            (self.bin / tool).write_text(sysd_launcher(tool, str(HOSTFILES_DIR)))
        (root / "etc/systemd/system").mkdir(parents=True)
        (root / "run").mkdir()

    def unit(self, name: str, service: str, description: str | None = None, install: bool = True) -> Path:
        text = "[Unit]\n"
        if description:
            text += f"Description={description}\n"
        text += "\n[Service]\n" + service.strip() + "\n"
        if install:
            text += "\n[Install]\nWantedBy=multi-user.target\n"
        path = self.root / "etc/systemd/system" / f"{name}.service"
        path.write_text(text)
        self.units.add(name)
        return path

    def run(self, tool: str, *args: str, **kw) -> subprocess.CompletedProcess:
        env = dict(os.environ, SYSD_ROOT=str(self.root), SYSTEMD_COLORS="0")
        res = subprocess.run(
            [sys.executable, "-I", str(self.bin / tool), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            **kw,
        )
        assert "Traceback" not in res.stderr, res.stderr
        for pid in self.pidfiles():
            self.pids.add(pid)
        return res

    def sc(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("systemctl", *args)

    def jc(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("journalctl", *args)

    def pidfiles(self) -> list[int]:
        out = []
        for f in list((self.root / "run/sysd").glob("*.pid")) + list((self.root / "run").glob("*.pid")):
            try:
                out.append(int(f.read_text().split()[0]))
            except (OSError, ValueError, IndexError):
                pass
        return out

    def pid(self, name: str) -> int | None:
        try:
            pid = int((self.root / "run/sysd" / f"{name}.pid").read_text())
        except (OSError, ValueError):
            return None
        self.pids.add(pid)
        return pid

    def log(self, name: str) -> str:
        return (self.root / "var/log/sysd" / f"{name}.log").read_text()

    def cleanup(self) -> None:
        run = self.root / "run/sysd"
        for name in sorted(self.units):
            if (run / f"{name}.pid").exists() or (run / f"{name}.remain").exists():
                self.run("systemctl", "stop", name)
        for pid in self.pids | set(self.pidfiles()):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            # Only what this test started: our sleeps, or a shell quoting the test's root.
            if _alive(pid) and ("sleep" in cmdline or str(self.root) in cmdline):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def host(tmp_path: Path):
    h = Host(tmp_path)
    try:
        yield h
    finally:
        h.cleanup()


def sleeper(host: Host, name: str = "sleeper", **kw) -> None:
    host.unit(name, f"ExecStart={SLEEP} 1000", description=kw.pop("description", "Sleeper test"), **kw)


# ------------------------------------------------------------------------------- simple services


def test_simple_service_start_status_stop(host):
    sleeper(host)
    res = host.sc("start", "sleeper")
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
    pid = host.pid("sleeper")
    assert pid and _alive(pid)
    assert (host.root / "run/sysd/sleeper.since").exists()

    res = host.sc("is-active", "sleeper")
    assert (res.returncode, res.stdout) == (0, "active\n")

    res = host.sc("status", "sleeper.service", "--no-pager", "-l")
    assert res.returncode == 0
    lines = res.stdout.splitlines()
    assert lines[0] == "● sleeper.service - Sleeper test"
    assert lines[1] == "     Loaded: loaded (/etc/systemd/system/sleeper.service; disabled; preset: enabled)"
    assert lines[2].startswith("     Active: active (running) since ") and lines[2].endswith(" ago")
    assert f"   Main PID: {pid} (sleep)" in lines
    assert "Started sleeper.service - Sleeper test." in res.stdout
    assert f" {HOST} systemd[1]: Started" in res.stdout

    assert host.sc("start", "sleeper").returncode == 0  # already active: no-op
    assert host.pid("sleeper") == pid

    res = host.sc("stop", "sleeper")
    assert (res.returncode, res.stderr) == (0, "")
    assert _wait_dead(pid)
    assert not (host.root / "run/sysd/sleeper.pid").exists()
    assert not (host.root / "run/sysd/sleeper.since").exists()
    assert host.sc("stop", "sleeper").returncode == 0  # not active: silent no-op

    res = host.sc("is-active", "sleeper")
    assert (res.returncode, res.stdout) == (3, "inactive\n")
    res = host.sc("status", "sleeper")
    assert res.returncode == 3
    assert res.stdout.startswith("○ sleeper.service - Sleeper test\n")
    assert "     Active: inactive (dead)" in res.stdout
    log = host.log("sleeper")
    assert "systemd[1]: Stopping sleeper.service - Sleeper test..." in log
    assert "systemd[1]: Stopped sleeper.service - Sleeper test." in log


def test_restart_gives_a_new_process_and_try_restart_needs_an_active_unit(host):
    sleeper(host)
    assert host.sc("try-restart", "sleeper").returncode == 0
    assert host.pid("sleeper") is None  # was inactive: stays so
    assert host.sc("restart", "sleeper").returncode == 0  # restart of inactive = start
    first = host.pid("sleeper")
    assert host.sc("restart", "sleeper").returncode == 0
    second = host.pid("sleeper")
    assert second and second != first
    assert _wait_dead(first) and _alive(second)
    assert host.sc("reload-or-restart", "sleeper").returncode == 0
    assert host.pid("sleeper") == second  # active: reloaded (SIGHUP default)...
    assert _wait_dead(second)  # ...which kills sleep, like on a real system
    res = host.sc("is-active", "sleeper")
    assert res.stdout == "failed\n"  # died behind systemctl's back


# ------------------------------------------------------------------------------- forking


def test_forking_service_with_pidfile(host):
    pidfile = host.root / "run/fork.pid"
    host.unit(
        "fork",
        f"""
Type=forking
PIDFile=/run/fork.pid
ExecStart={SH} -c '{SLEEP} 1000 & echo $! > {pidfile}'
""",
        description="Forking test",
    )
    res = host.sc("start", "fork")
    assert (res.returncode, res.stderr) == (0, "")
    pid = host.pid("fork")
    assert pid == int(pidfile.read_text()) and _alive(pid)
    res = host.sc("status", "fork")
    assert res.returncode == 0
    assert f"   Main PID: {pid} (sleep)" in res.stdout
    assert "(code=exited, status=0/SUCCESS)" in res.stdout  # the control process
    log = host.log("fork")
    assert "Starting fork.service - Forking test..." in log
    assert "Started fork.service - Forking test." in log
    assert host.sc("stop", "fork").returncode == 0
    assert _wait_dead(pid)
    assert not pidfile.exists()


def test_forking_service_whose_pidfile_names_a_dead_process_fails(host):
    pidfile = host.root / "run/dead.pid"
    # The control shell writes its own PID, then exits: the daemon "died" at once.
    # ($$$$: like systemd, the shim turns "$$" into "$", so the shell gets "$$".)
    host.unit("dead", f"Type=forking\nPIDFile=/run/dead.pid\nExecStart={SH} -c 'echo $$$$ > {pidfile}'")
    res = host.sc("start", "dead")
    assert res.returncode == 1
    assert res.stderr.startswith("Job for dead.service failed because the service did not take the steps")
    assert host.sc("is-failed", "dead").returncode == 0
    assert "read from file /run/dead.pid does not exist or is a zombie." in host.log("dead")


# ------------------------------------------------------------------------------- failures


def test_service_failing_at_once(host):
    host.unit("broken", f"ExecStart={FALSE}", description="Broken")
    res = host.sc("start", "broken")
    assert (res.returncode, res.stdout, res.stderr) == (1, "", JOB_FAILED.format("broken"))
    assert host.pid("broken") is None
    assert (host.root / "run/sysd/broken.failed").read_text().splitlines()[0] == "exit-code"

    res = host.sc("is-active", "broken")
    assert (res.returncode, res.stdout) == (3, "failed\n")
    assert host.sc("is-failed", "broken").returncode == 0
    assert host.sc("is-failed", "-q", "broken").stdout == ""

    res = host.sc("status", "broken")
    assert res.returncode == 3
    assert res.stdout.startswith("× broken.service - Broken\n")
    assert "     Active: failed (Result: exit-code) since " in res.stdout
    assert "(code=exited, status=1/FAILURE)" in res.stdout
    log = host.log("broken")
    assert "systemd[1]: broken.service: Main process exited, code=exited, status=1/FAILURE" in log
    assert "systemd[1]: Failed to start broken.service - Broken." in log

    assert host.sc("stop", "broken").returncode == 0  # stays failed, like systemd
    assert host.sc("is-failed", "broken").returncode == 0
    assert host.sc("reset-failed", "broken").returncode == 0
    assert host.sc("is-active", "broken").stdout == "inactive\n"


def test_failure_output_is_in_the_journal(host):
    host.unit("boom", f'ExecStart={SH} -c "echo boom >&2; exit 3"', description="Boom")
    res = host.sc("start", "boom")
    assert (res.returncode, res.stderr) == (1, JOB_FAILED.format("boom"))
    res = host.jc("-u", "boom")
    assert res.returncode == 0
    assert "boom\n" in res.stdout
    assert "boom.service: Main process exited, code=exited, status=3/NOTIMPLEMENTED" in res.stdout
    assert res.stdout.rstrip("\n").endswith("Failed to start boom.service - Boom.")
    assert host.jc("-xeu", "boom.service", "--no-pager").stdout == res.stdout  # what systemd suggests
    res = host.jc("-u", "boom", "-n", "1")
    assert res.stdout == res.stdout.splitlines()[-1] + "\n"
    assert res.stdout.endswith("Failed to start boom.service - Boom.\n")
    assert host.jc("--lines=2", "--unit=boom").stdout.count("\n") == 2
    assert "boom" in host.sc("status", "boom").stdout


def test_missing_executable_is_status_203(host):
    host.unit("ghost", "ExecStart=/nonexistent/ghostd --foreground")
    res = host.sc("start", "ghost")
    assert (res.returncode, res.stderr) == (1, JOB_FAILED.format("ghost"))
    log = host.log("ghost")
    assert "Failed at step EXEC spawning /nonexistent/ghostd" in log
    assert "status=203/EXEC" in log


def test_process_dying_later_makes_the_unit_failed(host):
    sleeper(host)
    assert host.sc("start", "sleeper").returncode == 0
    pid = host.pid("sleeper")
    os.kill(pid, signal.SIGKILL)
    assert _wait_dead(pid)
    res = host.sc("is-active", "sleeper")
    assert (res.returncode, res.stdout) == (3, "failed\n")
    res = host.sc("status", "sleeper")
    assert res.returncode == 3 and "Active: failed (Result: exit-code)" in res.stdout
    assert host.sc("start", "sleeper").returncode == 0  # start clears the failure
    assert host.sc("is-active", "sleeper").stdout == "active\n"


def test_reload_sends_sighup_or_runs_execreload(host):
    host.unit("hup", f"""ExecStart={SH} -c 'trap "echo got-hup" HUP; while :; do {SLEEP} 0.05; done'""")
    res = host.sc("reload", "hup")
    assert (res.returncode, res.stderr) == (1, "Job for hup.service invalid.\n")
    assert host.sc("start", "hup").returncode == 0
    assert host.sc("reload", "hup").returncode == 0
    deadline = time.monotonic() + 20  # returns as soon as the line is there (a loaded machine is slow)
    while "got-hup" not in host.log("hup") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "got-hup" in host.log("hup")
    assert "Reloaded hup.service." in host.log("hup")

    marker = host.root / "reloaded"
    host.unit("rel", f"ExecStart={SLEEP} 1000\nExecReload={SH} -c 'echo $MAINPID > {marker}'")
    assert host.sc("start", "rel").returncode == 0
    assert host.sc("reload", "rel").returncode == 0
    assert marker.read_text().strip() == str(host.pid("rel"))


# ------------------------------------------------------------------------------- unknown units


def test_unknown_unit(host):
    res = host.sc("status", "nope")
    assert (res.returncode, res.stdout, res.stderr) == (4, "", "Unit nope.service could not be found.\n")
    res = host.sc("start", "nope")
    assert (res.returncode, res.stderr) == (5, "Failed to start nope.service: Unit nope.service not found.\n")
    res = host.sc("stop", "nope.service")
    assert (res.returncode, res.stderr) == (5, "Failed to stop nope.service: Unit nope.service not loaded.\n")
    res = host.sc("restart", "nope")
    assert (res.returncode, res.stderr) == (5, "Failed to restart nope.service: Unit nope.service not found.\n")
    res = host.sc("is-active", "nope")  # as real systemctl does
    assert (res.returncode, res.stdout) == (3, "inactive\n")
    res = host.sc("enable", "nope")
    assert (res.returncode, res.stderr) == (1, "Failed to enable unit: Unit file nope.service does not exist.\n")
    assert host.sc("cat", "nope").returncode == 1
    res = host.jc("-u", "nope")
    assert (res.returncode, res.stdout) == (0, "-- No entries --\n")
    assert not (host.root / "run/sysd/nope.lock").exists()


# ------------------------------------------------------------------------------- enable / disable


def test_enable_disable(host):
    sleeper(host)
    link = host.root / "etc/systemd/system/multi-user.target.wants/sleeper.service"
    res = host.sc("is-enabled", "sleeper")
    assert (res.returncode, res.stdout) == (1, "disabled\n")

    res = host.sc("enable", "sleeper")
    assert res.returncode == 0
    assert res.stderr == (
        "Created symlink /etc/systemd/system/multi-user.target.wants/sleeper.service"
        " \u2192 /etc/systemd/system/sleeper.service.\n"
    )
    assert link.is_symlink() and link.resolve() == (host.root / "etc/systemd/system/sleeper.service").resolve()
    assert host.sc("enable", "sleeper").stderr == ""  # already enabled
    res = host.sc("is-enabled", "sleeper")
    assert (res.returncode, res.stdout) == (0, "enabled\n")
    assert "; enabled; preset: enabled)" in host.sc("status", "sleeper").stdout
    assert host.pid("sleeper") is None  # enable alone does not start

    res = host.sc("disable", "sleeper")
    assert (res.returncode, res.stderr) == (
        0,
        'Removed "/etc/systemd/system/multi-user.target.wants/sleeper.service".\n',
    )
    assert not link.is_symlink()

    assert host.sc("enable", "--now", "sleeper").returncode == 0
    pid = host.pid("sleeper")
    assert link.is_symlink() and pid and _alive(pid)
    assert host.sc("--now", "disable", "sleeper.service").returncode == 0
    assert not link.is_symlink() and _wait_dead(pid)

    host.unit("static", f"ExecStart={SLEEP} 1000", install=False)
    res = host.sc("is-enabled", "static")
    assert (res.returncode, res.stdout) == (0, "static\n")
    res = host.sc("enable", "static")
    assert res.returncode == 0 and "no installation config" in res.stderr


def test_boot_starts_enabled_units_only(host):
    sleeper(host, "a-good")
    host.unit("b-bad", f'ExecStart={SH} -c "echo cannot bind port 53 >&2; exit 2"')
    sleeper(host, "c-off")
    wants = host.root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir()
    for name in ("a-good", "b-bad"):  # as the lab engine lays them: absolute host paths
        (wants / f"{name}.service").symlink_to(f"/etc/systemd/system/{name}.service")
    res = host.sc("__boot")
    assert res.returncode == 1
    assert res.stdout == ""
    assert res.stderr == "Failed to start b-bad.service: cannot bind port 53\n"  # the engine shows it
    assert host.sc("is-active", "a-good").stdout == "active\n"
    assert host.sc("is-active", "b-bad").stdout == "failed\n"
    assert host.sc("is-active", "c-off").stdout == "inactive\n"

    host.sc("reset-failed")
    (wants / "b-bad.service").unlink()
    res = host.sc("__boot")  # a-good already runs: no-op
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")


# ------------------------------------------------------------------------------- journalctl


def test_journalctl_selection_and_formats(host):
    res = host.jc()
    assert (res.returncode, res.stdout) == (0, "-- No entries --\n")
    assert host.jc("-q").stdout == ""
    sleeper(host, "one")
    sleeper(host, "two")
    assert host.sc("start", "one", "two").returncode == 0
    logdir = host.root / "var/log/sysd"
    # dnsmasq writes its own log file, with a time stamp but without host name
    with open(logdir / "two.log", "a") as f:
        f.write("Nov  3 20:00:01 dnsmasq[123]: started, version 2.89 cachesize 150\n")
    all_lines = host.jc("--no-pager").stdout
    assert "Started one.service - Sleeper test." in all_lines
    assert "Started two.service - Sleeper test." in all_lines
    assert f"Nov 03 20:00:01 {HOST} dnsmasq[123]: started, version 2.89 cachesize 150\n" in all_lines
    assert (
        host.jc("-b", "-x", "-n", "1", "-u", "two").stdout
        == f"Nov 03 20:00:01 {HOST} dnsmasq[123]: started, version 2.89 cachesize 150\n"
    )
    assert host.jc("-u", "two", "-n", "1", "-o", "cat").stdout == "started, version 2.89 cachesize 150\n"
    both = host.jc("-u", "one", "-u", "two").stdout
    assert "one.service" in both and "two.service" in both
    res = host.jc("-u", "two", "-r")
    assert res.stdout.splitlines()[0].endswith("cachesize 150")
    res = host.jc("--since", "today")
    assert res.returncode == 1 and res.stderr.count("\n") == 1
    res = host.jc("-b", "-1")
    assert res.returncode == 1 and "not available" in res.stderr


def test_journalctl_follow(host):
    sleeper(host)
    assert host.sc("start", "sleeper").returncode == 0
    env = dict(os.environ, SYSD_ROOT=str(host.root))
    proc = subprocess.Popen(
        [sys.executable, "-I", str(host.bin / "journalctl"), "-f", "-u", "sleeper"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 — takes no lock: safe after fork
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)  # type: ignore[union-attr]
    reader.start()

    def read_until(text: str) -> list[str]:
        """What journalctl printed until a line with `text` (waits for the exact line, not a time)."""
        seen = []
        deadline = time.monotonic() + 30
        while not seen or text not in seen[-1]:
            seen.append(lines.get(timeout=max(0.01, deadline - time.monotonic())))
        return seen

    try:
        shown = read_until("Started sleeper.service - Sleeper test.")  # following: its history shown
        with open(host.root / "var/log/sysd/sleeper.log", "a") as f:
            f.write("a new line\n")
        shown += read_until("a new line")
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        reader.join(timeout=10)
        errs = proc.stderr.read()  # type: ignore[union-attr]
        while not lines.empty():
            shown.append(lines.get())
        out = "".join(shown)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and errs == ""
    assert "Started sleeper.service - Sleeper test." in out
    assert out.endswith("a new line\n")


# ------------------------------------------------------------------------------- everything else


def test_other_verbs(host):
    sleeper(host)
    host.unit("broken", f"ExecStart={FALSE}", description="Broken")
    assert host.sc("start", "sleeper").returncode == 0
    host.sc("start", "broken")

    res = host.sc("list-units", "--type=service", "--no-pager")
    assert res.returncode == 0
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION"]
    assert lines[1].split() == ["●", "broken.service", "loaded", "failed", "failed", "Broken"]
    assert lines[2].split() == ["sleeper.service", "loaded", "active", "running", "Sleeper", "test"]
    assert "2 loaded units listed." in res.stdout
    assert host.sc().stdout == res.stdout  # no verb = list-units
    running = host.sc("list-units", "--state=running").stdout
    assert "sleeper.service" in running and "broken" not in running

    res = host.sc("list-unit-files")
    assert res.stdout.splitlines()[0].split() == ["UNIT", "FILE", "STATE", "VENDOR", "PRESET"]
    assert "sleeper.service disabled enabled" in " ".join(res.stdout.split())

    res = host.sc("cat", "sleeper")
    assert res.stdout.startswith("# /etc/systemd/system/sleeper.service\n[Unit]\n")

    res = host.sc("show", "-p", "ActiveState,MainPID", "--value", "sleeper")
    assert res.stdout.split() == [str(host.pid("sleeper")), "active"]

    res = host.sc("daemon-reload")
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
    res = host.sc("frobnicate", "sleeper")
    assert (res.returncode, res.stderr) == (1, "Unknown command verb 'frobnicate'.\n")
    for verb in ("reboot", "mask"):
        res = host.sc(verb, "x")
        assert res.returncode == 1 and res.stderr.count("\n") == 1 and res.stdout == ""
    res = host.sc("is-active", "-q", "sleeper")
    assert (res.returncode, res.stdout) == (0, "")
    res = host.sc("--bogus")
    assert res.returncode == 1 and "unrecognized option" in res.stderr
    assert host.sc("is-system-running").stdout == "degraded\n"


def test_bad_unit_file_and_internal_errors_never_show_a_traceback(host):
    (host.root / "etc/systemd/system/bad.service").write_text("[Service]\nType=simple\n")
    host.units.add("bad")
    res = host.sc("status", "bad")
    assert res.returncode == 3 and "bad-setting" in res.stdout
    res = host.sc("start", "bad")
    assert res.returncode == 1
    assert res.stderr.startswith("Failed to start bad.service: Unit bad.service has a bad unit file setting.")

    sleeper(host)
    shutil.rmtree(host.root / "run/sysd")
    (host.root / "run/sysd").write_text("not a directory")  # breaks the runtime dir
    res = host.sc("start", "sleeper")
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and res.stderr.startswith("systemctl: ")
    (host.root / "run/sysd").unlink()


def test_environment_and_specifiers(host):
    out = host.root / "env.out"
    host.unit(
        "envy",
        f"""
Type=oneshot
RemainAfterExit=yes
Environment="GREETING=bonjour tout" PORT=8080
ExecStart={SH} -c 'echo "$GREETING|$PORT|%n" > {out}'
""",
    )
    res = host.sc("start", "envy")
    assert (res.returncode, res.stderr) == (0, "")
    assert out.read_text() == "bonjour tout|8080|envy.service\n"
    assert host.sc("is-active", "envy").stdout == "active\n"
    assert "active (exited)" in host.sc("status", "envy").stdout
    assert host.sc("stop", "envy").returncode == 0
    assert host.sc("is-active", "envy").stdout == "inactive\n"


def test_an_alias_names_the_same_unit(host: Host) -> None:
    """As Debian's ssh.service answers to sshd (Alias=sshd.service): one unit, one state."""
    path = host.unit("ssh", f"ExecStart={SLEEP} 1000", description="OpenBSD Secure Shell server")
    path.write_text(path.read_text() + "Alias=sshd.service\n")
    assert host.sc("start", "sshd").returncode == 0
    assert host.pid("ssh") is not None and not (host.root / "run/sysd/sshd.pid").exists()
    assert host.sc("is-active", "ssh").stdout.strip() == "active"
    assert host.sc("status", "sshd").stdout.startswith("● ssh.service - OpenBSD Secure Shell server")
    assert host.sc("stop", "sshd.service").returncode == 0
    assert host.sc("is-active", "ssh").stdout.strip() == "inactive"
    assert host.sc("is-active", "nosuch").stdout.strip() == "inactive"


def test_the_hosts_copy_runs_alone(tmp_path: Path) -> None:
    """What a host gets (hostfs.sysd_files: the package under SYSD_LIB and its launchers) is the
    whole program: laid in a fresh root and run by the system's python, which knows nothing of
    simulateur (as a host's), both tools answer; no module imports simulateur."""
    from simulateur.lab.hostfs import SYSD_LIB, sysd_files
    from simulateur.lab.sandbox import SYSTEM_PYTHON

    files = sysd_files()
    assert files["/usr/bin/systemctl"] == files["/usr/local/sbin/systemctl"] == (sysd_launcher("systemctl"), 0o755)
    assert files["/usr/bin/journalctl"] == files["/usr/local/sbin/journalctl"] == (sysd_launcher("journalctl"), 0o755)
    for path, (content, _) in files.items():
        if path.startswith(SYSD_LIB + "/"):
            assert "simulateur" not in "".join(
                line for line in str(content).splitlines() if line.lstrip().startswith(("import ", "from "))
            ), path
            target = tmp_path / "lib" / path[len(SYSD_LIB) + 1 :]
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):  # the package's bytecode (hostfs.sysd_bytecode)
                target.write_bytes(content)
            else:
                target.write_text(content)
    laid = {p: p.read_bytes() for p in (tmp_path / "lib").rglob("*.pyc")}
    assert len(laid) == len(list((tmp_path / "lib").rglob("*.py")))
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    env = dict(os.environ, SYSD_ROOT=str(tmp_path))
    for tool, args, out in (
        ("systemctl", ["list-unit-files", "--no-pager"], "0 unit files listed."),
        ("journalctl", ["-xe", "--no-pager"], "-- No entries --"),
    ):
        launcher = tmp_path / tool
        launcher.write_text(sysd_launcher(tool, str(tmp_path / "lib")))
        res = subprocess.run(
            [SYSTEM_PYTHON, "-I", str(launcher), *args], env=env, capture_output=True, text=True, timeout=30
        )
        assert (res.returncode, res.stderr, res.stdout.splitlines()[-1]) == (0, "", out)
    # the system's python took the bytecode laid with the sources: nothing recompiled, nothing added
    assert {p: p.read_bytes() for p in (tmp_path / "lib").rglob("*.pyc")} == laid
    # checked against the source's hash: a source edited in the host is what runs, not the .pyc
    with open(tmp_path / "lib/sysd/main.py", "a") as f:
        f.write("\nraise SystemExit(7)\n")
    res = subprocess.run([SYSTEM_PYTHON, "-I", str(tmp_path / "systemctl")], env=env, capture_output=True, timeout=30)
    assert res.returncode == 7
