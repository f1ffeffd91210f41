"""Helpers of the app's tests: pilot runs, screen text, bounded waits (snapshots: test_snapshots.py)."""

from __future__ import annotations

import asyncio
import html
import io
import os
import re
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console

from simulateur.scoring import CheckResult, CriterionResult, Score

HERE = Path(__file__).resolve().parent
FIXTURE_SCENARIOS = HERE / "fixtures" / "scenarios"

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")


#: The attribute where conftest's _notifications_recorded keeps what an app notified.
NOTIFIED = "test_notified"


def notified(app: Any) -> list[str]:
    """The messages `app` notified since it started (or since its last clear_notifications)."""
    return list(vars(app).get(NOTIFIED, []))


def run_async(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def screen_text(app: Any) -> str:
    """What the terminal shows, as plain text: read back from the app's public SVG screenshot, where
    each run of characters is a <text> element at x = column × CHAR_WIDTH on its line's clip path
    (runs of spaces are left out, spaces inside a run written &#160;)."""
    return svg_text(app.export_screenshot(), *app.size)


#: The width of a terminal cell in Rich's SVG export (0.61 × its 20-pixel font).
CHAR_WIDTH = 12.2
_SVG_TEXT = re.compile(
    r'<text [^>]*?x="([\d.]+)"[^>]*clip-path="url\(#terminal(?:-\d+)?-line-(\d+)\)"[^>]*>([^<]*)</text>'
)


def svg_text(svg: str, width: int, height: int) -> str:
    """The characters of a Rich SVG export, line by line (a wide character takes two cells)."""
    cells = [[" "] * width for _ in range(height)]
    for x, line, chars in _SVG_TEXT.findall(svg):
        col, row = round(float(x) / CHAR_WIDTH), cells[int(line)]
        for ch in html.unescape(chars).replace("\xa0", " "):
            if col < width:
                row[col] = ch
                if cell_len(ch) == 2 and col + 1 < width:
                    row[col + 1] = ""
            col += cell_len(ch)
    return "".join("".join(row) + "\n" for row in cells)


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 30, what: str = "") -> None:
    """Bounded wait: let the app run until `condition()` holds, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"pas arrivé en {timeout} s : {what}\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


def footer_settled(app: Any) -> bool:
    """The screen's Footer shows the screen's bindings as they are now. A Footer is composed again
    after each change of bindings (focus moved, tab shown, screen pushed), once the screen has
    refreshed: until then it is empty, or shows the previous ones — under load, long enough for a
    capture to catch it (a fixed pause, or Textual's idle heuristic, which takes a process starved
    of CPU for an idle one)."""
    screen = app.screen
    footers = screen.query("Footer")
    if not footers:
        return True
    bindings = screen.active_bindings
    wanted: dict[str, bool] = {}
    for _node, binding, enabled, _tooltip in bindings.values():
        if binding.show:
            wanted.setdefault(binding.action, not enabled)
    palette = bindings.get(app.COMMAND_PALETTE_BINDING)
    extra = {palette[1].action} if palette is not None and not palette[1].show else set()
    shown = {key.action: key.disabled for key in footers.first().query("FooterKey")}
    return {a: d for a, d in shown.items() if a not in extra or a in wanted} == wanted


async def footer_text(pilot: Any) -> str:
    """The footer's line once it shows the screen's bindings as they are now (footer_settled)."""
    await wait_for(pilot, lambda: footer_settled(pilot.app), 30, "pied de page à jour")
    return screen_text(pilot.app).splitlines()[-1]


async def wait_screen(pilot: Any, name: str, timeout: float = 30) -> None:
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == name, timeout, f"écran {name}")
    await pilot.pause()


def make_result(verdicts: dict[str, str], lab: str = "ui9") -> CheckResult:
    """A CheckResult as the core makes it, with the referentiel's own labels."""
    from simulateur import referentiel

    crits = []
    marks = {"acquis": "✓", "non_acquis": "✗", "jury": "?"}
    for cid, v in verdicts.items():
        crit, comp = referentiel.all_criteria()[cid][:2]
        crits.append(
            CriterionResult(
                id=cid,
                label=crit.label,
                competence=comp.id,
                competence_label=comp.label,
                verdict=v,
                evidence=[f"{marks[v]} preuve de {cid}"],
            )
        )
    return CheckResult(
        lab=lab,
        scenario="panne-dhcp",
        seed=7,
        t=time.time(),
        criteria=crits,
        probes=[],
        score=Score(
            acquis=sum(v == "acquis" for v in verdicts.values()),
            evalues=sum(v != "jury" for v in verdicts.values()),
            jury=sum(v == "jury" for v in verdicts.values()),
        ),
    )


async def start_attempt(
    pilot: Any, labs: list[str], scenario: str = "panne-dhcp", seed: int = 7, mode: str = "entrainement"
) -> Any:
    """Catalogue → briefing → build (real lab) → intervention; returns the app's Running."""
    from simulateur.tui.screens.briefing import BriefingScreen

    app = pilot.app
    await wait_screen(pilot, "CatalogueScreen")
    app.push_screen(BriefingScreen(scenario, seed=seed))
    await wait_screen(pilot, "BriefingScreen")
    if mode == "chronometre":
        app.screen.query_one("#chronometre").value = True
        await pilot.pause()
    await pilot.press("enter")  # the name field has the focus: Enter there starts
    await wait_for(pilot, lambda: app.running is not None or "Échec" in screen_text(app), 60, "laboratoire construit")
    assert app.running is not None, screen_text(app)
    labs.append(app.running.lab_id)
    await wait_screen(pilot, "InterventionScreen")
    return app.running


def widget_text(widget: Any, width: int = 200) -> str:
    """A Static's content as plain text (even the part scrolled out of view)."""
    content = widget.content
    if isinstance(content, str):
        return content
    console = Console(width=width, file=io.StringIO(), color_system=None, record=True)
    console.print(content)
    return console.export_text()


def recorded_attempt(name: str, started: float) -> Path:
    """An attempt's directory as a session leaves it (no lab): attempt.json, a journal of commands on
    two hosts (a diagnostic, a command not found, a change, a failed test, an event), a recorded
    terminal of poste whose screen shows those commands at the journal's times, and one of srv
    opened after its command (at +01:05)."""
    import json as _json

    from simulateur.journal import asciicast
    from simulateur.journal.store import Entry, Journal
    from simulateur.paths import data_dir

    directory = data_dir() / "attempts" / name
    (directory / "terminals").mkdir(parents=True)
    (directory / "attempt.json").write_text(
        _json.dumps({"id": name, "lab": "ui9", "scenario": "panne-dhcp", "seed": 7, "started": started})
    )
    journal = Journal(directory / "journal.jsonl")
    for host, cmd, rc, begin, end, source in (
        ("poste", "ip a", 0, 20.0, 20.4, "shell"),
        ("poste", "lpq", 127, 30.0, 30.1, "shell"),
        ("srv", "systemctl restart dnsmasq", 0, 60.0, 61.0, "shell"),
        ("poste", "ping -c1 srv", 1, 90.0, 93.0, "shell"),
        ("-", "indice 1 consulté", None, 100.0, 100.0, "event"),
    ):
        journal.append(Entry(t=started + end, start=started + begin, host=host, cmd=cmd, rc=rc, source=source))  # type: ignore[arg-type]
    opened = started + 10
    header = asciicast.Header(
        width=60,
        height=8,
        timestamp=int(opened),
        title="poste — laboratoire ui9",
        env={"TERM": "xterm-256color", "SHELL": "/bin/bash"},
    )
    prompt = "\x1b[1;32mroot@poste\x1b[0m:~# "
    events = [
        (0.5, prompt),
        (9.0, "ip a\r\n"),
        (10.3, "1: lo: <LOOPBACK,UP> mtu 65536\r\n" + prompt),
        (19.0, "lpq\r\n"),
        (19.1, "bash: lpq: commande introuvable\r\n" + prompt),
        (79.0, "ping -c1 srv\r\n"),
        (82.9, "ping: srv: Nom ou service inconnu\r\n" + prompt),
        (95.0, "exit\r\n"),
    ]
    srv_opened = started + 65
    srv = [(0.2, "root@srv:~# "), (2.0, "systemctl is-active dnsmasq\r\n"), (2.1, "active\r\nroot@srv:~# ")]
    for host, at, head, evs in (
        ("poste", opened, header, events),
        ("srv", srv_opened, asciicast.Header(width=60, height=8, timestamp=int(srv_opened)), srv),
    ):
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(at))
        lines = [head.to_json()] + [_json.dumps([t, "o", data]) for t, data in evs]
        (directory / "terminals" / f"{stamp}-{host}.cast").write_text("\n".join(lines) + "\n")
    return directory
