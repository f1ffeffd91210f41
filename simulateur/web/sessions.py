"""The home page: the sessions (trainer, jury), or her own page (a candidate by her code)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from simulateur.i18n import tr

if TYPE_CHECKING:
    from simulateur.web.app import Pages


def routes(pages: Pages) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    async def home(request: Request) -> Any:
        peer = pages.peer(request)
        if peer is None:
            return pages.to_login(request)
        if peer.code is not None:
            return RedirectResponse(f"/candidat/{peer.code[0]}", status_code=303)
        if not (peer.trainer or peer.jury):
            return pages.render(request, "refus.html", peer, status=403, error=tr("web.no_role"))
        sessions = await run_in_threadpool(pages.service.db.sessions)
        runs = await run_in_threadpool(pages.service.db.runs)
        started: dict[str, int] = {}
        for r in runs:
            started[r.session] = started.get(r.session, 0) + 1
        rows = [
            {
                "id": s.id,
                "group": s.group or tr("web.no_group"),
                "count": s.count,
                "minutes": s.minutes,
                "roster": len(s.roster),
                "started": started.get(s.id, 0),
                "created": time.strftime("%d/%m/%Y %H:%M", time.localtime(s.created)),
            }
            for s in reversed(sessions)
        ]
        return pages.render(request, "sessions.html", peer, sessions=rows)

    return [Route("/", home, methods=["GET"])]
