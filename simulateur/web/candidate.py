"""A candidate's own page, from any PC's browser (logged in by her code): start her examen, her
time left, the ticket of her intervention in progress, a terminal on each host of her lab
(terminal.py), her fiche d'intervention, hand in. Everything goes through run_command — `exam
start`, `exam status --json --ticket`, `exam fiche --set`, `exam submit`: the rights of a candidate
at a terminal, no more (never a grid, a title or a value of the fault)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from simulateur.i18n import tr

if TYPE_CHECKING:
    from simulateur.web.app import Pages


def _fields() -> list[tuple[str, str]]:
    from simulateur.session.store import FICHE_FIELDS

    return [(f, tr(f"tui.fiche.{f}")) for f in FICHE_FIELDS]


def routes(pages: Pages) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    from simulateur.serve.api import run_command

    async def run(peer: Any, *argv: str) -> dict[str, Any]:
        return await run_in_threadpool(run_command, pages.service, peer, list(argv), None)

    async def show(request: Request) -> Any:
        peer = pages.peer(request)
        if peer is None:
            return pages.to_login(request)
        sid = request.path_params["sid"]
        reply = await run(peer, "exam", "status", sid, "--json", "--ticket")
        if reply.get("error") or reply.get("code"):  # not hers, not a candidate, the store gone: said
            why = str(reply.get("error") or reply.get("stderr") or "").strip().removeprefix("simulateur : ")
            return pages.render(request, "refus.html", peer, status=403 if reply.get("code") == 3 else 200, error=why)
        try:
            state = json.loads(str(reply.get("stdout") or "{}"))
        except ValueError:
            state = {}
        said = request.query_params.get("dit")
        return pages.render(
            request,
            "candidat.html",
            peer,
            sid=sid,
            state=state,
            fields=_fields(),
            said=said,
            error=request.query_params.get("erreur"),
        )

    async def act(request: Request) -> Any:
        from urllib.parse import quote

        peer = pages.peer(request)
        if peer is None:
            return pages.to_login(request)
        sid = request.path_params["sid"]
        form = await pages.form(request)
        back = f"/candidat/{quote(sid)}"
        if form is None:
            return RedirectResponse(f"{back}?erreur={quote(tr('web.bad_form'))}", status_code=303)
        what = form.get("action")
        if what == "start":
            reply = await run(peer, "exam", "start", sid)
        elif what == "fiche":
            sets = [f"{name}={form[name]}" for name, _ in _fields() if form.get(name, "").strip()]
            if not sets:
                return RedirectResponse(f"{back}?erreur={quote(tr('web.fiche_empty'))}", status_code=303)
            reply = await run(peer, "exam", "fiche", sid, *[a for s in sets for a in ("--set", s)])
        elif what == "submit":
            if form.get("sure") != "oui":
                return RedirectResponse(f"{back}?erreur={quote(tr('web.submit_confirm'))}", status_code=303)
            reply = await run(peer, "exam", "submit", sid)
        else:
            return RedirectResponse(back, status_code=303)
        if reply.get("error") or reply.get("code"):
            why = str(reply.get("error") or reply.get("stderr") or "").strip().removeprefix("simulateur : ")
            return RedirectResponse(f"{back}?erreur={quote(why[:500])}", status_code=303)
        said = {"start": tr("web.started"), "fiche": tr("web.fiche_saved"), "submit": tr("web.submitted")}[what]
        return RedirectResponse(f"{back}?dit={quote(said)}", status_code=303)

    return [Route("/candidat/{sid}", show, methods=["GET"]), Route("/candidat/{sid}", act, methods=["POST"])]
