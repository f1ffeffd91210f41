from __future__ import annotations

import pytest
from labhelpers import sim
from labprefix import lab_prefix

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _own_lab_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test labs get ids of their own (t1, t2…; ta1… under xdist) so they never meet a trainee's labs,
    nor another xdist worker's."""
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", lab_prefix("t"))


@pytest.fixture
def started():
    """Start dhcp-serveur-arrete (seed 7); always stopped afterwards."""
    labs: list[str] = []

    def _start(scenario: str = "dhcp-serveur-arrete", seed: int = 7, variant: str | None = None) -> dict:
        extra = ["--variant", variant] if variant else []
        info = sim("start", scenario, "--seed", str(seed), "--json", "--formateur", *extra).json()
        labs.append(info["lab"])
        return info

    yield _start
    for lab in labs:
        sim("stop", lab, check=False)
