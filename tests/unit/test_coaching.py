"""Coaching after a training attempt (simulateur/coaching): each piece on a stored attempt of a
shipped scenario, with a journal written as the shells write it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from simulateur import referentiel
from simulateur.coaching import coached, coaching
from simulateur.coaching.fiche import check_fiche
from simulateur.coaching.next import suggest, weakest
from simulateur.coaching.selfmarks import save_self_mark, self_marks
from simulateur.coaching.solution import reference_steps
from simulateur.errors import UsageError
from simulateur.journal.store import Entry, Journal
from simulateur.probes import ProbeResult
from simulateur.scenario.loader import find_scenario, load_catalogue
from simulateur.scoring import CheckResult, CriterionResult, Score
from simulateur.session.run import played
from simulateur.session.store import FICHE_FIELDS, Store

SCENARIO = "dhcp-serveur-arrete"


def _scenario():
    loaded = find_scenario(SCENARIO)
    return played(loaded.scenario, loaded.topology, 7)[1]


def _result(verdicts: dict[str, str], probes: dict[str, bool]) -> CheckResult:
    crits = []
    for cid, v in verdicts.items():
        crit, comp = referentiel.all_criteria()[cid][:2]
        crits.append(
            CriterionResult(
                id=cid,
                label=crit.label,
                competence=comp.id,
                competence_label=comp.label,
                verdict=v,
                evidence=[f"preuve de {cid}"],
            )
        )
    return CheckResult(
        lab="co1",
        scenario=SCENARIO,
        seed=7,
        t=time.time(),
        criteria=crits,
        probes=[
            ProbeResult(id=p, ok=ok, observed=f"VALEUR-CACHEE-{p}", expected=f"attendu de {p}")
            for p, ok in probes.items()
        ],
        score=Score(
            acquis=sum(v == "acquis" for v in verdicts.values()),
            evalues=sum(v != "jury" for v in verdicts.values()),
            jury=sum(v == "jury" for v in verdicts.values()),
        ),
    )


def _attempt(
    store: Store,
    tmp: Path,
    aid: str,
    mode: str = "entrainement",
    candidate: str = "alice",
    verdicts: dict[str, str] | None = None,
    submit: bool = True,
) -> str:
    directory = tmp / aid
    directory.mkdir()
    t0 = time.time() - 600
    journal = Journal(directory / "journal.jsonl")
    for i, (host, cmd, rc) in enumerate(
        [
            ("poste", "ip a", 0),
            ("srv", "systemctl status dnsmasq", 3),
            ("poste", "ip route replace default via 10.9.9.9", 0),
            ("srv", "cat /etc/hosts", 0),
            ("poste", "ping -c 1 203.0.113.80", 1),
        ]
    ):
        journal.append(Entry(t=t0 + 10 * i, host=host, cmd=cmd, rc=rc))
    store.begin(
        attempt_id=aid,
        scenario=_scenario(),
        seed=7,
        mode=mode,
        lab="co1",
        attempt_dir=directory,
        started=t0,
        candidate=candidate,
    )
    verdicts = verdicts or {
        "TAI.CP14.2": "acquis",
        "TAI.CP14.3": "jury",
        "TAI.CP14.4": "non_acquis",
        "TAI.CP10.4": "non_acquis",
    }
    result = _result(
        verdicts,
        {"dhcp_actif": False, "offre_dhcp": False, "bail": False, "passerelle": False, "internet": False, "dns": False},
    )
    if submit:
        store.submit(aid, result)
    else:
        store.save_result(aid, result)
    return aid


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.db")


def test_a_missed_criterion_says_what_was_expected_and_the_closest_commands(store, tmp_path):
    aid = _attempt(store, tmp_path, "a1")
    c = coaching(store, aid)
    assert c is not None
    missed = {m.criterion: m for m in c.missed}
    assert set(missed) == {"TAI.CP14.4", "TAI.CP10.4"}
    m = missed["TAI.CP14.4"]
    assert "attendu de dhcp_actif" in m.expected and "attendu de bail" in m.expected
    assert not any("VALEUR-CACHEE" in e for e in m.expected)  # never what the probe observed
    # what the failed probes look at (dnsmasq on srv, 203.0.113.80 from poste) named on their host
    # first — a test before a look —, then the change made on a host they look at; « ip a » and
    # « cat /etc/hosts » name nothing and change nothing: left out
    assert [line.split(" : ", 1)[1] for line in m.closest] == [
        "ping -c 1 203.0.113.80 (code 1)",
        "systemctl status dnsmasq (code 3)",
        "ip route replace default via 10.9.9.9",
    ]
    assert " sur srv : systemctl" in m.closest[1]
    tested = missed["TAI.CP10.4"]
    assert any("test" in e for e in tested.expected)
    assert "ping -c 1 203.0.113.80" in tested.closest[0]


def test_the_reference_solution_is_commands_per_host():
    steps = reference_steps(_scenario())
    assert [(s.host, s.commands) for s in steps] == [("srv", ["systemctl start dnsmasq"]), ("poste", ["dhclient eth0"])]


def test_the_fiche_is_checked_for_completeness_and_named_facts():
    sc = _scenario()
    empty = check_fiche(sc, {})
    assert empty.filled == [] and empty.empty == list(FICHE_FIELDS)
    assert {f.field for f in empty.facts} == {"cause", "solution", "validation"} and not any(f.ok for f in empty.facts)
    fiche = dict.fromkeys(FICHE_FIELDS, "rempli")
    fiche |= {
        "cause": "Le service DNSMASQ était arrêté sur srv",
        "solution": "redémarré le service",
        "validation": "ping 203.0.113.80 et résolution de www.exemple.fr",
    }
    full = check_fiche(sc, fiche)
    assert full.empty == [] and len(full.filled) == len(FICHE_FIELDS)
    facts = {f.field: f for f in full.facts}
    assert facts["cause"].found == ["dnsmasq"]
    assert not facts["solution"].ok  # « le service » names nothing the solution acts on
    assert set(facts["validation"].found) >= {"203.0.113.80", "www.exemple.fr"}


def test_self_assessment_of_jury_criteria_in_training_only(store, tmp_path):
    aid = _attempt(store, tmp_path, "a1")
    assert [(m.criterion, m.verdict) for m in self_marks(store, aid)] == [("TAI.CP14.3", None)]
    save_self_mark(store, aid, "TAI.CP14.3", "acquis")
    assert [(m.criterion, m.verdict) for m in self_marks(store, aid)] == [("TAI.CP14.3", "acquis")]
    assert store.attempt(aid).score.acquis == 1  # never counted in the score
    with pytest.raises(UsageError):
        save_self_mark(store, aid, "TAI.CP14.4", "acquis")  # not a jury criterion
    exam = _attempt(store, tmp_path, "e1", mode="examen")
    with pytest.raises(UsageError):
        save_self_mark(store, exam, "TAI.CP14.3", "acquis")


def test_no_coaching_for_an_exam_or_before_submission(store, tmp_path):
    assert coaching(store, _attempt(store, tmp_path, "e1", mode="examen")) is None
    assert coaching(store, _attempt(store, tmp_path, "r1", submit=False)) is None
    assert coached(store, _attempt(store, tmp_path, "c1", mode="chronometre"))


def test_the_next_scenario_works_the_weakest_competence(store, tmp_path):
    aid = _attempt(
        store, tmp_path, "a1", verdicts={"TAI.CP14.2": "acquis", "TAI.CP14.4": "acquis", "TAI.CP10.4": "non_acquis"}
    )
    _attempt(store, tmp_path, "b1", candidate="bob", verdicts={"TAI.CP14.4": "non_acquis"})  # someone else's
    assert [w[1] for w in weakest(store, "alice")] == ["TAI.CP10"]
    catalogue = load_catalogue().scenarios
    s = suggest(store, store.attempt(aid), catalogue)
    assert s is not None and s.competence == "TAI.CP10" and s.scenario != SCENARIO
    assert "TAI.CP10" in catalogue[s.scenario].scenario.competences
    assert (s.acquired, s.evaluated) == (0, 1)


def test_the_html_report_of_a_training_attempt_holds_the_coaching_never_an_exams(store, tmp_path):
    from simulateur.report import render
    from simulateur.report.model import attempt_report

    aid = _attempt(store, tmp_path, "a1")
    save_self_mark(store, aid, "TAI.CP14.3", "acquis")
    html = render(attempt_report(aid, store), "html")
    assert "Pour progresser" in html and "TAI.CP14.4" in html
    assert "systemctl start dnsmasq" in html and "dhclient eth0" in html
    assert "ip route replace default via 10.9.9.9" in html
    assert "acquis (auto-évalué)" in html and "à évaluer par le jury" in html
    assert "VALEUR-CACHEE" not in html.split('class="coaching"')[1].split("</section>")[0]
    exam = _attempt(store, tmp_path, "e1", mode="examen")
    report = attempt_report(exam, store)
    assert report.interventions[0].coaching is None and "Pour progresser" not in render(report, "html")
