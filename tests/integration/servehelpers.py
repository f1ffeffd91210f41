"""What the tests of `simulateur serve` share (test_serve, test_api, test_machines, test_robust,
the web pages' tests): real unprivileged Unix accounts made by a fixture (system accounts with no
home, removed afterwards with their groups), the CLI run as them with setpriv, the service started
and stopped, what a test leaves behind ended (runs closed, labs stopped)."""

from __future__ import annotations

import json
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.lab import cgroups
from simulateur.serve import protocol

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Accounts:
    users: dict[str, str]  # role in the test → login
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
            made_users.append(login)
        yield Accounts(users, groups)
    finally:
        for login in made_users:
            subprocess.run(["userdel", login], capture_output=True)
        for g in made_groups:
            subprocess.run(["groupdel", g], capture_output=True)
    left = [
        line
        for f in ("/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/subuid", "/etc/subgid")
        if Path(f).exists()
        for line in Path(f).read_text().splitlines()
        if line.startswith(tag)
    ]
    assert left == [], left


def _client_python(login: str) -> tuple[str, dict[str, str]]:
    """An interpreter the account may run (a venv made from a python under /root is not) and the
    path to the project and its dependencies."""
    paths = [str(ROOT), sysconfig.get_paths()["purelib"]]
    probe = subprocess.run(
        ["setpriv", f"--reuid={login}", "--regid=nogroup", "--init-groups", "--", sys.executable, "-c", "pass"],
        capture_output=True,
    )
    python = sys.executable if probe.returncode == 0 else shutil.which("python3") or "/usr/bin/python3"
    return python, {"PYTHONPATH": os.pathsep.join(paths), "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/nonexistent"}


def as_user(
    accounts: Accounts,
    who: str,
    *args: str,
    timeout: float = 180,
    input: str | None = None,
    env: dict[str, str] | None = None,
    **popen,
) -> subprocess.CompletedProcess | subprocess.Popen:
    login = accounts.users[who]
    python, client_env = _client_python(login)
    cmd = ["setpriv", f"--reuid={login}", "--regid=nogroup", "--init-groups", "--", python, "-m", "simulateur", *args]
    full_env = {**os.environ, **client_env, **(env or {})}
    if popen:
        return subprocess.Popen(cmd, env=full_env, cwd="/", **popen)
    proc = subprocess.run(
        cmd,
        env=full_env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input if input is not None else "",
    )
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
        self.env = {
            **os.environ,
            "SIMULATEUR_TRAINER_GROUP": accounts.groups["trainer"],
            "SIMULATEUR_JURY_GROUP": accounts.groups["jury"],
        }
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.args: list[str] = []  # more options of `serve` (--api …)

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "simulateur", "serve", *self.args],
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
    forget_service_files()
    end_labs()


def forget_service_files() -> None:
    """The service's heartbeat, lock and log: the test's own."""
    for suffix in (".alive", ".lock", ".log"):
        protocol.socket_path().with_suffix(suffix).unlink(missing_ok=True)


def end_labs() -> None:
    """Whatever a test leaves: runs closed, labs stopped (in progress, or kept frozen for the jury)."""
    from simulateur.exam.core import _lab_is_ours

    db = ExamDB()
    for run in db.runs():
        if run.finished is None:
            try:
                core.end_run(db, run.session, run.candidate)
            except Exception:  # noqa: BLE001 — best-effort teardown: the test's own failure is the one to show
                pass
        for item in run.items:
            if item.lab and _lab_is_ours(item):
                subprocess.run([sys.executable, "-m", "simulateur", "stop", item.lab], capture_output=True)


def listening_url(svc: Service) -> str:
    """The network API's URL, as the service says it in its log (a free port of 127.0.0.1)."""
    import re

    deadline = time.monotonic() + 60
    while True:
        m = re.search(r"API réseau à l'écoute sur (\S+)", svc.log.read_text())
        if m:
            return m.group(1)
        assert time.monotonic() < deadline and svc.proc is not None and svc.proc.poll() is None, svc.log.read_text()
        time.sleep(0.1)


def _session(accounts: Accounts, minutes: str = "20") -> str:
    proc = as_user(
        accounts,
        "trainer",
        "exam",
        "new",
        "--count",
        "1",
        "--minutes",
        minutes,
        "--seed",
        "5",
        "--candidate",
        f"Alice Martin={accounts.users['alice']}",
        "--candidate",
        f"Bruno Petit={accounts.users['bruno']}",
        "--json",
    )
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
            assert chunk, f"fin du terminal avant {needle!r}, reçu {out[-400:]!r}"
            out += chunk
    return out


def _ask_until(fd: int, ask: bytes, needle: bytes, timeout: float, why: str) -> bytes:
    """Write `ask` every second until `needle` shows (something travelling: a resize through the
    service); one buffer across the tries, so a needle split over two reads is still seen."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        assert time.monotonic() < deadline, f"{why} : {seen[-300:]!r}"
        os.write(fd, ask)
        asked = time.monotonic() + 1
        while needle not in seen and (left := asked - time.monotonic()) > 0:
            if select.select([fd], [], [], left)[0]:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    chunk = b""
                assert chunk, f"fin du terminal avant {needle!r}, reçu {seen[-400:]!r}"
                seen += chunk
    return seen
