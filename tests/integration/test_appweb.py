"""The candidate's app through the service (issue 18 item 6): the app run by an ordinary account
logged in by her code asks the service for every step (tui/candidate.py), and the service runs it
in her browser, as `nobody` with a token of her own (web/appweb.py)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from test_api import http
from webhelpers import accounts, browser, quick, shot, simulateur, staff, web  # noqa: F401 — fixtures pytest finds by name

from simulateur.exam.db import ExamDB

pytestmark = pytest.mark.integration


def _session() -> tuple[str, dict[str, str]]:
    proc = simulateur(
        "exam",
        "new",
        "--count",
        "1",
        "--minutes",
        "20",
        "--seed",
        "5",
        "--candidate",
        "Alice Martin",
        "--candidate",
        "Bruno Petit",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    sid = json.loads(proc.stdout)["id"]
    return sid, json.loads(simulateur("exam", "codes", sid, "--json").stdout)


def _text(app, selector: str) -> str:
    return str(app.query_one(selector).render())


async def _until(pilot, check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        app = pilot.app
        assert time.monotonic() < deadline, [_text(app, w) for w in ("#who", "#left", "#state", "#message")]
        await pilot.pause(0.2)


def test_app_as_a_client_of_the_service(web) -> None:
    """Alice's app, logged in by her code: her session and name from the service, not started;
    « Commencer » starts her run through the service (her ticket, her time left counting down);
    « Remettre » hands in through the service: her run is finished, as the store says. Bruno's
    token asks for his own run (not started), whatever her app did (the same roles as the CLI)."""
    from simulateur.tui.candidate import CandidateApp, ExamClient

    _svc, url = web
    sid, codes = _session()
    status, reply = http(url, "/api/login", {"code": codes["Alice Martin"]})
    assert status == 200, reply
    app = CandidateApp(ExamClient({"url": url, "token": reply["token"]}), poll=0.5)
    asyncio.run(_drive(app, sid))
    run = ExamDB().run(sid, "Alice Martin")
    assert run is not None and run.finished is not None

    status, bruno = http(url, "/api/login", {"code": codes["Bruno Petit"]})
    client = ExamClient({"url": url, "token": bruno["token"]})
    assert client.status(sid) is None  # his own run: not started


async def _drive(app, sid: str) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await _until(pilot, lambda: "Alice Martin" in _text(app, "#who"), 60)
        assert sid in _text(app, "#who")
        await _until(pilot, lambda: "Pas encore commencé" in _text(app, "#state"), 60)
        assert not app.query_one("#start").disabled and app.query_one("#submit").disabled
        await pilot.click("#start")
        await _until(pilot, lambda: "Temps restant" in _text(app, "#left"), 600)
        run = ExamDB().run(sid, "Alice Martin")
        assert run is not None and run.finished is None
        await _until(pilot, lambda: "Intervention 1/1" in _text(app, "#ticket"), 60)
        first = _text(app, "#left")
        await _until(pilot, lambda: _text(app, "#left") != first, 10)  # counting down
        assert "poste" in [str(o[0]) for o in app.query_one("#host")._options]  # her hosts, named
        await _until(pilot, lambda: not app.query_one("#submit").disabled, 30)
        await pilot.click("#submit")
        await pilot.pause(0.5)
        await pilot.click("#yes")
        await _until(pilot, lambda: "terminé" in _text(app, "#state"), 600)


def test_app_in_the_browser(web, browser) -> None:
    """Alice, logged in by her code in a browser, opens the app page: the app (run by the service
    as `nobody`, her own token) shows her examen; Enter on « Commencer » starts it; her time left
    shows. her cookie from another site's page opens no app."""
    _svc, url = web
    sid, codes = _session()
    page = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
    page.goto(url + "/connexion")
    page.fill("#code", codes["Alice Martin"])
    page.click("text=Entrer")
    page.wait_for_url(f"{url}/candidat/{sid}")
    page.click("text=Ouvrir l'application du simulateur")
    page.wait_for_url(f"{url}/candidat/{sid}/app")
    rows = "document.querySelector('#terminal .xterm-rows').innerText.replace(/\u00a0/g, ' ')"
    page.wait_for_function(f"{rows}.includes('Alice Martin')", timeout=90_000)
    page.wait_for_function(f"{rows}.includes('Pas encore commencé')", timeout=60_000)
    shot(page, "app-candidat")
    page.focus("#terminal .xterm-helper-textarea")  # her keys to the app (no click: a click is the app's)
    page.keyboard.press("Enter")  # the app's focus is on « Commencer »
    page.wait_for_function(f"{rows}.includes('Temps restant')", timeout=300_000)
    page.wait_for_function(f"{rows}.includes('Intervention 1/1')", timeout=60_000)
    page.wait_for_function(f"{rows}.includes('Intervention 1 — laboratoire')", timeout=60_000)
    shot(page, "app-candidat-en-cours")
    run = ExamDB().run(sid, "Alice Martin")
    assert run is not None and run.finished is None

    # Her cookie, from another site's page (its Origin): no app.
    from websockets.sync.client import connect

    cookie = next(c for c in page.context.cookies() if c["name"] == "simulateur_jeton")
    with connect(
        url.replace("http://", "ws://") + f"/candidat/{sid}/app/ws",
        additional_headers={"Cookie": f"simulateur_jeton={cookie['value']}", "Origin": "http://ailleurs.example"},
        open_timeout=30,
    ) as ws:
        said = json.loads(ws.recv(timeout=30))
    assert said["end"] == 4 and "connexion requise" in said["error"], said
    page.context.close()
