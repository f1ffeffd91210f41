"""1. Catalogue: the scenarios as a table, filters, search as you type, the details of the one chosen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from simulateur import referentiel
from simulateur.i18n import tr
from simulateur.scenario.models import Scenario
from simulateur.tui import format as F

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


class CatalogueScreen(Screen[None]):
    CSS_PATH = "catalogue.tcss"
    HELP_TITLE = tr("tui.catalogue.title")
    HELP_TEXT = tr("tui.catalogue.help")
    BINDINGS = [
        Binding("enter", "choose", tr("tui.key.choose"), show=True),
        Binding("slash", "search", tr("tui.key.search")),
        Binding("p", "progression", tr("tui.key.progression")),
        Binding("e", "examen", tr("tui.key.examen")),
        Binding("escape", "reset", tr("tui.key.reset"), show=False),
    ]
    AUTO_FOCUS = "#table"

    app: SimulateurApp

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder=tr("tui.catalogue.search"), id="search", compact=True)
            yield Select(self._ccp_options(), prompt=tr("tui.catalogue.all_ccp"), id="ccp", compact=True)
            yield Select(self._competence_options(), prompt=tr("tui.catalogue.all_competences"), id="competence",
                         compact=True)
            yield Select([(F.level(n), n) for n in (1, 2, 3)], prompt=tr("tui.catalogue.all_levels"), id="level",
                         compact=True)
        yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="details"):
            yield Static(id="details-text")
        yield Footer()

    # --- data ---------------------------------------------------------------------------------
    def _scenarios(self) -> list[Scenario]:
        return sorted((l.scenario for l in self.app.catalogue.scenarios.values()),
                      key=lambda s: (s.referentiel, s.level, s.title))

    def _ccp_options(self) -> list[tuple[str, str]]:
        seen: list[str] = []
        for sc in self._scenarios():
            seen += [c for c in F.ccps(sc.competences) if c not in seen]
        return [(f"{F.short(c)} ({c.split('.')[0]})", c) for c in sorted(seen)]

    def _competence_options(self) -> list[tuple[str, str]]:
        comps = sorted({c for sc in self._scenarios() for c in sc.competences})
        return [(c, c) for c in comps]

    def on_mount(self) -> None:
        self._title_width = 0
        self.refresh_table()
        problems = self.app.catalogue.problems
        if problems:
            shown = "\n".join(problems[:3]) + ("\n…" if len(problems) > 3 else "")   # file:line: why
            self.notify(tr("tui.catalogue.problems", n=len(problems)) + "\n" + shown, severity="warning", timeout=12,
                        markup=False)

    def on_resize(self) -> None:
        self.refresh_table()

    def on_screen_resume(self) -> None:
        self.refresh_table()

    def _cells(self, sc: Scenario) -> dict[str, str]:
        return {"ref": sc.referentiel, "ccp": " ".join(F.short(c) for c in F.ccps(sc.competences)),
                "competences": " ".join(F.short(c) for c in sc.competences), "level": str(sc.level),
                "duration": f"{sc.duration} min"}

    def _columns(self) -> None:
        """The title takes what the other columns leave (at least 20 cells); no sideways scrolling."""
        keys = ("ref", "ccp", "competences", "level", "duration", "best")
        others = 0
        for key in keys:
            cells = [len(self._cells(sc).get(key, "")) for sc in self._scenarios()]
            others += max([len(tr(f"tui.catalogue.col.{key}")), *cells]) + 2   # cell padding
        width = max(20, min(70, self.app.size.width - others - 5))    # its own padding, the scrollbar
        if width == self._title_width:
            return
        self._title_width = width
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column(tr("tui.catalogue.col.title"), key="title", width=width)
        for key in keys:
            table.add_column(tr(f"tui.catalogue.col.{key}"), key=key)

    def _matches(self, sc: Scenario) -> bool:
        words = F.fold(self.query_one("#search", Input).value).split()
        haystack = F.fold(" ".join([sc.id, sc.title, sc.ticket.text, sc.ticket.from_, *sc.competences,
                                    *(F.competence_label(c) for c in sc.competences)]))
        if any(w not in haystack for w in words):
            return False
        ccp = self.query_one("#ccp", Select).value
        if ccp is not Select.NULL and ccp not in F.ccps(sc.competences):
            return False
        comp = self.query_one("#competence", Select).value
        if comp is not Select.NULL and comp not in sc.competences:
            return False
        lvl = self.query_one("#level", Select).value
        return lvl is Select.NULL or sc.level == lvl

    def refresh_table(self) -> None:
        table = self.query_one(DataTable)
        current = self.selected_id()
        self._columns()
        table.clear()
        best = self.app.store.best_scores()
        for sc in self._scenarios():
            if not self._matches(sc):
                continue
            score = best.get(sc.id)
            best_text = Text(f"{score.acquis}/{score.evalues}", style="bold green" if score.ratio == 1 else "") \
                if score else Text("—", style="dim")
            cells = self._cells(sc)
            table.add_row(sc.title, cells["ref"], cells["ccp"], cells["competences"], cells["level"],
                          cells["duration"], best_text, key=sc.id)
        if current is not None and current in {str(k.value) for k in table.rows}:
            table.move_cursor(row=table.get_row_index(current))
        self.show_details()

    def selected_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:
            return None

    def show_details(self) -> None:
        text = self.query_one("#details-text", Static)
        sid = self.selected_id()
        if sid is None:
            text.update(tr("tui.catalogue.none"))
            return
        sc = self.app.catalogue.scenarios[sid].scenario
        head = Text(sc.title, style="bold")
        head.append("\n" + tr("tui.catalogue.meta", ref=sc.referentiel, level=F.level(sc.level),
                               duration=sc.duration, id=sc.id), style="dim")
        head.append("\n" + tr("tui.catalogue.trains"), style="bold")
        body = Table.grid(padding=(0, 1))
        body.add_column(no_wrap=True)
        body.add_column(ratio=1)
        evaluated = {c.id for c in sc.criteria}
        crits = referentiel.all_criteria()
        for cid in sc.competences:
            ccp = F.ccp_of(cid)
            body.add_row(Text(cid, style="bold cyan"),
                         Text(F.competence_label(cid) + (f" ({F.short(ccp)})" if ccp else ""), style="bold"))
            for crit_id in sorted(c for c in evaluated if c in crits and crits[c][1].id == cid):
                body.add_row(Text("  " + crit_id, style="dim"), Text(crits[crit_id][0].label, style="dim"))
        out = Group(head, body)
        text.update(out)

    # --- events and actions -------------------------------------------------------------------
    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def _filters_changed(self, event: Any) -> None:
        self.refresh_table()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_details()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_choose()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_choose(self) -> None:
        from simulateur.tui.screens.briefing import BriefingScreen

        sid = self.selected_id()
        if sid is None:
            self.notify(tr("tui.catalogue.none"), severity="warning")
            return
        self.app.push_screen(BriefingScreen(sid))

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_reset(self) -> None:
        self.query_one("#search", Input).value = ""
        for sel in self.query(Select):
            sel.clear()
        self.query_one(DataTable).focus()

    def action_progression(self) -> None:
        self.app.go_progression()

    def action_examen(self) -> None:
        from simulateur.tui.screens.examen import ExamenScreen

        self.app.push_screen(ExamenScreen())

    def commands(self) -> list[tuple[str, str, Any]]:
        sid = self.selected_id()
        out = []
        if sid:
            title = self.app.catalogue.scenarios[sid].scenario.title
            out.append((tr("tui.cmd.open", title=title), tr("tui.cmd.open.help"), self.action_choose))
        out.append((tr("tui.cmd.search"), tr("tui.cmd.search.help"), self.action_search))
        return out
