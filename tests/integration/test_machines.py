"""Several lab machines on one store, for real: two `simulateur serve` on this machine playing two
lab machines (their own lab prefixes, data dirs, names, and machine ids — SIMULATEUR_MACHINE_ID,
tests only), one throwaway PostgreSQL (tests/pgcluster.py), real Unix accounts made and removed as
in test_serve.py. Capacity 2 each, five candidates: the first two placed on m1, the third told to
go to m2, two on m2, the fifth refused (no room anywhere); `exam show` on either machine sees every
candidate and her machine; m2 killed: m1 shows its candidates « machine m2 injoignable depuis
HH:MM » and leaves their runs alone; m2 back: it takes its runs back."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from servehelpers import _client_python, _run, _wait, quick  # noqa: F401  (quick: the one-scenario catalogue)

CANDIDATES = ("c1", "c2", "c3", "c4", "c5")


@dataclass
class People:
    users: dict[str, str]
    trainers: str
    made: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def people():
    tag = f"mm{os.getpid() % 100000}"
    group = f"{tag}f"
    users = {who: f"{tag}{who}" for who in (*CANDIDATES, "trainer")}
    made: list[str] = []
    try:
        _run("groupadd", "--system", group)
        for who, login in users.items():
            extra = ["-G", group] if who == "trainer" else []
            _run(
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                "--gid",
                "nogroup",
                *extra,
                login,
            )
            made.append(login)
        yield People(users, group)
    finally:
        for login in made:
            subprocess.run(["userdel", login], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)
    left = [
        line
        for f in ("/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow")
        if Path(f).exists()
        for line in Path(f).read_text().splitlines()
        if line.startswith(tag)
    ]
    assert left == [], left


class Machine:
    """One `simulateur serve --name NAME --capacity 2` with its own prefix, data dir, machine id."""

    def __init__(self, name: str, prefix: str, tmp: Path, store: str, people: People) -> None:
        self.name = name
        self.data = tmp / f"data-{name}"
        self.data.mkdir()
        self.prefix = prefix
        self.log = tmp / f"serve-{name}.log"
        self.env = {
            **os.environ,
            "SIMULATEUR_STORE": store,
            "SIMULATEUR_LAB_PREFIX": prefix,
            "SIMULATEUR_DATA": str(self.data),
            "SIMULATEUR_MACHINE_ID": f"test-{name}",
            "SIMULATEUR_TRAINER_GROUP": people.trainers,
        }
        self.proc: subprocess.Popen | None = None
        self.capacity = 2

    @property
    def sock(self) -> Path:
        """Its socket: the default place (a folder the candidates can reach), one per lab prefix."""
        from simulateur.serve import protocol

        return protocol.serve_dir() / f"{self.prefix}.sock"

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "simulateur", "serve", "--name", self.name, "--capacity", str(self.capacity)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, self.log.read_text()
            with socket.socket(socket.AF_UNIX) as s:
                try:
                    s.connect(str(self.sock))
                    return
                except OSError:
                    pass
            assert time.monotonic() < deadline, "le service n'écoute pas : " + self.log.read_text()
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.proc = None

    def client(self, people: People, who: str, *args: str) -> subprocess.CompletedProcess:
        """The CLI run as `who` on this machine (its socket)."""
        login = people.users[who]
        python, env = _client_python(login)
        cmd = [
            "setpriv",
            f"--reuid={login}",
            "--regid=nogroup",
            "--init-groups",
            "--",
            python,
            "-m",
            "simulateur",
            *args,
        ]
        proc = subprocess.run(cmd, env={**self.env, **env}, cwd="/", capture_output=True, text=True, timeout=180)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    def root(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "simulateur", *args], env=self.env, capture_output=True, text=True, timeout=180
        )


@pytest.fixture
def machines(quick: Path, people: People, tmp_path: Path, postgresql_cluster):
    store = postgresql_cluster.new_database()
    base = os.environ.get("SIMULATEUR_LAB_PREFIX", "t")
    both = [Machine("m1", f"{base}x", tmp_path, store, people), Machine("m2", f"{base}y", tmp_path, store, people)]
    for m in both:
        m.start()
    yield both
    for m in both:
        m.stop()
        if m.sock.with_suffix(".log").exists():  # its workers' log, kept with the test's files
            shutil.move(m.sock.with_suffix(".log"), tmp_path / f"workers-{m.name}.log")
        for suffix in (".alive", ".lock"):  # the service's heartbeat and lock: the test's own
            m.sock.with_suffix(suffix).unlink(missing_ok=True)
    for m in both:  # the labs the test's candidates got, stopped by their own machine
        for lab in (
            (m.data.parent / f"labs-{m.name}").read_text().split()
            if (m.data.parent / f"labs-{m.name}").exists()
            else []
        ):
            m.root("stop", lab)


def _show(m: Machine, people: People, sid: str) -> dict:
    proc = m.client(people, "trainer", "exam", "show", sid, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _refused(proc: subprocess.CompletedProcess, *words: str) -> str:
    assert proc.returncode == 3, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("simulateur : "), proc.stderr
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def test_two_machines_place_show_and_lose_one(machines: list[Machine], people: People, tmp_path: Path) -> None:
    m1, m2 = machines
    roster = [a for who in CANDIDATES for a in ("--candidate", f"Candidat {who.upper()}={people.users[who]}")]
    made = m1.client(
        people, "trainer", "exam", "new", "--count", "1", "--minutes", "20", "--seed", "5", *roster, "--json"
    )
    assert made.returncode == 0, made.stderr
    sid = json.loads(made.stdout)["id"]

    def start(m: Machine, who: str) -> str:
        proc = m.client(people, who, "exam", "start", sid, "--json")
        assert proc.returncode == 0, proc.stderr
        lab = json.loads(proc.stdout)["lab"]
        with (tmp_path / f"labs-{m.name}").open("a") as f:
            f.write(lab + "\n")
        return lab

    # m1 takes two; the third is told, in one French line, which machine has room.
    assert start(m1, "c1").startswith(m1.env["SIMULATEUR_LAB_PREFIX"])
    start(m1, "c2")
    _refused(m1.client(people, "c3", "exam", "start", sid), "m1 : 2/2", "ssh m2", f"exam start {sid}")
    start(m2, "c3")
    start(m2, "c4")
    _refused(m2.client(people, "c5", "exam", "start", sid), "m2 : 2/2", "aucune autre machine")
    # A candidate placed on m1 who asks m2 is sent back to m1.
    _refused(m2.client(people, "c1", "exam", "submit", sid), "machine m1", "ssh m1")

    # Either machine sees the whole session: every candidate, her machine and its state.
    for m in (m1, m2):
        shown = _show(m, people, sid)
        where = {r["candidate"]: (r["machine"], r["machine_state"]) for r in shown["runs"]}
        assert where == {
            "Candidat C1": ("m1", "joignable"),
            "Candidat C2": ("m1", "joignable"),
            "Candidat C3": ("m2", "joignable"),
            "Candidat C4": ("m2", "joignable"),
        }
        assert {(x["name"], x["capacity"], x["load"], x["reachable"]) for x in shown["machines"]} == {
            ("m1", 2, 2, True),
            ("m2", 2, 2, True),
        }
        text = m.client(people, "trainer", "exam", "show", sid)
        assert text.returncode == 0 and "Candidat C3 — en cours" in text.stdout and "machine m2" in text.stdout, text

    # m2 dies: m1 shows its candidates « injoignable », and touches nothing of theirs.
    before = {r["candidate"]: r for r in _show(m1, people, sid)["runs"]}
    m2.kill()
    _wait(
        lambda: all(
            r["machine_state"] == "injoignable" for r in _show(m1, people, sid)["runs"] if r["machine"] == "m2"
        ),
        40,
        "m2 injoignable",
    )
    text = m1.client(people, "trainer", "exam", "show", sid).stdout
    assert "Candidat C3 — en cours" in text and "machine m2 injoignable depuis " in text, text
    after = {r["candidate"]: r for r in _show(m1, people, sid)["runs"]}
    for name in ("Candidat C3", "Candidat C4"):
        assert after[name]["finished"] is None and after[name]["items"] == before[name]["items"]
    # Her command on the living machine says where her examen is and that it is down.
    _refused(m1.client(people, "c3", "exam", "submit", sid), "machine m2, injoignable depuis")

    # m2 back: reachable again, its runs taken back by its new service (their timers resumed).
    m2.start()
    _wait(lambda: all(r["machine_state"] == "joignable" for r in _show(m1, people, sid)["runs"]), 30, "m2 revenue")
    runs = {r["candidate"]: r for r in _show(m2, people, sid)["runs"]}
    assert runs["Candidat C3"]["watchdog_pid"] == m2.proc.pid and runs["Candidat C4"]["watchdog_pid"] == m2.proc.pid
    assert runs["Candidat C1"]["watchdog_pid"] == m1.proc.pid
    assert f"{sid} Candidat C3 : minuteur repris" in m2.log.read_text()
