"""A candidate's terminal from any PC: the service's /api/shell websocket (a pty of the service's,
the recorded relay on it), used by the remote CLI's `shell` on a station logged in by code and by
the browser's terminal page. Her deadline closes it with the French line; another candidate's lab
is refused; her terminal is given back as it was."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import struct
import tempfile
import termios
import time
from pathlib import Path

import pytest
from servehelpers import _ask_until, _read_until, _set_deadline, as_user
from webhelpers import accounts, browser, quick, shot, simulateur, staff, web  # noqa: F401 — fixtures pytest finds by name

from simulateur.exam.db import ExamDB

pytestmark = pytest.mark.integration


def _session() -> tuple[str, dict[str, str]]:
    proc = simulateur(
        "exam",
        "new",
        "--count",
        "1",
        "--minutes",
        "20",
        "--seed",
        "5",
        "--candidate",
        "Alice Martin",
        "--candidate",
        "Bruno Petit",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    sid = json.loads(proc.stdout)["id"]
    return sid, json.loads(simulateur("exam", "codes", sid, "--json").stdout)


def test_remote_cli_shell_by_code(web, accounts) -> None:
    """An ordinary account of a station (no group of this machine's) logged in by Alice's code:
    `shell` in her terminal — raw mode, relayed, resized, closed at her deadline, restored."""
    _svc, url = web
    sid, codes = _session()
    conf = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        os.chmod(conf, 0o755)
        shutil.chown(conf, accounts.users["stranger"])
        env = {"XDG_CONFIG_HOME": str(conf)}
        proc = as_user(accounts, "stranger", "login", url, "--code", codes["Alice Martin"], env=env)
        assert proc.returncode == 0, proc.stderr
        proc = as_user(accounts, "stranger", "exam", "start", sid, "--json", env=env)
        assert proc.returncode == 0, proc.stderr
        lab = json.loads(proc.stdout)["lab"]

        master, slave = os.openpty()
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        before = termios.tcgetattr(slave)
        shell = as_user(
            accounts,
            "stranger",
            "shell",
            lab,
            "poste",
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        _read_until(master, b"#", 60)
        assert not termios.tcgetattr(slave)[3] & termios.ECHO  # raw: the host's shell echoes
        os.write(master, b"echo bonjour-$((6*7))\r")
        _read_until(master, b"bonjour-42", 30)
        os.write(master, b"stty size\r")
        _read_until(master, b"30 100", 30)  # her size at the start
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
        os.kill(shell.pid, signal.SIGWINCH)
        # the resize travels client → websocket → pty → relay: asked until seen
        _ask_until(
            master, b"stty size\r", b"33 111", 30, "la nouvelle taille de la fenêtre n'est pas arrivée dans l'hôte"
        )

        deadline = time.time() + 3
        _set_deadline(sid, "Alice Martin", deadline)
        seen = _read_until(master, "figé pour le jury".encode(), deadline - time.time() + 15)
        shell.wait(timeout=30)
        print(f"\nshell fermé à échéance +{time.time() - deadline:.2f} s")
        assert shell.returncode != 0 and time.time() - deadline < 10
        assert "simulateur : temps écoulé : commande arrêtée" in seen.decode(errors="replace"), seen[-300:]
        after = termios.tcgetattr(slave)
        assert after[3] == before[3] and after[1] == before[1]  # her terminal as it was
        os.close(slave)
        os.close(master)
        proc = as_user(accounts, "stranger", "shell", lab, "poste", env=env)
        assert proc.returncode == 3 and "temps écoulé" in proc.stderr and len(proc.stderr.splitlines()) == 1
    finally:
        shutil.rmtree(conf, ignore_errors=True)
    log = ExamDB().audit_log(sid)
    assert any(r.verb == "shell" and r.login == "code:Alice Martin" and "échéance" in r.outcome for r in log), [
        (r.verb, r.outcome) for r in log
    ]


def _rows(page) -> list[str]:
    return [line.strip() for line in page.inner_text("#terminal .xterm-rows").splitlines()]


def _login_code(browser, url: str, code: str, sid: str):
    page = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
    page.goto(url + "/connexion")
    page.fill("#code", code)
    page.click("text=Entrer")
    page.wait_for_url(f"{url}/candidat/{sid}")
    return page


def test_browser_terminal(web, browser) -> None:
    """Alice, logged in by her code in a browser: her lab's terminal page, `hostname` typed in
    the page, the host's name seen; Bruno's page cannot open her lab; a websocket from another
    site's page is not hers; her deadline closes the terminal with the French line."""
    from websockets.sync.client import connect

    _svc, url = web
    sid, codes = _session()
    alice = _login_code(browser, url, codes["Alice Martin"], sid)
    alice.goto(f"{url}/candidat/{sid}/terminal/poste")
    assert "aucun laboratoire en cours" in alice.inner_text(".erreur")
    from test_api import http

    _status, reply = http(url, "/api/login", {"code": codes["Alice Martin"]})
    started = http(url, "/api/run", {"argv": ["exam", "start", sid, "--json"]}, reply["token"])[1]
    assert started["code"] == 0, started
    lab = json.loads(started["stdout"])["lab"]
    name = simulateur("exec", lab, "poste", "--", "hostname").stdout.strip()
    assert name

    alice.goto(f"{url}/candidat/{sid}")
    alice.click("text=Terminaux")
    alice.click("text=Terminal de poste")
    alice.wait_for_url(f"{url}/candidat/{sid}/terminal/poste")
    alice.wait_for_function(
        "document.getElementById('etat-terminal')?.textContent.startsWith('Connecté')", timeout=60_000
    )
    alice.wait_for_function("document.querySelector('#terminal .xterm-rows')?.innerText.includes('#')", timeout=60_000)
    alice.click("#terminal")
    alice.keyboard.type("hostname\n")
    deadline = time.monotonic() + 30
    while name not in _rows(alice):  # a line of its own: the command's output, not the prompt
        assert time.monotonic() < deadline, _rows(alice)
        time.sleep(0.2)
    shot(alice, "terminal")

    # Bruno's browser: his page cannot open her lab (the service's roles, on the websocket too).
    bruno = _login_code(browser, url, codes["Bruno Petit"], sid)
    said = bruno.evaluate(
        """([lab]) => new Promise((done) => {
        const ws = new WebSocket(`ws://${location.host}/api/shell?lab=${lab}&host=poste`);
        ws.onmessage = (ev) => { if (typeof ev.data === "string") done(JSON.parse(ev.data)); };
        ws.onclose = () => done(null);
    })""",
        [lab],
    )
    assert said and said["end"] == 3 and f"{lab} n'est pas celui" in said["error"], said
    # Her cookie, from another site's page (its Origin): not logged in.
    cookie = next(c for c in alice.context.cookies() if c["name"] == "simulateur_jeton")
    ws_url = url.replace("http://", "ws://") + f"/api/shell?lab={lab}&host=poste"
    with connect(
        ws_url,
        additional_headers={"Cookie": f"simulateur_jeton={cookie['value']}", "Origin": "http://ailleurs.example"},
        open_timeout=30,
    ) as ws:
        said = json.loads(ws.recv(timeout=30))
    assert said["end"] == 4 and "connexion requise" in said["error"], said

    # Her deadline: the terminal is closed, the French line on the page.
    when = time.time() + 3
    _set_deadline(sid, "Alice Martin", when)
    alice.wait_for_function("document.getElementById('terminal')?.dataset.fin !== undefined", timeout=30_000)
    print(f"\nterminal du navigateur fermé à échéance +{time.time() - when:.2f} s")
    assert "temps écoulé : commande arrêtée" in alice.inner_text("#etat-terminal")
    shot(alice, "terminal-echeance")
    alice.reload()
    assert "aucun laboratoire en cours" in alice.inner_text(".erreur")
