"""Examen blanc, the trainer's hub: create a session (draw), let a candidate start it, open the
jury's grid, export the reports and the group's follow-up."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Select, Static
from textual.worker import Worker

from simulateur.errors import SimError
from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.i18n import N_, tr, trn
from simulateur.tui.exports import export_group, export_reports

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


class ExamenScreen(Screen[None]):
    CSS_PATH = "examen.tcss"
    HELP_TITLE = tr("tui.exam.title")
    HELP_TEXT = tr("tui.exam.help")
    BINDINGS = [Binding("escape", "back", tr("tui.key.back"))]
    AUTO_FOCUS = "#sessions"

    app: SimulateurApp

    def __init__(self) -> None:
        super().__init__()

    @property
    def db(self) -> ExamDB:
        return ExamDB(self.app.store)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="exam-body"):
            with Vertical(id="sessions-pane"):
                yield Label(tr("tui.exam.sessions"), classes="pane-title")
                yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="session-detail-pane"):
                    yield Static(id="session-detail")
            with VerticalScroll(id="exam-side"):
                yield Label(tr("tui.exam.new"), classes="pane-title")
                for key, value in (
                    ("count", "3"),
                    ("minutes", "40"),
                    ("competences", ""),
                    ("ccps", ""),
                    ("group", ""),
                    ("seed", ""),
                ):
                    with Horizontal(classes="field"):
                        yield Label(tr(f"tui.exam.f.{key}"), classes="field-label")
                        yield Input(value, placeholder=tr(f"tui.exam.f.{key}.placeholder"), id=f"f-{key}", compact=True)
                yield Button(tr("tui.exam.create"), id="create", variant="primary", compact=True)
                yield Label(tr("tui.exam.candidate"), classes="pane-title")
                yield Input(placeholder=tr("tui.exam.candidate.placeholder"), id="candidate", compact=True)
                yield Button(tr("tui.exam.begin"), id="begin", variant="success", compact=True)
                yield Label(tr("tui.exam.trainer"), classes="pane-title")
                yield Select([], prompt=tr("tui.exam.pick_candidate"), id="jury-candidate", compact=True)
                yield Button(tr("tui.exam.jury_button"), id="jury", compact=True)
                yield Button(tr("tui.exam.export_reports"), id="export-reports", compact=True, classes="tight")
                yield Button(tr("tui.exam.export_group"), id="export-group", compact=True, classes="tight")
                yield Static("", id="exam-status", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#sessions", DataTable)
        for key in ("id", "date", "count", "minutes", "group", "candidates"):
            table.add_column(tr(f"tui.exam.col.{key}"), key=key)
        self.refresh_sessions()

    def on_screen_resume(self) -> None:
        self.refresh_sessions()

    # --- sessions -------------------------------------------------------------------------------
    def refresh_sessions(self, select: str | None = None) -> None:
        db = self.db
        try:
            core.sweep(db)  # an overdue run whose watchdog was killed is closed first
        except SimError:
            pass
        table = self.query_one("#sessions", DataTable)
        current = select or self.selected()
        table.clear()
        for s in reversed(db.sessions()):
            names = ", ".join(r.candidate for r in db.runs(s.id)) or "—"
            table.add_row(
                s.id,
                time.strftime("%d/%m %H:%M", time.localtime(s.created)),
                str(s.count),
                f"{s.minutes:g}",
                Text(s.group or "—"),
                Text(names),
                key=s.id,
            )
        if current is not None and current in [str(k.value) for k in table.rows]:
            table.move_cursor(row=table.get_row_index(current))
        self.show_session()

    def selected(self) -> str | None:
        table = self.query_one("#sessions", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowHighlighted, "#sessions")
    def show_session(self) -> None:
        from simulateur.exam.draw import drawn_text as _drawn
        from simulateur.report.model import STATUS_LABELS

        sid = self.selected()
        detail = self.query_one("#session-detail", Static)
        select = self.query_one("#jury-candidate", Select)
        if sid is None:
            detail.update(Text(tr("tui.exam.no_session"), style="dim"))
            select.set_options([])
            return
        db = self.db
        s = db.session(sid)
        if s is None:
            return
        text = Text(
            trn(
                "exam.show_head",
                s.count,
                id=s.id,
                minutes=f"{s.minutes:g}",
                seed=s.seed,
                group=s.group or tr("exam.no_group"),
            )
            + "\n",
            style="bold",
        )
        for iv in s.interventions:
            text.append(f"  {iv.index}. {iv.title}", style="")
            text.append(f"  [{_drawn(iv)}]\n", style="dim")
        if any(iv.seed is None for iv in s.interventions):
            text.append(tr("exam.per_candidate") + "\n", style="dim")
        runs = db.runs(s.id)
        for r in runs:
            state = (
                tr("exam.state_finished")
                if r.finished
                else tr("exam.state_running", left=f"{int(r.remaining()) // 60} min {int(r.remaining()) % 60:02d} s")
            )
            text.append(f"\n{r.candidate} — {state}\n", style="bold")
            for item in r.items:  # not the candidate's drawn variant: candidates start here
                text.append(f"  {item.index}. {STATUS_LABELS[item.status]}\n")
        detail.update(text)
        # set_options clears the choice: the candidate chosen stays chosen if this session has her.
        # (This runs again on every RowHighlighted the table posts — its refresh on a return from
        # the jury's grid too —, after the trainer may have chosen: the choice was lost.)
        chosen = select.value
        select.set_options([(r.candidate, r.candidate) for r in runs])
        if chosen in {r.candidate for r in runs}:
            select.value = chosen

    @on(Button.Pressed, "#create")
    def create(self) -> None:
        def val(key: str) -> str:
            return self.query_one(f"#f-{key}", Input).value.strip()

        def items(key: str) -> list[str]:
            return [x for x in re.split(r"[,\s]+", val(key)) if x]

        try:
            try:
                count = int(val("count") or "3")
                minutes = float((val("minutes") or "40").replace(",", "."))
                seed = int(val("seed")) if val("seed") else None
            except ValueError:
                raise SimError(tr("tui.exam.bad_number")) from None
            s = core.new_session(
                count=count,
                minutes=minutes,
                seed=seed,
                group=val("group") or None,
                competences=items("competences"),
                ccps=items("ccps"),
                db=self.db,
                catalogue=self.app.catalogue.scenarios,
            )
        except SimError as exc:
            self.query_one("#exam-status", Static).update(Text(str(exc), style="bold red"))
            return
        self.query_one("#exam-status", Static).update(Text(tr("tui.exam.created", id=s.id)))
        self.refresh_sessions(select=s.id)

    # --- the candidate --------------------------------------------------------------------------
    @on(Button.Pressed, "#begin")
    @on(Input.Submitted, "#candidate")
    def begin(self) -> None:
        if self.app.building:
            return
        sid = self.selected()
        name = self.query_one("#candidate", Input).value.strip()
        status = self.query_one("#exam-status", Static)
        if sid is None or not name:
            status.update(Text(tr("tui.exam.need_session_and_name"), style="bold red"))
            return
        status.update(Text(tr("tui.exam.building"), style="bold"))
        self.query_one("#begin", Button).disabled = True
        db = self.db
        # Quitting meanwhile: the intervention is left to the exam's watchdog, as when the terminal closes.
        self.app.build(self, lambda: self._begin(db, sid, name), lambda step: None)

    @staticmethod
    def _begin(db: ExamDB, sid: str, name: str) -> core.Step:
        """In the build worker's thread: the candidate's run resumed, or started (its first lab built)."""
        if db.run(sid, name) is not None:
            return core.resume(db, sid, name)
        return core.start_candidate(db, sid, name)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        outcome = self.app.built(event)
        if outcome is None:
            return
        self.query_one("#begin", Button).disabled = False
        if not outcome.ok:
            self.query_one("#exam-status", Static).update(Text(outcome.problem or "", style="bold red"))
            return
        self.query_one("#exam-status", Static).update("")
        self.query_one("#candidate", Input).value = ""
        self.app.continue_exam(self.db, outcome.result)

    # --- the trainer ----------------------------------------------------------------------------
    def _jury_target(self) -> tuple[str, str] | None:
        sid = self.selected()
        cand = self.query_one("#jury-candidate", Select).value
        if sid is None or not isinstance(cand, str):
            self.query_one("#exam-status", Static).update(Text(tr("tui.exam.need_candidate"), style="bold red"))
            return None
        return sid, cand

    @on(Button.Pressed, "#jury")
    def open_jury(self) -> None:
        target = self._jury_target()
        if target is not None:
            self.app.open_jury(*target)

    @on(Button.Pressed, "#export-reports")
    def export_reports(self) -> None:
        target = self._jury_target()
        if target is None:
            return
        paths = export_reports(self.db, *target)
        self.query_one("#exam-status", Static).update(Text(tr("tui.exam.exported", paths="\n".join(map(str, paths)))))

    @on(Button.Pressed, "#export-group")
    def export_group(self) -> None:
        sid = self.selected()
        if sid is None:
            return
        path = export_group(self.db, sid)
        self.query_one("#exam-status", Static).update(Text(tr("tui.exam.exported", paths=str(path))))

    def action_back(self) -> None:
        if not self.app.building:
            self.app.pop_screen()


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.exam.col.candidates"),
    N_("tui.exam.col.count"),
    N_("tui.exam.col.date"),
    N_("tui.exam.col.group"),
    N_("tui.exam.col.id"),
    N_("tui.exam.col.minutes"),
    N_("tui.exam.f.ccps"),
    N_("tui.exam.f.ccps.placeholder"),
    N_("tui.exam.f.competences"),
    N_("tui.exam.f.competences.placeholder"),
    N_("tui.exam.f.count"),
    N_("tui.exam.f.count.placeholder"),
    N_("tui.exam.f.group"),
    N_("tui.exam.f.group.placeholder"),
    N_("tui.exam.f.minutes"),
    N_("tui.exam.f.minutes.placeholder"),
    N_("tui.exam.f.seed"),
    N_("tui.exam.f.seed.placeholder"),
)
