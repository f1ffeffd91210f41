"""Whatever a scenario file contains, loading it gives a Scenario or ScenarioError lines naming
the file — never another exception (hypothesis)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulateur.errors import ScenarioError
from simulateur.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
GOOD = yaml.safe_load((ROOT / "scenarios" / "dhcp-serveur-arrete.yaml").read_text())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["../../etc/passwd", "$(reboot)", "{lan}", "{{7*7}}", "{x.__class__}", "`id`", "\0"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(GOOD) if p]


def _load(tmp: Path, text: str) -> None:
    path = tmp / "dhcp-serveur-arrete.yaml"
    path.write_text(text)
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems and all(p.startswith(str(path)) for p in exc.problems), exc.problems


def _folder(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT / "scenarios" / "topologies", tmp / "topologies")
    return tmp


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(PATHS), values)
def test_any_value_anywhere(tmp_path_factory, path, value):
    import copy

    data = copy.deepcopy(GOOD)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    _load(_folder(tmp_path_factory), yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text(tmp_path_factory, text):
    _load(_folder(tmp_path_factory), text)
