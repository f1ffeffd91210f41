"""The épreuve blanche complète in the app (pilot): its phases and times, « n » ends the open phase
and opens the next (here the last: the épreuve is over, time kept), « g » shows the RC's grid."""

from __future__ import annotations

import time

from simulateur.epreuve.db import EpreuveDB
from simulateur.epreuve.state import PhaseRun
from simulateur.session.store import Store
from simulateur.tui.app import SimulateurApp

from tuihelpers import run_async, wait_for, wait_screen, widget_text


def test_an_epreuve_in_the_app(fixture_scenarios) -> None:
    t0 = time.time() - 600
    st = EpreuveDB(Store()).create(
        candidate="Alice Martin", format="ccp2", seed=5, current=1,
        phases=[PhaseRun(kind="interventions", minutes=30, presence="jury", started=t0, ended=t0 + 300).model_dump(),
                PhaseRun(kind="entretien_technique", minutes=30, presence="jury", started=t0 + 300).model_dump()])

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.go_epreuve()
            await wait_screen(pilot, "EpreuveScreen")
            screen = app.screen
            phases = widget_text(screen.query_one("#phases"))
            assert f"Épreuve {st.id} — Alice Martin" in phases and "terminée en 5 min 00 s" in phases
            assert "▶ 2. entretien technique" in phases and "en cours, reste 2" in phases
            await pilot.press("n")
            await wait_for(pilot, lambda: "Épreuve terminée" in widget_text(screen.query_one("#status")), 20, "fin")
            await pilot.press("g")
            await wait_for(pilot, lambda: "TAI.CP8.1" in widget_text(screen.query_one("#grid")), 20, "grille")
            grid = widget_text(screen.query_one("#grid"))
            assert "[mise en situation professionnelle]" in grid and "[entretien technique]" in grid
            assert "TAI.CP1.1" not in grid                 # CCP2's part only
            await pilot.press("n")
            await wait_for(pilot, lambda: "est terminée" in widget_text(screen.query_one("#status")), 10, "refus")
        done = EpreuveDB(Store()).get(st.id)
        assert done.finished and done.phases[1].ended is not None

    run_async(go())


def test_no_epreuve_going_is_said(fixture_scenarios) -> None:
    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            for st in EpreuveDB(Store()).all():        # (a shared data dir: only the finished ones)
                assert st.finished
            app.go_epreuve()
            await pilot.pause()
            assert app.screen.__class__.__name__ == "CatalogueScreen"

    run_async(go())
