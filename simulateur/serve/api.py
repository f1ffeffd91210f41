"""The service's network API (`simulateur serve --api HOST:PORT`): the same commands, the same
roles and the same audit as the Unix socket, for a jury station or a trainer's PC on the room's
network (the CLI after « simulateur login URL »), and the base of the browser's pages.

Who asks is not the kernel's word here but a login: a trainer's or jury's account (a password,
argon2id in the store: accounts.py) or a candidate's code (printed by the trainer). Login gives a
bearer token (`Authorization: Bearer …`), valid for hours, voided by logout or by a new password.
Too many failures from one address for one login (or for codes): that address waits.

Passwords travel: an address other than the machine's own (loopback) needs TLS (`--tls-cert`,
`--tls-key`), or the service refuses to start.

Starlette on uvicorn, in a thread of the service: its endpoints are plain functions, run by
Starlette in its thread pool, and call Service.execute as the Unix socket's threads do — a
command's stdout and stderr are pipes read whole (an `exec` without a terminal). A `shell` is a
websocket (/api/shell, webshell.py): a pty of the service's, relayed to the remote CLI or the
browser's terminal.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulateur.errors import SimError, UsageError
from simulateur.exam.accounts import CANDIDATE_HOURS, Accounts
from simulateur.i18n import tr
from simulateur.serve import roles

if TYPE_CHECKING:
    from simulateur.serve.service import Service

MAX_BODY = 1 << 20
MAX_OUTPUT = 4 << 20
FAILURES = 5  # failed logins from one address for one login …
WINDOW = 300.0  # … within this many seconds: that address waits
OUTPUT_GRACE = 2.0  # after the worker's end, what its children still write is not waited for


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    cert: str | None = None
    key: str | None = None
    web: bool = False  # the pages too (serve --web), not only /api

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.cert else 'http'}://{host}:{self.port}"


def parse_listen(text: str, cert: str | None, key: str | None, *, web: bool = False) -> Listen:
    """« HOST:PORT » (or « :PORT », all addresses) and the TLS files: a Listen, or one French line."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise UsageError(tr("api.bad_listen", text=text))
    if (cert is None) != (key is None):
        raise UsageError(tr("api.tls_pair"))
    for path in (cert, key):
        if path is not None and not os.access(path, os.R_OK):
            raise UsageError(tr("api.tls_unreadable", path=path))
    if cert is None and not _loopback(host):
        raise UsageError(tr("api.needs_tls", host=host))
    return Listen(host, int(port), cert, key, web)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Throttle:
    """Failed logins per (address, login): FAILURES within WINDOW seconds, then wait."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failed: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def wait(self, address: str, login: str) -> int:
        """Seconds this address must still wait for this login (0: may try)."""
        now = time.time()
        with self.lock:
            q = self.failed.get((address, login))
            if q is None:
                return 0
            while q and q[0] < now - WINDOW:
                q.popleft()
            return int(q[0] + WINDOW - now) + 1 if len(q) >= FAILURES else 0

    def fail(self, address: str, login: str) -> None:
        with self.lock:
            self.failed[(address, login)].append(time.time())

    def forget(self, address: str, login: str) -> None:
        with self.lock:
            self.failed.pop((address, login), None)


class Gate:
    """Who is asking, for the API and the web pages alike: a login (password or candidate's code)
    gives a token; a token (bearer header, or the pages' cookie) gives a Peer, or a French refusal
    with its HTTP status."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.accounts = Accounts(service.db.store)
        self.throttle = Throttle()

    def peer(self, token: str | None, where: str) -> roles.Peer | tuple[str, int]:
        from simulateur.exam.db import candidate_key

        if not token:
            return tr("api.no_token"), 401
        found = self.accounts.token(token)
        if found is None:
            return tr("api.bad_token"), 401
        if found.expires <= time.time():
            return tr("api.expired", when=time.strftime("%d/%m %H:%M", time.localtime(found.expires))), 401
        code = (found.session, candidate_key(found.candidate)) if found.session and found.candidate else None
        return roles.Peer(-1, -1, 0, found.login, address=where, granted=frozenset(found.roles), code=code)

    def login(self, data: dict[str, Any], where: str) -> dict[str, Any] | tuple[str, int]:
        """The reply of a login ({"token", "expires", "login", "role", …}) or (French refusal, HTTP status)."""
        from simulateur.exam.db import candidate_key

        service, accounts, throttle = self.service, self.accounts, self.throttle
        code = data.get("code")
        who = "code" if isinstance(code, str) else str(data.get("login") or "")[:64]
        wait = throttle.wait(where, who)
        if wait:
            service.audit(
                roles.Peer(-1, -1, 0, who, address=where), "connexion", "refusé : trop d'essais", detail=where
            )
            return tr("api.throttled", s=wait), 429
        if isinstance(code, str):
            owner = accounts.code_owner(code)
            session = service.db.session(owner[0]) if owner is not None else None
            name = (
                next((n for n in session.roster if candidate_key(n) == owner[1]), None) if session and owner else None
            )
            if name is None or session is None:
                throttle.fail(where, who)
                service.audit(
                    roles.Peer(-1, -1, 0, "code", address=where), "connexion", "refusé : code inconnu", detail=where
                )
                return tr("api.bad_code"), 401
            throttle.forget(where, who)
            login_name = f"code:{name}"
            token, expires = accounts.issue(
                login_name, (), session=session.id, candidate=name, hours=CANDIDATE_HOURS, address=where
            )
            peer = roles.Peer(-1, -1, 0, login_name, address=where, code=(session.id, candidate_key(name)))
            service.audit(peer, "connexion", "ok", session=session.id, candidate=name, detail=where)
            return {
                "token": token,
                "expires": expires,
                "login": login_name,
                "role": "candidat",
                "session": session.id,
                "candidate": name,
            }
        password = data.get("password")
        if not who or not isinstance(password, str):
            return tr("api.need_login"), 400
        found = accounts.verify(who, password)
        if found is None:
            throttle.fail(where, who)
            service.audit(roles.Peer(-1, -1, 0, who, address=where), "connexion", "refusé : mot de passe", detail=where)
            return tr("api.bad_password"), 401
        throttle.forget(where, who)
        token, expires = accounts.issue(who, found, address=where)
        peer = roles.Peer(-1, -1, 0, who, address=where, granted=frozenset(found))
        service.audit(peer, "connexion", "ok", detail=where)
        return {"token": token, "expires": expires, "login": who, "role": peer.role()}

    def logout(self, token: str, peer: roles.Peer) -> None:
        self.accounts.revoke(token)
        self.service.audit(peer, "déconnexion", "ok", detail=peer.address)


def client_address(request: Any) -> str:
    return request.client.host if request.client else "?"


def build_app(service: Service, *, web: bool = False) -> Any:
    """The API's routes (/api/…); with `web`, the pages too (simulateur.web), on one gate."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route, WebSocketRoute

    from simulateur.serve import webshell

    gate = Gate(service)

    def error(text: str, status: int, code: int = 3) -> JSONResponse:
        return JSONResponse({"error": text, "code": code}, status_code=status)

    async def body(request: Request) -> dict[str, Any] | None:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return None
        import json

        try:
            obj = json.loads(raw or b"{}")
        except ValueError:
            return None
        return obj if isinstance(obj, dict) else None

    def bearer(request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None

    def peer_of(request: Request) -> roles.Peer | JSONResponse:
        found = gate.peer(bearer(request), client_address(request))
        return error(*found) if isinstance(found, tuple) else found

    async def login(request: Request) -> JSONResponse:
        data = await body(request)
        if data is None:
            return error(tr("serve.bad_request"), 400, 2)
        reply = await _threaded(gate.login, data, client_address(request))
        return error(*reply) if isinstance(reply, tuple) else JSONResponse(reply)

    async def logout(request: Request) -> JSONResponse:
        peer = peer_of(request)
        if isinstance(peer, JSONResponse):
            return peer
        gate.logout(bearer(request) or "", peer)
        return JSONResponse({"ok": True})

    async def whoami(request: Request) -> JSONResponse:
        peer = peer_of(request)
        if isinstance(peer, JSONResponse):
            return peer
        return JSONResponse(
            {
                "login": peer.login,
                "role": peer.role(),
                "session": peer.code[0] if peer.code else None,
                "machine": service.name,
            }
        )

    async def run(request: Request) -> JSONResponse:
        peer = peer_of(request)
        if isinstance(peer, JSONResponse):
            return peer
        data = await body(request)
        argv = data.get("argv") if data is not None else None
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            return error(tr("serve.bad_request"), 400, 2)
        file = data.get("file") if data is not None else None
        if file is not None and not isinstance(file, str):
            return error(tr("serve.bad_request"), 400, 2)
        return JSONResponse(await _threaded(run_command, service, peer, argv, file))

    routes: list[Any] = [
        Route("/api/login", login, methods=["POST"]),
        Route("/api/logout", logout, methods=["POST"]),
        Route("/api/whoami", whoami, methods=["GET"]),
        Route("/api/run", run, methods=["POST"]),
        WebSocketRoute("/api/shell", lambda ws: webshell.endpoint(ws, service, gate)),
    ]
    if web:
        from simulateur.web.app import routes as web_routes

        routes += web_routes(service, gate)
    return Starlette(routes=routes)


async def _threaded(func: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(func, *args)


def run_command(service: Service, peer: roles.Peer, argv: list[str], file: str | None) -> dict[str, object]:
    """One command for a network peer: stdin empty, stdout and stderr read whole (MAX_OUTPUT
    each), a fiche's file given as its text. The reply: code, stdout, stderr (and error)."""
    null = os.open(os.devnull, os.O_RDONLY)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    fds = [null, out_w, err_w]
    readers: list[threading.Thread] = []
    got: dict[int, bytearray] = {out_r: bytearray(), err_r: bytearray()}
    file_w = None
    if file is not None:
        file_r, file_w = os.pipe()
        fds.append(file_r)
        threading.Thread(target=_write_all, args=(file_w, file.encode()), daemon=True).start()
    for fd in (out_r, err_r):
        t = threading.Thread(target=_read_all, args=(fd, got[fd]), daemon=True)
        t.start()
        readers.append(t)
    try:
        reply = service.execute(peer, argv, fds, "dumb", None, terminal=False)
    finally:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
    end = time.monotonic() + OUTPUT_GRACE
    for t in readers:
        t.join(max(0.0, end - time.monotonic()))
    for fd in (out_r, err_r):  # a child left behind keeps its end open: we stop reading
        with contextlib.suppress(OSError):
            os.close(fd)
    reply["stdout"] = got[out_r].decode(errors="replace")
    reply["stderr"] = got[err_r].decode(errors="replace")
    return reply


def _read_all(fd: int, into: bytearray) -> None:
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 65536):
            if len(into) < MAX_OUTPUT:
                into.extend(chunk[: MAX_OUTPUT - len(into)])


def _write_all(fd: int, data: bytes) -> None:
    with contextlib.suppress(OSError):
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    with contextlib.suppress(OSError):
        os.close(fd)


class ApiServer:
    """uvicorn in a thread of the service, on a socket bound here (a port taken is one French
    line at the service's start, not a log line later)."""

    def __init__(self, service: Service, listen: Listen) -> None:
        self.service = service
        self.listen = listen
        self.sock: socket.socket | None = None
        self.server: Any = None
        self.thread: threading.Thread | None = None

    def start(self) -> str:
        import uvicorn

        family = socket.AF_INET6 if ":" in self.listen.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.listen.host, self.listen.port))
        except OSError as exc:
            sock.close()
            raise SimError(
                tr("api.cannot_bind", host=self.listen.host, port=self.listen.port, why=exc.strerror or exc)
            ) from None
        sock.listen(128)
        self.sock = sock
        port = sock.getsockname()[1]
        self.listen = Listen(self.listen.host, port, self.listen.cert, self.listen.key, self.listen.web)
        config = uvicorn.Config(
            build_app(self.service, web=self.listen.web),
            log_level="warning",
            lifespan="off",
            access_log=False,
            ssl_certfile=self.listen.cert,
            ssl_keyfile=self.listen.key,
            timeout_graceful_shutdown=2,
        )
        try:
            self.server = uvicorn.Server(config)
            config.load()  # a bad certificate: said now, in French
        except (OSError, ValueError) as exc:
            sock.close()
            raise SimError(tr("api.bad_tls", why=exc)) from None
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, name="api", daemon=True)
        self.thread.start()
        return self.listen.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=5)
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
