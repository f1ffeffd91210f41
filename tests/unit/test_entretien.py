"""The entretien technique (simulateur/entretien): the bank's files and their errors, the guide's
reproducible draw, questions from a journal, the jury's marks and their rules, the report's
section and the command end to end."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from simulateur import referentiel
from simulateur.cli import main
from simulateur.entretien import bank as B
from simulateur.entretien import guide as G
from simulateur.entretien import marking
from simulateur.entretien.bank import bank_competences, entretien_competences, load_bank
from simulateur.entretien.db import EntretienDB
from simulateur.entretien.journal import clock, read_journal
from simulateur.epreuve.formats import all_formats, get_format
from simulateur.errors import ScenarioError, UsageError
from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.exam.models import CandidateRun, ExamSession, Intervention, Item
from simulateur.journal.store import Entry, Journal
from simulateur.report import render
from simulateur.report.model import exam_report

T0 = time.mktime((2026, 3, 12, 10, 0, 0, 0, 0, -1))  # 10 h 00, local time


@pytest.fixture(scope="module")
def bank():
    return load_bank()


# --- the bank ----------------------------------------------------------------------------------
def test_the_rc_evaluates_cp2_cp7_cp13_by_the_entretien():
    assert entretien_competences("TAI") == ["TAI.CP2", "TAI.CP7", "TAI.CP13"]
    assert entretien_competences("IDI") == []


def test_the_bank_holds_what_some_formats_entretien_evaluates():
    """The titre's entretien (CP2, CP7, CP13) and the CCPs' own (CCP1: CP2, CP5; CCP2: CP6, CP7;
    CCP3: CP13), read from the formats — not the titre's modality alone."""
    assert bank_competences() == ["TAI.CP2", "TAI.CP5", "TAI.CP6", "TAI.CP7", "TAI.CP13"]
    assert set(bank_competences()) == {
        c
        for f in all_formats()
        for c in (f.phase("entretien_technique").competences if f.phase("entretien_technique") else ())
    }


def test_the_validation_follows_the_formats(tmp_path, monkeypatch):
    """One source of truth: with only CCP3's format, a CP2 question is refused (file:line)."""
    path = tmp_path / "q.yaml"
    path.write_text(HEAD + GOOD + '  - id: autre\n    criterion: TAI.CP2.1\n    text: "?"\n    expected: [a, b]\n')
    monkeypatch.setattr(B, "all_formats", lambda: [get_format("ccp3")])
    with pytest.raises(ScenarioError) as exc:
        load_bank([path])
    assert exc.value.problems == [
        (
            f"{path}:8: le critère TAI.CP2.1 relève de TAI.CP2, qu'aucun entretien technique "
            "du RC n'évalue, ni celui du titre ni celui d'un CCP (possibles : TAI.CP13)"
        )
    ]


def test_bank_size_and_coverage(bank):
    by_comp = bank.by_competence()
    assert sorted(by_comp) == sorted(bank_competences())
    counts = {comp: len(qs) for comp, qs in by_comp.items()}
    assert counts["TAI.CP5"] >= 10 and counts["TAI.CP6"] >= 10, counts  # the CCPs' entretiens (issue 19)
    for comp, qs in by_comp.items():
        assert len(qs) >= 8, comp
        wanted = {c.id for c in referentiel.find_competence(comp).criteria}
        assert wanted == {q.criterion for q in qs}, comp  # every criterion has its questions
    for q in bank.questions.values():
        assert len(q.expected) >= 2 and q.text.rstrip().endswith("?"), q.id


HEAD = 'title: "Essai"\nquestions:\n'
GOOD = """  - id: bonne
    criterion: TAI.CP13.2
    text: "Comment validez-vous l'accès ?"
    expected: ["un test", "un autre"]
"""


def _problems(tmp_path: Path, body: str, name: str = "q.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(HEAD + GOOD + body)
    with pytest.raises(ScenarioError) as exc:
        load_bank([path])
    return exc.value.problems


def test_a_good_file_loads(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(HEAD + GOOD)
    assert list(load_bank([path]).questions) == ["bonne"]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (
            '  - id: autre\n    criterion: TAI.CP9.1\n    text: "?"\n    expected: [a, b]\n',
            8,
            "qu'aucun entretien technique du RC n'évalue, ni celui du titre ni celui d'un CCP",
        ),
        (
            '  - id: autre\n    criterion: TAI.CP2.9\n    text: "?"\n    expected: [a, b]\n',
            8,
            "critère « TAI.CP2.9 » inconnu",
        ),
        ('  - id: bonne\n    criterion: TAI.CP2.1\n    text: "?"\n    expected: [a, b]\n', 7, "apparaît deux fois"),
        ('  - id: autre\n    criterion: TAI.CP2.1\n    text: "?"\n    expected: [a]\n', 10, "expected"),
        (
            '  - id: autre\n    criterion: TAI.CP2.1\n    text: "?"\n    expected: [a, b]\n    reponse: x\n',
            11,
            "reponse",
        ),
    ],
)
def test_file_errors_name_the_file_and_line(tmp_path, body, line, words):
    problems = _problems(tmp_path, body)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'q.yaml'}:{line}: "), problems
    assert words in problems[0]


def test_an_id_in_two_files_names_both(tmp_path):
    (tmp_path / "a.yaml").write_text(HEAD + GOOD)
    (tmp_path / "b.yaml").write_text(HEAD + GOOD)
    with pytest.raises(ScenarioError, match=r"b\.yaml:3: .*existe déjà \(.*a\.yaml:3\)"):
        load_bank([tmp_path / "a.yaml", tmp_path / "b.yaml"])


# --- questions from a journal -------------------------------------------------------------------
def E(dt: float, cmd: str, host: str = "srv", rc: int | None = 0, **kw) -> Entry:
    return Entry(t=T0 + dt + 1, start=T0 + dt, host=host, cmd=cmd, rc=rc, **kw)


JOURNAL = [
    E(30, "cat /etc/dnsmasq.conf"),
    E(60, "cp /etc/dnsmasq.conf /root/dnsmasq.conf.bak"),
    E(12 * 60, "nano /etc/dnsmasq.conf"),
    E(13 * 60, "sed -i 's/^#dhcp-range/dhcp-range/' /etc/dnsmasq.d/lan.conf"),
    E(14 * 60, "systemctl restart dnsmasq.service && systemctl status dnsmasq"),
    E(15 * 60, "nano /etc/dnsmasq.conf"),
    E(16 * 60, "dhcpcd-test", rc=127),
    E(17 * 60, "ping -c1 8.8.8.8", host="poste"),
    E(18 * 60, "câble poste:eth0 branché sur sw", source="event"),
]


def test_what_the_journal_shows_she_did():
    done = read_journal(JOURNAL)
    assert [(d.topic, d.subject, d.host, d.count) for d in done] == [
        ("file", "/etc/dnsmasq.d/lan.conf", "srv", 1),
        ("service", "dnsmasq", "srv", 1),
        ("file", "/etc/dnsmasq.conf", "srv", 2),  # edited twice: one question, its last time
        ("test", "ping -c1 8.8.8.8", "poste", 1),
    ]
    assert done[2].t == T0 + 15 * 60


def test_journal_questions_say_what_and_when_never_the_answer():
    qs = G.pick_journal([(1, ["TAI.CP14"], read_journal(JOURNAL))])
    assert [q.id for q in qs] == ["j1", "j2", "j3", "j4"]
    by_text = {q.text: q for q in qs}
    dns = next(q for q in qs if "/etc/dnsmasq.conf" in q.text)
    assert (
        dns.text
        == f"Vous avez modifié /etc/dnsmasq.conf sur srv à {clock(T0 + 900)} (2 fois en tout) : pourquoi ? Qu'y avez-vous changé ?"
    )
    assert clock(T0 + 900) == "10 h 15"
    assert dns.criterion is None and dns.competences == ["TAI.CP14"] and dns.intervention == 1
    restart = next(q for q in qs if "dnsmasq" in q.text and "relancé" in q.text)
    assert restart.criterion is None  # TAI.CP14's only « tests » are the diagnostic's
    fallback = G.pick_journal([(1, ["TAI.CP14"], read_journal(JOURNAL))], fallback=["TAI.CP2"])
    assert [q.criterion for q in fallback] == [None, "TAI.CP2.4", None, "TAI.CP2.4"]  # « tests … recette »
    printer = G.pick_journal([(1, ["TAI.CP10"], read_journal(JOURNAL))])
    assert printer[1].criterion == "TAI.CP10.4"  # « Le bon fonctionnement du serveur et/ou des services est testé »
    for q in by_text.values():
        assert len(q.expected) >= 3
        for e in q.expected:  # the jury's elements are never read in the question
            assert e not in q.text
        assert "sauvegard" not in q.text and "copie" not in q.text


def test_a_change_without_a_test_after_it_is_asked_about():
    done = read_journal(
        [E(0, "ping -c1 srv", host="poste"), E(60, "echo 'nameserver 10.0.0.1' > /etc/resolv.conf", host="poste")]
    )
    assert [(d.topic, d.subject) for d in done] == [
        ("file", "/etc/resolv.conf"),
        ("untested", "echo 'nameserver 10.0.0.1' > /etc/resolv.conf"),
    ]
    assert read_journal([E(0, "ls /etc"), E(1, "cat /etc/hosts")]) == []
    saved = read_journal([E(0, "ip a > /root/etat.txt; ssh srv 'systemctl reload cups'")])
    assert [(d.topic, d.subject, d.host) for d in saved] == [
        ("service", "cups", "srv"),
        ("untested", "ip a > /root/etat.txt; ssh srv 'systemctl reload cups'", "srv"),
    ]
    long = read_journal([E(0, "cat > /etc/hosts <<EOF\n" + "10.0.0.1 srv\n" * 20 + "EOF")])
    q = G.pick_journal([(1, [], long)])[-1]
    assert "<<EOF 10.0.0.1 srv" in q.text and "…" in q.text and len(q.text) < 300


def test_journal_questions_take_every_intervention_in_turn():
    one = read_journal(JOURNAL)
    two = read_journal([E(0, "vi /etc/cups/cupsd.conf", host="imp")])
    qs = G.pick_journal([(1, [], one), (2, [], two)])
    assert [q.intervention for q in qs] == [1, 2, 1, 2]  # its file, then its untested change
    assert len(qs) == G.JOURNAL_MAX


# --- the guide's draw --------------------------------------------------------------------------
def _build(bank, seed: int, name: str, journal=()):
    return G.build("eb1", name, seed, "TAI", bank, list(journal), now=T0)


def test_the_draw_is_reproducible_and_per_candidate(bank):
    a = _build(bank, 7, "Alice Martin")
    assert [q.id for q in a.questions] == [q.id for q in _build(bank, 7, "  alice   MARTIN ").questions]
    others = {tuple(q.id for q in _build(bank, 7, f"Candidat {n}").questions) for n in range(6)}
    assert len(others) > 1
    assert len(a.questions) == G.MINUTES // G.MINUTES_PER_QUESTION == 10
    assert len({q.id for q in a.questions}) == 10
    comps = [q.competences[0] for q in a.questions]
    assert {c: comps.count(c) for c in set(comps)} == {"TAI.CP2": 4, "TAI.CP7": 3, "TAI.CP13": 3}
    cp2 = [q.criterion for q in a.questions if q.competences == ["TAI.CP2"]]
    assert len(set(cp2)) == 4  # its criteria in turn, not four times the same


def test_journal_questions_come_first_and_the_total_stays_twenty_minutes(bank):
    g = _build(bank, 7, "Alice Martin", [(1, ["TAI.CP14"], read_journal(JOURNAL))])
    assert [q.source for q in g.questions] == ["journal"] * 4 + ["banque"] * 6
    assert g.find("1").id == "j1" and g.find("j3").id == "j3" and g.find("11") is None and g.find("x") is None


@pytest.mark.parametrize(
    ("fmt", "comps"), [("ccp1", ["TAI.CP2", "TAI.CP5"]), ("ccp2", ["TAI.CP6", "TAI.CP7"]), ("ccp3", ["TAI.CP13"])]
)
def test_a_ccps_guide_asks_its_own_competences(bank, fmt, comps):
    """A CCP's entretien (30 min, its format's competences, as epreuve.phases builds it): questions
    for each of them — CP5 and CP6 too —, each competence's criteria all asked, none from elsewhere."""
    phase = get_format(fmt).phase("entretien_technique")
    assert list(phase.competences) == comps and phase.minutes == 30
    g = G.build(
        "ep1", "Alice Martin", 7, "TAI", bank, [], now=T0, competences=list(phase.competences), minutes=phase.minutes
    )
    pool = sum(len(bank.by_competence()[c]) for c in comps)
    assert len(g.questions) == min(15, pool) and {q.source for q in g.questions} == {"banque"}  # 30 min
    assert len({q.id for q in g.questions}) == len(g.questions)
    asked = [q.competences[0] for q in g.questions]
    assert sorted(set(asked)) == sorted(comps)
    for comp in comps:
        wanted = {c.id for c in referentiel.find_competence(comp).criteria}
        assert {q.criterion for q in g.questions if q.competences == [comp]} == wanted, comp


# --- marks, the store, the report, the command ----------------------------------------------------
def _session(db: ExamDB, tmp_path: Path, *, finished: bool) -> str:
    iv = Intervention(
        index=1, scenario="dhcp-serveur-arrete", title="DHCP", referentiel="TAI", competences=["TAI.CP14"], duration=20
    )
    sid = db.create_session(lambda sid: ExamSession(id=sid, seed=42, count=1, minutes=40, interventions=[iv])).id
    attempt_dir = tmp_path / "att1"
    attempt_dir.mkdir()
    journal = Journal(attempt_dir / "journal.jsonl")
    for e in JOURNAL:
        journal.append(e)
    db.store.begin(
        attempt_id="att1",
        scenario="dhcp-serveur-arrete",
        seed=1,
        mode="examen",
        lab=None,
        attempt_dir=attempt_dir,
        started=T0,
        owned=False,
    )
    now = time.time()
    db.create_run(
        CandidateRun(session=sid, candidate="Alice Martin", started=now, deadline=now + 3600, items=[Item(index=1)])
    )
    db.update_item(sid, "Alice Martin", Item(index=1, status="remise", attempt="att1", started=T0, ended=T0 + 1200))
    if finished:
        db.finish_run(sid, "Alice Martin", now)
    return sid


def test_before_her_end_the_guide_is_a_preview_and_cannot_be_marked(tmp_path):
    db = ExamDB()
    sid = _session(db, tmp_path, finished=False)
    guide, frozen = marking.guide_of(db, sid, "alice martin")
    assert not frozen and guide.questions[0].source == "journal"
    assert EntretienDB(db.store).guide(sid, "Alice Martin") is None
    with pytest.raises(UsageError, match="n'est pas terminé"):
        marking.mark(db, sid, "Alice Martin", "1", verdict="acquis", comment=None, by="jade")


def test_marking_rules_and_the_report_section(tmp_path):
    db = ExamDB()
    sid = _session(db, tmp_path, finished=True)
    guide, frozen = marking.guide_of(db, sid, "Alice Martin")
    assert frozen
    again, _ = marking.guide_of(db, sid, "ALICE MARTIN", now=T0 + 99)
    assert again == guide  # frozen: the same for every jury member
    n, q, m = marking.mark(db, sid, "Alice Martin", "1", verdict="acquis", comment="clair", by="jade")
    assert (n, q.id, m.verdict, m.comment, m.by) == (1, "j1", "acquis", "clair", "jade")
    last = guide.questions[-1]
    marking.mark(db, sid, "Alice Martin", last.id, verdict="non_acquis", comment=None, by="jade")
    marking.mark(db, sid, "Alice Martin", last.id, verdict=None, comment="hésitant", by="jade")
    marks = EntretienDB(db.store).marks(sid, "Alice Martin")
    assert (marks[last.id].verdict, marks[last.id].comment) == ("non_acquis", "hésitant")
    with pytest.raises(UsageError, match="--verdict"):
        marking.mark(db, sid, "Alice Martin", "2", verdict=None, comment="x", by="jade")
    with pytest.raises(UsageError, match="question « 11 » inconnue.*1 à 10"):
        marking.mark(db, sid, "Alice Martin", "11", verdict="acquis", comment=None, by="jade")

    tallies = {t.id: t for t in marking.tally(guide.questions, marks)}
    assert tallies[last.competences[0]].non_acquis == 1
    assert sum(t.questions for t in tallies.values()) >= len(guide.questions)

    rep = exam_report(sid, "Alice Martin", db)
    assert rep.entretien is not None and len(rep.entretien.questions) == 10
    assert (rep.entretien.questions[0].verdict, rep.entretien.questions[0].comment) == ("acquis", "clair")
    assert json.loads(render(rep, "json"))["entretien"]["questions"][-1]["comment"] == "hésitant"
    md = render(rep, "md")
    assert "## Entretien technique" in md and "hésitant" in md and "/etc/dnsmasq.conf" in md
    html = render(rep, "html")
    assert "<h2>Entretien technique</h2>" in html and "hésitant" in html

    core.sign(db, sid, "Alice Martin", "jade")
    with pytest.raises(UsageError, match="sign"):
        marking.mark(db, sid, "Alice Martin", "1", verdict="non_acquis", comment=None, by="jade")


def test_a_report_without_a_guide_says_so(tmp_path):
    db = ExamDB()
    sid = _session(db, tmp_path, finished=True)
    rep = exam_report(sid, "Alice Martin", db)
    assert rep.entretien is None
    assert "Pas de guide d'entretien" in render(rep, "md")


def test_the_command(tmp_path, capsys):
    db = ExamDB()
    sid = _session(db, tmp_path, finished=True)
    assert main(["exam", "entretien", sid, "--candidate", "Alice Martin"]) == 0
    out = capsys.readouterr().out
    assert "Guide d'entretien technique — Alice Martin" in out and "Éléments attendus" in out
    assert "Vous avez modifié /etc/dnsmasq.conf sur srv" in out
    assert (
        main(
            [
                "exam",
                "entretien",
                sid,
                "--candidate",
                "Alice Martin",
                "--question",
                "2",
                "--verdict",
                "non_acquis",
                "--comment",
                "ne sait pas",
            ]
        )
        == 0
    )
    assert "Question 2 (j2) : non acquis" in capsys.readouterr().out
    assert main(["exam", "entretien", sid, "--candidate", "Alice Martin", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["frozen"] and data["questions"][1]["mark"]["comment"] == "ne sait pas"
    assert main(["exam", "entretien", sid, "--candidate", "Alice Martin", "--verdict", "acquis"]) == 2
    assert "--question" in capsys.readouterr().err


def test_trainers_check_their_files(tmp_path, capsys):
    good, bad = tmp_path / "bon.yaml", tmp_path / "mauvais.yaml"
    good.write_text(HEAD + GOOD)
    bad.write_text(HEAD + GOOD.replace("TAI.CP13.2", "TAI.CP9.1"))  # CP9: questionnaire, mise en situation
    ccp1 = tmp_path / "ccp1.yaml"
    ccp1.write_text(HEAD + GOOD.replace("TAI.CP13.2", "TAI.CP5.1"))  # CP5: CCP1's entretien
    assert main(["entretien", "validate", str(good), str(ccp1)]) == 0
    assert capsys.readouterr().out.count("1 question, valide") == 2
    assert main(["entretien", "validate", str(bad), str(tmp_path / "absent.yaml")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{bad}:4: le critère TAI.CP9.1 relève de TAI.CP9") and "introuvable" in err[1]
    assert main(["entretien", "bank"]) == 0
    out = capsys.readouterr().out
    assert "TAI.CP7 — Assister les utilisateurs d'informatique mobile : 12 questions, 4 critères" in out
    assert "TAI.CP5 — Sécuriser un équipement informatique et ses données : " in out
    assert "TAI.CP6 — Apporter un support technique dans un contexte commercial : " in out


def test_two_juries_freezing_at_once_keep_the_first_guide(bank):
    edb = EntretienDB()
    first, second = _build(bank, 1, "Alice Martin"), _build(bank, 2, "Alice Martin")
    assert [q.id for q in first.questions] != [q.id for q in second.questions]
    assert edb.freeze(first) == first
    assert edb.freeze(second) == first  # the second one is told the kept guide
    assert edb.guide("eb1", "ALICE  martin") == first
