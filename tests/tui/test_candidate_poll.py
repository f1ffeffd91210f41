"""The candidate's app when the service answers slower than the app polls (a loaded centre: one
`exam status` through the service took 0.7–0.8 s at rest, more while labs build, and the app polls
every second). Each poll used to cancel the one on its way, so no answer ever reached her screen:
her time left froze and « Construction du laboratoire… » stayed after her lab was up.

The service here is a stand-in that only answers slowly — what is under test is the app's polling,
not the service (tests/integration/test_appweb.py drives the app against the real one)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from simulateur.errors import SimError
from simulateur.tui.candidate import CandidateApp, ExamClient


class SlowService:
    """Her run as a service would report it, each answer `delay` seconds late."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.started: float | None = None
        self.lock = threading.Lock()
        self.calls = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.down = False  # the service unreachable: what ExamClient.status raises then
        self.finished = False

    def whoami(self) -> dict[str, Any]:
        return {"role": "candidat", "session": "eb1", "login": "code:Alice Martin"}

    def run(self, argv: list[str]) -> str:
        if argv[:2] == ["exam", "start"]:
            self.started = time.time()
            return "Intervention 1/1 — poste\nLe poste n'a plus de réseau."
        raise AssertionError(argv)

    def status(self, sid: str) -> dict[str, Any] | None:
        with self.lock:
            self.calls += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            if self.down:
                raise SimError("le service http://127.0.0.1:1 ne répond pas (Connection refused)", exit_code=4)
            if self.started is None:
                return None
            return {
                "started": True,
                "finished": "2026-12-07T10:00:00" if self.finished else None,
                "remaining": 1200 - (time.time() - self.started),
                "intervention": 1,
                "lab": "ta1",
            }
        finally:
            with self.lock:
                self.in_flight -= 1


def _text(app: CandidateApp, selector: str) -> str:
    return str(app.query_one(selector).render())


async def _until(pilot, check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, [_text(pilot.app, w) for w in ("#who", "#left", "#state", "#message")]
        await pilot.pause(0.1)


def test_a_service_slower_than_the_poll_still_reaches_her_screen() -> None:
    """Answers take 0.8 s, the app polls every 0.2 s: her state still shows, the started run's
    intervention replaces « Construction… », her time left counts down every second, and the app
    never has more than one request on its way."""
    service = SlowService(0.8)
    app = CandidateApp(service, poll=0.2)  # type: ignore[arg-type]
    asyncio.run(_drive(app))
    assert service.most_in_flight == 1, service.most_in_flight
    assert service.calls >= 3


async def _drive(app: CandidateApp) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await _until(pilot, lambda: "Pas encore commencé" in _text(app, "#state"), 10)
        await pilot.click("#start")
        await _until(pilot, lambda: "Intervention 1 — laboratoire ta1" in _text(app, "#state"), 10)
        first = _text(app, "#left")
        assert "Temps restant : 19 min" in first, first
        await _until(pilot, lambda: _text(app, "#left") != first, 10)


def test_a_failed_poll_keeps_her_state_and_says_why() -> None:
    """The service unreachable for a while after she started: her intervention stays on screen (not
    « Pas encore commencé » with « Commencer » offered again), her clock goes on, the failure is said;
    once it answers again the message goes. Her run finished: the app stops asking."""
    service = SlowService(0.05)
    app = CandidateApp(service, poll=0.2)  # type: ignore[arg-type]
    asyncio.run(_drive_failure(app, service))


async def _drive_failure(app: CandidateApp, service: SlowService) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await _until(pilot, lambda: "Pas encore commencé" in _text(app, "#state"), 10)
        await pilot.click("#start")
        await _until(pilot, lambda: "Intervention 1 — laboratoire ta1" in _text(app, "#state"), 10)
        service.down = True
        await _until(pilot, lambda: "État non mis à jour" in _text(app, "#message"), 10)
        assert "ne répond pas" in _text(app, "#message")
        assert "Intervention 1 — laboratoire ta1" in _text(app, "#state")
        assert app.query_one("#start").disabled and not app.query_one("#submit").disabled
        first = _text(app, "#left")
        await _until(pilot, lambda: _text(app, "#left") != first, 10)  # her clock goes on
        service.down = False
        await _until(pilot, lambda: _text(app, "#message") == "", 10)
        service.finished = True
        await _until(pilot, lambda: "terminé" in _text(app, "#state"), 10)
        calls = service.calls
        await pilot.pause(1.5)
        assert service.calls == calls, "l'application interroge encore le service après la fin"


def test_the_real_client_says_an_unreachable_service() -> None:
    """ExamClient.status on a port where nothing listens: one French line, not « not started »."""
    client = ExamClient({"url": "http://127.0.0.1:9", "token": "x"})
    with pytest.raises(SimError) as caught:
        client.status("eb1")
    assert "\n" not in str(caught.value) and "127.0.0.1:9" in str(caught.value)
