"""No spoilers in the app (issue 16, item 5): the briefing of every shipped scenario, for each of its
variants, and the ticket tab of a running intervention show the trainee neither the variant, nor what
it changes, nor a drawn fault value, nor the expected qualification."""

from __future__ import annotations

from tuihelpers import needs_root, run_async, screen_text, start_attempt, wait_screen, widget_text

from simulateur.scenario.loader import choose_variant, load_catalogue
from simulateur.session.run import played
from simulateur.session.view import VARIANT_PARAM, secret_params
from simulateur.tui.app import SimulateurApp
from simulateur.tui.screens.briefing import BriefingScreen


def _seed_for(scenario, variant: str | None) -> int:
    """A seed that draws `variant` (the app draws the variant from the seed, it cannot be forced)."""
    return next(s for s in range(1, 500) if choose_variant(scenario, s) == variant)


def _secrets(loaded, seed: int) -> list[str]:
    values, _sc = played(loaded.scenario, loaded.topology, seed)
    out = [v for k, v in secret_params(loaded.scenario, values).items() if k != VARIANT_PARAM and len(v) >= 4]
    variant = values.get(VARIANT_PARAM)
    if variant:
        summary = " ".join(loaded.scenario.variants[variant].summary.split())
        out += [summary[:40]]  # what a wrapped screen keeps of it in one piece
    return out


def _plain(text: str) -> str:
    """The screen's text without its frame and line breaks (a value may wrap)."""
    return " ".join(" ".join(line.strip(" │┃║▎▊▌") for line in text.splitlines()).split())


def test_every_briefing_every_variant() -> None:
    catalogue = load_catalogue(user=None)
    cases = [
        (sid, _seed_for(loaded.scenario, v))
        for sid, loaded in sorted(catalogue.scenarios.items())
        for v in (sorted(loaded.scenario.variants) or [None])
    ]
    assert len(cases) >= 50

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(200, 70)) as pilot:
            await wait_screen(pilot, "CatalogueScreen")
            for sid, seed in cases:
                loaded = catalogue.scenarios[sid]
                app.push_screen(BriefingScreen(sid, seed=seed))
                await wait_screen(pilot, "BriefingScreen")
                shown = _plain(screen_text(app))
                assert loaded.scenario.title[:30] in shown or "{" in loaded.scenario.title
                leaked = [s for s in _secrets(loaded, seed) if s in shown]
                assert leaked == [], f"{sid} (graine {seed}) : le stagiaire voit {leaked}"
                app.pop_screen()
                await wait_screen(pilot, "CatalogueScreen")

    run_async(go())


@needs_root
def test_the_ticket_tab_of_a_running_intervention(labs) -> None:
    catalogue = load_catalogue(user=None)
    loaded = catalogue.scenarios["ip-mauvais-masque"]
    seed = _seed_for(loaded.scenario, "passerelle")

    async def go() -> None:
        app = SimulateurApp()
        async with app.run_test(size=(200, 70)) as pilot:
            await start_attempt(pilot, labs, "ip-mauvais-masque", seed)
            ticket = widget_text(app.screen.query_one("#ticket")) + widget_text(app.screen.query_one("#doc"))
            shown = _plain(ticket + screen_text(app))
            secrets = _secrets(loaded, seed)
            assert any(len(s) >= 7 for s in secrets)  # the wrong gateway, at least
            assert [s for s in secrets if s in shown] == []
            assert "passerelle" not in app.screen.query_one("#bar-title").render().plain

    run_async(go())
