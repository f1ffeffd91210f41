"""The questionnaire professionnel and the entretien technique in the centre's browser pages.

- The candidate (logged in by her code): /candidat/{sid}/questionnaire — start her paper, answer
  (each answer saved as she goes: a script posts it on every change; without the script, each
  question's own button), hand in. Reads and changes are `exam quiz …` commands run by
  run_command as her: the roles give her her own paper only, never its expected answers, and the
  store refuses an answer after the deadline or the hand-in.
- The jury: /jury/{sid}/{candidate}/questionnaire — every answer beside what was expected (the
  expected elements of an open answer), the result per competence, a form per open answer
  (`exam quiz-mark`, signed with the juror's login); /jury/{sid}/{candidate}/entretien — her guide
  d'entretien and a form per question (`exam entretien --question`). Both refused once her grid is
  signed (the commands say so).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from simulateur.i18n import tr

if TYPE_CHECKING:
    from simulateur.web.app import Pages

FETCH = "x-simulateur-fetch"  # the page's script posts an answer: a JSON reply, not a page


def _why(reply: dict[str, Any], fallback: str) -> str:
    lines = str(reply.get("error") or reply.get("stderr") or "").strip().splitlines()
    text = lines[-1] if lines else fallback
    return text.removeprefix("simulateur : ").removeprefix("erreur : ")[:500]


def _failed(reply: dict[str, Any]) -> bool:
    return bool(reply.get("error") or reply.get("code"))


def given_of(form: dict[str, str], kind: str, letters: str) -> str:
    """The answer a question's form posts, as `exam quiz-answer` takes it."""
    if kind == "multiple":
        return ",".join(letter for letter in letters if form.get(f"choix-{letter}") == "oui")
    return form.get("reponse", "").strip()


def routes(pages: Pages) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, RedirectResponse
    from starlette.routing import Route

    from simulateur.quiz.marking import LETTERS
    from simulateur.quiz.view import num
    from simulateur.serve.api import run_command

    pages.templates.env.globals["num"] = num  # points as French numbers: « 1,5 »

    async def run(peer: Any, *argv: str) -> dict[str, Any]:
        return await run_in_threadpool(run_command, pages.service, peer, list(argv), None)

    # --- the candidate ---------------------------------------------------------------------------
    async def paper(
        request: Request,
        *,
        error: str = "",
        said: str = "",
        status: int = 200,
        kept: dict[str, str] | None = None,
        peer: Any = None,
    ) -> Any:
        peer = peer or pages.peer(request)
        if peer is None:
            return pages.to_login(request)
        sid = request.path_params["sid"]
        reply = await run(peer, "exam", "quiz", sid, "--json")
        if _failed(reply):
            return pages.render(
                request,
                "refus.html",
                peer,
                status=403 if reply.get("code") == 3 else 200,
                error=_why(reply, tr("web.jury.failed")),
            )
        try:
            v = json.loads(str(reply.get("stdout") or "{}"))
        except ValueError:
            v = {"started": False}
        return pages.render(
            request,
            "questionnaire.html",
            peer,
            status=status,
            sid=sid,
            v=v,
            said=said or request.query_params.get("dit", ""),
            error=error or request.query_params.get("erreur", ""),
            kept=kept or {},
        )

    async def paper_post(request: Request) -> Any:
        peer = pages.peer(request)
        if peer is None:
            return pages.to_login(request)
        sid = request.path_params["sid"]
        fetch = request.headers.get(FETCH) == "1"
        form = await pages.form(request)
        back = f"/candidat/{quote(sid)}/questionnaire"

        async def answer_back(ok: bool, message: str, number: str = "", kept: dict[str, str] | None = None) -> Any:
            if fetch:
                return JSONResponse({"ok": ok, "message": message}, status_code=200 if ok else 409)
            if ok:
                return RedirectResponse(
                    f"{back}?dit={quote(message)}" + (f"#q{number}" if number.isdigit() else ""), status_code=303
                )
            return await paper(request, error=message, status=409, kept=kept, peer=peer)

        if form is None:
            return await answer_back(False, tr("web.bad_form"))
        what = form.get("action")
        if what == "start":
            reply = await run(peer, "exam", "quiz-start", sid)
            said = tr("web.quiz.started")
        elif what == "answer":
            number, kind = form.get("numero", ""), form.get("genre", "")
            if not number.isdigit():
                return await answer_back(False, tr("web.quiz.bad_number"))
            given = given_of(form, kind, LETTERS)
            if not given:
                msg = tr("web.quiz.need_choice", number=number) if kind == "multiple" else tr("quiz.answer.empty")
                return await answer_back(False, msg, number, kept=form)
            reply = await run(peer, "exam", "quiz-answer", sid, number, "--", given)
            if _failed(reply):
                return await answer_back(False, _why(reply, tr("web.jury.failed")), number, kept=form)
            return await answer_back(True, tr("web.quiz.saved", number=number), number)
        elif what == "submit":
            if form.get("sure") != "oui":
                return RedirectResponse(f"{back}?erreur={quote(tr('web.quiz.submit_confirm'))}", status_code=303)
            reply = await run(peer, "exam", "quiz-submit", sid)
            said = tr("web.quiz.submitted")
        else:
            return RedirectResponse(back, status_code=303)
        if _failed(reply):
            return RedirectResponse(f"{back}?erreur={quote(_why(reply, tr('web.jury.failed')))}", status_code=303)
        return RedirectResponse(f"{back}?dit={quote(said)}", status_code=303)

    # --- the jury --------------------------------------------------------------------------------
    def allowed(request: Request) -> tuple[Any, Any]:
        peer = pages.peer(request)
        if peer is None:
            return None, pages.to_login(request)
        if not (peer.jury or peer.trainer):
            return None, pages.render(request, "refus.html", peer, status=403, error=tr("web.jury.no_role"))
        return peer, None

    def base(request: Request) -> str:
        return f"/jury/{quote(request.path_params['sid'])}/{quote(request.path_params['candidate'], safe='')}"

    def signature(sid: str, name: str) -> str:
        import time

        sig = pages.service.db.signature(sid, name)
        return (
            ""
            if sig is None
            else tr("report.signed", by=sig.by, when=time.strftime(tr("fmt.datetime"), time.localtime(sig.t)))
        )

    async def jury_quiz(
        request: Request, *, error: str = "", status: int = 200, kept: dict[str, str] | None = None, peer: Any = None
    ) -> Any:
        from simulateur.errors import SimError
        from simulateur.quiz import examquiz

        if peer is None:
            peer, refused = allowed(request)
            if refused is not None:
                return refused
        sid, name = request.path_params["sid"], request.path_params["candidate"]
        try:
            v = await run_in_threadpool(lambda: examquiz.view(pages.service.db, sid, name, correction=True))
        except SimError as exc:
            return pages.render(request, "refus.html", peer, status=404, error=str(exc))
        signed = await run_in_threadpool(signature, sid, v["candidate"])
        done = request.query_params.get("fait", "")
        return pages.render(
            request,
            "jury_questionnaire.html",
            peer,
            status=status,
            sid=sid,
            v=v,
            base=base(request),
            signed=signed,
            readonly=bool(signed) or not peer.jury,
            error=error,
            kept=kept or {},
            done=tr("web.quiz.marked", number=done) if done.isdigit() else "",
        )

    async def jury_quiz_post(request: Request) -> Any:
        peer, refused = allowed(request)
        if refused is not None:
            return refused
        sid, name = request.path_params["sid"], request.path_params["candidate"]
        form = await pages.form(request)
        if form is None:
            return await jury_quiz(request, error=tr("web.bad_form"), status=403, peer=peer)
        number = form.get("numero", "")
        points = form.get("points", "").strip().replace(",", ".")
        try:
            float(points)
        except ValueError:
            return await jury_quiz(request, error=tr("web.quiz.bad_points"), status=400, kept=form, peer=peer)
        reply = await run(
            peer,
            "exam",
            "quiz-mark",
            sid,
            "--candidate",
            name,
            "--question",
            number,
            "--points",
            points,
            "--comment",
            form.get("comment", ""),
        )
        if _failed(reply):
            return await jury_quiz(request, error=_why(reply, tr("web.jury.failed")), status=409, kept=form, peer=peer)
        return RedirectResponse(f"{base(request)}/questionnaire?fait={quote(number)}#q{quote(number)}", status_code=303)

    async def entretien(
        request: Request, *, error: str = "", status: int = 200, kept: dict[str, str] | None = None, peer: Any = None
    ) -> Any:
        import time

        from simulateur import referentiel
        from simulateur.entretien.db import EntretienMark
        from simulateur.entretien.guide import GuideQuestion
        from simulateur.entretien.marking import tally

        if peer is None:
            peer, refused = allowed(request)
            if refused is not None:
                return refused
        sid, name = request.path_params["sid"], request.path_params["candidate"]
        reply = await run(peer, "exam", "entretien", sid, "--candidate", name, "--json")
        if _failed(reply):
            return pages.render(
                request,
                "refus.html",
                peer,
                status=403 if reply.get("code") == 3 else 404,
                error=_why(reply, tr("web.jury.failed")),
            )
        g = json.loads(str(reply.get("stdout") or "{}"))
        for q in g["questions"]:
            crit = referentiel.find_criterion(q["criterion"]) if q.get("criterion") else None
            q["informs"] = (f"{q['criterion']} « {crit.label} »" if crit else q.get("criterion")) or ", ".join(
                q.get("competences") or []
            )
        questions = [
            GuideQuestion.model_validate({k: v for k, v in q.items() if k in GuideQuestion.model_fields})
            for q in g["questions"]
        ]
        marks = {q["id"]: EntretienMark.model_validate(q["mark"]) for q in g["questions"] if q.get("mark")}
        for q in g["questions"]:
            m = q.get("mark")
            if m:
                m["when"] = time.strftime("%d/%m/%Y %H:%M", time.localtime(m["t"]))
        signed = await run_in_threadpool(signature, sid, g["candidate"])
        done = request.query_params.get("fait", "")
        return pages.render(
            request,
            "jury_entretien.html",
            peer,
            status=status,
            sid=sid,
            g=g,
            base=base(request),
            tally=tally(questions, marks) if g["frozen"] else [],
            signed=signed,
            readonly=bool(signed) or not g["frozen"],
            error=error,
            kept=kept or {},
            done=tr("web.entretien.marked", number=done) if done.isdigit() else "",
        )

    async def entretien_post(request: Request) -> Any:
        peer, refused = allowed(request)
        if refused is not None:
            return refused
        sid, name = request.path_params["sid"], request.path_params["candidate"]
        form = await pages.form(request)
        if form is None:
            return await entretien(request, error=tr("web.bad_form"), status=403, peer=peer)
        verdict = form.get("verdict", "")
        if verdict not in ("acquis", "non_acquis"):
            return await entretien(request, error=tr("web.entretien.need_verdict"), status=400, kept=form, peer=peer)
        number = form.get("numero", "")
        reply = await run(
            peer,
            "exam",
            "entretien",
            sid,
            "--candidate",
            name,
            "--question",
            number,
            "--verdict",
            verdict,
            "--comment",
            form.get("comment", ""),
        )
        if _failed(reply):
            return await entretien(request, error=_why(reply, tr("web.jury.failed")), status=409, kept=form, peer=peer)
        return RedirectResponse(f"{base(request)}/entretien?fait={quote(number)}#e{quote(number)}", status_code=303)

    return [
        Route("/candidat/{sid}/questionnaire", paper, methods=["GET"]),
        Route("/candidat/{sid}/questionnaire", paper_post, methods=["POST"]),
        Route("/jury/{sid}/{candidate}/questionnaire", jury_quiz, methods=["GET"]),
        Route("/jury/{sid}/{candidate}/questionnaire", jury_quiz_post, methods=["POST"]),
        Route("/jury/{sid}/{candidate}/entretien", entretien, methods=["GET"]),
        Route("/jury/{sid}/{candidate}/entretien", entretien_post, methods=["POST"]),
    ]
