"""Examen blanc, the jury's grid: per intervention, what no probe can judge, to mark acquis /
non acquis with a comment; the comment on each intervention; the reports exported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Static

from simulateur.errors import SimError
from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.i18n import N_, tr, trn
from simulateur.journal import timeline
from simulateur.scoring import VERDICT_LABELS
from simulateur.session.store import AttemptRecord
from simulateur.tui.exports import export_group, export_reports

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


class JuryTable(DataTable[str | Text]):
    BINDINGS = [
        Binding("a", "screen.mark('acquis')", tr("tui.key.acquis")),
        Binding("n", "screen.mark('non_acquis')", tr("tui.key.non_acquis")),
        Binding("delete,backspace", "screen.mark('')", tr("tui.key.clear")),
        Binding("c", "screen.timeline", tr("tui.key.timeline")),
        Binding("t", "screen.terminals", tr("tui.key.terminals")),
        Binding("m", "screen.comment('crit-comment')", tr("tui.key.crit_comment")),
        Binding("i", "screen.comment('item-comment')", tr("tui.key.item_comment")),
    ]


class JuryScreen(Screen[None]):
    CSS_PATH = "examen.tcss"
    HELP_TITLE = tr("tui.jury.title")
    HELP_TEXT = tr("tui.jury.help")
    BINDINGS = [Binding("escape", "back", tr("tui.key.back"))]
    AUTO_FOCUS = "#jury-table"

    app: SimulateurApp

    def __init__(self, session_id: str, candidate: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.candidate = candidate
        self._timelines: dict[str | None, str] = {}

    @property
    def db(self) -> ExamDB:
        return ExamDB(self.app.store)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(tr("tui.jury.head", candidate=self.candidate, id=self.session_id), style="bold"), id="jury-head"
        )
        yield JuryTable(id="jury-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="jury-detail-pane"):
            yield Static(id="jury-detail")
        yield Input(placeholder=tr("tui.jury.criterion_comment"), id="crit-comment", compact=True)
        yield Input(placeholder=tr("tui.jury.item_comment"), id="item-comment", compact=True)
        with Horizontal(classes="buttons"):
            yield Button(tr("tui.exam.export_reports"), id="export-reports", compact=True, variant="primary")
            yield Button(tr("tui.exam.export_group"), id="export-group", compact=True)
        yield Static("", id="jury-status", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(JuryTable)
        for key in ("n", "criterion", "kind", "verdict", "comment", "label"):
            table.add_column(tr(f"tui.jury.col.{key}"), key=key)
        self.refresh_sheet()

    def sheet(self) -> list[core.SheetItem]:
        return core.jury_sheet(self.db, self.session_id, self.candidate)

    def refresh_sheet(self) -> None:
        table = self.query_one(JuryTable)
        row = table.cursor_row
        table.clear()
        for s in self.sheet():
            for c in s.criteria:
                mark = s.marks.get(c.id)
                verdict = (
                    Text("—", style="dim")
                    if mark is None
                    else Text(
                        VERDICT_LABELS[mark.verdict], style="bold green" if mark.verdict == "acquis" else "bold red"
                    )
                )
                table.add_row(
                    str(s.item.index),
                    c.id,
                    (tr("tui.jury.required") if c.required else tr("tui.jury.optional")),
                    verdict,
                    mark.comment if mark else "",
                    c.label,
                    key=f"{s.item.index}|{c.id}",
                )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        self.show_detail()

    def selected(self) -> tuple[int, str] | None:
        table = self.query_one(JuryTable)
        if table.row_count == 0:
            return None
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        index, crit = key.split("|", 1)
        return int(index), crit

    @on(DataTable.RowHighlighted, "#jury-table")
    def show_detail(self) -> None:
        target = self.selected()
        detail = self.query_one("#jury-detail", Static)
        if target is None:
            detail.update(Text(tr("tui.jury.nothing"), style="dim"))
            return
        index, crit = target
        for s in self.sheet():
            if s.item.index != index:
                continue
            c = next(c for c in s.criteria if c.id == crit)
            text = Text(f"{tr('report.intervention', index=index)} — {s.title}\n", style="bold")
            text.append(f"{c.id} — {c.label}\n")
            for o in c.observe:
                text.append(f"{tr('exam.jury_observe')} {o}\n", style="italic")
            if c.automatic_part:
                text.append(tr("exam.jury_auto_part") + "\n", style="dim")
            if s.item.comment:
                text.append(f"{tr('exam.h.comment')} : {s.item.comment}\n")
            text.append(self._timeline_line(s.item.attempt), style="cyan")
            detail.update(text)
            mark = s.marks.get(crit)
            self.query_one("#crit-comment", Input).value = mark.comment if mark else ""
            self.query_one("#item-comment", Input).value = s.item.comment

    def _timeline_line(self, attempt_id: str | None) -> str:
        """The intervention's commands counted (c opens them), read once per attempt."""
        if attempt_id not in self._timelines:
            rec = self.app.store.attempt(attempt_id) if attempt_id else None
            steps = timeline.of_attempt(rec.attempt_dir, rec.started) if rec else []
            n = timeline.counts(steps)
            self._timelines[attempt_id] = tr(
                "tui.jury.timeline",
                commands=n["commands"],
                diagnostic=trn("count.diagnostics", n["diagnostic"]),
                change=trn("count.changes", n["change"]),
                test=trn("count.tests", n["test"]),
                failed=n["failed"],
            )
        return self._timelines[attempt_id]

    def _attempt(self) -> tuple[str, AttemptRecord] | None:
        """The selected intervention's title and stored attempt (None, with a notice, if not started)."""
        target = self.selected()
        if target is None:
            return None
        sheet = next((s for s in self.sheet() if s.item.index == target[0]), None)
        rec = self.app.store.attempt(sheet.item.attempt) if sheet and sheet.item.attempt else None
        if sheet is None or rec is None:
            self.notify(tr("tui.timeline.no_attempt"), severity="warning")
            return None
        return tr("tui.timeline.head", index=target[0], title=sheet.title), rec

    def action_timeline(self) -> None:
        found = self._attempt()
        if found is not None:
            head, rec = found
            self.app.open_timeline(f"{head} — {self.candidate}", rec.attempt_dir, rec.started)

    def action_terminals(self) -> None:
        found = self._attempt()
        if found is not None:
            self.app.open_player(found[1].attempt_dir, found[1].started)

    def action_mark(self, verdict: str) -> None:
        target = self.selected()
        if target is None:
            return
        index, crit = target
        comment = self.query_one("#crit-comment", Input).value
        try:
            if verdict:
                core.jury_mark(
                    self.db,
                    self.session_id,
                    self.candidate,
                    criterion=crit,
                    verdict=verdict,
                    comment=comment,
                    index=index,
                )
            else:
                core.jury_clear(self.db, self.session_id, self.candidate, index, crit)
        except SimError as exc:
            self.notify(str(exc), severity="error")
            return
        self.refresh_sheet()

    @on(Input.Submitted, "#crit-comment")
    def save_criterion_comment(self) -> None:
        target = self.selected()
        if target is None:
            return
        index, crit = target
        mark = next((s.marks.get(crit) for s in self.sheet() if s.item.index == index), None)
        if mark is None:
            self.notify(tr("tui.jury.verdict_first"), severity="warning")
            return
        self.action_mark(mark.verdict)
        self.query_one(JuryTable).focus()

    @on(Input.Submitted, "#item-comment")
    def save_item_comment(self) -> None:
        target = self.selected()
        if target is None:
            return
        core.jury_comment(
            self.db, self.session_id, self.candidate, target[0], self.query_one("#item-comment", Input).value
        )
        self.query_one("#jury-status", Static).update(tr("exam.jury_comment_saved", index=target[0]))
        self.refresh_sheet()
        self.query_one(JuryTable).focus()

    @on(Button.Pressed, "#export-reports")
    def export_reports(self) -> None:
        paths = export_reports(self.db, self.session_id, self.candidate)
        self.query_one("#jury-status", Static).update(tr("tui.exam.exported", paths="\n".join(map(str, paths))))

    @on(Button.Pressed, "#export-group")
    def export_group(self) -> None:
        path = export_group(self.db, self.session_id)
        self.query_one("#jury-status", Static).update(tr("tui.exam.exported", paths=str(path)))

    def action_comment(self, field: str) -> None:
        """Comments by keyboard: m (the criterion) or i (the intervention) goes to the field, Enter
        saves it, Escape comes back to the table."""
        self.query_one(f"#{field}", Input).focus()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):  # Escape in a comment: back to the table, not out of the grid
            self.query_one(JuryTable).focus()
            return
        self.app.pop_screen()


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.jury.col.comment"),
    N_("tui.jury.col.criterion"),
    N_("tui.jury.col.kind"),
    N_("tui.jury.col.label"),
    N_("tui.jury.col.n"),
    N_("tui.jury.col.verdict"),
)
