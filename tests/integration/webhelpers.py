"""What the web pages' tests share: `simulateur serve --web` on 127.0.0.1 (a free port), a
trainer's and a jury member's accounts, and a real browser — Debian's chromium (/usr/bin/chromium)
driven by Playwright (no browser download). Import the fixtures into a test module:

    from webhelpers import browser, staff, web  # noqa: F401
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_serve import Service, accounts, quick  # noqa: F401 — fixtures used by `web`

CHROMIUM = os.environ.get("SIMULATEUR_CHROMIUM", "/usr/bin/chromium")
PASSWORDS = {"form1": "formateur-secret-1", "jury1": "jury-secret-long-1", "jury2": "jury-secret-long-2"}
ROLES = {"form1": "formateur", "jury1": "jury", "jury2": "jury"}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "web"


def simulateur(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "simulateur", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)
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


def listening_url(svc: Service) -> str:
    deadline = time.monotonic() + 60
    while True:
        m = re.search(r"API réseau à l'écoute sur (\S+)", svc.log.read_text())
        if m:
            return m.group(1)
        assert time.monotonic() < deadline and svc.proc.poll() is None, svc.log.read_text()
        time.sleep(0.1)


@pytest.fixture
def web(quick: Path, accounts, tmp_path: Path, staff: dict[str, str]) -> Iterator[tuple[Service, str]]:  # noqa: F811
    """The service with its pages, and its URL."""
    from test_serve import protocol

    svc = Service(accounts, tmp_path / "serve.log")
    svc.args = ["--web", "127.0.0.1:0"]
    svc.start()
    try:
        yield svc, listening_url(svc)
    finally:
        svc.stop()
        for suffix in (".alive", ".lock", ".log"):
            protocol.socket_path().with_suffix(suffix).unlink(missing_ok=True)
        end_labs()


def end_labs() -> None:
    from simulateur.exam import core
    from simulateur.exam.core import _lab_is_ours
    from simulateur.exam.db import ExamDB

    db = ExamDB()
    for run in db.runs():
        if run.finished is None:
            try:
                core.end_run(db, run.session, run.candidate)
            except Exception:  # noqa: BLE001
                pass
        for item in run.items:
            if item.lab and _lab_is_ours(item):
                subprocess.run([sys.executable, "-m", "simulateur", "stop", item.lab], capture_output=True)


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
