"""Qualification as a jury judges it: GLPI's default matrix, each scenario's accepted answers,
and evidence that says which priority the answer gives, which are accepted, and why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from simulateur.errors import ScenarioError
from simulateur.scenario.loader import find_scenario, load_catalogue, load_scenario
from simulateur.scoring import ticket_facts
from simulateur.session.attempt import Qualification
from simulateur.ticket import IMPACTS, MATRIX, URGENCIES, accepted_pairs, judge, priority

ROOT = Path(__file__).resolve().parents[2]

# GLPI's own default, as its installer writes it (install/empty_data.php, key "priority_matrix":
# urgency → impact → priority).
GLPI_DEFAULT = (
    '{"1":{"1":1,"2":1,"3":2,"4":2,"5":2},"2":{"1":1,"2":2,"3":2,"4":3,"5":3},'
    '"3":{"1":2,"2":2,"3":3,"4":4,"5":4},"4":{"1":2,"2":3,"3":4,"4":4,"5":5},'
    '"5":{"1":2,"2":3,"3":4,"4":5,"5":5}}'
)


def test_the_matrix_is_glpis_default_cell_by_cell():
    glpi = json.loads(GLPI_DEFAULT)
    for u, urgency in enumerate(URGENCIES, 1):
        for i, impact in enumerate(IMPACTS, 1):
            assert priority(impact, urgency) == glpi[str(u)][str(i)], (impact, urgency)


def test_glpi_default_matrix_corners_symmetry_and_monotony():
    assert priority("tres_bas", "tres_basse") == 1
    assert priority("tres_haut", "tres_haute") == 5
    assert priority("moyen", "haute") == 4
    assert priority("bas", "haute") == priority("bas", "tres_haute") == 3
    assert all(MATRIX[a][b] == MATRIX[b][a] for a in range(5) for b in range(5))
    for i in IMPACTS:
        values = [priority(i, u) for u in URGENCIES]
        assert values == sorted(values)
    for u in URGENCIES:
        values = [priority(i, u) for i in IMPACTS]
        assert values == sorted(values)


def test_accepted_pairs_from_pairs_and_from_priorities():
    assert accepted_pairs(("bas", "haute")) == [("bas", "haute")]
    assert accepted_pairs(("bas", "haute"), [("bas", "moyenne")]) == [("bas", "moyenne"), ("bas", "haute")]
    by_priority = accepted_pairs(("moyen", "haute"), priorities=[4])
    assert ("moyen", "haute") in by_priority and ("haut", "moyenne") in by_priority
    assert all(priority(i, u) == 4 for i, u in by_priority)
    assert len(by_priority) == 5  # every cell of the default matrix worth 4


def test_judge_says_what_is_off():
    ok = judge("bas", "moyenne", [("bas", "haute"), ("bas", "moyenne")])
    assert ok.ok and ok.priority == 2
    wrong_impact = judge("moyen", "haute", [("bas", "haute"), ("bas", "moyenne")])
    assert not wrong_impact.ok and not wrong_impact.impact_ok and wrong_impact.urgency_ok
    crossed = judge("bas", "moyenne", [("bas", "haute"), ("moyen", "moyenne")])
    assert not crossed.ok and crossed.impact_ok and crossed.urgency_ok


def _facts(scenario_id: str, impact: str | None, urgency: str | None = None) -> tuple[bool, str]:
    sc = find_scenario(scenario_id).scenario
    return ticket_facts(sc, Qualification(impact=impact, urgency=urgency) if impact else None)


def test_a_defensible_neighbour_passes_and_the_evidence_says_why():
    # « visio à 14 h » : haute is the reference, moyenne defensible — both pass, each with its priority.
    ok, text = _facts("ip-mauvais-masque", "bas", "moyenne")
    assert ok and "priorité basse" in text and "réponse acceptée" in text
    assert "impact bas et urgence haute (priorité moyenne)" in text and "Pourquoi :" in text
    ok, text = _facts("ip-mauvais-masque", "bas", "haute")
    assert ok and "→ priorité moyenne" in text
    # dhcp-plage-erronee: moyen/haute and moyen/moyenne are both defensible (issue 16).
    assert _facts("dhcp-plage-erronee", "moyen", "haute")[0] and _facts("dhcp-plage-erronee", "moyen", "moyenne")[0]


def test_a_wrong_answer_fails_and_the_evidence_names_what_is_off():
    ok, text = _facts("ip-mauvais-masque", "moyen", "haute")
    assert not ok and "priorité haute" in text and "réponse non acceptée" in text
    assert "impact moyen non retenu (impact accepté : bas)" in text
    ok, text = _facts("ip-mauvais-masque", "bas", "tres_basse")
    assert not ok and "urgence très basse non retenue (urgence acceptée : moyenne ou haute)" in text
    ok, text = _facts("ip-mauvais-masque", None)
    assert not ok and text.startswith("ticket non qualifié ; réponses acceptées : impact bas et urgence haute")


def test_accepted_priorities_are_listed_and_judged(tmp_path: Path):
    shutil.copytree(ROOT / "scenarios" / "topologies", tmp_path / "topologies")
    text = (ROOT / "scenarios" / "dhcp-serveur-arrete.yaml").read_text()
    start = text.index("  expected:")
    end = text.index("\n", text.index("    reason:")) + 1
    path = tmp_path / "dhcp-serveur-arrete.yaml"
    path.write_text(text[:start] + "  expected: {impact: moyen, urgency: haute, priorities: [haute]}\n" + text[end:])
    sc = load_scenario(path).scenario
    ok, evidence = ticket_facts(sc, Qualification(impact="haut", urgency="moyenne"))
    assert ok and "toute réponse de priorité haute" in evidence
    assert not ticket_facts(sc, Qualification(impact="bas", urgency="haute"))[0]
    # A priority list that leaves out the reference answer's own priority is a mistake, with its line.
    path.write_text(text[:start] + "  expected: {impact: moyen, urgency: haute, priorities: [moyenne]}\n" + text[end:])
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    line = text[:start].count("\n") + 1
    assert any(
        p.startswith(f"{path}:{line}:") and "priorité haute" in p and "priorities" in p for p in exc.value.problems
    ), exc.value.problems


def test_every_shipped_scenario_says_why_and_accepts_its_reference():
    cat = load_catalogue(ROOT / "scenarios")
    assert not cat.problems and len(cat.scenarios) >= 20
    for sid, loaded in cat.scenarios.items():
        exp = loaded.scenario.ticket.expected
        assert exp.reason.strip(), sid
        assert (exp.impact, exp.urgency) in exp.pairs(), sid
        # The impact convention (docs/guide-auteur.md): every accepted answer's impact is within one
        # step of the reference — a jury never accepts « un utilisateur » and « tout le site » alike.
        ref = IMPACTS.index(exp.impact)
        assert all(abs(IMPACTS.index(i) - ref) <= 1 for i, _ in exp.pairs()), sid
