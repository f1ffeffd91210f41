"""Every route of every scenario's route matrix (scenarios/routes/*.yaml), on a real lab: the
verdict of each criterion is the one a jury would give (simulateur.session.routes)."""

from __future__ import annotations

import pytest

from simulateur.scenario.loader import load_catalogue
from simulateur.session.routes import load_routes, routes_path, run_route


def _cases() -> list[pytest.param]:
    cases = []
    for loaded in load_catalogue().scenarios.values():
        path = routes_path(loaded)
        if path.exists():
            rf = load_routes(path, loaded)
            cases += [pytest.param(loaded, rf, route, id=f"{loaded.scenario.id}/{route.name}") for route in rf.routes]
    return cases


@pytest.mark.parametrize(("loaded", "rf", "route"), _cases())
def test_route(loaded, rf, route):
    report = run_route(loaded, rf, route)
    assert report.ok, report.explain()
