"""Fixtures of the app's tests (helpers are in tuihelpers.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from labprefix import lab_prefix
from tuihelpers import FIXTURE_SCENARIOS, NOTIFIED


def pytest_configure(config: pytest.Config) -> None:
    """pytest-textual-snapshot's controller makes the folder where each snapshot test leaves its
    result (for its report), unless PYTEST_XDIST_WORKER is set: it then takes the run for an xdist
    worker, given that folder by its controller. A serial run with PYTEST_XDIST_WORKER set by hand
    (labprefix.py: to keep one person's lab ids apart) has no controller: the folder is made here."""
    if (
        os.environ.get("PYTEST_XDIST_WORKER")
        and not hasattr(config, "workerinput")
        and "TEXTUAL_SNAPSHOT_TEMPDIR" not in os.environ
    ):
        folder = tempfile.mkdtemp(prefix="textual-snapshot-")
        os.environ["TEXTUAL_SNAPSHOT_TEMPDIR"] = folder

        def cleanup() -> None:
            os.environ.pop("TEXTUAL_SNAPSHOT_TEMPDIR", None)
            shutil.rmtree(folder, ignore_errors=True)

        config.add_cleanup(cleanup)


@pytest.fixture(autouse=True)
def _notifications_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every message an app notifies, recorded on it (read with tuihelpers.notified): App.notify is
    the one way in (a widget's or screen's notify calls it); clear_notifications empties the record
    as it empties the screen. Textual keeps its own list private."""
    from simulateur.tui.app import SimulateurApp

    notify, clear = SimulateurApp.notify, SimulateurApp.clear_notifications

    def recording_notify(self: SimulateurApp, message: str, *args: Any, **kwargs: Any) -> None:
        vars(self).setdefault(NOTIFIED, []).append(str(message))
        notify(self, message, *args, **kwargs)

    def recording_clear(self: SimulateurApp) -> None:
        vars(self).setdefault(NOTIFIED, []).clear()
        clear(self)

    monkeypatch.setattr(SimulateurApp, "notify", recording_notify)
    monkeypatch.setattr(SimulateurApp, "clear_notifications", recording_clear)


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
