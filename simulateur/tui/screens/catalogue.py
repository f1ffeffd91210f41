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
from textual.widgets.data_table import CellDoesNotExist

from simulateur import referentiel
from simulateur.i18n import N_, tr, trn
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
        Binding("s", "trainee", tr("tui.key.profile"), show=False),  # said in the header
        Binding("escape", "reset", tr("tui.key.reset"), show=False),
    ]
    AUTO_FOCUS = "#table"

    app: SimulateurApp

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder=tr("tui.catalogue.search"), id="search", compact=True)
            yield Select(self.ccp_options(), prompt=tr("tui.catalogue.all_ccp"), id="ccp", compact=True)
            yield Select(
                self._competence_options(), prompt=tr("tui.catalogue.all_competences"), id="competence", compact=True
            )
            yield Select(
                [(F.level(n), n) for n in (1, 2, 3)], prompt=tr("tui.catalogue.all_levels"), id="level", compact=True
            )
        yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="details"):
            yield Static(id="details-text")
        yield Footer()

    # --- data ---------------------------------------------------------------------------------
    def _scenarios(self) -> list[Scenario]:
        return sorted(
            (l.scenario for l in self.app.catalogue.scenarios.values()), key=lambda s: (s.referentiel, s.level, s.title)
        )

    @staticmethod
    def _all_competences(sc: Scenario) -> list[str]:
        """What it trains: its competences, then those of the other title it also exercises (IDI)."""
        return [*sc.competences, *sc.also]

    def ccp_options(self) -> list[tuple[str, str]]:
        """A whole title first (« Tout IDI »), then each CCP — of TAI and of IDI (`also`)."""
        seen: list[str] = []
        for sc in self._scenarios():
            seen += [c for c in F.ccps(self._all_competences(sc)) if c not in seen]
        titles = sorted({c.split(".")[0] for c in seen})
        return [(tr("tui.catalogue.whole_title", ref=t), t) for t in titles] + [
            (f"{F.short(c)} ({c.split('.')[0]})", c) for c in sorted(seen)
        ]

    def _competence_options(self) -> list[tuple[str, str]]:
        comps = sorted({c for sc in self._scenarios() for c in self._all_competences(sc)})
        return [(c, c) for c in comps]

    def on_mount(self) -> None:
        self._layout: tuple[int, tuple[str, ...]] = (0, ())
        self.refresh_table()
        problems = self.app.catalogue.problems
        if problems:
            shown = "\n".join(problems[:3]) + ("\n…" if len(problems) > 3 else "")  # file:line: why
            self.notify(
                trn("tui.catalogue.problems", len(problems)) + "\n" + shown,
                severity="warning",
                timeout=12,
                markup=False,
            )

    def on_resize(self) -> None:
        self.refresh_table()

    def on_screen_resume(self) -> None:
        self.refresh_table()

    def on_trainee_changed(self) -> None:
        self.refresh_table()

    def show_trainee(self) -> None:
        """Who is at the keyboard, in the header (where « Meilleur » comes from)."""
        name = self.app.trainee
        self.sub_title = tr("tui.profile.current", name=name) if name else tr("tui.profile.anonymous")

    def _cells(self, sc: Scenario) -> dict[str, str]:
        return {
            "ref": sc.referentiel,
            "ccp": " ".join(F.short(c) for c in F.ccps(sc.competences)),
            "competences": " ".join(F.short(c) for c in sc.competences),
            "level": str(sc.level),
            "duration": f"{sc.duration} min",
        }

    #: Columns given up, in this order, when the title would get fewer than TITLE_MIN cells (80×24):
    #: the reference and the competences are in the details under the table.
    DROPPABLE = ("competences", "ref")
    TITLE_MIN = 36

    def _columns(self) -> None:
        """The title takes what the other columns leave; below TITLE_MIN cells, the least needed
        columns go first (never a title cut to 20 characters); no sideways scrolling."""
        keys = ["ref", "ccp", "competences", "level", "duration", "best"]

        def needed(key: str) -> int:
            cells = [len(self._cells(sc).get(key, "")) for sc in self._scenarios()]
            return max([len(tr(f"tui.catalogue.col.{key}")), *cells]) + 2  # cell padding

        def title_width() -> int:
            return self.app.size.width - sum(needed(k) for k in keys) - 5  # its own padding, the scrollbar

        for key in self.DROPPABLE:
            if title_width() >= self.TITLE_MIN:
                break
            keys.remove(key)
        width = max(20, min(70, title_width()))
        if (width, tuple(keys)) == self._layout:
            return
        self._layout = (width, tuple(keys))
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column(tr("tui.catalogue.col.title"), key="title", width=width)
        for key in keys:
            table.add_column(tr(f"tui.catalogue.col.{key}"), key=key)

    def _matches(self, sc: Scenario) -> bool:
        words = F.fold(self.query_one("#search", Input).value).split()
        comps = self._all_competences(sc)
        haystack = F.fold(
            " ".join(
                [sc.id, sc.title, sc.ticket.text, sc.ticket.from_, *comps, *(F.competence_label(c) for c in comps)]
            )
        )
        if any(w not in haystack for w in words):
            return False
        ccp = self.query_one("#ccp", Select).value
        if ccp is not Select.NULL:
            if "." in str(ccp):
                if ccp not in F.ccps(comps):
                    return False
            elif ccp != sc.referentiel and not any(c.startswith(f"{ccp}.") for c in comps):  # a whole title
                return False
        comp = self.query_one("#competence", Select).value
        if comp is not Select.NULL and comp not in comps:
            return False
        lvl = self.query_one("#level", Select).value
        return lvl is Select.NULL or sc.level == lvl

    def _ranked(self, found: list[Scenario]) -> list[Scenario]:
        """While searching: the scenarios whose title holds every word first, then those found
        only in their ticket, competences… (each group in the catalogue's order)."""
        words = F.fold(self.query_one("#search", Input).value).split()
        if not words:
            return found
        return sorted(found, key=lambda sc: not all(w in F.fold(sc.title) for w in words))  # stable

    def refresh_table(self) -> None:
        self.show_trainee()
        table = self.query_one(DataTable)
        current = self.selected_id()
        self._columns()
        table.clear()
        best = self.app.best_scores()  # the trainee's at the keyboard, training only
        columns = self._layout[1]
        for sc in self._ranked([sc for sc in self._scenarios() if self._matches(sc)]):
            score = best.get(sc.id)
            best_text = (
                Text(f"{score.acquis}/{score.evalues}", style="bold green" if score.ratio == 1 else "")
                if score
                else Text("—", style="dim")
            )
            cells: dict[str, str | Text] = {**self._cells(sc), "best": best_text}
            table.add_row(Text(sc.title), *(cells[k] for k in columns), key=sc.id)
        if current is not None and current in {str(k.value) for k in table.rows}:
            table.move_cursor(row=table.get_row_index(current))
        self.show_details()

    def selected_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except CellDoesNotExist:
            return None

    def show_details(self) -> None:
        text = self.query_one("#details-text", Static)
        sid = self.selected_id()
        if sid is None:
            text.update(tr("tui.catalogue.none"))
            return
        sc = self.app.catalogue.scenarios[sid].scenario
        head = Text(sc.title, style="bold")
        head.append(
            "\n"
            + tr("tui.catalogue.meta", ref=sc.referentiel, level=F.level(sc.level), duration=sc.duration, id=sc.id),
            style="dim",
        )
        head.append("\n" + tr("tui.catalogue.trains"), style="bold")
        body = Table.grid(padding=(0, 1))
        body.add_column(no_wrap=True)
        body.add_column(ratio=1)
        evaluated = {c.id for c in sc.criteria}
        crits = referentiel.all_criteria()
        for cid in sc.competences:
            ccp = F.ccp_of(cid)
            body.add_row(
                Text(cid, style="bold cyan"),
                Text(F.competence_label(cid) + (f" ({F.short(ccp)})" if ccp else ""), style="bold"),
            )
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
        sid = self.selected_id()
        if sid is None:
            self.notify(tr("tui.catalogue.none"), severity="warning")
            return
        self.app.open_briefing(sid)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_reset(self) -> None:
        self.query_one("#search", Input).value = ""
        for sel in self.query(Select):
            sel.clear()
        self.query_one(DataTable).focus()

    def action_trainee(self) -> None:
        self.app.choose_trainee()

    def action_progression(self) -> None:
        self.app.go_progression()

    def action_examen(self) -> None:
        self.app.go_examen()

    def commands(self) -> list[tuple[str, str, Any]]:
        sid = self.selected_id()
        out = []
        if sid:
            title = self.app.catalogue.scenarios[sid].scenario.title
            out.append((tr("tui.cmd.open", title=title), tr("tui.cmd.open.help"), self.action_choose))
        out.append((tr("tui.cmd.search"), tr("tui.cmd.search.help"), self.action_search))
        return out


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.catalogue.col.best"),
    N_("tui.catalogue.col.ccp"),
    N_("tui.catalogue.col.competences"),
    N_("tui.catalogue.col.duration"),
    N_("tui.catalogue.col.level"),
    N_("tui.catalogue.col.ref"),
)
