"""The trainer's page of candidates' codes: a code per candidate for the browser, generated on
demand (`exam codes` through run_command: the old ones stop working) and shown once, to print and
hand out on paper — the store keeps only their SHA-256."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from simulateur.i18n import tr

if TYPE_CHECKING:
    from simulateur.web.app import Pages


def routes(pages: Pages) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.routing import Route

    from simulateur.serve.api import run_command

    def allowed(request: Request) -> Any:
        peer = pages.peer(request)
        if peer is None:
            return None, pages.to_login(request)
        if not peer.trainer:
            return None, pages.render(request, "refus.html", peer, status=403, error=tr("web.codes_trainer"))
        return peer, None

    async def show(request: Request) -> Any:
        peer, refusal = allowed(request)
        if refusal is not None:
            return refusal
        return pages.render(
            request,
            "codes.html",
            peer,
            sid=request.path_params["sid"],
            codes=None,
            url=f"{request.url.scheme}://{request.url.netloc}/connexion",
        )

    async def make(request: Request) -> Any:
        peer, refusal = allowed(request)
        if refusal is not None:
            return refusal
        sid = request.path_params["sid"]
        form = await pages.form(request)
        if form is None:
            return pages.render(request, "codes.html", peer, sid=sid, codes=None, error=tr("web.bad_form"))
        reply = await run_in_threadpool(run_command, pages.service, peer, ["exam", "codes", sid, "--json"], None)
        if reply.get("error") or reply.get("code"):
            why = str(reply.get("error") or reply.get("stderr") or "").strip().removeprefix("simulateur : ")
            return pages.render(request, "codes.html", peer, sid=sid, codes=None, error=why)
        return pages.render(
            request,
            "codes.html",
            peer,
            sid=sid,
            codes=json.loads(str(reply["stdout"])),
            url=f"{request.url.scheme}://{request.url.netloc}/connexion",
        )

    return [Route("/session/{sid}/codes", show, methods=["GET"]), Route("/session/{sid}/codes", make, methods=["POST"])]
