"""A whole examen blanc in real browsers, as a centre runs it (issue 18, item 7): the trainer
creates the session from a roster CSV and prints the candidates' codes; a jury member watches the
live page; two candidates work from their own browsers — Alice starts, reads her ticket, types in
her lab's terminal, fills her fiche and hands in; Bruno starts and hands in at once —; the jury
overrides an automatic verdict with its motive and signs Alice's grid; every report comes in one
zip, opened and checked. A screenshot of each page for docs/web/."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from webhelpers import PASSWORDS, accounts, browser, quick, shot, staff, web  # noqa: F401 — fixtures pytest finds by name

from simulateur.exam.db import ExamDB

pytestmark = pytest.mark.integration

ROSTER = "\ufeffnom;login;machine;tiers_temps\nAlice Martin;;;\nBruno Petit;;;+10\n".encode()
SERVE_ARGS = ["--capacity", "1"]  # one lab at a time: the two candidates work one after the other
MOTIF = "diagnostic juste expliqué à l'oral, devant le jury"


def _staff_page(browser, url: str, who: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900}).new_page()
    page.goto(url + "/connexion")
    page.fill("#login", who)
    page.fill("#password", PASSWORDS[who])
    page.click("text=Se connecter")
    page.wait_for_url(url + "/")
    return page


def _candidate_page(browser, url: str, code: str, sid: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.goto(url + "/connexion")
    page.fill("#code", code)
    page.click("text=Entrer")
    page.wait_for_url(f"{url}/candidat/{sid}")
    return page


def _start(page, sid: str) -> None:  # type: ignore[no-untyped-def]
    assert "pas commencé" in page.inner_text("main") or "n'a pas commencé" in page.inner_text("main")
    page.click("#commencer")
    page.wait_for_url(f"**/candidat/{sid}?dit=*", timeout=300_000)  # her lab is built meanwhile
    assert "Examen commencé" in page.inner_text(".dit")


def _hand_in(page, sid: str) -> None:  # type: ignore[no-untyped-def]
    page.click("#remettre")  # without the confirmation: asked for it
    page.wait_for_url(f"**/candidat/{sid}?erreur=*")
    assert "cochez" in page.inner_text(".erreur")
    page.check("#sure")
    page.click("#remettre")
    page.wait_for_url(f"**/candidat/{sid}?dit=*", timeout=300_000)
    assert "Intervention remise" in page.inner_text(".dit") and page.locator("#fini").count() == 1


def test_a_whole_examen_blanc_in_browsers(web, browser, tmp_path: Path) -> None:
    _svc, url = web
    db = ExamDB()

    # The trainer: a session from a roster CSV, then the codes to hand out.
    trainer = _staff_page(browser, url, "form1")
    trainer.click("text=Nouvelle session")
    trainer.fill("#count", "1")
    trainer.fill("#minutes", "20")
    trainer.fill("#group", "TAI parcours complet")
    trainer.set_input_files("#liste", files=[{"name": "groupe.csv", "mimeType": "text/csv", "buffer": ROSTER}])
    trainer.click("text=Créer la session")
    trainer.wait_for_url("**/candidats?creee=1")
    sid = trainer.url.split("/session/")[1].split("/")[0]
    places = trainer.inner_text("#places")
    assert (
        "2 candidats pour 1 place libre" in places and "le candidat de trop attendra" in places
    )  # said, the session kept
    trainer.click("text=Codes des candidats (navigateur)")
    trainer.click("#generer")
    trainer.wait_for_selector("#codes")
    codes = dict(row.split("\t") for row in trainer.inner_text("#codes tbody").strip().splitlines())
    assert set(codes) == {"Alice Martin", "Bruno Petit"}
    shot(trainer, "session-codes")

    # A jury member follows the session live.
    jury = _staff_page(browser, url, "jury1")
    jury.goto(f"{url}/session/{sid}")
    jury.wait_for_selector("text=mise à jour en direct")

    # Alice, from her browser: start, her ticket, her lab's terminal, her fiche, hand in.
    alice = _candidate_page(browser, url, codes["Alice Martin"], sid)
    shot(alice, "candidat-accueil")
    _start(alice, sid)
    ticket = alice.inner_text(".ticket")
    assert "«" in ticket and "Intervention 1/1" in alice.inner_text("#intervention")
    assert "TAI." not in alice.content() and "sonde" not in alice.content().lower()  # no grid, no probe
    alice.wait_for_function("(document.getElementById('reste') || {textContent: ''}).textContent.includes('min')")
    jury.wait_for_function(
        "() => (document.querySelector('[data-candidat=\"Alice Martin\"]') || {innerText: ''})"
        ".innerText.includes('en cours')",
        timeout=30_000,
    )
    shot(alice, "candidat-intervention")
    alice.click("#terminaux")
    host = alice.locator("a:has-text('Terminal de')").first.inner_text().split("Terminal de ")[1].strip()
    alice.click(f"text=Terminal de {host}")
    alice.wait_for_url(f"{url}/candidat/{sid}/terminal/{host}")
    alice.wait_for_function(
        "(document.getElementById('etat-terminal') || {textContent: ''}).textContent.startsWith('Connecté')",
        timeout=60_000,
    )
    alice.wait_for_function(
        "(document.querySelector('#terminal .xterm-rows') || {innerText: ''}).innerText.includes('#')", timeout=60_000
    )
    alice.click("#terminal")
    alice.keyboard.type("echo diagnostic-$((6*7))\n")
    deadline = time.monotonic() + 30
    while "diagnostic-42" not in alice.inner_text("#terminal .xterm-rows"):
        assert time.monotonic() < deadline, alice.inner_text("#terminal .xterm-rows")
        time.sleep(0.2)
    alice.goto(f"{url}/candidat/{sid}")
    alice.fill("#f-symptome", "plus de réseau sur le poste")
    alice.fill("#f-diagnostic", "ip -br addr : pas d'adresse")
    alice.click("#enregistrer")
    alice.wait_for_url(f"**/candidat/{sid}?dit=*")
    assert alice.input_value("#f-symptome") == "plus de réseau sur le poste"
    attempt = db.run(sid, "Alice Martin").items[0].attempt
    assert db.store.fiche(attempt)["diagnostic"] == "ip -br addr : pas d'adresse"
    _hand_in(alice, sid)

    # Bruno, from his own browser: starts, hands in without repairing.
    bruno = _candidate_page(browser, url, codes["Bruno Petit"], sid)
    _start(bruno, sid)
    assert db.run(sid, "Bruno Petit").deadline - db.run(sid, "Bruno Petit").started == pytest.approx(30 * 60, abs=2)
    _hand_in(bruno, sid)
    jury.wait_for_function(
        "() => (document.querySelector('[data-candidat=\"Bruno Petit\"]') || {innerText: ''})"
        ".innerText.includes('terminé')",
        timeout=30_000,
    )
    shot(jury, "session-direct-fin")
    audit = db.audit_log(sid)
    assert any(e.login == "code:Alice Martin" and e.verb == "shell" for e in audit)  # her terminal, audited

    # Her terminal replayed in the jury's browser (the player is shipped: no network).
    jury.click('[data-candidat="Alice Martin"] >> text=Rejouer ses terminaux')
    jury.wait_for_url(f"{url}/session/{sid}/terminaux/Alice%20Martin")
    jury.locator("ul.enregistrements a").first.click()
    jury.wait_for_function("() => window.lecteurTerminal && window.lecteurTerminal.getDuration() > 0", timeout=30_000)
    jury.evaluate("() => window.lecteurTerminal.seek(window.lecteurTerminal.getDuration())")
    jury.wait_for_function(
        "() => (document.getElementById('lecteur') || {innerText: ''}).innerText.includes('diagnostic-42')",
        timeout=30_000,
    )
    shot(jury, "rejouer-terminal")
    assert alice.request.get(jury.url).status == 403  # not for a candidate

    # The jury: an automatic « non acquis » overridden with its motive, then Alice's grid signed.
    jury.goto(f"{url}/jury/{sid}")
    jury.click("text=Alice Martin")
    jury.wait_for_url(f"{url}/jury/{sid}/Alice%20Martin")
    row = jury.locator("tr.critere").filter(has_text="non acquis").first
    criterion = row.get_attribute("id").split("-", 1)[1]
    row.locator("input[value=acquis]").check()
    row.locator("textarea").fill(MOTIF)
    row.locator("button").click()
    jury.wait_for_url("**fait=note**")
    jury.check("#confirme")
    jury.click("button:has-text('Signer la grille')")
    jury.wait_for_url("**fait=signe**")
    assert db.signature(sid, "Alice Martin") is not None

    # Every report in one zip, opened and checked.
    jury.goto(f"{url}/jury/{sid}")
    with jury.expect_download(timeout=300_000) as got:
        jury.click("text=Télécharger tous les rapports (zip : HTML et PDF)")
    path = tmp_path / "rapports.zip"
    got.value.save_as(path)
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        assert f"rapport-{sid}-alice-martin.html" in names and f"rapport-{sid}-bruno-petit.html" in names, names
        alice_html = zf.read(f"rapport-{sid}-alice-martin.html").decode()
        bruno_html = zf.read(f"rapport-{sid}-bruno-petit.html").decode()
    assert "Alice Martin" in alice_html and "signé par jury1 le " in alice_html
    assert f"jury : acquis, motif : {MOTIF.replace(chr(39), '&#x27;')} (jury1)" in alice_html, criterion
    assert "plus de réseau sur le poste" in alice_html  # her fiche
    assert "Bruno Petit" in bruno_html and "signé par" not in bruno_html
