"""No spoilers (issue 16, item 5): what `simulateur start` tells a trainee — on every shipped scenario,
every variant — names no variant, no drawn fault value and no expected answer; the trainer's view
(`--formateur`) keeps them all."""

from __future__ import annotations

import json

import pytest

from simulateur.scenario.loader import load_catalogue
from simulateur.session.run import played
from simulateur.session.view import VARIANT_PARAM, secret_params, start_view

CATALOGUE = load_catalogue(user=None)
CASES = [
    (sid, variant)
    for sid, loaded in sorted(CATALOGUE.scenarios.items())
    if not loaded.user
    for variant in (sorted(loaded.scenario.variants) or [None])
]
SEEDS = (3, 17)


def spoilers(sid: str, variant: str | None, seed: int) -> tuple[dict, list[str]]:
    """(the trainee's start --json, the strings that must not appear in it)."""
    loaded = CATALOGUE.scenarios[sid]
    values, sc = played(loaded.scenario, loaded.topology, seed, variant)
    view = start_view(sc, loaded.scenario, values, lab="x1", seed=seed, hosts=["poste"], attempt="a", vm_accel={})
    # A variant's name is a common word (« expire », « masque »): its absence is checked as a key and
    # as a value of the view, not as a substring of the user's words.
    secret = [v for k, v in secret_params(loaded.scenario, values).items() if k != VARIANT_PARAM and len(v) >= 4]
    if variant:
        secret.append(" ".join(loaded.scenario.variants[variant].summary.split()))
    return view, secret


def test_there_are_scenarios_with_variants_and_secret_values():
    """The check below has something to find: variants, and drawn values that no ticket shows."""
    assert sum(1 for _, v in CASES if v) >= 40
    found = 0
    for sid, variant in CASES:
        loaded = CATALOGUE.scenarios[sid]
        values, _ = played(loaded.scenario, loaded.topology, 3, variant)
        found += len(secret_params(loaded.scenario, values)) > (1 if variant else 0)
    assert found >= 20


@pytest.mark.parametrize(("sid", "variant"), CASES, ids=[f"{s}-{v}" for s, v in CASES])
def test_start_json_shows_the_trainee_no_variant_no_fault_value_no_answer(sid, variant):
    for seed in SEEDS:
        view, secret = spoilers(sid, variant, seed)
        assert not {"variant", "variant_summary", "params", "expected"} & set(view)
        dumped = json.dumps(view, ensure_ascii=False)
        leaked = [s for s in secret if s in dumped]
        assert leaked == [], f"{sid} ({variant}, graine {seed}) : le stagiaire voit {leaked}"
        assert variant is None or variant not in _values(view)
        assert view["ticket"]["text"] and "{" not in view["ticket"]["text"]


def _values(node: object) -> list[object]:
    if isinstance(node, dict):
        return [x for v in node.values() for x in _values(v)]
    if isinstance(node, list):
        return [x for v in node for x in _values(v)]
    return [node]


@pytest.mark.parametrize(("sid", "variant"), CASES[::5], ids=[f"{s}-{v}" for s, v in CASES[::5]])
def test_the_trainer_view_keeps_everything(sid, variant):
    loaded = CATALOGUE.scenarios[sid]
    values, sc = played(loaded.scenario, loaded.topology, 3, variant)
    view = start_view(
        sc, loaded.scenario, values, lab="x1", seed=3, hosts=["poste"], attempt="a", vm_accel={}, formateur=True
    )
    assert view["variant"] == variant and view["params"] == values
    assert view["expected"] == sc.ticket.expected.model_dump(mode="json")
    if variant:
        assert view["variant_summary"] and view["variant_summary"][:20] in " ".join(
            loaded.scenario.variants[variant].summary.split()
        )
