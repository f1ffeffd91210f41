"""End to end: the real app in a real terminal (tmux), driven by keys and read with capture-pane.

Every wait is bounded; the tmux session is always killed and every lab stopped, pass or fail.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from labprefix import lab_prefix

from simulateur.errors import SimError
from simulateur.lab.state import load_state
from simulateur.session import run
from simulateur.session.store import Store

ROOT = Path(__file__).resolve().parents[2]
# The venv's entry point, as `make run` starts it: this tree's own venv, or (in a git worktree that has
# none) the venv running the tests, with this tree first on PYTHONPATH so that its code is what runs.
APP = next(
    (p for p in (ROOT / ".venv" / "bin" / "simulateur", Path(sys.executable).parent / "simulateur") if p.exists()),
    ROOT / ".venv" / "bin" / "simulateur",
)

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

    def start(self, width: int = 100, height: int = 30) -> None:
        env = {
            "SIMULATEUR_DATA": str(self.data),
            "SIMULATEUR_LAB_PREFIX": lab_prefix("ui"),
            "TERM": "xterm-256color",
            "PYTHONPATH": str(ROOT),
        }
        command = (
            "env -u COLUMNS -u LINES "
            + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
            + f" {shlex.quote(str(APP))}"
        )
        subprocess.run(
            ["tmux", "new-session", "-d", "-x", str(width), "-y", str(height), "-s", self.name, command],
            check=True,
            timeout=10,
        )

    def alive(self) -> bool:
        return subprocess.run(["tmux", "has-session", "-t", self.name], capture_output=True, timeout=10).returncode == 0

    def keys(self, *keys: str, literal: bool = False) -> None:
        subprocess.run(
            ["tmux", "send-keys", "-t", self.name, *(["-l"] if literal else []), *keys], check=True, timeout=10
        )

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def screen(self) -> str:
        proc = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True, timeout=10
        )
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
    time.sleep(0.3)  # focus moves on the next refresh
    tmux.type("serveur arrete")  # only dhcp-serveur-arrete matches both words
    tmux.wait("serveur arrete")
    tmux.keys("Enter")  # back to the table, filtered
    time.sleep(0.3)
    tmux.keys("Enter")
    tmux.wait("Démarrer (F5)", "Mme Martin")
    tmux.keys("F5")  # the name field has the focus: d would type
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

    tmux.keys("s")  # poste is the first host, already selected
    tmux.wait("Vous êtes sur « poste »", "root@poste")
    tmux.type("ip -br addr show eth0; echo marqueur-$((6*7))")
    tmux.keys("Enter")
    screen = tmux.wait("marqueur-42")
    assert "eth0" in screen
    tmux.type("exit")
    tmux.keys("Enter")
    tmux.wait("Hôtes", "en marche")  # back in the app
    tmux.keys("j")
    screen = tmux.wait("ip -br addr show eth0; echo marqueur")
    line = next(l for l in screen.splitlines() if "marqueur" in l)
    assert "poste" in line and " 0 " in line  # host and exit code, as journaled

    tmux.keys("C-q")
    tmux.wait("Quitter ?")
    tmux.keys("o")
    tmux.wait_gone(30)
    assert not lab_exists(lab)
    assert store.attempts()[0].status == "abandonnee"  # set before the app exits


def test_closed_terminal_then_killed_app_leave_no_lab(tmux: Tmux) -> None:
    # The terminal goes away (SIGHUP): the app stops its lab on the way out.
    tmux.start()
    store = Store(tmux.data / "simulateur.db")
    lab = open_attempt(tmux, store)
    tmux.kill()
    wait_until(
        lambda: not lab_exists(lab) and store.attempts()[0].status == "interrompue",
        30,
        f"laboratoire {lab} arrêté après la fermeture du terminal, tentative interrompue",
    )

    # The app is killed outright (kill -9): the next start of the app reaps its lab.
    tmux.start()
    lab = open_attempt(tmux, store)
    running = store.attempts(status="en_cours")[0]
    os.kill(running.owner_pid, signal.SIGKILL)
    wait_until(lambda: not tmux.alive(), 10, "application tuée")
    assert lab_exists(lab)  # nothing could stop it…
    tmux.start()  # …until the next start
    tmux.wait("interrompue")
    wait_until(
        lambda: not lab_exists(lab) and store.attempt(running.id).status == "interrompue",
        30,
        f"laboratoire {lab} ramassé au démarrage suivant",
    )
    tmux.keys("C-q")
    tmux.wait_gone(15)


def field_focused(screen: str, label: str) -> bool:
    """The fiche's field under `label` has the focus (its edge is drawn in full, not ▎)."""
    lines = screen.splitlines()
    at = next((i for i, line in enumerate(lines) if line.strip().startswith(label)), None)
    return at is not None and at + 1 < len(lines) and lines[at + 1].lstrip().startswith("█")


def scroll_until(tmux: Tmux, *texts: str) -> str:
    """Scroll the focused view until every text is on the screen at once. Each key waits for the
    screen to move before the next one (keys sent faster than a loaded app draws used to scroll past
    the texts): a page down at a time until one of them shows, then a line at a time, up first while
    one of them stays in sight (the others may be just above: a box's title on its border), then
    down; the screen no longer moving is an end."""

    def press(key: str, screen: str) -> str | None:
        tmux.keys(key)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if (moved := tmux.screen()) != screen:
                return moved
        return None

    def found(screen: str) -> bool:
        return all(t in screen for t in texts)

    screen = tmux.screen()
    for _ in range(60):
        if any(t in screen for t in texts) or (moved := press("PageDown", screen)) is None:
            break
        screen = moved
    for key in ("Up", "Down"):
        for _ in range(80):
            if found(screen) or (moved := press(key, screen)) is None:
                break
            screen = moved
            if key == "Up" and not any(t in screen for t in texts):
                break  # they are all below
        if found(screen):
            return screen
    raise AssertionError(f"{texts} jamais à l'écran ensemble en faisant défiler :\n{screen}")


def test_a_whole_training_attempt(tmux: Tmux) -> None:
    """Catalogue → briefing → lab built → a command in a shell → « Vérifier » → a hint (its cost asked
    first) → the fiche → the submission → the results and their coaching; the lab stopped at the end."""
    tmux.start(120, 40)
    store = Store(tmux.data / "simulateur.db")
    lab = open_attempt(tmux, store)
    attempt = store.attempts(status="en_cours")[0]

    # A diagnostic command in the lab, from the app's shell on poste.
    tmux.keys("s")
    tmux.wait("Vous êtes sur « poste »", "root@poste")
    tmux.type("ip -br addr show eth0; echo diag-$((6*7))")
    tmux.keys("Enter")
    tmux.wait("diag-42")
    tmux.type("exit")
    tmux.keys("Enter")
    tmux.wait("Hôtes", "en marche")

    # « Vérifier »: the probes run, the attempt goes on; the DHCP server is still down.
    tmux.keys("v")
    screen = tmux.wait("Vérification n° 1", "rien n'est remis", timeout=120)
    assert "✗ non acquis" in screen
    tmux.keys("Escape")
    tmux.wait("Hôtes", "en marche")
    assert store.attempt(attempt.id).status == "en_cours" and lab_exists(lab)

    # A hint: its cost said first, refused once, then taken.
    tmux.keys("i")
    tmux.wait("Révéler l'indice 1/4 ?", "5 min")
    tmux.keys("n")
    time.sleep(0.5)
    assert "Le poste a-t-il une adresse IP" not in tmux.screen()
    tmux.keys("i")
    tmux.wait("Révéler l'indice 1/4 ?")
    tmux.keys("o")
    tmux.wait("Indice 1/4", "Le poste a-t-il une adresse IP")
    tmux.wait("Révélés : 1 ;")  # counted, and its cost said

    # The fiche: the symptom and the diagnosis typed (saved as typed), then handed in.
    tmux.keys("f")
    tmux.wait("Fiche d'intervention", "Symptôme constaté")
    tmux.type("Le poste n'a plus d'adresse IP")
    tmux.wait("Le poste n'a plus d'adresse IP", "enregistrée à")  # typed in the focused field, saved
    tmux.keys("Tab")
    # Keys typed faster than a person would can still reach the field that had the focus: the next
    # field is typed in once it shows the focus (its left edge drawn in full: █).
    wait_until(lambda: field_focused(tmux.screen(), "Diagnostic"), 10, "le champ Diagnostic a le focus")
    tmux.type("Pas de bail DHCP : dnsmasq arrete sur srv")
    tmux.wait("Pas de bail DHCP")
    wait_until(
        lambda: store.fiche(attempt.id).get("diagnostic") == "Pas de bail DHCP : dnsmasq arrete sur srv",
        10,
        "le diagnostic enregistré",
    )
    assert store.fiche(attempt.id)["symptome"] == "Le poste n'a plus d'adresse IP"
    tmux.keys("C-s")
    tmux.wait("Soumettre l'intervention ?")
    tmux.keys("o")

    # The results, then the coaching further down.
    tmux.wait("Grille d'évaluation", timeout=180)
    wait_until(lambda: store.attempt(attempt.id).status == "soumise", 10, "tentative soumise")
    assert not lab_exists(lab)  # the submission stopped the lab
    screen = scroll_until(tmux, "Pour progresser", "Critères non acquis")
    screen = scroll_until(tmux, "Votre fiche d'intervention", "remplie")
    filled = next(line for line in screen.splitlines() if "remplie" in line)
    assert "3/8" in filled  # symptom, diagnosis and the prefilled time spent

    tmux.keys("C-q")  # nothing in progress: no question asked
    tmux.wait_gone(30)
