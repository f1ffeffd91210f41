"""What the web pages' tests share: `simulateur serve --web` on 127.0.0.1 (a free port), a
trainer's and a jury member's accounts, and a real browser — Debian's chromium (/usr/bin/chromium)
driven by Playwright (no browser download). Import the fixtures into a test module:

    from webhelpers import browser, staff, web  # noqa: F401 — fixtures pytest finds by name
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from servehelpers import Service, accounts, end_labs, forget_service_files, listening_url, quick  # noqa: F401 — fixtures used by `web`

CHROMIUM = os.environ.get("SIMULATEUR_CHROMIUM", "/usr/bin/chromium")
PASSWORDS = {"form1": "formateur-secret-1", "jury1": "jury-secret-long-1", "jury2": "jury-secret-long-2"}
ROLES = {"form1": "formateur", "jury1": "jury", "jury2": "jury"}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "web"


def simulateur(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "simulateur", *args], input=stdin, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def staff() -> Iterator[dict[str, str]]:
    """A trainer (form1) and two jury members (jury1, jury2), made as the centre's root would."""
    for login, password in PASSWORDS.items():
        proc = simulateur("account", "add", login, "--role", ROLES[login], stdin=password + "\n")
        assert proc.returncode == 0, proc.stderr
    yield PASSWORDS
    for login in PASSWORDS:
        simulateur("account", "remove", login)


@pytest.fixture
def web(
    request: pytest.FixtureRequest, quick: Path, accounts, tmp_path: Path, staff: dict[str, str]
) -> Iterator[tuple[Service, str]]:
    """The service with its pages, and its URL (a test module's SERVE_ARGS: more options of `serve`)."""
    svc = Service(accounts, tmp_path / "serve.log")
    svc.args = ["--web", "127.0.0.1:0", *getattr(request.module, "SERVE_ARGS", [])]
    svc.start()
    try:
        yield svc, listening_url(svc)
    finally:
        svc.stop()
        forget_service_files()
        end_labs()


@pytest.fixture
def browser() -> Iterator:
    """A headless Debian chromium; a test opens its own contexts (one per person at a PC)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} absent : « make test » installe le paquet chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def shot(page, name: str) -> None:
    """A screenshot of the page for docs/web/ (the README's pages for trainers show them)."""
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
