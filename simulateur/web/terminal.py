"""A candidate's terminal in the browser (`/candidat/{sid}/terminal/{host}`), for a candidate
logged in by her code: xterm.js in the page, relayed by the service's /api/shell websocket
(serve/webshell.py: a pty of the service's, the same roles, recorded relay and deadline as her
shell at the lab machine). `/candidat/{sid}/terminal` lists her lab's hosts.

Vendored from the npm registry into static/xterm/ (no CDN: a room without internet), unmodified,
with their licence files (MIT): @xterm/xterm 6.0.0 (lib/xterm.js, css/xterm.css; tarball sha256
908e66e04af6c8dc6b00dd3b54de088e2e81e5ed866284fd6c2fb3c2d1c7a3f6) and @xterm/addon-fit 0.11.0
(lib/addon-fit.js; sha256 26003b4517a132b64e4ff228fd88a5fda3fff5e606c76093f6dcff772e9ecec0).
To update: `npm pack @xterm/xterm@X @xterm/addon-fit@Y`, copy the same files, note the versions here.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from simulateur.i18n import tr

if TYPE_CHECKING:
    from simulateur.web.app import Pages


def _hosts(lab: str) -> list[str]:
    from simulateur.errors import SimError
    from simulateur.lab.state import load_state

    try:
        return list(load_state(lab).hosts)
    except (SimError, OSError):
        return []


def routes(pages: Pages) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.routing import Route

    from simulateur.serve.api import run_command

    async def her_lab(request: Request) -> tuple[Any, dict[str, Any] | None]:
        """(peer or a response, her status) — her own run's state, by the same command as the CLI."""
        peer = pages.peer(request)
        if peer is None:
            return pages.to_login(request), None
        if peer.code is None:
            return pages.render(request, "refus.html", peer, status=403, error=tr("web.term_candidates_only")), None
        sid = request.path_params["sid"]
        reply = await run_in_threadpool(run_command, pages.service, peer, ["exam", "status", sid, "--json"], None)
        if reply.get("error"):
            return pages.render(request, "refus.html", peer, status=403, error=reply["error"]), None
        try:
            status = json.loads(str(reply.get("stdout") or "{}"))
        except ValueError:
            status = {}
        return peer, status

    async def hosts(request: Request) -> Any:
        peer, status = await her_lab(request)
        if status is None:
            return peer
        sid = request.path_params["sid"]
        lab = status.get("lab") if not status.get("finished") else None
        names = await run_in_threadpool(_hosts, lab) if lab else []
        return pages.render(request, "terminal_hotes.html", peer, sid=sid, lab=lab, hosts=names, state=status)

    async def terminal(request: Request) -> Any:
        peer, status = await her_lab(request)
        if status is None:
            return peer
        sid, host = request.path_params["sid"], request.path_params["host"]
        lab = status.get("lab") if not status.get("finished") else None
        names = await run_in_threadpool(_hosts, lab) if lab else []
        if lab and host not in names:
            return pages.render(
                request,
                "refus.html",
                peer,
                status=404,
                error=tr("web.term_no_host", host=host, lab=lab, hosts=", ".join(names) or "?"),
            )
        return pages.render(request, "terminal.html", peer, sid=sid, lab=lab, host=host, hosts=names, state=status)

    return [
        Route("/candidat/{sid}/terminal", hosts, methods=["GET"]),
        Route("/candidat/{sid}/terminal/{host}", terminal, methods=["GET"]),
    ]
