"""The épreuve blanche complète in the app (pilot): its phases and times, « n » ends the open phase
and opens the next (here the last: the épreuve is over, time kept), « g » shows the RC's grid."""

from __future__ import annotations

import time

from tuihelpers import run_async, wait_for, wait_screen, widget_text

from simulateur.epreuve.db import EpreuveDB
from simulateur.epreuve.state import PhaseRun
from simulateur.session.store import Store
from simulateur.tui.app import SimulateurApp


def test_an_epreuve_in_the_app(fixture_scenarios) -> None:
    t0 = time.time() - 600
    st = EpreuveDB(Store()).create(
        candidate="Alice Martin",
        format="ccp2",
        seed=5,
        current=1,
        phases=[
            PhaseRun(kind="interventions", minutes=30, presence="jury", started=t0, ended=t0 + 300).model_dump(),
            PhaseRun(kind="entretien_technique", minutes=30, presence="jury", started=t0 + 300).model_dump(),
        ],
    )

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
            assert "TAI.CP1.1" not in grid  # CCP2's part only
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
            for st in EpreuveDB(Store()).all():  # (a shared data dir: only the finished ones)
                assert st.finished
            app.go_epreuve()
            await pilot.pause()
            assert app.screen.__class__.__name__ == "CatalogueScreen"

    run_async(go())


def test_a_whole_epreuve_chained_in_the_app(labs) -> None:
    """A CCP2 épreuve from its start to its grid, every phase opened by « n » in the app: the
    interventions (her examen blanc, opened by the épreuve), the entretien technique, the end."""
    from simulateur.epreuve import core
    from simulateur.exam.db import ExamDB

    st = core.start(ExamDB(), "ccp2", "Bruno Petit", seed=11, scale=0.2, count=1)
    assert st.open_phase().kind == "interventions" and st.exam_session

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            app.go_epreuve(st.id)
            await wait_screen(pilot, "EpreuveScreen")
            screen = app.screen
            assert "▶ 1. interventions" in widget_text(screen.query_one("#phases"))
            await pilot.press("n")
            # #phases is redrawn every second from the store: it can show phase 2 while the worker
            # still finishes opening it, and « n » is ignored while busy (seen under load)
            await wait_for(
                pilot,
                lambda: not screen.busy and "▶ 2. entretien technique" in widget_text(screen.query_one("#phases")),
                60,
                "entretien",
            )
            await pilot.press("n")
            await wait_for(pilot, lambda: "Épreuve terminée" in widget_text(screen.query_one("#status")), 60, "fin")
            await pilot.press("g")
            await wait_for(pilot, lambda: "TAI.CP8.1" in widget_text(screen.query_one("#grid")), 20, "grille")
            assert "[entretien technique]" in widget_text(screen.query_one("#grid"))

    run_async(go())
    done = EpreuveDB(Store()).get(st.id)
    assert done.finished and all(p.started and p.ended for p in done.phases)
