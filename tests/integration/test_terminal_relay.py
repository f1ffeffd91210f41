"""`simulateur shell` in a real terminal (tmux): the host's bash is on a pty of the host's own devpts,
no process of the host holds a terminal of the machine, the session is recorded (asciicast v2) in
the attempt's directory, `simulateur replay` plays it back, the journal is as before, and our
terminal comes back as it was — after `exit` and after a SIGTERM in the middle of the session."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from labhelpers import sim

from simulateur.journal import asciicast
from simulateur.lab.state import load_state

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux absent"),
]
PTS_MAJORS = range(136, 144)  # Unix98 pty peers


class Tmux:
    def __init__(self) -> None:
        self.name = f"simrec{os.getpid()}"

    def start(self) -> None:
        keep = ("SIMULATEUR_DATA", "SIMULATEUR_LAB_PREFIX", "PYTHONPATH", "PATH")
        env = " ".join(f"{k}={shlex.quote(os.environ[k])}" for k in keep if k in os.environ)
        subprocess.run(
            [
                "tmux",
                "new-session",
                "-d",
                "-x",
                "100",
                "-y",
                "30",
                "-s",
                self.name,
                f"env -i {env} TERM=xterm-256color HOME=/root bash --norc --noprofile",
            ],
            check=True,
            timeout=10,
        )
        self.type("PS1='dehors$ '")

    def type(self, line: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", line], check=True, timeout=10)
        subprocess.run(["tmux", "send-keys", "-t", self.name, "Enter"], check=True, timeout=10)

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True, timeout=10
        ).stdout

    def wait(self, text: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"« {text} » absent de l'écran après {timeout} s :\n{self.screen()}")

    def pane_pid(self) -> int:
        return int(
            subprocess.run(
                ["tmux", "display", "-p", "-t", self.name, "#{pane_pid}"], capture_output=True, text=True, timeout=10
            ).stdout
        )

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True, timeout=10)


@pytest.fixture
def tmux():
    t = Tmux()
    t.start()
    yield t
    t.kill()


def _host_processes(pid1: int) -> list[int]:
    ns = os.readlink(f"/proc/{pid1}/ns/pid")
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/pid") == ns:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:  # ended meanwhile
        return ""


def _terminals_held(pid: int) -> list[os.stat_result]:
    held = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return held
    for fd in fds:
        try:
            st = os.stat(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if os.major(st.st_rdev) in PTS_MAJORS or st.st_dev == os.stat("/dev/pts").st_dev:
            held.append(st)
    return held


def _simulateur(*args: str) -> str:
    return f"{shlex.quote(sys.executable)} -m simulateur " + " ".join(shlex.quote(a) for a in args)


def test_shell_is_on_a_host_pty_recorded_and_replayed(started, tmux: Tmux) -> None:
    info = started()
    lab, attempt_id = info["lab"], info["attempt"]
    attempt = Path(os.environ["SIMULATEUR_DATA"]) / "attempts" / attempt_id

    tmux.type(_simulateur("shell", lab, "poste"))
    tmux.wait("root@poste")
    tmux.type("echo marqueur-$((6*7)); hostname")
    tmux.wait("marqueur-42")

    # From the machine, while the shell is open: its bash is on a pty of the host's devpts…
    pid1 = load_state(lab).hosts["poste"].pid1
    assert pid1 is not None
    procs = _host_processes(pid1)
    machine_pts = os.stat("/dev/pts").st_dev
    host_pts = os.stat(f"/proc/{pid1}/root/dev/pts").st_dev
    assert host_pts != machine_pts
    shells = [p for p in procs if _comm(p) == "bash"]
    assert shells, procs
    for p in shells:
        st = os.stat(f"/proc/{p}/fd/0")
        assert os.major(st.st_rdev) in PTS_MAJORS and st.st_dev == host_pts and st.st_dev != machine_pts
    # …and no process of the host holds a terminal of the machine.
    held = {p: [s for s in _terminals_held(p) if s.st_dev == machine_pts] for p in procs}
    assert not any(held.values()), held

    tmux.type("stty size")
    tmux.wait("30 100")
    subprocess.run(["tmux", "resize-window", "-t", tmux.name, "-x", "120", "-y", "40"], check=True, timeout=10)
    time.sleep(0.5)
    tmux.type("stty size; false")
    tmux.wait("40 120")
    tmux.type("exit")
    tmux.wait("Retour de « poste »")

    # Our terminal is back as it was (cooked, echo), and ours: the outer shell reads its keys.
    tmux.type("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo -e isig | tr '\\n' ' '; echo")
    tmux.wait("isig icanon echo")

    files = list((attempt / "terminals").glob("*-poste.cast"))
    assert len(files) == 1, files
    cast = asciicast.read(files[0])
    assert (cast.header.width, cast.header.height) == (100, 30) and cast.header.env["SHELL"] == "/bin/bash"
    assert "poste" in cast.header.title and not cast.truncated
    out = cast.output()
    assert "marqueur-42" in out and "\r\nposte\r\n" in out and "40 120" in out
    assert any(e.code == "r" and e.data == "120x40" for e in cast.events)
    assert "echo marqueur-$((6*7))" in "".join(e.data for e in cast.events if e.code == "i")

    played = sim("replay", attempt_id, "--speed", "100", "--host", "poste")
    assert "marqueur-42" in played.out and "Session 1" in played.out
    listed = sim("replay", attempt_id, "--list").out
    assert "poste" in listed and files[0].name in listed

    entries = [json.loads(x) for x in (attempt / "journal.jsonl").read_text().splitlines()]
    shell = [(e["cmd"], e["rc"]) for e in entries if e["source"] == "shell"]
    assert shell == [("echo marqueur-$((6*7)); hostname", 0), ("stty size", 0), ("stty size; false", 1)]


def test_sigterm_in_the_middle_gives_the_terminal_back_and_keeps_the_recording(started, tmux: Tmux) -> None:
    info = started()
    lab, attempt_id = info["lab"], info["attempt"]
    tmux.type(_simulateur("shell", lab, "poste"))
    tmux.wait("root@poste")
    tmux.type("echo avant-$((2*21))")
    tmux.wait("avant-42")
    shell_pid = next(
        int(p)
        for p in subprocess.run(
            ["pgrep", "-P", str(tmux.pane_pid())], capture_output=True, text=True, timeout=10
        ).stdout.split()
    )
    os.kill(shell_pid, signal.SIGTERM)
    end = time.monotonic() + 15
    while os.path.exists(f"/proc/{shell_pid}") and time.monotonic() < end:
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{shell_pid}")
    assert not [
        p for p in _host_processes(load_state(lab).hosts["poste"].pid1 or 0) if _comm(p) == "bash"
    ]  # the host's shell got its hangup
    tmux.type("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo")
    tmux.wait("icanon echo")
    attempt = Path(os.environ["SIMULATEUR_DATA"]) / "attempts" / attempt_id
    cast = asciicast.read(next((attempt / "terminals").glob("*-poste.cast")))
    assert "avant-42" in cast.output()
    assert "avant-42" in sim("replay", attempt_id, "--speed", "100").out
