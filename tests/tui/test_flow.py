"""The whole flow on a real lab: catalogue → dhcp-serveur-arrete → fix → fiche → submit → grid."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Select, TextArea
from tuihelpers import needs_root, run_async, screen_text, wait_for, wait_screen, widget_text

from simulateur.errors import SimError
from simulateur.lab.state import load_state
from simulateur.session import run
from simulateur.tui.app import SimulateurApp

pytestmark = [pytest.mark.integration, needs_root]


def test_whole_flow_dhcp_serveur_arrete(labs) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            await pilot.press("slash", *"serveur arrete", "enter")  # search, then back to the table
            table = app.screen.query_one(DataTable)
            assert [str(k.value) for k in table.rows] == ["dhcp-serveur-arrete"]
            await pilot.press("enter")
            await wait_screen(pilot, "BriefingScreen")
            briefing = app.screen
            shown_doc = widget_text(briefing.query_one("#doc"))
            await pilot.press("enter")  # the name field has the focus
            await wait_for(pilot, lambda: app.running is not None, 60, "laboratoire construit")
            labs.append(app.running.lab_id)
            await wait_screen(pilot, "InterventionScreen")
            r = app.running
            assert r.scenario.id == "dhcp-serveur-arrete" and r.lab.state.seed == briefing.seed
            assert shown_doc == r.scenario.ticket.documentation.rstrip()  # the briefing showed this lab's values

            # The trainee's work, through the same core as the shells: diagnose, fix, test.
            for host, cmd in [
                ("poste", "ip -br addr"),
                ("poste", "ping -c1 -W1 8.8.8.8"),
                ("srv", "systemctl status dnsmasq"),
                ("srv", "systemctl start dnsmasq"),
                ("poste", "dhclient eth0"),
                ("poste", "ping -c1 www.exemple.fr"),
            ]:
                run.exec_command(r.lab, host, [cmd + " >/dev/null 2>&1"], r.attempt.journal)

            await pilot.press("q")
            await pilot.pause()
            app.screen.query_one("#impact", Select).value = "moyen"
            app.screen.query_one("#urgency", Select).value = "haute"
            await pilot.pause()
            await pilot.click("#qualif-save")
            await pilot.pause()

            await pilot.press("f")
            await wait_screen(pilot, "FicheScreen")
            await pilot.press(*"Plus de réseau")  # typed (the rest pasted, faster)
            for name, text in [
                ("diagnostic", "ip a sans IPv4 ; dnsmasq arrêté sur srv"),
                ("cause", "service DHCP arrêté"),
                ("solution", "systemctl start dnsmasq puis dhclient eth0"),
                ("validation", "ping www.exemple.fr OK"),
                ("retour_etat", "systemctl stop dnsmasq"),
                ("conseils", "redémarrer le poste si cela se reproduit"),
            ]:
                app.screen.query_one(f"#f-{name}", TextArea).insert(text)
            await pilot.pause()
            assert app.store.fiche(r.attempt_id)["cause"] == "service DHCP arrêté"
            await pilot.press("ctrl+s")
            await wait_screen(pilot, "ConfirmScreen")
            await pilot.press("o")
            await wait_screen(pilot, "ResultatsScreen", timeout=60)

            grid = widget_text(app.screen.query_one("#grid"))
            text = screen_text(app)
            assert "Score : 3/3 critères acquis, 1 à évaluer par le jury" in text
            verdicts = {c.id: c.verdict for c in app.store.criteria(r.attempt_id)}
            assert verdicts == {
                "TAI.CP14.2": "acquis",
                "TAI.CP14.3": "jury",
                "TAI.CP14.4": "acquis",
                "TAI.CP10.4": "acquis",
            }
            lines = grid.splitlines()
            assert any(line.split()[:3] == ["✓", "acquis", "TAI.CP14.4"] for line in lines if line.strip())
            assert any(line.split()[:4] == ["?", "à", "évaluer", "TAI.CP14.3"] for line in lines if line.strip())
            reference = widget_text(app.screen.query_one("#reference"))
            assert "solution de référence" in reference and "sur srv :   systemctl start dnsmasq" in reference
            fiche = widget_text(app.screen.query_one("#fiche"))
            assert "service DHCP arrêté" in fiche

            # The lab is gone, the attempt's files and its record stay (the last check too).
            assert r.stopped
            with pytest.raises(SimError):
                load_state(r.lab_id)
            saved = r.attempt.result()
            assert saved["score"] == {"acquis": 3, "evalues": 3, "jury": 1}
            rec = app.store.attempt(r.attempt_id)
            assert rec.status == "soumise" and rec.qualification.priority == 4 and rec.duration > 0

            await pilot.press("escape")  # back to the catalogue, best result shown
            await wait_screen(pilot, "CatalogueScreen")
            assert str(app.screen.query_one(DataTable).get_cell("dhcp-serveur-arrete", "best")) == "3/3"
            assert "3/3" in screen_text(app)

    run_async(go())
