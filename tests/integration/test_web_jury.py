"""The jury's grid in a real browser: a candidate who started and handed in; jury1 overrides an
automatic « non acquis » (refused without its motive, nothing saved; then saved, said as such);
jury2, on a page loaded before, marks the same criterion: told who marked it, nothing
overwritten; jury1 signs (a confirmation first); a later mark is refused naming who signed and
when. Then the exports: every report in a zip (downloaded, opened: her name, the override's
words, a PDF that opens), the group CSV; and `report SID --all -o FILE.zip` on the command line,
locally and through the service."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from test_serve import _start, as_user, refused
from webhelpers import PASSWORDS, accounts, browser, quick, shot, simulateur, staff, web  # noqa: F401 — fixtures pytest finds by name

from simulateur.exam.db import ExamDB

pytestmark = pytest.mark.integration

MOTIF = "a relancé dnsmasq et vérifié le bail devant le jury"


def _login(browser, url: str, who: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(url + "/connexion")
    page.fill("#login", who)
    page.fill("#password", PASSWORDS[who])
    page.click("text=Se connecter")
    page.wait_for_url(url + "/")
    return page


def _row(page, criterion: str):  # type: ignore[no-untyped-def]
    return page.locator(f'tr[id="c1-{criterion}"]')


def _pdf_text(data: bytes, tmp: Path) -> str:
    assert data.startswith(b"%PDF-")
    path = tmp / "r.pdf"
    path.write_bytes(data)
    proc = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr  # it opens
    return proc.stdout


def test_jury_overrides_signs_and_exports(web, browser, accounts, tmp_path: Path) -> None:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext absent : « make test » installe le paquet poppler-utils")
    _svc, url = web
    proc = as_user(
        accounts,
        "trainer",
        "exam",
        "new",
        "--count",
        "1",
        "--minutes",
        "20",
        "--seed",
        "5",
        "--group",
        "TAI B",
        "--candidate",
        f"Alice Martin={accounts.users['alice']}",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    sid = json.loads(proc.stdout)["id"]
    _start(accounts, "alice", sid)
    proc = as_user(accounts, "alice", "exam", "submit", sid)
    assert proc.returncode == 0, proc.stderr
    refused(as_user(accounts, "alice", "exam", "sign", sid, "--candidate", "Alice Martin"), "n'est pas permis")
    db = ExamDB()
    assert db.run(sid, "Alice Martin").finished is not None

    jury1 = _login(browser, url, "jury1")
    jury1.click(f"text=grilles et exports de {sid}")
    jury1.wait_for_url(f"{url}/jury/{sid}")
    shot(jury1, "jury-session")
    jury1.click("text=Alice Martin")
    jury1.wait_for_url(f"{url}/jury/{sid}/Alice%20Martin")
    jury2 = _login(browser, url, "jury2")
    jury2.goto(f"{url}/jury/{sid}/Alice%20Martin")  # loaded before jury1's mark

    row = _row(jury1, "TAI.CP14.4")
    assert "non acquis" in row.locator("td").nth(0).inner_text()  # the automatic verdict, in words
    # Keyboard: the verdict and the button are reached and used without a mouse.
    row.locator("input[value=acquis]").focus()
    jury1.keyboard.press("Space")
    row.locator("button").focus()
    jury1.keyboard.press("Enter")
    jury1.wait_for_load_state()
    assert "demande son motif" in jury1.inner_text("#erreur")
    assert db.jury(sid, "Alice Martin") == []  # nothing saved
    row = _row(jury1, "TAI.CP14.4")
    assert row.locator("input[value=acquis]").is_checked()  # her choice kept
    row.locator("textarea").fill(MOTIF)
    row.locator("button").click()
    jury1.wait_for_url("**fait=note**")
    assert "Note enregistrée" in jury1.inner_text(".fait")
    row = _row(jury1, "TAI.CP14.4")
    assert "décision du jury contre l'automatique" in row.inner_text() and "par jury1" in row.inner_text()
    [mark] = db.jury(sid, "Alice Martin")
    assert (mark.criterion, mark.verdict, mark.comment, mark.by) == ("TAI.CP14.4", "acquis", MOTIF, "jury1")
    jury1.fill("#ci1", "Calme, méthodique")
    jury1.click("text=Enregistrer le commentaire de l'intervention 1")
    jury1.wait_for_url("**fait=commentaire**")
    shot(jury1, "jury-grille")

    # jury2's page is older than jury1's mark: told who marked it and what; nothing overwritten.
    row2 = _row(jury2, "TAI.CP14.4")
    row2.locator("input[value=non_acquis]").check()
    row2.locator("button").click()
    jury2.wait_for_load_state()
    err = jury2.inner_text("#erreur")
    assert "noté entre-temps par jury1 : acquis" in err and MOTIF in err
    assert db.jury(sid, "Alice Martin")[0].by == "jury1"
    shot(jury2, "jury-conflit")

    # Signing asks for a confirmation, then freezes the grid.
    jury1.click("button:has-text('Signer la grille')")
    jury1.wait_for_load_state()
    assert "cochez la confirmation" in jury1.inner_text("#erreur") and db.signature(sid, "Alice Martin") is None
    jury1.check("#confirme")
    jury1.click("button:has-text('Signer la grille')")
    jury1.wait_for_url("**fait=signe**")
    assert "signé par jury1 le " in jury1.inner_text(".signee") and jury1.locator("form.noter").count() == 0
    shot(jury1, "jury-signee")
    # jury2's page, loaded before the signature, still has its forms: a mark posted is refused.
    row2 = _row(jury2, "TAI.CP14.3")
    row2.locator("input[value=acquis]").check()
    row2.locator("textarea").fill("tard")
    row2.locator("button").click()
    jury2.wait_for_load_state()
    assert "grille signée par jury1 le " in jury2.inner_text("#erreur")
    assert jury2.locator("form.noter").count() == 0 and len(db.jury(sid, "Alice Martin")) == 1
    proc = as_user(
        accounts, "jury", "exam", "jury", sid, "--candidate", "Alice Martin", "--intervention", "1", "--comment", "tard"
    )
    assert proc.returncode != 0 and "grille signée par jury1 le " in proc.stderr, proc.stderr

    # The exports, from the session's page.
    jury1.goto(f"{url}/jury/{sid}")
    assert "signée par jury1" in jury1.inner_text("table.liste")
    with jury1.expect_download(timeout=120_000) as got:
        jury1.click("text=Télécharger tous les rapports (zip : HTML et PDF)")
    path = tmp_path / "rapports.zip"
    got.value.save_as(path)
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        assert names == [f"rapport-{sid}-alice-martin.html", f"rapport-{sid}-alice-martin.pdf"], names
        html = zf.read(names[0]).decode()
        pdf = zf.read(names[1])
    assert "Alice Martin" in html and "signé par jury1 le " in html
    assert f"automatique : non acquis — jury : acquis, motif : {MOTIF} (jury1)" in html
    assert "par décision du jury contre l&#x27;automatique" in html
    text = _pdf_text(pdf, tmp_path)
    assert "Alice Martin" in text and "jury : acquis" in text
    with jury1.expect_download() as got:
        jury1.click("text=Télécharger le suivi du groupe (CSV)")
    data = Path(got.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    alice = next(r for r in rows if len(r) > 2 and r[2] == "Alice Martin")
    assert f"TAI.CP14.4 (jury1) : {MOTIF}" in alice[rows[0].index("commentaires du jury")]
    assert "intervention 1 : Calme, méthodique" in alice[rows[0].index("commentaires du jury")]
    assert rows[rows.index([]) + 1][:1] == ["synthèse par compétence"]

    # The command line: root here, and a jury member through the service (the zip on his own file).
    out = tmp_path / "cli.zip"
    proc = simulateur("report", sid, "--all", "-o", str(out))
    assert proc.returncode == 0 and "1 rapport HTML et autant de PDF" in proc.stdout, proc.stdout + proc.stderr
    with zipfile.ZipFile(out) as zf:
        assert len(zf.namelist()) == 2
    shared = Path(f"/tmp/wj-{os.getpid()}")
    shared.mkdir(mode=0o777, exist_ok=True)
    shared.chmod(0o777)
    try:
        proc = as_user(accounts, "jury", "report", sid, "--all", "-o", str(shared / "jury.zip"))
        assert proc.returncode == 0, proc.stderr
        with zipfile.ZipFile(shared / "jury.zip") as zf:
            assert "Alice Martin" in zf.read(f"rapport-{sid}-alice-martin.html").decode()
            assert zf.read(f"rapport-{sid}-alice-martin.pdf").startswith(b"%PDF-")
    finally:
        shutil.rmtree(shared, ignore_errors=True)
