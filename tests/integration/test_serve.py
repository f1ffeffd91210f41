"""`simulateur serve` for real: the service started by the test (root), real unprivileged Unix
accounts made by the fixture (system accounts with no home, removed afterwards with their groups),
the CLI run as them with setpriv. Every refusal is a test: a candidate cannot mark, read a grid or
a report, act for another, reach another's lab, outlive her deadline; the jury cannot create a
session. Then the deadline held by the service (an exec and a shell running at that moment are
ended, the lab scored and stopped, a later exec refused), a client killed during `exam start`
resumed, and a service restarted while a deadline passed."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import struct
import sysconfig
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulateur.exam import core
from simulateur.lab import cgroups
from simulateur.exam.db import ExamDB
from simulateur.serve import protocol

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Accounts:
    users: dict[str, str]     # role in the test → login
    groups: dict[str, str]

    def uid(self, who: str) -> int:
        return pwd.getpwnam(self.users[who]).pw_uid


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def accounts():
    """Two candidates, a trainer, a jury member and a stranger; the trainers' and jury's groups.
    System accounts (no home, no subordinate ids), all removed at the end."""
    tag = f"sv{os.getpid() % 100000}"
    groups = {"trainer": f"{tag}f", "jury": f"{tag}j"}
    users = {"alice": f"{tag}a", "bruno": f"{tag}b", "trainer": f"{tag}t", "jury": f"{tag}y", "stranger": f"{tag}x"}
    made_groups: list[str] = []
    made_users: list[str] = []
    try:
        for g in groups.values():
            _run("groupadd", "--system", g)
            made_groups.append(g)
        for who, login in users.items():
            extra = ["-G", groups[who]] if who in groups else []
            _run("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell",
                 "/usr/sbin/nologin", "--gid", "nogroup", *extra, login)
            made_users.append(login)
        yield Accounts(users, groups)
    finally:
        for login in made_users:
            subprocess.run(["userdel", login], capture_output=True)
        for g in made_groups:
            subprocess.run(["groupdel", g], capture_output=True)
    left = [line for f in ("/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/subuid", "/etc/subgid")
            if Path(f).exists() for line in Path(f).read_text().splitlines() if line.startswith(tag)]
    assert left == [], left


def _client_python(login: str) -> tuple[str, dict[str, str]]:
    """An interpreter the account may run (a venv made from a python under /root is not) and the
    path to the project and its dependencies."""
    paths = [str(ROOT), sysconfig.get_paths()["purelib"]]
    probe = subprocess.run(["setpriv", f"--reuid={login}", "--regid=nogroup", "--init-groups", "--",
                            sys.executable, "-c", "pass"], capture_output=True)
    python = sys.executable if probe.returncode == 0 else shutil.which("python3") or "/usr/bin/python3"
    return python, {"PYTHONPATH": os.pathsep.join(paths), "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/nonexistent"}


def as_user(accounts: Accounts, who: str, *args: str, timeout: float = 180, input: str | None = None,
            env: dict[str, str] | None = None, **popen) -> subprocess.CompletedProcess | subprocess.Popen:
    login = accounts.users[who]
    python, client_env = _client_python(login)
    cmd = ["setpriv", f"--reuid={login}", "--regid=nogroup", "--init-groups", "--", python, "-m", "simulateur", *args]
    full_env = {**os.environ, **client_env, **(env or {})}
    if popen:
        return subprocess.Popen(cmd, env=full_env, cwd="/", **popen)
    proc = subprocess.run(cmd, env=full_env, cwd="/", capture_output=True, text=True, timeout=timeout,
                          input=input if input is not None else "")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def refused(proc: subprocess.CompletedProcess, words: str) -> None:
    """A refusal: exit status 3, one French line naming why, nothing on stdout."""
    assert proc.returncode == 3, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("simulateur : ") and words in lines[0], proc.stderr
    assert proc.stdout == ""


@pytest.fixture
def quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copytree(ROOT / "scenarios" / "topologies", folder / "topologies")
    shutil.copy(ROOT / "scenarios" / "dhcp-serveur-arrete.yaml", folder)
    monkeypatch.setenv("SIMULATEUR_SHIPPED_SCENARIOS", str(folder))
    monkeypatch.setenv("SIMULATEUR_SCENARIOS", str(tmp_path / "aucun"))
    return folder


class Service:
    def __init__(self, accounts: Accounts, log: Path) -> None:
        self.env = {**os.environ, "SIMULATEUR_TRAINER_GROUP": accounts.groups["trainer"],
                    "SIMULATEUR_JURY_GROUP": accounts.groups["jury"]}
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.args: list[str] = []          # more options of `serve` (--api …)

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "simulateur", "serve", *self.args], env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, self.log.read_text()
            with socket.socket(socket.AF_UNIX) as s:
                try:
                    s.connect(str(protocol.socket_path()))
                    return
                except OSError:
                    pass
            assert time.monotonic() < deadline, "le service n'écoute pas : " + self.log.read_text()
            time.sleep(0.1)

    def stop(self, crash: bool = False) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if crash else signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.proc = None


@pytest.fixture
def service(quick: Path, accounts: Accounts, tmp_path: Path):
    svc = Service(accounts, tmp_path / "serve.log")
    svc.start()
    yield svc
    svc.stop()
    from simulateur.exam.core import _lab_is_ours
    for suffix in (".alive", ".lock", ".log"):    # the service's heartbeat, lock and log: the test's own
        protocol.socket_path().with_suffix(suffix).unlink(missing_ok=True)
    db = ExamDB()
    for run in db.runs():
        if run.finished is None:
            try:
                core.end_run(db, run.session, run.candidate)
            except Exception:  # noqa: BLE001
                pass
        for item in run.items:       # in progress, or kept frozen for the jury
            if item.lab and _lab_is_ours(item):
                subprocess.run([sys.executable, "-m", "simulateur", "stop", item.lab], capture_output=True)


def _session(accounts: Accounts, minutes: str = "20") -> str:
    proc = as_user(accounts, "trainer", "exam", "new", "--count", "1", "--minutes", minutes, "--seed", "5",
                   "--candidate", f"Alice Martin={accounts.users['alice']}",
                   "--candidate", f"Bruno Petit={accounts.users['bruno']}", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["id"]


def _start(accounts: Accounts, who: str, sid: str) -> dict:
    proc = as_user(accounts, who, "exam", "start", sid, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _set_deadline(sid: str, name: str, when: float) -> None:
    from simulateur.exam.db import candidate_key

    from simulateur.store import schema

    R = schema.exam_runs
    with ExamDB()._write() as conn:
        conn.execute(R.update().where(R.c.session == sid, R.c.ckey == candidate_key(name)).values(deadline=when))


def _wait(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"pas arrivé en {timeout} s : {what}"
        time.sleep(0.1)


def _can_freeze() -> bool:
    hierarchies = cgroups.hierarchies()
    return "v2" in hierarchies or "freezer" in hierarchies


def _lab_gone(lab: str, attempt: str) -> bool:
    from simulateur.errors import SimError
    from simulateur.lab.state import load_state

    try:
        state = load_state(lab)
    except SimError:
        return True
    return not state.attempt_dir or Path(state.attempt_dir).name != attempt


def test_no_service_one_french_line(accounts: Accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", "svnone")
    proc = as_user(accounts, "alice", "exam", "status", "eb1")
    assert proc.returncode == 4 and "n'est pas lancé" in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_roles_every_refusal(service: Service, accounts: Accounts, tmp_path: Path) -> None:
    refused(as_user(accounts, "jury", "exam", "new", "--count", "1"), "n'est pas permis à votre rôle (jury)")
    sid = _session(accounts)
    refused(as_user(accounts, "stranger", "exam", "start", sid), "pas sur la liste des candidats")
    refused(as_user(accounts, "alice", "exam", "start", sid, "--candidate", "Bruno Petit"), "que pour vous-même")
    a = _start(accounts, "alice", sid)
    lab = a["lab"]
    assert a["candidate"] == "Alice Martin" and a["intervention"] == 1

    # Her own lab: exec (output on her own stdout), qualification, fiche from a file of hers.
    proc = as_user(accounts, "alice", "exec", lab, "poste", "--", "ip -br addr")
    assert proc.returncode == 0 and "eth0" in proc.stdout, proc.stderr
    assert as_user(accounts, "alice", "qualify", lab, "--impact", "moyen", "--urgency", "haute").returncode == 0
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:   # pytest's own tmp is root's only
        os.chmod(folder, 0o755)
        fiche = Path(folder) / "fiche.txt"
        fiche.write_text("cause: le serveur DHCP était arrêté\n")
        fiche.chmod(0o644)
        proc = as_user(accounts, "alice", "exam", "fiche", sid, "--file", str(fiche))
        assert proc.returncode == 0, proc.stderr
    assert ExamDB().store.fiche(a["attempt"])["cause"] == "le serveur DHCP était arrêté"
    # A file she cannot read is not read for her by the service.
    proc = as_user(accounts, "alice", "exam", "fiche", sid, "--file", "/etc/shadow")
    assert proc.returncode == 2 and "impossible d'ouvrir /etc/shadow" in proc.stderr

    # What is not hers: the jury's sheet and marks, the session, reports, another's lab, the grid.
    refused(as_user(accounts, "alice", "exam", "jury", sid, "--candidate", "Alice Martin", "--intervention", "1",
                    "--criterion", "TAI.CP14.4", "--verdict", "acquis"), "(candidat)")
    refused(as_user(accounts, "alice", "exam", "jury", sid, "--candidate", "Alice Martin"), "(candidat)")
    refused(as_user(accounts, "alice", "exam", "show", sid), "(candidat)")
    refused(as_user(accounts, "alice", "report", sid, "--candidate", "Alice Martin", "--format", "json"), "(candidat)")
    refused(as_user(accounts, "alice", "attempts"), "(candidat)")
    refused(as_user(accounts, "alice", "exam", "roster", sid, "--add", "Zoé Test"), "(candidat)")
    refused(as_user(accounts, "alice", "check", lab), "(candidat)")
    refused(as_user(accounts, "alice", "exam", "fiche", sid, "--candidate", "Bruno Petit", "--set", "cause=x"),
            "que pour vous-même")
    refused(as_user(accounts, "bruno", "exec", lab, "poste", "--", "id"), f"{lab} n'est pas celui")
    refused(as_user(accounts, "bruno", "qualify", lab, "--impact", "bas", "--urgency", "basse"), "n'est pas celui")
    refused(as_user(accounts, "jury", "exec", lab, "poste", "--", "id"), "n'est pas celui")
    refused(as_user(accounts, "trainer", "exam", "jury", sid, "--candidate", "Alice Martin"), "(formateur)")
    # She cannot stop the service, her deadline's keeper.
    kill = subprocess.run(["setpriv", f"--reuid={accounts.users['alice']}", "--regid=nogroup", "--init-groups", "--",
                           "kill", "-9", str(service.proc.pid)], capture_output=True)
    assert kill.returncode != 0 and service.proc.poll() is None

    # The jury's own work: the sheet, a mark; the trainer's: the roster, the audit.
    proc = as_user(accounts, "jury", "exam", "jury", sid, "--candidate", "Alice Martin", "--json")
    assert proc.returncode == 0, proc.stderr
    crit = json.loads(proc.stdout)[0]["criteria"][0]["id"]
    proc = as_user(accounts, "jury", "exam", "jury", sid, "--candidate", "Alice Martin", "--intervention", "1",
                   "--criterion", crit, "--verdict", "acquis")
    assert proc.returncode == 0, proc.stderr
    assert [m.criterion for m in ExamDB().jury(sid, "Alice Martin")] == [crit]
    assert as_user(accounts, "trainer", "exam", "roster", sid, "--add", "Chloé Sans Compte").returncode == 0

    # Every request audited: who (the kernel's uid), what, the outcome.
    log = ExamDB().audit_log()
    alice = [r for r in log if r.uid == accounts.uid("alice")]
    assert {r.verb for r in alice if r.outcome.startswith("refusé")} >= {
        "exam start", "exam jury", "exam show", "report", "attempts", "exam roster", "check", "exam fiche"}
    assert {r.verb for r in alice if r.outcome == "ok"} >= {"exam start", "exec", "qualify", "exam fiche"}
    assert any(r.uid == accounts.uid("jury") and r.verb == "exam jury" and r.outcome == "ok" for r in log)
    assert all(r.login and r.role and r.t > 0 for r in log)


def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while needle not in out:
        left = deadline - time.monotonic()
        assert left > 0, f"attendu {needle!r}, reçu {out[-400:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            out += chunk
    return out


def test_deadline_held_by_the_service(service: Service, accounts: Accounts) -> None:
    sid = _session(accounts)
    a = _start(accounts, "alice", sid)
    lab = a["lab"]
    run = core.get_run(ExamDB(), sid, "Alice Martin")
    assert run.watchdog_pid == service.proc.pid     # the service holds the deadline, no watchdog of hers

    # Her shell: the service's recorded relay on her own terminal.
    master, slave = os.openpty()
    shell = as_user(accounts, "alice", "shell", lab, "poste", stdin=slave, stdout=slave, stderr=slave,
                    start_new_session=True)
    os.close(slave)
    _read_until(master, b"#", 60)
    os.write(master, b"echo bonjour-$((6*7))\r")
    _read_until(master, b"bonjour-42", 30)
    # Her window resized: the new size reaches the host's terminal.
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
    os.kill(shell.pid, signal.SIGWINCH)     # what the kernel sends her terminal's foreground
    seen = b""
    for _ in range(30):                     # the resize travels client → service → relay: asked until seen
        os.write(master, b"stty size\r")
        try:
            seen += _read_until(master, b"33 111", 1)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("la nouvelle taille de la fenêtre n'est pas arrivée dans l'hôte")
    # A long command, and the deadline in 3 s.
    long = as_user(accounts, "alice", "exec", lab, "poste", "--", "sleep 120", stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    deadline = time.time() + 3
    _set_deadline(sid, "Alice Martin", deadline)

    out, err = long.communicate(timeout=deadline - time.time() + 10)
    ended_exec = time.time()
    assert "temps écoulé" in err, err
    shell.wait(timeout=deadline - time.time() + 10)
    ended_shell = time.time()
    with pytest.raises(OSError):     # her terminal is closed on the relay's side
        while os.read(master, 4096):
            pass
    os.close(master)
    print(f"\nexec arrêté à échéance +{ended_exec - deadline:.2f} s, shell fermé à +{ended_shell - deadline:.2f} s")
    assert ended_exec - deadline < 2 and ended_shell - deadline < 2

    time.sleep(max(0.0, deadline + 2 - time.time()))
    refused(as_user(accounts, "alice", "exec", lab, "poste", "--", "systemctl start dnsmasq"), "temps écoulé")
    refused(as_user(accounts, "alice", "shell", lab), "temps écoulé")
    db = ExamDB()
    _wait(lambda: core.get_run(db, sid, "Alice Martin").finished is not None, 30, "examen terminé")
    item = core.get_run(db, sid, "Alice Martin").items[0]
    assert item.status == "temps_ecoule" and item.ended is not None and item.ended - deadline < 2
    if _can_freeze():     # kept as it was for the jury, nothing of it running
        assert not _lab_gone(lab, a["attempt"]) and cgroups.frozen(lab) and "figé" in item.note
        proc = subprocess.run([sys.executable, "-m", "simulateur", "exec", lab, "poste", "--", "true"],
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode != 0 and "figé" in proc.stderr      # not even root enters it by mistake
        refused(as_user(accounts, "alice", "exam", "release", sid), "(candidat)")
        proc = as_user(accounts, "jury", "exam", "release", sid, "--candidate", "Alice Martin")
        assert proc.returncode == 0 and lab in proc.stdout, proc.stderr
    assert _lab_gone(lab, a["attempt"])
    rec = db.store.attempt(a["attempt"])
    assert rec is not None and rec.score is not None and rec.submitted is not None    # scored as it was
    held = [r for r in db.audit_log(sid) if r.verb == "échéance"]
    assert len(held) == 1 and held[0].candidate == "Alice Martin", held
    print(held[0].detail)
    recordings = list((Path(rec.attempt_dir) / "terminals").glob("*-poste.cast"))
    assert recordings and b"bonjour-42" in recordings[0].read_bytes()   # recorded machine-side


def test_resume_after_the_client_is_killed(service: Service, accounts: Accounts) -> None:
    sid = _session(accounts)
    client = as_user(accounts, "bruno", "exam", "start", sid, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = ExamDB()
    _wait(lambda: db.run(sid, "Bruno Petit") is not None, 60, "examen commencé")
    client.send_signal(signal.SIGKILL)     # during the build
    client.wait()
    b = _start(accounts, "bruno", sid)     # the build went on in the service; resumed, not started twice
    assert b["intervention"] == 1 and b["lab"]
    run = core.get_run(db, sid, "Bruno Petit")
    assert [i.status for i in run.items] == ["en_cours"] and run.items[0].lab == b["lab"]
    again = _start(accounts, "bruno", sid)
    assert again["resumed"] and again["lab"] == b["lab"] and abs(again["deadline"] - run.deadline) < 1e-6
    proc = as_user(accounts, "bruno", "exam", "status", sid, "--json")
    assert json.loads(proc.stdout)["lab"] == b["lab"]


def test_service_restarted_mid_run(service: Service, accounts: Accounts) -> None:
    sid = _session(accounts)
    a = _start(accounts, "alice", sid)
    b = _start(accounts, "bruno", sid)
    service.stop(crash=True)                            # kill -9: no goodbye, the heartbeat is its last word
    stopped = time.time()
    _set_deadline(sid, "Alice Martin", stopped + 1)     # passes while the service is down
    time.sleep(1.5)
    service.start()
    db = ExamDB()
    alice = core.get_run(db, sid, "Alice Martin")
    assert alice.finished is not None and alice.items[0].status == "temps_ecoule"
    assert "redémarrage" in alice.items[0].note, alice.items[0].note
    assert _lab_gone(a["lab"], a["attempt"]) or cgroups.frozen(a["lab"])
    assert any(r.verb == "échéance" and "redémarrage" in r.outcome for r in db.audit_log(sid))
    assert "évaluée au redémarrage" in service.log.read_text()
    # Bruno's run goes on under the new service: its timer, his lab.
    bruno = core.get_run(db, sid, "Bruno Petit")
    assert bruno.finished is None and bruno.watchdog_pid == service.proc.pid
    assert db.store.attempt(b["attempt"]).owner_pid == service.proc.pid
    from simulateur.session.store import reap_orphans

    assert reap_orphans(db.store) == []     # the app opened now takes none of the running labs
    proc = as_user(accounts, "bruno", "exec", b["lab"], "poste", "--", "true")
    assert proc.returncode == 0, proc.stderr
    refused(as_user(accounts, "alice", "exec", a["lab"], "poste", "--", "true"), "temps écoulé")
    proc = as_user(accounts, "alice", "exam", "fiche", sid, "--set", "cause=trop tard")
    assert proc.returncode == 2 and "fiche" in proc.stderr, proc.stderr
