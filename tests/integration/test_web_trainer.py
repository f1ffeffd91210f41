"""The trainer's pages and the live session page, in a real browser: a new session with a roster
CSV (a bad line refused and named, nothing created; then a good one), a roster import (the same),
the live page of a jury member showing a candidate's start within 1 s without reload, her probes
(« Sonder »), the trainer extending and pausing her time (her lab commands refused while
paused), and her code refused on the live page."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import psutil
import pytest
from webhelpers import PASSWORDS, accounts, browser, quick, shot, simulateur, staff, web  # noqa: F401 — fixtures pytest finds by name

from simulateur.exam.db import ExamDB

pytestmark = pytest.mark.integration

GOOD = "\ufeffnom;login;machine;tiers_temps\nAlice Martin;;;\nBruno Petit;;salle-2;+15\n".encode()
BAD = b"nom;login;machine;tiers_temps\nAlice Martin;;;\nBruno Petit;;;le double\n"


def api(url: str, path: str, payload: dict, token: str | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url + path, data=json.dumps(payload).encode(), method="POST")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def log_in(page, url: str, who: str) -> None:
    page.goto(url + "/connexion")
    page.fill("#login", who)
    page.fill("#password", PASSWORDS[who])
    page.click("text=Se connecter")
    page.wait_for_url(url + "/")


def upload(page, data: bytes, name: str = "liste.csv") -> None:
    page.set_input_files("#liste", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def test_roster_session_live_page_extend_pause(web, browser) -> None:
    _svc, url = web
    db = ExamDB()
    before = len(db.sessions())

    trainer = browser.new_context().new_page()
    log_in(trainer, url, "form1")
    trainer.click("text=Nouvelle session")
    trainer.fill("#count", "1")
    trainer.fill("#minutes", "20")
    trainer.fill("#group", "TAI B")
    upload(trainer, BAD)
    trainer.click("text=Créer la session")
    error = trainer.inner_text(".erreur")
    assert "liste.csv, ligne 3" in error and "tiers-temps « le double »" in error and "rien" in error, error
    assert len(db.sessions()) == before  # nothing created
    assert trainer.input_value("#group") == "TAI B"  # nothing lost on the page
    shot(trainer, "session-nouvelle")
    upload(trainer, GOOD)
    trainer.click("text=Créer la session")
    trainer.wait_for_url("**/candidats?creee=1")
    sid = trainer.url.split("/session/")[1].split("/")[0]
    session = db.session(sid)
    assert session is not None and session.count == 1 and session.group == "TAI B"
    assert session.extra == {"Bruno Petit": "+15"} and session.machines == {"Bruno Petit": "salle-2"}
    assert "salle-2" in trainer.inner_text("#candidats") and "+15" in trainer.inner_text("#candidats")

    # A roster import: a bad line refused and named, nothing taken; then a good file.
    upload(trainer, "nom;tiers_temps\nChloé Roux;4/3\nalice martin;\n".encode(), "--ajout.csv")
    trainer.click('button:has-text("Importer")')
    error = trainer.inner_text(".erreur")
    assert "--ajout.csv, ligne 3" in error and "deux fois" in error, error
    assert len(db.session(sid).roster) == 2
    upload(trainer, "nom;tiers_temps\nChloé Roux;4/3\n".encode(), "ajout.csv")
    trainer.click('button:has-text("Importer")')
    assert "3 candidats" in trainer.inner_text(".fait")
    assert db.session(sid).extra_of("chloé roux") == "4/3"
    shot(trainer, "session-candidats")

    # A jury member watches the live page; Alice starts with her code (the API): shown within 1 s.
    jury = browser.new_context().new_page()
    log_in(jury, url, "jury1")
    jury.goto(f"{url}/session/{sid}")
    jury.wait_for_selector("text=mise à jour en direct")
    alice_card = '[data-candidat="Alice Martin"]'
    assert "pas commencé" in jury.inner_text(alice_card)
    jury.evaluate("""() => { window.seen = null;
        new MutationObserver(() => { const c = document.querySelector('[data-candidat="Alice Martin"]');
          if (window.seen === null && c && !c.innerText.includes('pas commencé')) window.seen = Date.now() / 1000; })
        .observe(document.getElementById('vivant'), {childList: true, subtree: true, characterData: true}); }""")
    codes = json.loads(simulateur("exam", "codes", sid, "--json").stdout)
    status, reply = api(url, "/api/login", {"code": codes["Alice Martin"]})
    assert status == 200, reply
    token = reply["token"]
    started: dict = {}
    thread = threading.Thread(
        target=lambda: started.update(api(url, "/api/run", {"argv": ["exam", "start", sid, "--json"]}, token)[1])
    )
    thread.start()
    jury.wait_for_function("() => window.seen !== null", timeout=30000)
    run = db.run(sid, "Alice Martin")
    assert run is not None
    latency = jury.evaluate("() => window.seen") - run.started
    assert latency < 1.0, latency
    thread.join(timeout=300)
    assert started.get("code") == 0, started
    lab = json.loads(started["stdout"])["lab"]
    host = json.loads(started["stdout"])["hosts"][0]
    jury.wait_for_function(f"() => document.querySelector('{alice_card}')?.innerText.includes('en marche')")
    assert "1/1 en cours" in jury.inner_text(alice_card)

    # « Sonder »: the probes, green or red, said in words too.
    jury.click(f'{alice_card} button:has-text("Sonder")')
    jury.wait_for_function(f"() => document.querySelector('{alice_card} .sonde') !== null")
    assert any(w in jury.inner_text(f"{alice_card} .sondes") for w in ("vert", "rouge"))
    shot(jury, "session-direct")

    # The trainer gives her 10 minutes more, then pauses her: her lab commands are refused.
    deadline = db.run(sid, "Alice Martin").deadline
    trainer.goto(f"{url}/session/{sid}")
    trainer.fill(f"{alice_card} input[name=minutes]", "10")
    trainer.click(f'{alice_card} button:has-text("+ minutes")')
    trainer.wait_for_selector(".fait")
    assert db.run(sid, "Alice Martin").deadline == pytest.approx(deadline + 600)
    assert "prolongé de 10 min par form1" in db.run(sid, "Alice Martin").items[0].note
    assert any(e.verb == "exam extend" and e.login == "form1" for e in db.audit_log(sid))
    running: dict = {}
    long = threading.Thread(
        target=lambda: running.update(
            api(url, "/api/run", {"argv": ["exec", lab, host, "--", "sleep", "120"]}, token)[1]
        )
    )
    long.start()
    deadline_wait = time.monotonic() + 60
    while not any(
        p.info["cmdline"] and "sleep 120" in " ".join(p.info["cmdline"]) for p in psutil.process_iter(["cmdline"])
    ):
        assert time.monotonic() < deadline_wait, running  # her exec under way in her lab
        time.sleep(0.1)
    trainer.click(f'{alice_card} button:has-text("Pause")')
    trainer.wait_for_function(f"() => document.querySelector('{alice_card} .statut')?.innerText === 'en pause'")
    status, reply = api(url, "/api/run", {"argv": ["exec", lab, host, "--", "true"]}, token)
    assert reply.get("code") == 3 and "en pause" in reply.get("error", ""), reply
    long.join(timeout=30)  # her command under way when paused: ended by the keeper
    assert not long.is_alive() and running.get("code") != 0 and "en pause" not in running.get("error", ""), running
    shot(trainer, "session-direct-formateur")
    trainer.click(f'{alice_card} button:has-text("Reprendre")')
    trainer.wait_for_function(
        f"() => (s => s !== null && s.innerText !== 'en pause')(document.querySelector('{alice_card} .statut'))"
    )
    status, reply = api(url, "/api/run", {"argv": ["exec", lab, host, "--", "true"]}, token)
    assert reply.get("code") == 0, reply

    # The jury cannot extend (no button, and the verb is refused); her code cannot open the page.
    assert jury.locator(f'{alice_card} button:has-text("+ minutes")').count() == 0
    alice = browser.new_context().new_page()
    alice.goto(url + "/connexion")
    alice.fill("#code", codes["Alice Martin"])
    alice.click("text=Entrer")
    alice.wait_for_url(f"{url}/candidat/{sid}")
    response = alice.goto(f"{url}/session/{sid}")
    assert response.status == 403 and "réservée" in alice.inner_text(".erreur")
    assert "sonde" not in alice.content().lower()
    assert alice.request.get(f"{url}/session/{sid}/flux").status == 403
