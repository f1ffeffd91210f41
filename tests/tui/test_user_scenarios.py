"""The trainer's own scenarios (user folder) appear in the app's catalogue beside the shipped ones;
a broken file there is reported with its file:line and skipped — the app still opens."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable
from tuihelpers import FIXTURE_SCENARIOS, notified, run_async, wait_screen

from simulateur.tui.app import SimulateurApp


def rows(app) -> list[str]:
    return [str(k.value) for k in app.screen.query_one(DataTable).rows]


def test_user_scenarios_beside_the_shipped_ones_and_a_broken_file_is_reported(
    fixture_scenarios, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mes-scenarios"
    mine.mkdir()
    text = (FIXTURE_SCENARIOS / "panne-dhcp.yaml").read_text()
    (mine / "ma-panne.yaml").write_text(text.replace("id: panne-dhcp", "id: ma-panne"))  # uses the shipped topology
    (mine / "casse.yaml").write_text("id: casse\ntitle: [\n")
    (mine / "panne-dhcp.yaml").write_text(text)  # id of a shipped one
    monkeypatch.setenv("SIMULATEUR_SCENARIOS", str(mine))

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            assert sorted(rows(app)) == ["imprimante", "ma-panne", "panne-dhcp"]
            await pilot.pause()
            messages = notified(app)
            assert any(
                "2 fichiers de scénario ignorés" in m
                and f"{mine / 'casse.yaml'}:3:" in m
                and f"{mine / 'panne-dhcp.yaml'}:1:" in m
                for m in messages
            ), messages
            assert app.catalogue.scenarios["panne-dhcp"].path.parent == FIXTURE_SCENARIOS

    run_async(go())
