"""Fixtures of the app's tests (helpers are in tuihelpers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from labprefix import lab_prefix
from tuihelpers import FIXTURE_SCENARIOS


@pytest.fixture(autouse=True)
def _ui_labs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Labs of these tests are named ui1, ui2… (ua1, ub1… under xdist), never a trainee's lab1."""
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", lab_prefix("ui"))


@pytest.fixture
def fixture_scenarios(monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small fixed catalogue (tests/tui/fixtures): snapshots do not move when scenarios are added."""
    monkeypatch.setenv("SIMULATEUR_SHIPPED_SCENARIOS", str(FIXTURE_SCENARIOS))
    return FIXTURE_SCENARIOS


@pytest.fixture
def labs() -> Any:
    """Labs a test started (through the app or not): always stopped afterwards."""
    from simulateur.errors import SimError
    from simulateur.session import run

    started: list[str] = []
    yield started
    for lab in started:
        try:
            run.stop(lab)
        except SimError:
            pass


