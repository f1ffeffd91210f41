"""Where the service listens and how a request and its reply travel: one JSON line each way,
the client's terminal file descriptors riding on the request (SCM_RIGHTS)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

from simulateur.paths import lab_id_prefix, state_root

MAX_REQUEST = 1 << 20
MAX_FDS = 4  # stdin, stdout, stderr and one file the command reads (a fiche)
RESIZE = b"w"  # what the client sends after its request when its window is resized


def serve_dir() -> Path:
    """/run/simulateur/.serve: the sockets (one per lab prefix), locks and heartbeats (a name no
    lab id can take: the reaper removes the folders of dead labs)."""
    return state_root() / ".serve"


def socket_path() -> Path:
    """$SIMULATEUR_SOCKET, else <run dir>/.serve/<lab prefix>.sock: a service per lab prefix, so
    that tests and helpers (each their own prefix) never reach another's."""
    env = os.environ.get("SIMULATEUR_SOCKET")
    return Path(env) if env else serve_dir() / f"{lab_id_prefix()}.sock"


def send(sock: socket.socket, obj: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(obj, ensure_ascii=False).encode() + b"\n"
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.sendall(data)


def recv(sock: socket.socket, maxfds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
    """One JSON line (None at EOF or for a line that is not a JSON object) and the fds that came with it."""
    fds: list[int] = []
    buf = b""
    while b"\n" not in buf:
        if maxfds and not fds and not buf:
            chunk, got, _, _ = socket.recv_fds(sock, 65536, maxfds)
            fds = list(got)
        else:
            chunk = sock.recv(65536)
        if not chunk:
            return None, fds
        buf += chunk
        if len(buf) > MAX_REQUEST:
            return None, fds
    try:
        obj = json.loads(buf.split(b"\n", 1)[0])
    except ValueError:
        return None, fds
    return (obj if isinstance(obj, dict) else None), fds
