"""Screenshots of the app for docs/tui.md, taken on a real lab (root).

    sudo .venv/bin/python docs/screenshots/capture.py

Plays dhcp-serveur-arrete (seed 7) through the app as a trainee would — search, ticket, build,
commands in the hosts, qualification, fiche, submission — and saves SVG screenshots of each
screen in this folder. Attempts go to a temporary data dir; the lab is stopped at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
os.environ.setdefault("SIMULATEUR_DATA", tempfile.mkdtemp(prefix="simulateur-captures-"))
os.environ.setdefault("SIMULATEUR_LAB_PREFIX", "ui")
os.environ.pop("SIMULATEUR_SCENARIOS", None)
os.environ.pop("SIMULATEUR_SHIPPED_SCENARIOS", None)
sys.path.insert(0, str(HERE.parents[1]))

from textual.widgets import Select, TextArea  # noqa: E402 — after the sys.path set-up above

from simulateur.session import run  # noqa: E402 — after the sys.path set-up above
from simulateur.tui.app import SimulateurApp  # noqa: E402 — after the sys.path set-up above
from simulateur.tui.screens.briefing import BriefingScreen  # noqa: E402 — after the sys.path set-up above

SIZE = (100, 32)


async def until(pilot, condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("l'application n'a pas atteint l'état attendu")
        await pilot.pause(0.05)
    await pilot.pause(0.3)


@contextlib.contextmanager
def quiet():
    """The commands' output is not for this script's terminal."""
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def save(app: SimulateurApp, name: str) -> None:
    app.clear_notifications()
    (HERE / f"{name}.svg").write_text(app.export_screenshot(title="simulateur"))
    print(HERE / f"{name}.svg")


async def main() -> None:
    app = SimulateurApp()
    lab = None
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: type(app.screen).__name__ == "CatalogueScreen")
            save(app, "catalogue")
            await pilot.press("slash", *"comptabilite", "enter")
            await pilot.pause(0.2)
            app.push_screen(BriefingScreen("dhcp-serveur-arrete", seed=7))
            await until(pilot, lambda: type(app.screen).__name__ == "BriefingScreen")
            save(app, "briefing")
            await pilot.press("d")
            await until(pilot, lambda: type(app.screen).__name__ == "InterventionScreen")
            r = app.running
            assert r is not None
            lab = r.lab_id
            gateway = r.lab.params["routeur_ip"]
            for host, cmd in [
                ("poste", "ip -br addr"),
                ("poste", f"ping -c1 -W1 {gateway}"),
                ("srv", "systemctl status dnsmasq"),
                ("srv", "systemctl start dnsmasq"),
                ("poste", "dhclient eth0"),
                ("poste", "ping -c1 www.exemple.fr"),
            ]:
                with quiet():
                    run.exec_command(r.lab, host, [cmd], r.attempt.journal)
            await pilot.press("j")
            await pilot.pause(1.2)
            save(app, "intervention")
            await pilot.press("q")
            await pilot.pause(0.2)
            app.screen.query_one("#impact", Select).value = "moyen"
            app.screen.query_one("#urgency", Select).value = "haute"
            await pilot.pause(0.2)
            await pilot.click("#qualif-save")
            await pilot.pause(0.3)
            save(app, "qualification")
            await pilot.press("f")
            await until(pilot, lambda: type(app.screen).__name__ == "FicheScreen")
            for name, text in [
                ("symptome", "Plus d'accès au réseau ni à internet depuis ce matin (poste de la comptabilité)."),
                (
                    "diagnostic",
                    (
                        "ip -br addr : pas d'adresse IPv4 sur eth0 ; ping passerelle impossible ; "
                        "systemctl status dnsmasq sur srv : inactif."
                    ),
                ),
                ("cause", "Le service DHCP (dnsmasq) du serveur srv était arrêté."),
                ("solution", "systemctl start dnsmasq sur srv, puis dhclient eth0 sur le poste."),
                ("validation", "ping www.exemple.fr répond ; l'utilisatrice accède au site."),
                ("retour_etat", "systemctl stop dnsmasq (sans intérêt ici)."),
                ("conseils", "Prévenir le support si le message « pas de réseau » revient."),
            ]:
                app.screen.query_one(f"#f-{name}", TextArea).insert(text)
            await pilot.pause(0.3)
            save(app, "fiche")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
            await pilot.press("o")
            await until(pilot, lambda: type(app.screen).__name__ == "ResultatsScreen")
            save(app, "resultats")
            box = app.screen.query_one("#timeline-box")
            app.screen.query_one("#results").scroll_to_widget(box, animate=False, top=True)
            app.screen.query_one("#timeline").focus()
            await pilot.pause(0.3)
            save(app, "chronologie")
            await pilot.press("p")
            await until(pilot, lambda: type(app.screen).__name__ == "ProgressionScreen")
            save(app, "progression")
    finally:
        app.shutdown()
        if lab is not None:
            try:
                run.stop(lab)
            except Exception:  # noqa: BLE001 — the screenshots are taken; a lab that will not stop is left to `clean`
                pass


if __name__ == "__main__":
    asyncio.run(main())
