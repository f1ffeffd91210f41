"""The questionnaire professionnel and the entretien technique in real browsers.

Alice takes her questionnaire logged in by her code: answers of every kind saved as she goes (a
reload loses nothing), a hand-in asked to be confirmed, then her verdicts without any expected
answer, open answers « à évaluer par le jury ». Bruno's time runs out while his page is open: his
next answer is refused by the service and the page says so. jury1 marks Alice's open answer beside
its expected elements (unreadable points refused, nothing lost), the mark bears jury1's login;
once her grid is signed, nothing changes. Then the entretien technique of a candidate whose examen
is over: the guide (a question on what her journal shows), marks per question, the tally, the report's section, refused after signing."""

from __future__ import annotations

import json
import time

import pytest
from webhelpers import PASSWORDS, accounts, browser, quick, shot, simulateur, staff, web  # noqa: F401 — fixtures pytest finds by name

from simulateur.exam.db import ExamDB
from simulateur.quiz import examquiz
from simulateur.quiz.db import QuizDB
from simulateur.store import schema

pytestmark = pytest.mark.integration

SAVED = "enregistrée"


def _session(*names: str) -> tuple[str, dict[str, str]]:
    argv = ["exam", "new", "--count", "1", "--minutes", "20", "--seed", "5", "--group", "TAI questionnaire"]
    for n in names:
        argv += ["--candidate", f"{n}="]
    proc = simulateur(*argv, "--json")
    assert proc.returncode == 0, proc.stderr
    sid = json.loads(proc.stdout)["id"]
    proc = simulateur("exam", "codes", sid, "--json")
    assert proc.returncode == 0, proc.stderr
    return sid, json.loads(proc.stdout)


def _candidate(browser, url: str, code: str, sid: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.goto(url + "/connexion")
    page.fill("#code", code)
    page.click("text=Entrer")
    page.wait_for_url(f"{url}/candidat/{sid}")
    page.click("#questionnaire")
    page.wait_for_url(f"{url}/candidat/{sid}/questionnaire")
    page.click("#commencer-questionnaire")
    page.wait_for_url(f"**/candidat/{sid}/questionnaire?dit=*")
    return page


def _staff(browser, url: str, who: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.goto(url + "/connexion")
    page.fill("#login", who)
    page.fill("#password", PASSWORDS[who])
    page.click("text=Se connecter")
    page.wait_for_url(url + "/")
    return page


def _saved(page, number: int) -> None:  # type: ignore[no-untyped-def]
    state = page.locator(f"#q{number} .etat-reponse")
    try:
        page.wait_for_function(
            f"document.querySelector('#q{number} .etat-reponse').textContent.includes('{SAVED}')", timeout=20_000
        )
    except Exception:  # noqa: BLE001 — said with what the page shows
        raise AssertionError(f"question {number} : « {state.inner_text()} »") from None


def _first(view: dict, kind: str) -> dict:
    return next(q for q in view["questions"] if q["kind"] == kind)


def test_questionnaire_in_the_browser_and_the_jurys_marks(web, browser) -> None:
    _svc, url = web
    db = ExamDB()
    sid, codes = _session("Alice Martin", "Bruno Petit")

    alice = _candidate(browser, url, codes["Alice Martin"], sid)
    assert "45 min" in alice.inner_text("#horloge") or "44 min" in alice.inner_text("#horloge")
    key = examquiz.view(db, sid, "Alice Martin", correction=True)  # not shown to her: computed here
    assert len(key["questions"]) == 21
    single, multiple = _first(key, "single"), _first(key, "multiple")
    numeric, opened = _first(key, "numeric"), _first(key, "open")
    qdb = QuizDB(db.store)
    run = qdb.run(key["id"])
    from simulateur.quiz import marking

    right_single = marking.LETTERS[run.questions[single["number"] - 1].answer - 1]
    right_multiple = [marking.LETTERS[k - 1] for k in run.questions[multiple["number"] - 1].answers]
    from simulateur.quiz import compute

    right_numeric = compute.expected(run.questions[numeric["number"] - 1], run.seed).shown
    elements = list(run.questions[opened["number"] - 1].expected)

    alice.check(f'#q{single["number"]} input[value="{right_single}"]')
    _saved(alice, single["number"])
    for letter in right_multiple:
        alice.check(f'#q{multiple["number"]} input[name="choix-{letter}"]')
    _saved(alice, multiple["number"])
    alice.fill(f"#r{numeric['number']}", right_numeric)
    alice.press(f"#r{numeric['number']}", "Tab")
    _saved(alice, numeric["number"])
    alice.fill(f"#r{opened['number']}", "- je vérifie le service puis je documente")  # a leading dash: kept
    _saved(alice, opened["number"])
    shot(alice, "questionnaire-candidat")

    alice.reload()  # a reload loses nothing
    assert alice.is_checked(f'#q{single["number"]} input[value="{right_single}"]')
    assert all(alice.is_checked(f'#q{multiple["number"]} input[name="choix-{x}"]') for x in right_multiple)
    assert alice.input_value(f"#r{numeric['number']}") == right_numeric
    assert alice.input_value(f"#r{opened['number']}") == "- je vérifie le service puis je documente"
    assert "4 réponses sur 21" in alice.inner_text("#horloge")

    alice.click("#remettre-questionnaire")  # without the confirmation: asked for it
    alice.wait_for_url("**/questionnaire?erreur=*")
    assert "cochez" in alice.inner_text(".erreur")
    alice.check("#sure-q")
    alice.click("#remettre-questionnaire")
    alice.wait_for_url("**/questionnaire?dit=*")
    assert alice.locator("#remis").count() == 1 and alice.locator("form.reponse").count() == 0
    text = alice.inner_text("main")
    assert text.count("juste") >= 3 and "à évaluer par le jury" in text
    assert all(e not in text for e in elements)  # never the expected answers
    assert "Résultat par compétence" in text
    posted = alice.request.post(
        f"{url}/candidat/{sid}/questionnaire",
        form={
            "csrf": alice.locator('input[name="csrf"]').first.get_attribute("value"),
            "action": "answer",
            "numero": str(single["number"]),
            "genre": "single",
            "reponse": "a",
        },
        headers={"X-Simulateur-Fetch": "1"},
    )
    assert posted.status == 409 and "remis" in posted.json()["message"]  # after the hand-in: nothing changes
    assert qdb.answers(run.id)[run.questions[single["number"] - 1].id].answer == right_single

    # Bruno: his time runs out while his page is open.
    bruno = _candidate(browser, url, codes["Bruno Petit"], sid)
    bkey = examquiz.view(db, sid, "Bruno Petit", correction=False)
    b1, b2 = bkey["questions"][0], bkey["questions"][1]
    first = "a" if b1["kind"] in ("single", "multiple") else "12"
    if b1["kind"] == "multiple":
        bruno.check(f'#q{b1["number"]} input[name="choix-a"]')
    elif b1["kind"] == "single":
        bruno.check(f'#q{b1["number"]} input[value="a"]')
    else:
        bruno.fill(f"#r{b1['number']}", first)
        bruno.press(f"#r{b1['number']}", "Tab")
    _saved(bruno, b1["number"])
    with db.store._write() as conn:  # the 45 minutes are over
        conn.execute(
            schema.quiz_runs.update().where(schema.quiz_runs.c.id == bkey["id"]).values(deadline=time.time() - 1)
        )
    if b2["kind"] in ("single", "multiple"):
        bruno.check(
            f'#q{b2["number"]} input[{"value" if b2["kind"] == "single" else "name"}="{"a" if b2["kind"] == "single" else "choix-a"}"]'
        )
    else:
        bruno.fill(f"#r{b2['number']}", "10")
        bruno.press(f"#r{b2['number']}", "Tab")
    bruno.wait_for_function(
        f"document.querySelector('#q{b2['number']} .etat-reponse').textContent.includes('temps écoulé')"
    )
    assert "refusée" in bruno.inner_text(f"#q{b2['number']} .etat-reponse")
    shot(bruno, "questionnaire-temps-ecoule")
    bruno.reload()
    assert bruno.locator("#ecoule").count() == 1 and bruno.locator("form.reponse").count() == 0
    assert set(QuizDB(db.store).answers(bkey["id"])) == {b1["id"]}  # the late one not kept

    # jury1 marks Alice's open answer beside its expected elements.
    jury1 = _staff(browser, url, "jury1")
    jury1.goto(f"{url}/jury/{sid}")  # she has no examen run: listed all the same
    jury1.click("text=questionnaire de Alice Martin")
    jury1.wait_for_url(f"{url}/jury/{sid}/Alice%20Martin/questionnaire")
    section = jury1.locator(f"#q{opened['number']}")
    assert "Éléments attendus" in section.inner_text() and elements[0] in section.inner_text()
    assert "- je vérifie le service puis je documente" in section.inner_text()
    assert "1 réponse," in jury1.inner_text("#resultat-table")  # to mark
    jury2 = _staff(browser, url, "jury2")
    jury2.goto(f"{url}/jury/{sid}/Alice%20Martin/questionnaire")  # loaded before the signature
    section.locator('input[name="points"]').fill("beaucoup")
    section.locator('textarea[name="comment"]').fill("cite la vérification, pas la documentation")
    section.locator("button").click()
    jury1.wait_for_selector("#erreur")
    assert "points illisibles" in jury1.inner_text("#erreur")
    assert jury1.input_value(f"#c{opened['number']}") == "cite la vérification, pas la documentation"  # nothing lost
    half = f"{opened['points'] / 2:g}".replace(".", ",")
    jury1.fill(f"#p{opened['number']}", half)
    jury1.click(f"#q{opened['number']} button")
    jury1.wait_for_url("**/questionnaire?fait=*")
    assert "Note enregistrée" in jury1.inner_text(".fait")
    assert "par jury1" in jury1.inner_text(f"#q{opened['number']}")
    assert "réponse" not in jury1.inner_text("#resultat-table")
    shot(jury1, "questionnaire-jury")
    mark = QuizDB(db.store).marks(run.id)[opened["id"]]
    assert mark.by == "jury1" and mark.points == opened["points"] / 2

    db.sign(sid, "Alice Martin", "jury1")  # her grid signed: nothing after it
    jury2.fill(f"#p{opened['number']}", "0")
    jury2.click(f"#q{opened['number']} button")
    jury2.wait_for_selector("#erreur")
    assert "sign" in jury2.inner_text("#erreur") and "jury1" in jury2.inner_text("#erreur")
    assert QuizDB(db.store).marks(run.id)[opened["id"]].points == opened["points"] / 2
    jury1.reload()
    assert jury1.locator("form.noter").count() == 0 and "🔒" in jury1.inner_text("main")


def test_entretien_in_the_browser(web, browser) -> None:
    _svc, url = web
    sid, _codes = _session("Alice Martin")
    proc = simulateur("exam", "start", sid, "--candidate", "Alice Martin", "--json")
    assert proc.returncode == 0, proc.stderr
    lab = json.loads(proc.stdout)["lab"]
    proc = simulateur("exec", lab, "srv", "--", "systemctl restart dnsmasq")  # her journal: a question on it
    assert proc.returncode == 0, proc.stderr
    jury1 = _staff(browser, url, "jury1")
    jury1.goto(f"{url}/jury/{sid}/Alice%20Martin/entretien")
    assert jury1.locator("#apercu").count() == 1 and jury1.locator("form.noter").count() == 0  # not over: a preview
    proc = simulateur("exam", "end", sid, "--candidate", "Alice Martin")
    assert proc.returncode == 0, proc.stderr

    jury1.goto(f"{url}/jury/{sid}/Alice%20Martin")
    jury1.click("#lien-entretien")
    jury1.wait_for_url(f"{url}/jury/{sid}/Alice%20Martin/entretien")
    assert jury1.locator("#apercu").count() == 0
    first = jury1.locator("#e1")
    assert "d'après son journal" in first.inner_text() and "relancé le service dnsmasq sur srv" in first.inner_text()
    assert "Éléments attendus" in first.inner_text() and "pas de note" in first.inner_text()
    first.locator('textarea[name="comment"]').fill("explique la sauvegarde avant la réinstallation")
    first.locator("button").click()  # no verdict chosen: said, comment kept
    jury1.wait_for_selector("#erreur")
    assert "acquis ou non acquis" in jury1.inner_text("#erreur")
    assert jury1.input_value("#ec1") == "explique la sauvegarde avant la réinstallation"
    jury1.check('#e1 input[value="acquis"]')
    jury1.click("#e1 button")
    jury1.wait_for_url("**/entretien*fait=1*")
    jury1.check('#e2 input[value="non_acquis"]')
    jury1.click("#e2 button")
    jury1.wait_for_url("**/entretien*fait=2*")
    assert "acquis" in jury1.inner_text("#e1") and "par jury1" in jury1.inner_text("#e1")
    assert "non acquis" in jury1.inner_text("#e2")
    tally = jury1.inner_text("#bilan-table")
    assert "TAI.CP" in tally
    shot(jury1, "entretien-jury")

    report = simulateur("report", sid, "--candidate", "Alice Martin", "--format", "md")
    assert report.returncode == 0, report.stderr
    section = report.stdout.split("## Entretien")[1] if "## Entretien" in report.stdout else report.stdout
    assert "explique la sauvegarde avant la réinstallation" in section, section[:3000]

    jury2 = _staff(browser, url, "jury2")
    jury2.goto(f"{url}/jury/{sid}/Alice%20Martin/entretien")  # loaded before the signature
    jury1.goto(f"{url}/jury/{sid}/Alice%20Martin")
    jury1.check("#confirme")
    jury1.click('button:has-text("Signer la grille")')
    jury1.wait_for_url("**fait=signe*")
    jury2.check('#e1 input[value="non_acquis"]')
    jury2.click("#e1 button")
    jury2.wait_for_selector("#erreur")
    assert "sign" in jury2.inner_text("#erreur")
    jury2.reload()
    assert jury2.locator("form.noter").count() == 0 and "acquis" in jury2.inner_text("#e1")
    assert "non acquis" not in jury2.inner_text("#e1")


def test_exam_quiz_through_the_service(web, accounts) -> None:
    """The same commands from candidates' Unix accounts, forwarded to the service: her own paper
    only, nobody answers for her, nothing after her hand-in, the jury's mark signed by its login."""
    from servehelpers import as_user, refused

    _svc, _url = web
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
        "--candidate",
        f"Alice Martin={accounts.users['alice']}",
        "--candidate",
        f"Bruno Petit={accounts.users['bruno']}",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    sid = json.loads(proc.stdout)["id"]
    proc = as_user(accounts, "alice", "exam", "quiz-start", sid)
    assert proc.returncode == 0 and "Questionnaire de Alice Martin commencé" in proc.stdout, proc.stderr
    refused(
        as_user(accounts, "alice", "exam", "quiz-answer", sid, "1", "a", "--candidate", "Bruno Petit"),
        "que pour vous-même",
    )
    refused(as_user(accounts, "jury", "exam", "quiz-answer", sid, "1", "a", "--candidate", "Alice Martin"), "candidat")
    refused(as_user(accounts, "stranger", "exam", "quiz-start", sid), "pas sur la liste")
    mine = json.loads(as_user(accounts, "alice", "exam", "quiz", sid, "--json", "--correction").stdout)
    opened = next(q for q in mine["questions"] if q["kind"] == "open")
    proc = as_user(accounts, "alice", "exam", "quiz-answer", sid, str(opened["number"]), "--", "-v puis je relance")
    assert proc.returncode == 0, proc.stderr
    proc = as_user(accounts, "bruno", "exam", "quiz-answer", sid, "1", "a")
    assert proc.returncode == 2 and "n'a pas encore commencé" in proc.stderr  # his own, not hers
    refused(
        as_user(
            accounts,
            "alice",
            "exam",
            "quiz-mark",
            sid,
            "--candidate",
            "Alice Martin",
            "--question",
            str(opened["number"]),
            "--points",
            "2",
        ),
        "candidat",
    )
    proc = as_user(accounts, "alice", "exam", "quiz-submit", sid)
    assert proc.returncode == 0, proc.stderr
    proc = as_user(accounts, "alice", "exam", "quiz-answer", sid, "1", "a")
    assert proc.returncode == 2 and "remis" in proc.stderr  # nothing changes now
    mine = json.loads(as_user(accounts, "alice", "exam", "quiz", sid, "--json", "--correction").stdout)
    assert all("expected" not in q for q in mine["questions"])  # never for her
    assert mine["questions"][opened["number"] - 1]["verdict"] == "jury"
    proc = as_user(
        accounts,
        "jury",
        "exam",
        "quiz-mark",
        sid,
        "--candidate",
        "Alice Martin",
        "--question",
        str(opened["number"]),
        "--points",
        "1",
        "--comment",
        "vérifie, ne documente pas",
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(
        as_user(accounts, "jury", "exam", "quiz", sid, "--candidate", "Alice Martin", "--json", "--correction").stdout
    )
    q = seen["questions"][opened["number"] - 1]
    assert q["jury_by"] == accounts.users["jury"] and q["got"] == 1 and q["expected_elements"]
