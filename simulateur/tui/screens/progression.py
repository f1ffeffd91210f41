"""6. Progression: past attempts, progress per competence over time, CSV export."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select, Static

from simulateur.i18n import N_, tr, trn
from simulateur.paths import data_dir
from simulateur.session.store import ANYONE, EXAM_MODES, STATUSES, TRAINING_MODES, AttemptRecord
from simulateur.tui import format as F
from simulateur.tui.widgets.chart import chart

NO_NAME = "\x00"  # the « (sans nom) » option: attempts started with no trainee's name

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


class ProgressionScreen(Screen[None]):
    CSS_PATH = "progression.tcss"
    HELP_TITLE = tr("tui.progression.title")
    HELP_TEXT = tr("tui.progression.help")
    BINDINGS = [
        Binding("escape", "back", tr("tui.key.back")),
        Binding("x", "export", tr("tui.key.export")),
        Binding("enter", "open", tr("tui.key.open_results"), show=False),
    ]
    AUTO_FOCUS = "#attempts"

    app: SimulateurApp

    def compose(self) -> ComposeResult:
        records = self.app.store.attempts()
        scenarios = sorted({(r.scenario, r.title) for r in records})
        comps = sorted({c for r in records for c in r.competences})
        yield Header()
        with Horizontal(id="filters"):
            # whose (the trainee at the keyboard first), and training or exam: never mixed
            trainees = [(name, name) for name in self.app.trainees()] + [(tr("tui.profile.none"), NO_NAME)]
            yield Select(
                trainees,
                prompt=tr("tui.progression.all_trainees"),
                id="trainee",
                compact=True,
                value=self.app.trainee or Select.NULL,
            )  # nobody chosen: everybody's
            yield Select(
                [(tr("tui.progression.kind.training"), "training"), (tr("tui.progression.kind.exam"), "exam")],
                allow_blank=False,
                value="training",
                id="kind",
                compact=True,
            )
            yield Select(
                [(title or sid, sid) for sid, title in scenarios],
                prompt=tr("tui.progression.all_scenarios"),
                id="scenario",
                compact=True,
            )
            yield Select(
                [(c, c) for c in comps], prompt=tr("tui.catalogue.all_competences"), id="competence", compact=True
            )
            yield Select(
                [(tr(f"tui.status.{s}"), s) for s in STATUSES],
                prompt=tr("tui.progression.all_statuses"),
                id="status",
                compact=True,
            )
        yield DataTable(id="attempts", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="chart-pane"):
            yield Static(id="chart")
        yield Footer()

    def on_mount(self) -> None:
        self._scenario_width = 0
        self.query_one("#chart-pane").border_title = tr("tui.progression.chart")
        self.refresh_view()

    def on_resize(self) -> None:
        self.refresh_view()

    def _columns(self) -> None:
        """The scenario takes what the other columns leave (16 columns at 80×24)."""
        width = max(14, min(60, self.app.size.width - 64))
        if width == self._scenario_width:
            return
        self._scenario_width = width
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for key in ("date", "scenario", "mode", "score", "time", "hints", "status"):
            table.add_column(tr(f"tui.progression.col.{key}"), key=key, width=width if key == "scenario" else None)

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def filtered(self) -> list[AttemptRecord]:
        def value(sel_id: str) -> str | None:
            v = self.query_one(sel_id, Select).value
            return v if isinstance(v, str) else None

        trainee = self.query_one("#trainee", Select).value
        who: object = ANYONE if trainee is Select.NULL else (None if trainee == NO_NAME else trainee)
        modes = EXAM_MODES if self.query_one("#kind", Select).value == "exam" else TRAINING_MODES
        return self.app.store.attempts(
            scenario=value("#scenario"),
            competence=value("#competence"),
            status=value("#status"),
            candidate=who,
            modes=modes,
        )

    def refresh_view(self) -> None:
        records = self.filtered()
        skipped = self.app.store.skipped
        table = self.query_one(DataTable)
        self._columns()
        table.clear()
        for r in reversed(records):
            score = (
                Text("—", style="dim")
                if r.score is None
                else Text(f"{r.score.acquis}/{r.score.evalues}", style="bold green" if r.score.ratio == 1 else "")
            )
            table.add_row(
                F.when(r.started),
                Text(r.title or r.scenario),
                tr(f"tui.mode.{r.mode}"),
                score,
                F.clock(r.duration) if r.duration is not None else "—",
                str(r.hints_used),
                tr(f"tui.status.{r.status}"),
                key=r.id,
            )
        comp = self.query_one("#competence", Select).value
        history = self.app.store.competence_history(records)
        if isinstance(comp, str):
            history = {k: v for k, v in history.items() if k == comp}
        self.query_one("#chart", Static).update(chart(history))
        if skipped:
            self.notify(trn("tui.progression.skipped", skipped), severity="warning")

    @on(Select.Changed)
    def _filters_changed(self) -> None:
        self.refresh_view()

    def selected(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        aid = self.selected()
        if aid is None:
            return
        self.app.open_results(aid)

    def action_export(self) -> None:
        path = data_dir() / "exports" / f"progression-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        self.app.store.export_csv(path, self.filtered())
        self.notify(tr("tui.progression.exported", path=path), timeout=10)

    def action_back(self) -> None:
        self.app.pop_screen()

    def commands(self) -> list[tuple[str, str, Any]]:
        return [(tr("tui.cmd.export"), tr("tui.cmd.export.help"), self.action_export)]


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.progression.col.date"),
    N_("tui.progression.col.hints"),
    N_("tui.progression.col.mode"),
    N_("tui.progression.col.scenario"),
    N_("tui.progression.col.score"),
    N_("tui.progression.col.status"),
    N_("tui.progression.col.time"),
    N_("tui.status.abandonnee"),
    N_("tui.status.en_cours"),
    N_("tui.status.interrompue"),
    N_("tui.status.soumise"),
)
