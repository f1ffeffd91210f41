"""The live session page (`/session/{sid}`, jury and trainer only): every candidate and
intervention — machine, state, time left (counting down in the page), last activity, lab
health, probes green/red, her commands — updated by server-sent events (`/session/{sid}/flux`)
within a second of a change in the store. The trainer's buttons (+N min, pause, resume) and the
« Sonder » button (trainer, jury) go through run_command: the CLI's verbs, roles and audit."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

from simulateur.i18n import N_, tr
from simulateur.web.livestate import Snapshots

if TYPE_CHECKING:
    from simulateur.web.app import Pages

POLL = 0.2  # seconds between two looks at the snapshot, per browser
KEEPALIVE = 15.0  # a comment line so that proxies and the browser keep the stream


# The page script's words (web.live.js.<name>), handed to it as one dict.
JS_TEXTS = (
    N_("web.live.js.replay"),
    N_("web.live.js.running"),
    N_("web.live.js.frozen"),
    N_("web.live.js.gone"),
    N_("web.live.js.left"),
    N_("web.live.js.over"),
    N_("web.live.js.paused_left"),
    N_("web.live.js.never"),
    N_("web.live.js.green"),
    N_("web.live.js.red"),
    N_("web.live.js.no_probe"),
    N_("web.live.js.probed_at"),
    N_("web.live.js.extend"),
    N_("web.live.js.minutes"),
    N_("web.live.js.pause"),
    N_("web.live.js.resume"),
    N_("web.live.js.probe"),
    N_("web.live.js.timeline"),
    N_("web.live.js.connected"),
    N_("web.live.js.disconnected"),
    N_("web.live.js.extra"),
    N_("web.live.js.machine"),
    N_("web.live.js.last_activity"),
    N_("web.live.js.lab_health"),
    N_("web.live.js.clock_hms"),
    N_("web.live.js.clock_ms"),
)


# The placeholders live.js fills in itself (« machine {machine} »): left in the texts it is given.
JS_PLACEHOLDERS = {name: "{" + name + "}" for name in ("machine", "when", "health", "h", "m", "s")}


def labels() -> dict[str, str]:
    return {k.rsplit(".", 1)[1]: tr(k, **JS_PLACEHOLDERS) for k in JS_TEXTS}


def routes(pages: Pages) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    from simulateur.serve.api import run_command

    snaps = Snapshots(pages.service.db)

    def staff(request: Request) -> Any:
        """The peer if trainer or jury; else the response to give (login page, refusal)."""
        peer = pages.peer(request)
        if peer is None:
            return None, pages.to_login(request)
        if not (peer.trainer or peer.jury):
            return peer, pages.render(request, "refus.html", peer, status=403, error=tr("web.trainer.not_staff"))
        return peer, None

    async def show(request: Request, message: str | None = None, error: str | None = None) -> Any:
        peer, refused = staff(request)
        if refused is not None:
            return refused
        sid = request.path_params["sid"]
        snap = await run_in_threadpool(snaps.get, sid)
        if snap is None:
            return pages.render(request, "refus.html", peer, status=404, error=tr("web.live.unknown", id=sid))
        return pages.render(
            request,
            "live.html",
            peer,
            sid=sid,
            snap=snap,
            now=time.time(),
            labels=labels(),
            message=message,
            error=error,
        )

    async def flux(request: Request) -> Any:
        _peer, refused = staff(request)
        if refused is not None:
            from starlette.responses import PlainTextResponse

            return PlainTextResponse("", status_code=403)
        sid = request.path_params["sid"]

        async def events() -> Any:
            last = None
            quiet = time.monotonic()
            while not await request.is_disconnected():
                snap = await run_in_threadpool(snaps.get, sid)
                text = json.dumps(snap, ensure_ascii=False, sort_keys=True)
                if text != last:
                    last = text
                    quiet = time.monotonic()
                    yield f"data: {json.dumps({'now': time.time(), 'snap': snap}, ensure_ascii=False)}\n\n"
                elif time.monotonic() - quiet > KEEPALIVE:
                    quiet = time.monotonic()
                    yield f": {int(time.time())}\n\n"
                await asyncio.sleep(POLL)

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    async def act(request: Request) -> Any:
        peer, refused = staff(request)
        if refused is not None:
            return refused
        sid = request.path_params["sid"]
        form = await pages.form(request)
        if form is None:
            return await show(request, error=tr("web.trainer.bad_form"))
        what, name = form.get("action", ""), form.get("candidate", "")
        argv = {
            "pause": ["exam", "pause", sid, "--candidate", name],
            "resume": ["exam", "resume", sid, "--candidate", name],
            "probe": ["exam", "probe", sid, "--candidate", name],
        }.get(what)
        if what == "extend":
            minutes = form.get("minutes", "").strip()
            if not minutes.isdigit():
                return await show(
                    request, error=tr("web.trainer.bad_number", field=tr("web.live.js.minutes"), value=minutes)
                )
            argv = ["exam", "extend", sid, "--candidate", name, "--minutes", minutes]
        if argv is None:
            return await show(request, error=tr("serve.bad_request"))
        reply = await run_in_threadpool(run_command, pages.service, peer, argv, None)
        if reply.get("error") or reply.get("code"):
            why = str(reply.get("error") or reply.get("stderr") or "").strip().removeprefix("simulateur : ")
            return await show(request, error=why.splitlines()[-1] if why else tr("serve.internal"))
        snaps.cache.pop(sid, None)
        return await show(
            request,
            message=tr(
                "web.live.done",
                what=str(reply.get("stdout") or "").strip().splitlines()[-1] if reply.get("stdout") else what,
            ),
        )

    return [
        Route("/session/{sid}", show, methods=["GET"]),
        Route("/session/{sid}/flux", flux, methods=["GET"]),
        Route("/session/{sid}/action", act, methods=["POST"]),
    ]
