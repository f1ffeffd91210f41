"""A candidate's terminal recordings, replayed in the jury's or trainer's browser: the asciicast
v2 files her shells left in her attempts (journal/terminal.py: <attempt>/terminals/*.cast), listed
per intervention, each played by asciinema-player — vendored in static/asciinema/ (npm
asciinema-player 3.18.0, Apache-2.0, its LICENSE beside it; asciinema-player.min.js sha256
752c9b52…, asciinema-player.css 981fe7bc…): a player that needs no network.

Read-only pages: the peer's role is checked here (jury or trainer), the store read directly; a
recording is served only if it is one of her attempt's files, by its listed name."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulateur.i18n import tr

if TYPE_CHECKING:
    from simulateur.web.app import Pages


def recordings(pages: Pages, sid: str, candidate: str) -> list[dict[str, Any]] | None:
    """Per intervention of hers: its index and its recordings (name, host, size). None: no such run."""
    from simulateur.exam.db import candidate_key

    session = pages.service.db.session(sid)
    if session is None:
        return None
    name = next((n for n in session.roster if candidate_key(n) == candidate_key(candidate)), candidate)
    run = pages.service.db.run(sid, name)
    if run is None:
        return None
    out = []
    for item in run.items:
        files: list[dict[str, Any]] = []
        rec = pages.service.db.store.attempt(item.attempt) if item.attempt else None
        if rec is not None and rec.attempt_dir:
            folder = Path(rec.attempt_dir) / "terminals"
            for path in sorted(folder.glob("*.cast")) if folder.is_dir() else []:
                host = path.stem.split("-", 2)[-1] if path.stem.count("-") >= 2 else "?"
                files.append({"file": path.name, "host": host, "size": path.stat().st_size, "path": path})
        out.append({"index": item.index, "status": item.status, "files": files})
    return out


def routes(pages: Pages) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import FileResponse
    from starlette.routing import Route

    def staff(request: Request) -> Any:
        peer = pages.peer(request)
        if peer is None:
            return None, pages.to_login(request)
        if not (peer.jury or peer.trainer):
            return None, pages.render(request, "refus.html", peer, status=403, error=tr("web.replay_staff"))
        return peer, None

    async def listing(request: Request) -> Any:
        peer, refusal = staff(request)
        if refusal is not None:
            return refusal
        sid, candidate = request.path_params["sid"], request.path_params["candidate"]
        found = await run_in_threadpool(recordings, pages, sid, candidate)
        if found is None:
            return pages.render(
                request, "refus.html", peer, status=404, error=tr("web.replay_none", candidate=candidate)
            )
        return pages.render(request, "rejouer.html", peer, sid=sid, candidate=candidate, items=found, play=None)

    def _find(found: list[dict[str, Any]] | None, index: int, file: str) -> dict[str, Any] | None:
        for item in found or []:
            if item["index"] == index:
                return next((f for f in item["files"] if f["file"] == file), None)
        return None

    async def player(request: Request) -> Any:
        peer, refusal = staff(request)
        if refusal is not None:
            return refusal
        sid, candidate = request.path_params["sid"], request.path_params["candidate"]
        index, file = int(request.path_params["index"]), request.path_params["file"]
        found = await run_in_threadpool(recordings, pages, sid, candidate)
        chosen = _find(found, index, file)
        if chosen is None:
            return pages.render(
                request, "refus.html", peer, status=404, error=tr("web.replay_none", candidate=candidate)
            )
        return pages.render(
            request, "rejouer.html", peer, sid=sid, candidate=candidate, items=found, play={"index": index, **chosen}
        )

    async def cast(request: Request) -> Any:
        peer, refusal = staff(request)
        if refusal is not None:
            return refusal
        sid, candidate = request.path_params["sid"], request.path_params["candidate"]
        found = await run_in_threadpool(recordings, pages, sid, candidate)
        chosen = _find(found, int(request.path_params["index"]), request.path_params["file"])
        if chosen is None:
            return pages.render(
                request, "refus.html", peer, status=404, error=tr("web.replay_none", candidate=candidate)
            )
        return FileResponse(chosen["path"], media_type="application/x-asciicast")

    base = "/session/{sid}/terminaux/{candidate}"
    return [
        Route(base, listing, methods=["GET"]),
        Route(base + "/{index:int}/{file}/lecture", player, methods=["GET"]),
        Route(base + "/{index:int}/{file}", cast, methods=["GET"]),
    ]
