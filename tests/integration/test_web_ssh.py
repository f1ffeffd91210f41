"""The candidate's app over SSH, for the room's Linux PCs (issue 18, item 6): a real sshd of the
test's own (loopback, a free port, its own host key and config; removed at the end) whose
ForceCommand runs `simulateur` for a shared kiosk account with SIMULATEUR_SERVER set; `ssh -tt` in a
pseudo-terminal; a wrong code refused, her code accepted, her app shows her session and name; she
quits, her token is revoked (the audit says so), nothing of hers is left on the account."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import termios
import time
from pathlib import Path

import pytest
from servehelpers import _client_python
from webhelpers import accounts, quick, simulateur, staff, web  # noqa: F401 — fixtures pytest finds by name

from simulateur.exam.db import ExamDB

pytestmark = pytest.mark.integration

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x1b\][^\x07]*\x07")


def _world_python() -> str:
    """An interpreter any account may run through sshd: this one if every folder to it is open to
    all (a venv made from Debian's python3), else Debian's python3 (a venv made from a python under
    /root, as on a developer's machine)."""
    import stat
    import sys

    path = Path(sys.executable).resolve()
    ok = all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])
    return sys.executable if ok else shutil.which("python3", path="/usr/bin:/bin") or "/usr/bin/python3"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Screen:
    """What the pty shows, escape sequences taken out."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.raw = b""

    def text(self) -> str:
        return ANSI.sub("", self.raw.decode(errors="replace"))

    def until(self, needle: str, timeout: float = 60, count: int = 1) -> None:
        """Until `needle` shows `count` times (a prompt asked again: the first one is still on screen)."""
        deadline = time.monotonic() + timeout
        while self.text().count(needle) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"attendu {needle!r}, vu : {self.text()[-600:]!r}"
            ready, _, _ = select.select([self.fd], [], [], min(left, 1.0))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    assert self.text().count(needle) >= count, f"fin avant {needle!r} : {self.text()[-600:]!r}"
                    return
                self.raw += chunk


@pytest.fixture
def kiosk():
    """A shared account for the room's Linux PCs (a shell: sshd runs the ForceCommand with it)."""
    login = f"sk{os.getpid() % 100000}"
    subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/bin/sh",
            "--gid",
            "nogroup",
            login,
        ],
        check=True,
        capture_output=True,
    )
    try:
        # no password, but not « locked » (« ! »): sshd without PAM refuses a locked account's keys
        subprocess.run(["usermod", "-p", "*", login], check=True, capture_output=True)
        yield login
    finally:
        subprocess.run(["userdel", login], capture_output=True)


@pytest.fixture
def sshd(web, kiosk):
    svc, url = web
    folder = Path(tempfile.mkdtemp(dir="/tmp"))
    os.chmod(folder, 0o755)
    made_run = not Path("/run/sshd").exists()  # sshd's privilege separation folder (Debian's)
    proc = None
    try:
        for key in ("hote", "client"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / key)], check=True)
        (folder / f"{kiosk}.keys").write_text((folder / "client.pub").read_text())
        os.chmod(folder / f"{kiosk}.keys", 0o644)
        _, env = _client_python(kiosk)
        python = _world_python()
        port = _free_port()
        force = (
            f"env SIMULATEUR_SERVER={url} PYTHONPATH={env['PYTHONPATH']} PYTHONDONTWRITEBYTECODE=1 "
            f"HOME=/nonexistent {python} -m simulateur"
        )
        (folder / "sshd_config").write_text(
            "\n".join(
                [
                    f"Port {port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {folder / 'hote'}",
                    "PidFile none",
                    "UsePAM no",
                    "StrictModes no",
                    f"AuthorizedKeysFile {folder}/%u.keys",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    f"AllowUsers {kiosk}",
                    "PermitTTY yes",
                    "AllowTcpForwarding no",
                    "X11Forwarding no",
                    "AllowAgentForwarding no",
                    "PermitTunnel no",
                    "PermitUserRC no",
                    f"ForceCommand {force}",
                    "",
                ]
            )
        )
        if made_run:
            os.mkdir("/run/sshd", 0o755)
        proc = subprocess.Popen(
            ["/usr/sbin/sshd", "-D", "-e", "-f", str(folder / "sshd_config")],
            stdout=subprocess.DEVNULL,
            stderr=(folder / "sshd.log").open("w"),
        )
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, (folder / "sshd.log").read_text()
            time.sleep(0.1)
        yield svc, url, port, folder, kiosk
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        if made_run:
            shutil.rmtree("/run/sshd", ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_candidates_app_over_ssh(sshd) -> None:
    _svc, _url, port, folder, kiosk = sshd
    sid = json.loads(
        simulateur("exam", "new", "--count", "1", "--minutes", "20", "--candidate", "Alice Martin", "--json").stdout
    )["id"]
    code = json.loads(simulateur("exam", "codes", sid, "--json").stdout)["Alice Martin"]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    client = subprocess.Popen(
        [
            "ssh",
            "-tt",
            "-F",
            "/dev/null",
            "-i",
            str(folder / "client"),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-p",
            str(port),
            f"{kiosk}@127.0.0.1",
        ],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    screen = Screen(master)
    try:
        screen.until("Code : ")
        os.write(master, b"AAAAA-AAAAA\r")
        screen.until("code de candidat inconnu")
        screen.until("Code : ", count=2)  # asked again: typed before, the code would be echoed, then flushed
        os.write(master, code.encode() + b"\r")
        screen.until("Alice Martin")
        screen.until("Commencer")
        assert code not in screen.text()  # her code is not echoed
        os.write(master, b"\x11")  # Ctrl+Q
        client.wait(timeout=60)
    finally:
        if client.poll() is None:
            os.killpg(client.pid, signal.SIGKILL)
            client.wait()
        os.close(master)
    log = ExamDB().audit_log()
    mine = [(e.verb, e.outcome) for e in log if e.login == "code:Alice Martin"]
    assert ("connexion", "ok") in mine and ("déconnexion", "ok") in mine, mine
    assert any(e.verb == "connexion" and e.outcome == "refusé : code inconnu" for e in log)
