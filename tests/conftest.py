from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import pytest
from labprefix import session_labs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _stop_own_labs(tmp_path_factory: pytest.TempPathFactory):
    """Labs outlive the command that started them (by design): a test that fails or is interrupted
    between a start and its stop would leave its lab running. When the session ends (each xdist
    worker's), the labs it started that are still there are stopped — only its own (labprefix)."""
    since = time.time()
    basetemp = tmp_path_factory.getbasetemp()
    yield
    if os.geteuid() != 0:
        return
    from simulateur.errors import SimError
    from simulateur.session.run import stop

    for lab in session_labs(basetemp, since):
        try:
            stop(lab)
            warnings.warn(pytest.PytestWarning(f"lab {lab} left running by a test: stopped"), stacklevel=1)
        except SimError:
            pass


@pytest.fixture(scope="session")
def postgresql_cluster():
    """A real PostgreSQL of our own for this session (tests/pgcluster.py), started on first use."""
    from pgcluster import cluster

    yield from cluster()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store on each backend: a SQLite file, a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'simulateur.db'}"
    return request.getfixturevalue("postgresql_cluster").new_database()


@pytest.fixture(autouse=True)
def _isolated_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Attempts and journals of tests go to a temp dir, never to the user's data dir."""
    monkeypatch.setenv("SIMULATEUR_DATA", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("SIMULATEUR_STORE", raising=False)  # the store: the data dir's SQLite file


# Folders whose every test builds real labs (root, network namespaces).
INTEGRATION_DIRS = (ROOT / "tests" / "integration", ROOT / "tests" / "security")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The folders' tests are marked here, once for the session (a folder's own hook would see every
    # collected test too), then skipped without root — the unit and app tests still run.
    for item in items:
        path = Path(str(item.path)).resolve()
        if any(path.is_relative_to(d) for d in INTEGRATION_DIRS):
            item.add_marker(pytest.mark.integration)
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="needs root (network namespaces)")
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)
