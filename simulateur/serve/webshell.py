"""A candidate's shell over a websocket (`/api/shell?lab=LAB&host=HOST&cols=C&rows=R`): the
terminal of a station that is not the lab machine — the remote CLI's `shell` (bearer token) or the
browser's terminal page (the pages' cookie, from a page of this site only).

The service opens a pty and runs `shell LAB HOST` through Service.execute on its slave, as it runs
it on a candidate's own terminal through the Unix socket: the same roles.decide, the same recorded
relay, the same audit, closed at her deadline. The websocket carries her keys and the terminal's
output as binary frames; text frames are JSON: {"resize": [cols, rows]} from her side, then
{"end": CODE, "error": "…"} from the service's when the shell is over (refused, exited, or closed
at the deadline: the French line is in "error").

Execute's `conn` is one end of a socketpair: « w » on it is a resize (the relay reads the pty's new
size), its closing is the websocket gone (the shell is ended, as when a Unix client goes away).
Each shell has its own thread for execute (a shell lasts the exam: not one of a bounded pool's)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import socket
import struct
import termios
import threading
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from simulateur.i18n import tr
from simulateur.serve import protocol

if TYPE_CHECKING:
    from simulateur.serve.api import Gate
    from simulateur.serve.service import Service

QUEUED = 64  # chunks of output waiting for the websocket before the pty is read no more
DRAIN = 1.0  # after the shell's end, what the pty still holds is sent for this long at most


def set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _size(value: Any, default: int, top: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return default
    return max(2, min(top, n))


def same_origin(headers: Any) -> bool:
    """A browser's websocket with the pages' cookie: only from a page of this site (the cookie is
    SameSite=Strict already; the Origin header is checked as well)."""
    origin = headers.get("origin")
    host = headers.get("host")
    return bool(origin and host) and urlsplit(origin).netloc.lower() == host.lower()


async def endpoint(ws: Any, service: Service, gate: Gate) -> None:
    from simulateur.serve.api import client_address
    from simulateur.web.app import COOKIE

    auth = ws.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    if token is None and ws.cookies.get(COOKIE) and same_origin(ws.headers):
        token = ws.cookies.get(COOKIE)
    await ws.accept()
    found = gate.peer(token, client_address(ws))
    if isinstance(found, tuple):
        await _end(ws, 4, found[0])
        return
    lab = ws.query_params.get("lab") or ""
    host = ws.query_params.get("host") or ""
    if not lab or lab.startswith("-") or host.startswith("-"):
        await _end(ws, 2, tr("serve.bad_request"))
        return
    cols = _size(ws.query_params.get("cols"), 80, 500)
    rows = _size(ws.query_params.get("rows"), 24, 200)
    term = (ws.query_params.get("term") or "xterm-256color")[:64]
    await Relay(ws, service).run(found, ["shell", lab, *([host] if host else [])], cols, rows, term)


T = TypeVar("T")


def _settle(done: asyncio.Future[T], value: T) -> None:
    """In the loop: a thread's result into `done`, unless it ended meanwhile (cancelled)."""
    if not done.done():
        done.set_result(value)


async def _end(ws: Any, code: int, error: str | None) -> None:
    from starlette.websockets import WebSocketDisconnect

    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await ws.send_text(json.dumps({"end": code, "error": error}, ensure_ascii=False))
        await ws.close()


class Relay:
    """One shell: the pty ↔ the websocket, execute in its own thread."""

    def __init__(self, ws: Any, service: Service) -> None:
        self.ws = ws
        self.service = service
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.reading = False
        self.eof = False

    async def run(self, peer: Any, argv: list[str], cols: int, rows: int, term: str) -> None:
        loop = asyncio.get_running_loop()
        master, slave = os.openpty()
        set_size(master, cols, rows)
        os.set_blocking(master, False)
        mine, theirs = socket.socketpair()
        done: asyncio.Future[dict[str, object]] = loop.create_future()
        self.master, self.loop = master, loop

        def job() -> None:
            try:
                reply = self.service.execute(peer, argv, [slave, slave, slave], term, theirs, terminal=True)
            except Exception as exc:  # noqa: BLE001 — said on her terminal, the service goes on
                reply = {"error": tr("serve.internal"), "code": 1}
                self.service.say(tr("serve.request_failed", why=f"{type(exc).__name__}: {exc}"))
            finally:
                with contextlib.suppress(OSError):
                    os.close(slave)  # the relay's ends gone too: the pty reads EOF (EIO)
                theirs.close()
            loop.call_soon_threadsafe(_settle, done, reply)

        threading.Thread(target=job, daemon=True, name="webshell").start()
        self._resume()
        sender = asyncio.create_task(self._send())
        receiver = asyncio.create_task(self._receive(mine))
        try:
            either: set[asyncio.Future[Any]] = {done, receiver}
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            if not done.done():  # she went away: the shell is ended (execute sees the pair closed)
                mine.close()
                await done
                return
            reply = done.result()
            with contextlib.suppress(asyncio.TimeoutError):  # the last output, then the end
                await asyncio.wait_for(self._drained(), DRAIN)
            self.queue.put_nowait(None)
            await sender
            code, error = reply.get("code", 1), reply.get("error")
            await _end(self.ws, code if isinstance(code, int) else 1, error if isinstance(error, str) else None)
        finally:
            self._pause()
            for task in (sender, receiver):
                task.cancel()
            mine.close()
            with contextlib.suppress(OSError):
                os.close(master)

    # --- the pty's side -------------------------------------------------------------------------
    def _resume(self) -> None:
        if not self.reading:
            self.loop.add_reader(self.master, self._readable)
            self.reading = True

    def _pause(self) -> None:
        if self.reading:
            self.loop.remove_reader(self.master)
            self.reading = False

    def _readable(self) -> None:
        try:
            chunk = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: no process holds the slave any more
            chunk = b""
        if not chunk:
            self._pause()
            self.eof = True
            return
        self.queue.put_nowait(chunk)
        if self.queue.qsize() >= QUEUED:  # the websocket is slower than the shell: wait for it
            self._pause()

    async def _drained(self) -> None:
        while not self.eof or not self.queue.empty():  # noqa: ASYNC110 — two conditions set by two tasks: polled
            await asyncio.sleep(0.02)

    async def _send(self) -> None:
        while True:
            chunk = await self.queue.get()
            if chunk is None:
                return
            await self.ws.send_bytes(chunk)
            if self.queue.qsize() < QUEUED // 2 and not self.eof:
                self._resume()

    # --- her side -------------------------------------------------------------------------------
    async def _receive(self, mine: socket.socket) -> None:
        while True:
            msg = await self.ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            data = msg.get("bytes")
            if data:
                await self._write(data)
                continue
            text = msg.get("text")
            try:
                said = json.loads(text) if text else None
            except ValueError:
                said = None
            size = said.get("resize") if isinstance(said, dict) else None
            if isinstance(size, list) and len(size) == 2:
                set_size(self.master, _size(size[0], 80, 500), _size(size[1], 24, 200))
                with contextlib.suppress(OSError):
                    mine.send(protocol.RESIZE)
            elif isinstance(said, dict) and isinstance(said.get("data"), str):
                await self._write(said["data"].encode())

    async def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.master, view) :]
            except BlockingIOError:
                await asyncio.sleep(0.01)
            except OSError:
                return
