"""The route-matrix files: each loads against its scenario, and a broken one says file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulateur.errors import ScenarioError
from simulateur.scenario.loader import find_scenario, load_catalogue
from simulateur.session.routes import load_routes, matrix_gaps, routes_path


def test_every_route_file_names_a_shipped_scenario_and_loads():
    cat = load_catalogue()
    files = sorted((Path(__file__).parents[2] / "scenarios" / "routes").glob("*.yaml"))
    assert files
    for f in files:
        assert f.stem in cat.scenarios, f"{f}: aucun scénario {f.stem}"
        loaded = cat.scenarios[f.stem]
        rf = load_routes(f, loaded)
        assert not matrix_gaps(loaded, rf), (f, matrix_gaps(loaded, rf))


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "r.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            (
                "scenario: dhcp-serveur-arrete\nroutes:\n  - name: a\n    valid: true\n    family: x\n    why: y\n"
                "    steps: []\n    expect: {TAI.CP14.2: acquis}\n"
            ),
            8,
            "manquants",
        ),
        (
            (
                "scenario: dhcp-serveur-arrete\nroutes:\n  - name: a\n    valid: true\n    family: x\n    why: y\n"
                "    steps:\n      - {host: nulle-part, run: ls}\n"
                "    expect: {TAI.CP14.2: acquis, TAI.CP14.3: jury, TAI.CP14.4: acquis, TAI.CP10.4: acquis}\n"
            ),
            8,
            "nulle-part",
        ),
        (
            (
                "scenario: dhcp-serveur-arrete\nroutes:\n  - name: a\n    valid: true\n    family: x\n    why: y\n"
                "    steps:\n      - {run: ls, qualify: {impact: bas, urgency: basse}}\n"
                "    expect: {TAI.CP14.2: acquis, TAI.CP14.3: jury, TAI.CP14.4: acquis, TAI.CP10.4: acquis}\n"
            ),
            8,
            "exactement",
        ),
        (
            (
                "scenario: dhcp-serveur-arrete\nroutes:\n  - name: a\n    valid: true\n    family: x\n    why: y\n"
                "    steps:\n      - cable: {host: nulle-part, plug: lan}\n"
                "    expect: {TAI.CP14.2: acquis, TAI.CP14.3: jury, TAI.CP14.4: acquis, TAI.CP10.4: acquis}\n"
            ),
            8,
            "nulle-part",
        ),
        (
            (
                "scenario: dhcp-serveur-arrete\nroutes:\n  - name: a\n    valid: true\n    family: x\n    why: y\n"
                "    steps:\n      - cable: {host: poste, plug: lan, unplug: true}\n"
                "    expect: {TAI.CP14.2: acquis, TAI.CP14.3: jury, TAI.CP14.4: acquis, TAI.CP10.4: acquis}\n"
            ),
            8,
            "à la fois",
        ),
        (
            (
                "scenario: autre\nroutes:\n  - name: a\n    valid: true\n    family: x\n    why: y\n    steps: []\n"
                "    expect: {TAI.CP14.2: acquis, TAI.CP14.3: jury, TAI.CP14.4: acquis, TAI.CP10.4: acquis}\n"
            ),
            1,
            "autre",
        ),
    ],
)
def test_a_broken_route_file_says_where(tmp_path, text, line, words):
    loaded = find_scenario("dhcp-serveur-arrete")
    with pytest.raises(ScenarioError) as info:
        load_routes(_write(tmp_path, text), loaded)
    message = "\n".join(info.value.problems) if hasattr(info.value, "problems") else str(info.value)
    assert f"r.yaml:{line}:" in message and words in message, message


def test_shipped_matrix_path():
    loaded = find_scenario("dhcp-serveur-arrete")
    assert routes_path(loaded).name == "dhcp-serveur-arrete.yaml"
