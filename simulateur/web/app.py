"""The pages' routes and what they share: who is asking (the API's token, in an HttpOnly,
SameSite=Strict cookie), a CSRF token for every form (an HMAC of the login's token: a page of
another site cannot post in her name), the templates, the static files.

Reading pages (sessions, live state) read the store directly, after checking the peer's role;
every change goes through Service.execute — the same command line, the same roles.decide, the
same audit as the Unix socket and the API.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from simulateur.i18n import tr, trn
from simulateur.serve import roles

if TYPE_CHECKING:
    from simulateur.serve.api import Gate
    from simulateur.serve.service import Service

HERE = Path(__file__).resolve().parent
COOKIE = "simulateur_jeton"


def page_tr(key: str, /, **values: Any) -> Any:
    """tr() for the templates. Its text is plain text that Jinja escapes, except for a key ending in
    `_html`: that entry holds markup on purpose (« <strong>{url}</strong> ») and comes out as Markup,
    its values escaped first. (Globals rather than jinja2.ext.i18n: the same symbolic keys, named
    placeholders and French plural rule as the Python code, one catalogue object, no {% trans %} blocks
    whose msgid would be the French text.)"""
    if not key.endswith("_html"):
        return tr(key, **values)
    from markupsafe import Markup, escape

    return Markup(tr(key, **{k: escape(v) for k, v in values.items()}))


def page_trn(key: str, n: float, /, **values: Any) -> Any:
    """trn() for the templates, with page_tr's `_html` rule."""
    if not key.endswith("_html"):
        return trn(key, n, **values)
    from markupsafe import Markup, escape

    return Markup(trn(key, n, **{k: escape(v) for k, v in values.items()}))


def csrf_of(token: str) -> str:
    return hmac.new(token.encode(), b"simulateur-csrf", hashlib.sha256).hexdigest()[:32]


class Pages:
    """What every page needs: the service, the gate, the templates."""

    def __init__(self, service: Service, gate: Gate) -> None:
        from starlette.templating import Jinja2Templates

        self.service = service
        self.gate = gate
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals["tr"] = page_tr
        self.templates.env.globals["trn"] = page_trn

    def token(self, request: Any) -> str | None:
        return request.cookies.get(COOKIE)

    def peer(self, request: Any) -> roles.Peer | None:
        from simulateur.serve.api import client_address

        found = self.gate.peer(self.token(request), client_address(request))
        return None if isinstance(found, tuple) else found

    def why_not(self, request: Any) -> str | None:
        """Why the cookie does not log in (expired, voided), for the login page; None: no cookie."""
        from simulateur.serve.api import client_address

        if not self.token(request):
            return None
        found = self.gate.peer(self.token(request), client_address(request))
        return found[0] if isinstance(found, tuple) else None

    def to_login(self, request: Any) -> Any:
        from starlette.responses import RedirectResponse

        return RedirectResponse(f"/connexion?suite={quote(request.url.path)}", status_code=303)

    def render(self, request: Any, name: str, peer: roles.Peer | None, status: int = 200, **values: Any) -> Any:
        token = self.token(request)
        return self.templates.TemplateResponse(
            request,
            name,
            {"peer": peer, "csrf": csrf_of(token) if token else "", "machine": self.service.name, **values},
            status_code=status,
        )

    async def form(self, request: Any) -> dict[str, str] | None:
        """The posted form, or None if its CSRF token is not this login's."""
        form = await request.form()
        token = self.token(request)
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        if not token or not hmac.compare_digest(values.get("csrf", ""), csrf_of(token)):
            return None
        return values


def routes(service: Service, gate: Gate) -> list[Any]:
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    from simulateur.web import (
        appweb,
        candidate,
        codes,
        jury,
        live,
        login,
        quiz_pages,
        replay,
        sessions,
        terminal,
        trainer,
    )

    pages = Pages(service, gate)
    return [
        *login.routes(pages),
        *sessions.routes(pages),
        *candidate.routes(pages),
        *codes.routes(pages),
        *replay.routes(pages),
        *terminal.routes(pages),
        *appweb.routes(pages),
        *trainer.routes(pages),
        *live.routes(pages),
        *jury.routes(pages),
        *quiz_pages.routes(pages),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
