"""The jury's pages: a session's candidates with the exports (every report in a zip, the group
CSV), and one candidate's grid — per intervention and criterion the automatic verdict and its
evidence beside the jury's mark, the form to mark (against the automatic verdict: its motive),
the comments, and « Signer la grille ».

Reads read the store after checking `peer.jury`/`peer.trainer`; every mark, comment and signature
is a command line run by `run_command` (the same roles, the same audit as the CLI). A mark posts
the version of the mark it saw: one changed meanwhile by another member is refused, naming who.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from simulateur.i18n import N_, tr

if TYPE_CHECKING:
    from simulateur.exam.db import ExamDB
    from simulateur.web.app import Pages


@dataclass
class Row:
    """One criterion of one intervention, as the grid shows it."""

    id: str
    label: str
    competence: str
    auto: str  # the automatic verdict's label ("" when none)
    evidence: list[str]
    observe: list[str]  # what the scenario asks the jury to observe
    mark: str  # the jury's verdict's label ("" none)
    mark_value: str  # acquis, non_acquis, ""
    comment: str
    by: str
    when: str
    version: str
    final: str
    final_value: str
    source: str
    override: bool
    optional: bool


@dataclass
class Block:
    index: int
    title: str
    status: str
    comment: str
    rows: list[Row] = field(default_factory=list)


def _when(t: float | None) -> str:
    return "" if t is None else time.strftime("%d/%m/%Y %H:%M", time.localtime(t))


def grid(db: ExamDB, session_id: str, candidate: str) -> tuple[Any, list[Block], Any]:
    """(her run, the blocks, her signature) — what the grid page shows."""
    from simulateur.exam import core
    from simulateur.exam.jury import SOURCE_LABELS, jury_criteria, merge
    from simulateur.report.model import STATUS_LABELS
    from simulateur.scoring import VERDICT_LABELS

    session = core.get_session(db, session_id)
    run = core.get_run(db, session.id, candidate)
    marks = db.jury(session.id, run.candidate)
    blocks = []
    for item in run.items:
        d = session.interventions[item.index - 1]
        block = Block(item.index, d.title, STATUS_LABELS.get(item.status, item.status), item.comment)
        blocks.append(block)
        if item.attempt is None:
            continue
        scenario = db.store.scenario(item.attempt)
        mine = {m.criterion: m for m in marks if m.index == item.index}
        records = {r.id: r for r in db.store.criteria(item.attempt)}
        sheet = {c.id: c for c in jury_criteria(scenario)} if scenario is not None else {}
        merged = merge(list(records.values()), scenario, mine)
        seen = set()
        for m in merged:
            seen.add(m.id)
            rec = records.get(m.id)
            auto = rec.verdict if rec is not None and rec.verdict in ("acquis", "non_acquis") else ""
            mark = mine.get(m.id)
            jc = sheet.get(m.id)
            block.rows.append(
                Row(
                    m.id,
                    m.label,
                    m.competence,
                    VERDICT_LABELS[auto] if auto else "",
                    list(rec.evidence) if rec is not None else [],
                    list(jc.observe) if jc else [],
                    VERDICT_LABELS[mark.verdict] if mark else "",
                    mark.verdict if mark else "",
                    mark.comment if mark else "",
                    mark.by if mark else "",
                    _when(mark.t) if mark else "",
                    mark.version if mark else "",
                    VERDICT_LABELS[m.verdict],
                    m.verdict,
                    SOURCE_LABELS[m.source],
                    m.override,
                    bool(jc and not jc.required),
                )
            )
        for cid, jc in sheet.items():  # optional criteria not marked yet
            if cid in seen or jc.required:
                continue
            block.rows.append(
                Row(
                    cid,
                    jc.label,
                    jc.competence,
                    "",
                    [],
                    [],
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    VERDICT_LABELS["non_evalue"],
                    "non_evalue",
                    "",
                    False,
                    True,
                )
            )
    return run, blocks, db.signature(session.id, run.candidate)


def routes(pages: Pages) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import RedirectResponse, Response
    from starlette.routing import Route

    from simulateur.errors import SimError
    from simulateur.serve.api import run_command

    def allowed(request: Request) -> Any:
        peer = pages.peer(request)
        if peer is None:
            return None, pages.to_login(request)
        if not (peer.jury or peer.trainer):
            return None, pages.render(request, "refus.html", peer, status=403, error=tr("web.jury.no_role"))
        return peer, None

    async def session_page(request: Request) -> Any:
        peer, refused = allowed(request)
        if refused is not None:
            return refused
        sid = request.path_params["sid"]
        db = pages.service.db
        session = await run_in_threadpool(db.session, sid)
        if session is None:
            return pages.render(request, "refus.html", peer, status=404, error=tr("web.jury.unknown_session", id=sid))
        runs = await run_in_threadpool(db.runs, sid)
        rows = []
        for r in runs:
            sig = await run_in_threadpool(db.signature, sid, r.candidate)
            rows.append(
                {
                    "name": r.candidate,
                    "url": f"/jury/{sid}/{quote(r.candidate, safe='')}",
                    "state": tr("web.jury.finished") if r.finished else tr("web.jury.running"),
                    "signed": tr("web.jury.signed_short", by=sig.by, when=_when(sig.t))
                    if sig
                    else tr("web.jury.unsigned"),
                }
            )
        names = list(session.roster) + [r.candidate for r in runs if r.candidate not in session.roster]
        return pages.render(
            request,
            "jury_session.html",
            peer,
            sid=sid,
            group=session.group or tr("web.no_group"),
            rows=rows,
            error=request.query_params.get("erreur", ""),
            written=[{"name": n, "url": f"/jury/{sid}/{quote(n, safe='')}"} for n in names],
        )

    async def bundle(request: Request) -> Any:
        peer, refused = allowed(request)
        if refused is not None:
            return refused
        sid = request.path_params["sid"]
        from simulateur.report.bundle import session_bundle

        try:
            made = await run_in_threadpool(session_bundle, sid, pages.service.db)
        except SimError as exc:
            return pages.render(request, "refus.html", peer, status=400, error=str(exc))
        pages.service.audit(
            peer,
            "report",
            f"ok ({len(made.html)} HTML, {len(made.pdf)} PDF)",
            session=sid,
            detail=f"report {sid} --all [{peer.address}]",
        )
        return Response(
            made.data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="rapports-{sid}.zip"'},
        )

    async def group_csv(request: Request) -> Any:
        peer, refused = allowed(request)
        if refused is not None:
            return refused
        sid = request.path_params["sid"]
        from simulateur.exam import export

        if await run_in_threadpool(pages.service.db.session, sid) is None:
            return pages.render(request, "refus.html", peer, status=404, error=tr("web.jury.unknown_session", id=sid))
        data = await run_in_threadpool(export.rows, pages.service.db, session=sid)
        return Response(
            export.csv_text(data).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="suivi-{sid}.csv"'},
        )

    async def show(
        request: Request, *, error: str = "", status: int = 200, kept: dict[str, str] | None = None, peer: Any = None
    ) -> Any:
        if peer is None:
            peer, refused = allowed(request)
            if refused is not None:
                return refused
        sid, name = request.path_params["sid"], request.path_params["candidate"]
        try:
            run, blocks, sig = await run_in_threadpool(grid, pages.service.db, sid, name)
        except SimError as exc:
            return pages.render(request, "refus.html", peer, status=404, error=str(exc))
        done = request.query_params.get("fait", "")
        return pages.render(
            request,
            "jury_grille.html",
            peer,
            status=status,
            sid=sid,
            run=run,
            blocks=blocks,
            sig=sig,
            signed=tr("report.signed", by=sig.by, when=time.strftime(tr("fmt.datetime"), time.localtime(sig.t)))
            if sig
            else "",
            error=error,
            kept=kept or {},
            done=tr(f"web.jury.done.{done}") if done in DONE else "",
            base=f"/jury/{sid}/{quote(run.candidate, safe='')}",
            can_sign=run.finished is not None,
            readonly=bool(sig) or not peer.jury,
        )

    async def act(request: Request, argv: list[str], done: str, form: dict[str, str], peer: Any) -> Any:
        reply = await run_in_threadpool(run_command, pages.service, peer, argv, None)
        if reply.get("error") or reply.get("code"):
            why = str(reply.get("error") or reply.get("stderr") or "").strip().splitlines()
            text = why[-1] if why else tr("web.jury.failed")
            text = text.removeprefix("simulateur : ").removeprefix("erreur : ")
            return await show(request, error=text, status=409, kept=form, peer=peer)
        sid, name = request.path_params["sid"], request.path_params["candidate"]
        anchor = f"#{form['ancre']}" if form.get("ancre", "").replace("-", "").replace(".", "").isalnum() else ""
        return RedirectResponse(f"/jury/{sid}/{quote(name, safe='')}?fait={done}{anchor}", status_code=303)

    async def posted(request: Request) -> tuple[Any, Any, dict[str, str]]:
        peer, refused = allowed(request)
        if refused is not None:
            return None, refused, {}
        form = await pages.form(request)
        if form is None:
            return peer, await show(request, error=tr("web.bad_form"), status=403, peer=peer), {}
        return peer, None, form

    async def mark(request: Request) -> Any:
        peer, refused, form = await posted(request)
        if refused is not None:
            return refused
        sid, name = request.path_params["sid"], request.path_params["candidate"]
        verdict = form.get("verdict", "")
        if verdict not in ("acquis", "non_acquis"):
            return await show(request, error=tr("web.jury.need_verdict"), status=400, kept=form, peer=peer)
        argv = [
            "exam",
            "jury",
            sid,
            "--candidate",
            name,
            "--intervention",
            form.get("intervention", ""),
            "--criterion",
            form.get("criterion", ""),
            "--verdict",
            verdict,
            "--comment",
            form.get("comment", ""),
            "--seen",
            form.get("seen", ""),
        ]
        return await act(request, argv, "note", form, peer)

    async def comment(request: Request) -> Any:
        peer, refused, form = await posted(request)
        if refused is not None:
            return refused
        sid, name = request.path_params["sid"], request.path_params["candidate"]
        argv = [
            "exam",
            "jury",
            sid,
            "--candidate",
            name,
            "--intervention",
            form.get("intervention", ""),
            "--comment",
            form.get("comment", ""),
        ]
        return await act(request, argv, "commentaire", form, peer)

    async def sign(request: Request) -> Any:
        peer, refused, form = await posted(request)
        if refused is not None:
            return refused
        sid, name = request.path_params["sid"], request.path_params["candidate"]
        if form.get("confirme") != "oui":
            return await show(request, error=tr("web.jury.confirm_sign"), status=400, kept=form, peer=peer)
        return await act(request, ["exam", "sign", sid, "--candidate", name], "signe", form, peer)

    return [
        Route("/jury/{sid}", session_page, methods=["GET"]),
        Route("/jury/{sid}/rapports.zip", bundle, methods=["GET"]),
        Route("/jury/{sid}/suivi.csv", group_csv, methods=["GET"]),
        Route("/jury/{sid}/{candidate}", show, methods=["GET"]),
        Route("/jury/{sid}/{candidate}/note", mark, methods=["POST"]),
        Route("/jury/{sid}/{candidate}/commentaire", comment, methods=["POST"]),
        Route("/jury/{sid}/{candidate}/signer", sign, methods=["POST"]),
    ]


DONE = ("note", "commentaire", "signe")


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("web.jury.done.commentaire"),
    N_("web.jury.done.note"),
    N_("web.jury.done.signe"),
)
