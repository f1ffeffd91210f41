"""End to end: the real app in a real terminal (tmux), driven by keys and read with capture-pane.

Every wait is bounded; the tmux session is always killed and every lab stopped, pass or fail.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from labprefix import lab_prefix

from simulateur.errors import SimError
from simulateur.lab.state import load_state
from simulateur.session import run
from simulateur.session.store import Store

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / ".venv" / "bin" / "simulateur"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux absent"),
    pytest.mark.skipif(not APP.exists(), reason="simulateur not installed in .venv"),
]


class Tmux:
    def __init__(self, data: Path) -> None:
        self.name = f"simtest{os.getpid()}"
        self.data = data

    def start(self) -> None:
        env = {"SIMULATEUR_DATA": str(self.data), "SIMULATEUR_LAB_PREFIX": lab_prefix("ui"), "TERM": "xterm-256color"}
        command = "env -u COLUMNS -u LINES " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + f" {shlex.quote(str(APP))}"
        subprocess.run(["tmux", "new-session", "-d", "-x", "100", "-y", "30", "-s", self.name, command],
                       check=True, timeout=10)

    def alive(self) -> bool:
        return subprocess.run(["tmux", "has-session", "-t", self.name], capture_output=True, timeout=10).returncode == 0

    def keys(self, *keys: str, literal: bool = False) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *(["-l"] if literal else []), *keys],
                       check=True, timeout=10)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def screen(self) -> str:
        proc = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True,
                              timeout=10)
        return proc.stdout

    def wait(self, *texts: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{texts} absent(s) de l'écran après {timeout} s :\n{screen}")

    def wait_gone(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return
            time.sleep(0.1)
        raise AssertionError(f"l'application tourne encore après {timeout} s :\n{self.screen()}")

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True, timeout=10)


def lab_exists(lab: str) -> bool:
    try:
        load_state(lab)
    except SimError:
        return False
    return True


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"pas arrivé en {timeout} s : {what}")
        time.sleep(0.1)


def open_attempt(tmux: Tmux, store: Store) -> str:
    """Catalogue → search → briefing → build; returns the lab id."""
    tmux.wait("Meilleur", "Rechercher")
    tmux.keys("/")
    time.sleep(0.3)                                     # focus moves on the next refresh
    tmux.type("serveur arrete")                        # only dhcp-serveur-arrete matches both words
    tmux.wait("serveur arrete")
    tmux.keys("Enter")                                  # back to the table, filtered
    time.sleep(0.3)
    tmux.keys("Enter")
    tmux.wait("Démarrer (F5)", "Mme Martin")
    tmux.keys("F5")                                     # the name field has the focus: d would type
    tmux.wait("Hôtes", "en marche", "prévu 20 min")
    running = store.attempts(status="en_cours")
    assert len(running) == 1 and running[0].lab and running[0].owner_pid
    return running[0].lab


@pytest.fixture
def tmux(tmp_path: Path):
    session = Tmux(tmp_path / "data")
    yield session
    session.kill()
    store_path = session.data / "simulateur.db"
    if store_path.exists():
        for rec in Store(store_path).attempts():
            if rec.lab and lab_exists(rec.lab):
                try:
                    run.stop(rec.lab)
                except SimError:
                    pass


def test_shell_on_poste_from_the_app(tmux: Tmux) -> None:
    tmux.start()
    store = Store(tmux.data / "simulateur.db")
    lab = open_attempt(tmux, store)

    tmux.keys("s")                                      # poste is the first host, already selected
    tmux.wait("Vous êtes sur « poste »", "root@poste")
    tmux.type("ip -br addr show eth0; echo marqueur-$((6*7))")
    tmux.keys("Enter")
    screen = tmux.wait("marqueur-42")
    assert "eth0" in screen
    tmux.type("exit")
    tmux.keys("Enter")
    tmux.wait("Hôtes", "en marche")                     # back in the app
    tmux.keys("j")
    screen = tmux.wait("ip -br addr show eth0; echo marqueur")
    line = next(l for l in screen.splitlines() if "marqueur" in l)
    assert "poste" in line and " 0 " in line            # host and exit code, as journaled

    tmux.keys("C-q")
    tmux.wait("Quitter ?")
    tmux.keys("o")
    tmux.wait_gone(30)
    assert not lab_exists(lab)
    assert store.attempts()[0].status == "abandonnee"   # set before the app exits


def test_closed_terminal_then_killed_app_leave_no_lab(tmux: Tmux) -> None:
    # The terminal goes away (SIGHUP): the app stops its lab on the way out.
    tmux.start()
    store = Store(tmux.data / "simulateur.db")
    lab = open_attempt(tmux, store)
    tmux.kill()
    wait_until(lambda: not lab_exists(lab) and store.attempts()[0].status == "interrompue", 30,
               f"laboratoire {lab} arrêté après la fermeture du terminal, tentative interrompue")

    # The app is killed outright (kill -9): the next start of the app reaps its lab.
    tmux.start()
    lab = open_attempt(tmux, store)
    running = store.attempts(status="en_cours")[0]
    os.kill(running.owner_pid, signal.SIGKILL)
    wait_until(lambda: not tmux.alive(), 10, "application tuée")
    assert lab_exists(lab)                              # nothing could stop it…
    tmux.start()                                        # …until the next start
    tmux.wait("interrompue")
    wait_until(lambda: not lab_exists(lab) and store.attempt(running.id).status == "interrompue", 30,
               f"laboratoire {lab} ramassé au démarrage suivant")
    tmux.keys("C-q")
    tmux.wait_gone(15)
