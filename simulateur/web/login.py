"""Login and logout pages: a trainer's or jury's password, or a candidate's code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulateur.i18n import tr

if TYPE_CHECKING:
    from simulateur.web.app import Pages


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never « //other.site » nor a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def routes(pages: Pages) -> list[Any]:
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    from simulateur.serve.api import client_address
    from simulateur.web.app import COOKIE

    async def show(request: Request) -> Any:
        peer = pages.peer(request)
        if peer is not None:
            return RedirectResponse(_safe_next(request.query_params.get("suite")), status_code=303)
        return pages.render(
            request,
            "connexion.html",
            None,
            suite=_safe_next(request.query_params.get("suite")),
            error=pages.why_not(request),
        )

    async def post(request: Request) -> Any:
        form = await request.form()
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        data: dict[str, Any] = (
            {"code": values["code"]}
            if values.get("code")
            else {"login": values.get("login", ""), "password": values.get("password", "")}
        )
        reply = await run_in_threadpool(pages.gate.login, data, client_address(request))
        suite = _safe_next(values.get("suite"))
        if isinstance(reply, tuple):
            return pages.render(
                request,
                "connexion.html",
                None,
                status=reply[1],
                suite=suite,
                error=reply[0],
                login=values.get("login", ""),
            )
        if reply.get("session") and suite == "/":
            suite = f"/candidat/{reply['session']}"
        response = RedirectResponse(suite, status_code=303)
        response.set_cookie(
            COOKIE,
            reply["token"],
            max_age=int(reply["expires"] - __import__("time").time()),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    async def logout(request: Request) -> Any:
        peer = pages.peer(request)
        form = await pages.form(request)
        if peer is not None and form is not None:
            pages.gate.logout(pages.token(request) or "", peer)
        response = RedirectResponse("/connexion?suite=/", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    return [
        Route("/connexion", show, methods=["GET"]),
        Route("/connexion", post, methods=["POST"]),
        Route("/deconnexion", logout, methods=["POST"]),
    ]


__all__ = ["routes", "tr"]
