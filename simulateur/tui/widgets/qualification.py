"""Ticket qualification: impact × urgency → priority, with GLPI's matrix shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Select, Static

from simulateur.i18n import tr
from simulateur.ticket import IMPACT_LABELS, IMPACTS, MATRIX, PRIORITY_LABELS, URGENCIES, URGENCY_LABELS, priority

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


def matrix(impact: str | None, urgency: str | None) -> Table:
    """GLPI's priority matrix; the chosen cell highlighted."""
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column(tr("tui.qualif.matrix.corner"), style="bold")
    for imp in IMPACTS:
        table.add_column(IMPACT_LABELS[imp].replace(tr("ticket.very"), tr("ticket.very_short")), justify="center")
    for urg in reversed(URGENCIES):
        cells = []
        for imp in IMPACTS:
            p = MATRIX[URGENCIES.index(urg)][IMPACTS.index(imp)]
            chosen = imp == impact and urg == urgency
            cells.append(Text(str(p), style="bold reverse" if chosen else ""))
        table.add_row(URGENCY_LABELS[urg].replace(tr("ticket.very"), tr("ticket.very_short")), *cells)
    return table


class QualificationForm(VerticalScroll):
    DEFAULT_CSS = """
    QualificationForm { padding: 0 1; }
    QualificationForm .row { height: 1; margin-top: 1; }
    QualificationForm .row Label { width: 10; }
    QualificationForm .row Select { width: 20; }
    QualificationForm #priority { margin-top: 1; text-style: bold; }
    QualificationForm #matrix { margin-top: 1; height: auto; }
    QualificationForm #qualif-save { margin-top: 1; }
    QualificationForm #qualif-saved { margin-top: 1; }
    """

    app: SimulateurApp

    def compose(self) -> ComposeResult:
        running = self.app.running
        q = running.attempt.qualification() if running else None
        with Horizontal(classes="row"):
            yield Label(tr("tui.qualif.impact"))
            yield Select(
                [(IMPACT_LABELS[i], i) for i in IMPACTS],
                prompt=tr("tui.qualif.choose"),
                id="impact",
                compact=True,
                value=q.impact if q else Select.NULL,
            )
        with Horizontal(classes="row"):
            yield Label(tr("tui.qualif.urgency"))
            yield Select(
                [(URGENCY_LABELS[u], u) for u in URGENCIES],
                prompt=tr("tui.qualif.choose"),
                id="urgency",
                compact=True,
                value=q.urgency if q else Select.NULL,
            )
        yield Static(id="priority")
        yield Static(id="matrix")
        yield Button(tr("tui.qualif.save"), id="qualif-save", variant="primary")
        yield Static(
            tr("tui.qualif.saved", label=self._label(q.impact, q.urgency)) if q else tr("tui.qualif.not_yet"),
            id="qualif-saved",
            classes="muted",
        )

    def on_mount(self) -> None:
        self._show()

    def values(self) -> tuple[str | None, str | None]:
        imp = self.query_one("#impact", Select).value
        urg = self.query_one("#urgency", Select).value
        return (imp if isinstance(imp, str) else None, urg if isinstance(urg, str) else None)

    @staticmethod
    def _label(impact: str, urgency: str) -> str:
        return tr(
            "tui.qualif.label",
            impact=IMPACT_LABELS[impact],
            urgency=URGENCY_LABELS[urgency],
            priority=PRIORITY_LABELS[priority(impact, urgency)],
        )

    @on(Select.Changed)
    def _show(self) -> None:
        imp, urg = self.values()
        text = self.query_one("#priority", Static)
        if imp and urg:
            p = priority(imp, urg)
            text.update(tr("tui.qualif.priority", priority=PRIORITY_LABELS[p], n=p))
        else:
            text.update(tr("tui.qualif.incomplete"))
        self.query_one("#matrix", Static).update(matrix(imp, urg))

    @on(Button.Pressed, "#qualif-save")
    def save(self) -> None:
        imp, urg = self.values()
        running = self.app.running
        if not imp or not urg:
            self.notify(tr("tui.qualif.incomplete"), severity="warning")
            return
        if running is None:
            return
        running.qualify(imp, urg)
        self.query_one("#qualif-saved", Static).update(tr("tui.qualif.saved", label=self._label(imp, urg)))
        self.notify(tr("cli.qualified", priority=PRIORITY_LABELS[priority(imp, urg)]))
