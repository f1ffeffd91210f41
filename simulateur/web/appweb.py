"""The candidate's app in her browser (`/candidat/{sid}/app`), for a candidate logged in by her code.

The page is xterm.js (the same vendored files as her terminal page, static/xterm/); its websocket
(`/candidat/{sid}/app/ws`, the pages' cookie from a page of this site only) is relayed to a pty on
which the service runs the candidate's app (simulateur/tui/candidate.py) as an unprivileged account
(`nobody` by default, SIMULATEUR_APP_USER), in a session of its own with the pty as its terminal,
with a token of her own issued for it (a temporary XDG_CONFIG_HOME holding her login, mode 700,
revoked and removed when the page goes away). The app asks the service over its API like the remote
CLI: her rights, her deadline, her audit — the app process can do nothing she could not.

Textual's terminal driver on a pty rather than textual-serve: no aiohttp server beside ours, no
font from a CDN, one JavaScript library for both pages (xterm.js, already in the package), and her
terminal opens inside the app (the app steps aside on the same pty) as at a lab machine's terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulateur.i18n import tr
from simulateur.serve.webshell import Relay, _end, _settle, _size, same_origin, set_size

if TYPE_CHECKING:
    from simulateur.web.app import Pages

HOURS = 12.0  # the app's own token: at most a day of exams (revoked when the page goes)
ROOT = Path(__file__).resolve().parents[2]


def app_user() -> str:
    return os.environ.get("SIMULATEUR_APP_USER") or "nobody"


def _python(user: str) -> str:
    """An interpreter the account may run (a venv made from a python under /root is not)."""
    probe = subprocess.run(
        ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", "--", sys.executable, "-c", "pass"],
        capture_output=True,
    )
    return sys.executable if probe.returncode == 0 else shutil.which("python3") or "/usr/bin/python3"


def _home(user: str, url: str, token: str, expires: float, cert: str | None) -> str:
    """Her login for the app: a directory of the app's account only (its XDG_CONFIG_HOME and HOME).
    In HTTPS, the service's own certificate is the app's --cafile (a centre's self-signed one)."""
    pw = pwd.getpwnam(user)
    home = tempfile.mkdtemp(prefix="simulateur-app-")
    conf = Path(home) / "simulateur"
    conf.mkdir(mode=0o700)
    made = [Path(home), conf]
    cafile = None
    if cert and url.startswith("https://"):
        shutil.copyfile(cert, conf / "service.pem")
        cafile = str(conf / "service.pem")
        made.append(conf / "service.pem")
    path = conf / "serveur.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url, "token": token, "cafile": cafile, "expires": expires}, f)
    for p in (*made, path):
        os.chown(p, pw.pw_uid, pw.pw_gid)
    return home


class AppRelay(Relay):
    """The app's process on a pty ↔ the websocket (the pty's side is the shell relay's)."""

    async def start(self, argv: list[str], env: dict[str, str], cwd: str, cols: int, rows: int) -> int:
        loop = asyncio.get_running_loop()
        master, slave = os.openpty()
        set_size(master, cols, rows)
        os.set_blocking(master, False)
        self.master, self.loop = master, loop
        try:
            # setsid --ctty: a session of its own whose terminal is the pty (resizes reach the app)
            proc = subprocess.Popen(  # noqa: ASYNC220 — fork and exec return at once; the pty is read by the loop
                ["setsid", "--ctty", *argv], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, close_fds=True
            )
        finally:
            os.close(slave)
        done: asyncio.Future[int] = loop.create_future()

        def wait() -> None:
            code = proc.wait()
            loop.call_soon_threadsafe(_settle, done, code)

        threading.Thread(target=wait, daemon=True, name="appweb").start()
        self._resume()
        sender = asyncio.create_task(self._send())
        mine, theirs = socket.socketpair()  # the shell relay's resize signal: the pty's size is enough here
        receiver = asyncio.create_task(self._receive(mine))
        try:
            either: set[asyncio.Future[Any]] = {done, receiver}
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            if not done.done():  # she went away: the app is ended (its session)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGHUP)
                try:
                    await asyncio.wait_for(asyncio.shield(done), 5)
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    await done
                return -1
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._drained(), 1.0)
            self.queue.put_nowait(None)
            await sender
            return done.result()
        finally:
            self._pause()
            for task in (sender, receiver):
                task.cancel()
            mine.close()
            theirs.close()
            with contextlib.suppress(OSError):
                os.close(master)


def routes(pages: Pages) -> list[Any]:
    from starlette.requests import Request
    from starlette.routing import Route, WebSocketRoute

    from simulateur.serve.api import client_address

    async def page(request: Request) -> Any:
        peer = pages.peer(request)
        if peer is None:
            return pages.to_login(request)
        sid = request.path_params["sid"]
        if peer.code is None or peer.code[0] != sid:
            return pages.render(request, "refus.html", peer, status=403, error=tr("web.term_candidates_only"))
        return pages.render(request, "app.html", peer, sid=sid)

    async def app_socket(ws: Any) -> None:
        from simulateur.web.app import COOKIE

        token = ws.cookies.get(COOKIE) if same_origin(ws.headers) else None
        await ws.accept()
        found = pages.gate.peer(token, client_address(ws))
        if isinstance(found, tuple):
            await _end(ws, 4, found[0])
            return
        sid = ws.path_params["sid"]
        record = pages.gate.accounts.token(token or "")
        if found.code is None or found.code[0] != sid or record is None or not record.candidate:
            await _end(ws, 3, tr("web.term_candidates_only"))
            return
        user = app_user()
        base = str(ws.url).split("/candidat/")[0]
        base = "https://" + base[6:] if base.startswith("wss://") else "http://" + base.removeprefix("ws://")
        mine, expires = pages.gate.accounts.issue(
            found.login, (), session=sid, candidate=record.candidate, hours=HOURS, address=client_address(ws)
        )
        home = None
        try:
            try:
                listen = getattr(pages.service, "api_listen", None)
                home = _home(user, base, mine, expires, getattr(listen, "cert", None))
                python = await asyncio.to_thread(_python, user)
            except (KeyError, OSError) as exc:
                await _end(ws, 1, tr("web.app_cannot", why=exc))
                return
            cols = _size(ws.query_params.get("cols"), 100, 500)
            rows = _size(ws.query_params.get("rows"), 30, 200)
            env = {
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "TERM": "xterm-256color",
                "COLORTERM": "truecolor",
                "LANG": "C.UTF-8",
                "HOME": home,
                "XDG_CONFIG_HOME": home,
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONPATH": os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]]),
            }
            argv = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", "--", python, "-m", "simulateur"]
            code = await AppRelay(ws, pages.service).start(argv, env, home, cols, rows)
            if code >= 0:
                await _end(ws, code, None)
        finally:
            pages.gate.accounts.revoke(mine)
            if home is not None:
                shutil.rmtree(home, ignore_errors=True)

    return [Route("/candidat/{sid}/app", page, methods=["GET"]), WebSocketRoute("/candidat/{sid}/app/ws", app_socket)]
