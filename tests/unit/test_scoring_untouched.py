"""Nothing done, nothing credited: when the trainee changed nothing (no change that ran, no
escalation), a probe that passes — the parts the fault left intact, or a symptom the fault did not
cause — proves nothing about the intervention, and a jury signs no criterion on it (issue 16)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from simulateur import scoring
from simulateur.journal.store import Entry
from simulateur.probes import ProbeResult
from simulateur.scenario.loader import find_scenario
from simulateur.session.attempt import Escalation


@pytest.fixture
def all_probes_pass(monkeypatch):
    monkeypatch.setattr(
        scoring,
        "run_probes",
        lambda scenario, lab: [
            ProbeResult(id=p.id, ok=True, observed=f"{p.id} ok", expected="") for p in scenario.probes
        ],
    )


def grid(entries: list[Entry], escalation: Escalation | None = None) -> dict[str, tuple[str, list[str]]]:
    scenario = find_scenario("partage-droits-service").scenario
    lab = SimpleNamespace(id="x", state=SimpleNamespace(seed=1))
    result = scoring.evaluate(scenario, lab, entries, None, escalation)  # type: ignore[arg-type]
    return {c.id: (c.verdict, c.evidence) for c in result.criteria}


def journal(*lines: tuple[str, int | None]) -> list[Entry]:
    return [Entry(t=1000.0 + i, host="srv", cmd=cmd, rc=rc) for i, (cmd, rc) in enumerate(lines)]


@pytest.mark.parametrize(
    "entries",
    [
        [],
        journal(("ls -ld /srv/partages/*", 0), ("testparm -s", 0)),  # looked only
        journal(("ls -ld /srv/partages/*", 0), ("setfacl -m g::rwx /srv/x", 127)),  # the change could not run
    ],
)
def test_guard_probes_credit_nothing_when_nothing_was_changed(all_probes_pass, entries):
    verdict, evidence = grid(entries)["TAI.CT3.1"]
    assert verdict == "non_acquis"
    assert all(e.startswith("✗ ") and "aucune modification" in e for e in evidence)
    assert grid(entries)["TAI.CP1.2"][0] == "jury"  # what only the jury sees stays the jury's


def test_the_same_probes_count_once_something_was_changed(all_probes_pass):
    verdict, evidence = grid(journal(("ls -ld /srv/partages/*", 0), ("chmod 2770 /srv/partages/Comptabilite", 0)))[
        "TAI.CT3.1"
    ]
    assert verdict == "acquis", evidence
    assert all(e.startswith("✓ ") for e in evidence)


def test_an_escalation_is_an_intervention(all_probes_pass):
    esc = Escalation(to="prestataire", reason="panne chez l'opérateur", done="tests", t=1000.0)
    assert grid([], esc)["TAI.CT3.1"][0] == "acquis"


def test_a_change_made_by_a_script_is_an_intervention(all_probes_pass):
    """The journal's line names a script; the kernel record (entry.ran) shows the change it made."""
    entries = [
        Entry(t=1000.0, host="srv", cmd="ls -ld /srv/partages/*", rc=0),
        Entry(
            t=1001.0,
            host="srv",
            cmd="bash /root/droits.sh",
            rc=0,
            source="kernel",
            ran=["chmod 2770 /srv/partages/Comptabilite"],
        ),
    ]
    assert scoring.acted(entries)
    assert grid(entries)["TAI.CT3.1"][0] == "acquis"
