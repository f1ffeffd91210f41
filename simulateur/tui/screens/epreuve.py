"""An épreuve blanche complète in the app (trainer, jury): its phases with the time taken or left,
what each opened, the next phase opened with « n » (labs built in a worker), the RC's whole grid
with « g » — the same texts as « simulateur epreuve status » and « … report »."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from simulateur.epreuve import core, grid, render
from simulateur.epreuve.db import EpreuveDB
from simulateur.epreuve.formats import get_format
from simulateur.epreuve.state import EpreuveState
from simulateur.errors import SimError
from simulateur.exam.db import ExamDB
from simulateur.i18n import tr
from simulateur.tui.workers import ended

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


class EpreuveScreen(Screen[None]):
    HELP_TITLE = tr("tui.epreuve.title")
    HELP_TEXT = tr("tui.epreuve.help")
    BINDINGS = [
        Binding("escape", "back", tr("tui.key.back")),
        Binding("n", "next_phase", tr("tui.epreuve.key.next")),
        Binding("g", "show_grid", tr("tui.epreuve.key.grid")),
    ]
    DEFAULT_CSS = """
    EpreuveScreen #phases { height: auto; padding: 0 1; }
    EpreuveScreen #grid-pane { height: 1fr; padding: 0 1; }
    EpreuveScreen #status { height: 1; padding: 0 1; }
    """

    app: SimulateurApp

    def __init__(self, epreuve_id: str) -> None:
        super().__init__()
        self.epreuve_id = epreuve_id
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="phases")
        with VerticalScroll(id="grid-pane"):
            yield Static(id="grid")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.db = ExamDB(self.app.store)
        self.refresh_phases()
        self.set_interval(1, self.refresh_phases)

    def state(self) -> EpreuveState:
        return EpreuveDB(self.db.store).get(self.epreuve_id)

    def refresh_phases(self) -> None:
        st = self.state()
        self.query_one("#phases", Static).update(Text(render.status_text(st, get_format(st.format).title)))

    def _say(self, text: str) -> None:
        self.query_one("#status", Static).update(Text(text))

    def action_next_phase(self) -> None:
        if self.busy:
            return
        if self.state().finished:
            self._say(tr("epreuve.over", id=self.epreuve_id))
            return
        self.busy = True
        self._say(tr("tui.epreuve.opening"))
        self._next_worker()

    @work(thread=True, exclusive=True, group="epreuve-next", exit_on_error=False)
    def _next_worker(self) -> EpreuveState:
        return core.advance(self.db, self.epreuve_id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        done = ended(event, "epreuve-next")
        if done is None:
            return
        self.busy = False
        self.refresh_phases()
        if done.ok:
            st = done.result
            ph = st.open_phase()
            self._say(
                tr("tui.epreuve.opened", phase=tr(f"epreuve.phase.{ph.kind}"))
                if ph
                else tr("epreuve.finished", id=st.id)
            )
        else:
            self._say(done.problem or "")

    def action_show_grid(self) -> None:
        st = self.state()
        try:
            g = grid.assemble(get_format(st.format), grid.collect(self.db, st))
        except SimError as exc:
            self._say(str(exc))
            return
        self.query_one("#grid", Static).update(Text(render.grid_text(g)))

    def action_back(self) -> None:
        self.app.pop_screen()
