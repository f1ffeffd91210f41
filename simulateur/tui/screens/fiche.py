"""4. Fiche d'intervention: the form a jury expects, saved as the trainee types; then submission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, Static, TextArea
from textual.worker import Worker

from simulateur.i18n import N_, tr
from simulateur.session.store import FICHE_FIELDS
from simulateur.tui import format as F
from simulateur.tui.context import Running
from simulateur.tui.screens.dialogs import ConfirmScreen
from simulateur.tui.workers import ended

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


class FicheScreen(Screen[None]):
    CSS_PATH = "fiche.tcss"
    HELP_TITLE = tr("tui.fiche.title")
    HELP_TEXT = tr("tui.fiche.help")
    BINDINGS = [
        Binding("ctrl+s", "submit", tr("tui.key.submit"), priority=True),
        Binding("escape", "back", tr("tui.key.back_intervention")),
    ]

    app: SimulateurApp

    def __init__(self) -> None:
        super().__init__()
        self._loading = True
        self.submitting = False

    @property
    def running(self) -> Running:
        assert self.app.running is not None
        return self.app.running

    def compose(self) -> ComposeResult:
        saved = self.app.store.fiche(self.running.attempt_id)
        yield Header()
        yield Static(tr("tui.fiche.autosave"), id="fiche-status", classes="muted")
        with VerticalScroll(id="fields"):
            for name in FICHE_FIELDS:
                yield Label(tr(f"tui.fiche.{name}"), classes="field-label")
                area = TextArea(
                    saved.get(name, ""), id=f"f-{name}", compact=True, placeholder=tr(f"tui.fiche.{name}.placeholder")
                )
                area.show_line_numbers = False
                yield area
        with Horizontal(id="actions"):
            yield Button(tr("tui.fiche.back"), id="back", compact=True)
            yield Button(tr("tui.fiche.submit"), id="submit", variant="success", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        temps = self.query_one("#f-temps_passe", TextArea)
        if not temps.text.strip():
            elapsed = self.app.clock() - self.running.started
            temps.text = F.duration(elapsed)
        self.query_one("#f-symptome", TextArea).focus()
        self.call_after_refresh(self._loaded)

    def _loaded(self) -> None:
        self._loading = False
        # The prefilled time is saved like anything typed.
        self.app.store.save_fiche(
            self.running.attempt_id, "temps_passe", self.query_one("#f-temps_passe", TextArea).text
        )

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        if self._loading or not event.text_area.id or not event.text_area.id.startswith("f-"):
            return
        name = event.text_area.id[2:]
        self.app.store.save_fiche(self.running.attempt_id, name, event.text_area.text)
        self.query_one("#fiche-status", Static).update(tr("tui.fiche.saved_at", at=F.hour(self.app.clock())))

    def values(self) -> dict[str, str]:
        return {name: self.query_one(f"#f-{name}", TextArea).text for name in FICHE_FIELDS}

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        if not self.submitting:
            self.app.pop_screen()

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        if self.submitting:
            return
        empty = [tr(f"tui.fiche.{n}") for n, v in self.values().items() if not v.strip()]
        question = tr("tui.fiche.confirm")
        if empty:
            question += "\n\n" + tr("tui.fiche.empty_fields", fields=", ".join(empty))

        def answer(yes: bool | None) -> None:
            if yes:
                self.submitting = True
                self.query_one("#fiche-status", Static).update(Text(tr("tui.fiche.checking"), style="bold"))
                self.query_one("#fields").loading = True
                self.query_one("#actions").disabled = True
                self._submit()

        self.app.push_screen(ConfirmScreen(question), answer)

    @work(thread=True, exclusive=True, group="submit", exit_on_error=False)
    def _submit(self) -> str:
        """The lab checked, the verdicts stored, the lab stopped; on_worker_state_changed shows the results."""
        self.running.submit()
        return self.running.attempt_id

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        outcome = ended(event, "submit")
        if outcome is None:
            return
        if outcome.ok:
            self.app.show_results(outcome.result)
        else:
            self._failed(outcome.problem or "")

    def _failed(self, message: str) -> None:
        self.submitting = False
        self.query_one("#fields").loading = False
        self.query_one("#actions").disabled = False
        self.query_one("#fiche-status", Static).update(Text(tr("tui.fiche.failed", why=message), style="bold red"))

    def commands(self) -> list[tuple[str, str, Any]]:
        return [(tr("tui.cmd.submit"), tr("tui.cmd.submit.help"), self.action_submit)]


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.fiche.cause.placeholder"),
    N_("tui.fiche.conseils.placeholder"),
    N_("tui.fiche.diagnostic.placeholder"),
    N_("tui.fiche.retour_etat.placeholder"),
    N_("tui.fiche.solution.placeholder"),
    N_("tui.fiche.symptome.placeholder"),
    N_("tui.fiche.temps_passe.placeholder"),
    N_("tui.fiche.validation.placeholder"),
)
