"""The trainer's pages: a new session (`/session/nouvelle`: count, minutes, CCP / competence /
référentiel filters, seed, group, and the roster CSV with each candidate's machine and extra
time) and a session's roster (`/session/{sid}/candidats`: the list, a CSV to import). Every
change is the CLI's verb through run_command (`exam new`, `exam roster --csv`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from simulateur.i18n import tr, trn

if TYPE_CHECKING:
    from simulateur.web.app import Pages

NUMBERS = {
    "count": tr("web.trainer.number.count"),
    "minutes": tr("web.trainer.number.minutes"),
    "seed": tr("web.trainer.number.seed"),
}


def choices() -> dict[str, list[tuple[str, str]]]:
    """The référentiels, CCPs and competences the filters may name (the `exam new` options)."""
    from simulateur import referentiel

    refs = referentiel.load_referentiels()
    ccps = [(ccp.id, f"{ccp.id} — {ccp.label}") for r in refs.values() for ccp in r.ccps]
    comps = [(cid, f"{cid} — {comp.label}") for cid, (comp, _, _) in referentiel.all_competences().items()]
    return {"referentiels": [(r.id, f"{r.id} — {r.title}") for r in refs.values()], "ccps": ccps, "competences": comps}


async def _upload(request: Any) -> tuple[str, bytes] | None:
    """The file posted as « liste » (name, bytes), or None if none was chosen."""
    form = await request.form()
    up = form.get("liste")
    if up is None or isinstance(up, str) or not getattr(up, "filename", ""):
        return None
    from simulateur.exam.roster_csv import MAX_BYTES

    data = await up.read(MAX_BYTES + 1)
    return str(up.filename).replace("/", "_")[:100] or "liste.csv", data


def _csv_text(name: str, data: bytes) -> str:
    """The upload as text for run_command; not UTF-8: the roster's French line, naming the line."""
    from simulateur.exam import roster_csv

    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        roster_csv.parse(data, name)  # raises the line's French error
        raise


def routes(pages: Pages) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    from simulateur.errors import UsageError
    from simulateur.serve.api import run_command

    def trainer(request: Request) -> Any:
        peer = pages.peer(request)
        if peer is None:
            return None, pages.to_login(request)
        if not peer.trainer:
            return peer, pages.render(request, "refus.html", peer, status=403, error=tr("web.trainer.not_trainer"))
        return peer, None

    def machines() -> list[dict[str, Any]]:
        from simulateur.exam.machines import Machines

        m = Machines(pages.service.db)
        load = m.load()
        return [
            {"name": x.name, "capacity": x.capacity, "load": load.get(x.name, 0), "up": x.reachable()} for x in m.all()
        ]

    def failed(reply: dict[str, Any]) -> str | None:
        if not reply.get("error") and not reply.get("code"):
            return None
        why = str(reply.get("error") or reply.get("stderr") or "").strip()
        lines = [ln.removeprefix("simulateur : ") for ln in why.splitlines() if ln.strip()]
        return lines[-1] if lines else tr("serve.internal")

    async def new_form(
        request: Request, error: str | None = None, values: dict[str, str] | None = None, status: int = 200
    ) -> Any:
        peer, refused = trainer(request)
        if refused is not None:
            return refused
        return pages.render(
            request,
            "session_nouvelle.html",
            peer,
            status=status,
            error=error,
            values=values or {"count": "3", "minutes": "40"},
            choices=choices(),
            machines=await run_in_threadpool(machines),
        )

    async def new_post(request: Request) -> Any:
        peer, refused = trainer(request)
        if refused is not None:
            return refused
        raw = await request.form()
        values = await pages.form(request)
        if values is None:
            return await new_form(request, tr("web.trainer.bad_form"), status=403)
        argv = ["exam", "new", "--json"]
        for field, label in NUMBERS.items():
            text = values.get(field, "").strip()
            if not text:
                continue
            if not text.isdigit():
                return await new_form(request, tr("web.trainer.bad_number", field=label, value=text), values, 400)
            argv += [f"--{field}", text]
        if values.get("group", "").strip():
            argv += ["--group", values["group"].strip()]
        if values.get("referentiel"):
            argv += ["--referentiel", values["referentiel"]]
        for option, key in (("--ccp", "ccp"), ("--competence", "competence")):
            for v in raw.getlist(key):
                if isinstance(v, str) and v:
                    argv += [option, v]
        file = None
        up = await _upload(request)
        if up is not None:
            try:
                file = _csv_text(*up)
            except UsageError as exc:
                return await new_form(request, str(exc), values, 400)
            argv += [f"--csv={up[0]}", f"--csv-name={up[0]}"]  # a name beginning with « - » is no option
        reply = await run_in_threadpool(run_command, pages.service, peer, argv, file)
        why = failed(reply)
        if why is not None:
            return await new_form(request, why, values, 400)
        try:
            sid = json.loads(str(reply.get("stdout") or "{}"))["id"]
        except (ValueError, KeyError, TypeError):
            return await new_form(request, tr("serve.internal"), values, 500)
        return RedirectResponse(f"/session/{sid}/candidats?creee=1", status_code=303)

    async def roster(request: Request, error: str | None = None, message: str | None = None, status: int = 200) -> Any:
        peer, refused = trainer(request)
        if refused is not None:
            return refused
        sid = request.path_params["sid"]
        session = await run_in_threadpool(pages.service.db.session, sid)
        if session is None:
            return pages.render(request, "refus.html", peer, status=404, error=tr("web.live.unknown", id=sid))
        if message is None and request.query_params.get("creee"):
            message = tr("web.trainer.created", id=sid)
        rows = [
            {"name": n, "login": lg, "machine": session.machine_of(n) or "", "extra": session.extra_of(n) or ""}
            for n, lg in session.roster.items()
        ]
        from simulateur.exam.machines import Machines

        seats = await run_in_threadpool(Machines(pages.service.db).over_seats, len(session.roster))
        return pages.render(
            request,
            "session_candidats.html",
            peer,
            status=status,
            sid=sid,
            session=session,
            rows=rows,
            error=error,
            message=message,
            machines=await run_in_threadpool(machines),
            seats=seats,
        )

    async def roster_post(request: Request) -> Any:
        peer, refused = trainer(request)
        if refused is not None:
            return refused
        sid = request.path_params["sid"]
        if await pages.form(request) is None:
            return await roster(request, tr("web.trainer.bad_form"), status=403)
        up = await _upload(request)
        if up is None:
            return await roster(request, tr("web.trainer.no_file"), status=400)
        try:
            text = _csv_text(*up)
        except UsageError as exc:
            return await roster(request, str(exc), status=400)
        reply = await run_in_threadpool(
            run_command,
            pages.service,
            peer,
            ["exam", "roster", sid, f"--csv={up[0]}", f"--csv-name={up[0]}", "--json"],
            text,
        )
        why = failed(reply)
        if why is not None:
            return await roster(request, why, status=400)
        try:
            n = len(json.loads(str(reply.get("stdout") or "{}")))
        except ValueError:
            n = 0
        return await roster(request, message=trn("web.trainer.imported", n))

    return [
        Route("/session/nouvelle", new_form, methods=["GET"]),
        Route("/session/nouvelle", new_post, methods=["POST"]),
        Route("/session/{sid}/candidats", roster, methods=["GET"]),
        Route("/session/{sid}/candidats", roster_post, methods=["POST"]),
    ]
