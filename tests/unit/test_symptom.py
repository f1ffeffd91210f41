"""Tickets true to their lab: every shipped scenario declares its ticket's symptom, the loader
refuses a variant that would make the ticket false, and the selftest's symptom check says in
French what the ticket claims and what the faulted lab showed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simulateur.errors import ScenarioError
from simulateur.probes import ProbeResult
from simulateur.scenario.loader import load_catalogue, load_scenario
from simulateur.session.selftest import symptom_problems

ROOT = Path(__file__).resolve().parents[2]
MASK = (ROOT / "scenarios" / "ip-mauvais-masque.yaml").read_text()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "scenarios" / "topologies", tmp_path / "topologies")
    return tmp_path


def problems(folder: Path, text: str) -> list[str]:
    path = folder / "ip-mauvais-masque.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    return exc.value.problems


def test_every_shipped_scenario_declares_its_symptom():
    cat = load_catalogue(ROOT / "scenarios")
    assert not cat.problems and len(cat.scenarios) >= 20
    missing = [sid for sid, loaded in cat.scenarios.items() if loaded.scenario.symptom is None]
    assert not missing


def test_a_variant_cannot_leave_the_tickets_symptom_untouched(folder):
    # What made the old masque variant lie: « plus internet » while the variant declared internet
    # unaffected. Named at the symptom's line, with the variant and the fix.
    text = MASK.replace("  masque:\n    summary:", "  masque:\n    unaffected: [internet]\n    summary:")
    found = problems(folder, text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("  broken: [internet]"))
    assert any(
        p.startswith(f"{folder / 'ip-mauvais-masque.yaml'}:{line}:") and "« masque »" in p and "unaffected" in p
        for p in found
    ), found


@pytest.mark.parametrize(
    "old, new, words",
    [
        ("  broken: [internet]", "  broken: [internett]", "« internett » inconnue"),
        ("  broken: [internet]", "  broken: [internet]\n  working: [internet]", "à la fois cassée"),
        (
            "  broken: [internet]",
            "  broken: [internet]\n  probes:\n    - {id: adresse, probe: net.ping, host: poste, target: srv}",
            "déjà pris",
        ),
        (
            "  broken: [internet]",
            "  broken: [internet]\n  probes:\n    - {id: seule, probe: net.ping, host: poste, target: srv}",
            "ni dans broken",
        ),
        (
            "  broken: [internet]",
            (
                "  broken: [internet]\n  working: [dns]\n  probes:\n"
                "    - {id: dns, probe: net.ping, host: pc, target: srv}"
            ),
            "« pc »",
        ),
    ],
)
def test_symptom_mistakes_are_named(folder, old, new, words):
    assert old in MASK
    found = problems(folder, MASK.replace(old, new))
    assert any(words in p for p in found), found


def _result(pid: str, ok: bool) -> ProbeResult:
    return ProbeResult(id=pid, ok=ok, observed=f"vu par {pid}", expected="")


def test_symptom_check_messages():
    sc = load_scenario(ROOT / "scenarios" / "pare-feu-web-bloque.yaml").scenario
    assert sc.symptom is not None and sc.symptom.broken == ["web"] and sc.symptom.working == ["ping_internet"]
    assert symptom_problems(sc, [_result("web", False), _result("ping_internet", True)]) == []
    found = symptom_problems(sc, [_result("web", True), _result("ping_internet", False)])
    assert len(found) == 2
    assert found[0].startswith(f"le ticket dit « {sc.symptom.summary} », mais sur le laboratoire en panne")
    assert "« web » réussit : vu par web" in found[0]
    assert "marche encore" in found[1] and "« ping_internet » échoue : vu par ping_internet" in found[1]
    bare = sc.model_copy(update={"symptom": None})
    assert "section « symptom »" in symptom_problems(bare, [])[0]
