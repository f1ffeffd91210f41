"""The web pages' door, in a real browser: a jury member logs in (a wrong password said in French,
the page kept), sees the sessions, logs out; a candidate's code leads to her own page only; a form
posted without the page's CSRF token is refused; an expired login says so; `suite=` never leads to
another site."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from webhelpers import PASSWORDS, accounts, browser, quick, shot, simulateur, staff, web  # noqa: F401 — fixtures pytest finds by name

from simulateur.exam.db import ExamDB
from simulateur.store import schema

pytestmark = pytest.mark.integration


def test_login_logout_code_and_guards(web, browser) -> None:
    _svc, url = web
    proc = simulateur(
        "exam",
        "new",
        "--count",
        "1",
        "--minutes",
        "20",
        "--group",
        "TAI <b>A</b>",
        "--candidate",
        "Alice Martin",
        "--json",
    )
    sid = json.loads(proc.stdout)["id"]
    codes = json.loads(simulateur("exam", "codes", sid, "--json").stdout)

    jury = browser.new_context().new_page()
    jury.goto(url + "/")
    assert "/connexion" in jury.url
    shot(jury, "connexion")
    jury.fill("#login", "jury1")
    jury.fill("#password", "pas-le-bon")
    jury.click("text=Se connecter")
    assert jury.inner_text(".erreur") == "login ou mot de passe incorrect"
    assert jury.input_value("#login") == "jury1"
    jury.fill("#password", PASSWORDS["jury1"])
    jury.click("text=Se connecter")
    jury.wait_for_url(url + "/")
    assert jury.inner_text("h1") == "Examens blancs"
    row = jury.inner_text("table.liste tbody tr")
    assert sid in row and "TAI <b>A</b>" in row  # the group's text, escaped, not markup
    cookie = next(c for c in jury.context.cookies() if c["name"] == "simulateur_jeton")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    # A form posted from elsewhere (no CSRF token of hers): not done.
    req = urllib.request.Request(
        url + "/deconnexion", data=b"csrf=x", method="POST", headers={"Cookie": f"simulateur_jeton={cookie['value']}"}
    )
    try:
        urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError:
        pass
    jury.reload()
    assert jury.inner_text("h1") == "Examens blancs"  # still logged in

    # The candidate by her code: her page, not the sessions.
    alice = browser.new_context().new_page()
    alice.goto(url + "/connexion?suite=//ailleurs.example/")
    alice.fill("#code", codes["Alice Martin"].lower())
    alice.click("text=Entrer")
    alice.wait_for_url(f"{url}/candidat/{sid}")
    alice.goto(url + "/")
    assert alice.url == f"{url}/candidat/{sid}"

    # An expired login says so on the login page.
    T = schema.api_tokens
    with ExamDB().store._write() as conn:
        conn.execute(T.update().where(T.c.login == "jury1").values(expires=time.time() - 60))
    jury.goto(url + "/")
    assert "/connexion" in jury.url and "connexion expirée" in jury.inner_text(".erreur")
    jury.fill("#login", "jury1")
    jury.fill("#password", PASSWORDS["jury1"])
    jury.click("text=Se connecter")
    jury.wait_for_url(url + "/")
    jury.click("text=Se déconnecter")
    jury.wait_for_url("**/connexion**")
    jury.goto(url + "/")
    assert "/connexion" in jury.url
