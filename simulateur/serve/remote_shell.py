"""`simulateur shell LAB HOST` on a station logged in to a centre's service (« simulateur login »):
her terminal in raw mode, relayed to the service's /api/shell websocket (webshell.py) — the
service's pty and recorded relay, her keys and its output both ways, her window's size sent when
it changes — and restored as it was at the end (exit, closed at the deadline, service gone).

The `websockets` library's synchronous client, imported only for this command."""

from __future__ import annotations

import contextlib
import json
import os
import select
import ssl
import threading
from typing import Any
from urllib.parse import urlencode

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.serve.client import on_winch, terminal_kept


def _ws_url(url: str, query: dict[str, str]) -> str:
    base = url.rstrip("/")
    base = "wss://" + base[8:] if base.startswith("https://") else "ws://" + base.removeprefix("http://")
    return f"{base}/api/shell?{urlencode(query)}"


def _window() -> tuple[int, int]:
    """Her terminal's size as the kernel knows it (not $COLUMNS/$LINES, which shutil prefers and a
    parent may have left behind): the first of stdin, stdout, stderr that is a terminal."""
    for fd in (0, 1, 2):
        try:
            size = os.get_terminal_size(fd)
        except OSError:
            continue
        return size.columns, size.lines
    return 80, 24


def run(conf: dict[str, Any], lab: str, host: str | None) -> int:
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
    from websockets.sync.client import connect

    cols, rows = _window()
    query = {"lab": lab, "cols": str(cols), "rows": str(rows), "term": os.environ.get("TERM", "xterm")}
    if host:
        query["host"] = host
    url = _ws_url(conf["url"], query)
    context = None
    if url.startswith("wss://"):
        try:
            context = ssl.create_default_context(cafile=conf.get("cafile"))
        except (OSError, ssl.SSLError) as exc:
            raise SimError(tr("api.bad_cafile", path=conf.get("cafile"), why=exc), exit_code=4) from None
    try:
        ws = connect(
            url,
            additional_headers={"Authorization": f"Bearer {conf['token']}"},
            ssl=context,
            open_timeout=60,
            max_size=None,
            compression=None,
        )
    except InvalidStatus as exc:
        raise SimError(
            tr("api.unreachable", url=conf["url"], why=f"HTTP {exc.response.status_code}"), exit_code=4
        ) from None
    except (OSError, InvalidHandshake, TimeoutError) as exc:
        raise SimError(
            tr("api.unreachable", url=conf["url"], why=getattr(exc, "reason", None) or exc), exit_code=4
        ) from None

    end: dict[str, Any] = {}
    wake_r, wake_w = os.pipe()
    stop_r, stop_w = os.pipe()

    def keys() -> None:
        """Her keys and her window's new sizes, to the service, until the shell is over."""
        with contextlib.suppress(ConnectionClosed, OSError):
            while True:
                ready, _, _ = select.select([0, wake_r, stop_r], [], [])
                if stop_r in ready:
                    return
                if wake_r in ready:
                    os.read(wake_r, 64)
                    c, r = _window()
                    ws.send(json.dumps({"resize": [c, r]}))
                if 0 in ready:
                    data = os.read(0, 65536)
                    if not data:  # her input closed: the shell goes on until it ends
                        ready_only = [wake_r, stop_r]
                        while stop_r not in select.select(ready_only, [], [])[0]:
                            os.read(wake_r, 64)
                        return
                    ws.send(data)

    def resized(*_: object) -> None:
        with contextlib.suppress(OSError):
            os.write(wake_w, b"w")

    with terminal_kept(raw=True), on_winch(resized):
        sender = threading.Thread(target=keys, daemon=True)
        sender.start()
        try:
            for msg in ws:
                if isinstance(msg, bytes):
                    _write_all(1, msg)
                    continue
                with contextlib.suppress(ValueError):
                    said = json.loads(msg)
                    if isinstance(said, dict) and "end" in said:
                        end = said
                        break
        except ConnectionClosed:
            pass
        finally:
            os.write(stop_w, b"x")
            sender.join(timeout=2)
            with contextlib.suppress(Exception):
                ws.close()
            for fd in (wake_r, wake_w, stop_r, stop_w):
                os.close(fd)
    if not end:
        raise SimError(tr("serve.gone"), exit_code=4)
    if end.get("error"):
        code = end.get("end")
        raise SimError(str(end["error"]), exit_code=int(code) if isinstance(code, int) and code else 3)
    return int(end.get("end") or 0)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
