"""2. Briefing: the ticket as the user wrote it, its documentation, the mode; then the lab is built."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, ProgressBar, RadioButton, RadioSet, Static
from textual.worker import Worker

from simulateur.i18n import tr
from simulateur.lab.topology import Topology
from simulateur.scenario.models import Scenario
from simulateur.session import run
from simulateur.session.run import Started
from simulateur.tui import format as F
from simulateur.tui.context import Running

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp

#: The build reports these steps (Lab.build and session.run.start): hosts, services, faults, ready.
BUILD_STEPS = 4


def preview(loaded_scenario: Scenario, topology: Topology, seed: int) -> Scenario:
    """The scenario as start() will render it for this seed (the ticket shown before the build)."""
    return run.played(loaded_scenario, topology, seed)[1]


class ModeButton(RadioButton):
    """A mode's radio button whose state is said by its shape, not only by its colour: ● chosen, ○ not."""

    @property
    def _button(self) -> Content:
        content = super()._button
        return Content.assemble(
            *(
                (text.replace(self.BUTTON_INNER, "●" if self.value else "○"), span)
                for text, span in ((content.plain[s.start : s.end], s.style) for s in content.spans)
            )
        )

    def watch_value(self) -> None:  # the toggle's own reaction (class, Changed), then the glyph redrawn
        super().watch_value()
        self.refresh()


class BuildStep(Message):
    """A step of the build, posted from the build's thread (post_message is thread-safe)."""

    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step


class BriefingScreen(Screen[None]):
    CSS_PATH = "briefing.tcss"
    HELP_TITLE = tr("tui.briefing.title")
    HELP_TEXT = tr("tui.briefing.help")
    BINDINGS = [
        # d is typed into the name field when it has focus (and left the footer then): F5 starts from
        # anywhere, shown in the footer whatever has focus; d stays for the eyes-on-the-footer habit.
        Binding("f5", "start", tr("tui.key.start_f5"), priority=True),
        Binding("d", "start", tr("tui.key.start"), show=False),
        Binding("escape", "back", tr("tui.key.back")),
    ]
    AUTO_FOCUS = "#candidate"  # typing goes to the name at once; Enter there starts

    app: SimulateurApp

    def __init__(self, scenario_id: str, seed: int | None = None) -> None:
        super().__init__()
        self.scenario_id = scenario_id
        self.seed = run.new_seed() if seed is None else seed

    def compose(self) -> ComposeResult:
        loaded = self.app.catalogue.scenarios[self.scenario_id]
        sc = preview(loaded.scenario, loaded.topology, self.seed)
        yield Header()
        with Horizontal(id="body"):
            with VerticalScroll(id="ticket-pane"):
                meta = Text(sc.title, style="bold")
                meta.append(
                    "\n"
                    + tr(
                        "tui.briefing.meta",
                        ref=sc.referentiel,
                        level=F.level(sc.level),
                        duration=sc.duration,
                        competences=", ".join(sc.competences),
                    ),
                    style="dim",
                )
                yield Static(meta, id="meta")
                ticket = Text()
                ticket.append(tr("tui.ticket.from") + " ", style="bold")
                ticket.append(sc.ticket.from_ + "\n")
                if sc.ticket.where:
                    ticket.append(tr("tui.ticket.where") + " ", style="bold")
                    ticket.append(sc.ticket.where + "\n")
                ticket.append("\n« " + " ".join(sc.ticket.text.split()) + " »", style="italic")
                box = Static(ticket, id="ticket")
                box.border_title = tr("tui.ticket.title")
                yield box
                if sc.ticket.documentation.strip():
                    doc = Static(sc.ticket.documentation.rstrip(), id="doc")
                    doc.border_title = tr("tui.ticket.documentation")
                    yield doc
            with VerticalScroll(id="side"):
                with Vertical(id="form"):
                    yield Label(tr("tui.briefing.mode"), classes="pane-title")
                    with RadioSet(id="mode"):
                        yield ModeButton(tr("tui.mode.entrainement.long"), value=True, id="entrainement")
                        yield ModeButton(tr("tui.mode.chronometre.long", minutes=sc.duration), id="chronometre")
                    yield Static(tr("tui.mode.explained"), id="mode-help", classes="muted")
                    yield Label(tr("tui.briefing.candidate"), classes="pane-title")
                    yield Input(
                        self.app.trainee or "",
                        placeholder=tr("tui.briefing.candidate.placeholder"),
                        id="candidate",
                        compact=True,
                        max_length=80,
                    )
                    yield Static(tr("tui.briefing.seed", seed=self.seed), id="seed", classes="muted")
                    yield Button(tr("tui.briefing.start"), id="start", variant="primary")
                with Vertical(id="build"):
                    yield ProgressBar(total=BUILD_STEPS, show_eta=False, id="progress")
                    yield Static("", id="step")
        yield Footer()

    def mode(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.id if pressed is not None and pressed.id else "entrainement"

    @on(Button.Pressed, "#start")
    @on(Input.Submitted, "#candidate")
    def _start_pressed(self) -> None:
        self.action_start()

    def action_start(self) -> None:
        if self.app.building:
            return
        candidate = " ".join(self.query_one("#candidate", Input).value.split()) or None
        self.app.set_trainee(candidate)  # the name an attempt is started under is the one remembered
        self.query_one("#form").display = False
        self.query_one("#build").display = True
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(progress=0)
        self.query_one("#step", Static).update(tr("tui.briefing.building"))
        mode = self.mode()
        self.app.build(self, lambda: self._build(mode, candidate), lambda running: running.stop("abandonnee"))

    def _build(self, mode: str, candidate: str | None) -> Running:
        """In the build worker's thread: the lab started, then recorded as the app's attempt."""

        def progress(step: str) -> None:
            self.post_message(BuildStep(step))

        started: Started = run.start(self.scenario_id, self.seed, candidate=candidate, progress=progress)
        try:
            return self.app.attach(started, mode)
        except BaseException:
            run.stop(started.lab.id)
            raise

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        outcome = self.app.built(event)
        if outcome is None:
            return
        if outcome.ok:
            self.app.open_intervention()
        else:
            self._failed(outcome.problem or "")

    @on(BuildStep)
    def _on_step(self, event: BuildStep) -> None:
        self._step(event.step)

    def _step(self, step: str) -> None:
        self.query_one(ProgressBar).advance(1)
        self.query_one("#step", Static).update(Text(step))

    def _failed(self, message: str) -> None:
        self.query_one(ProgressBar).display = False
        self.query_one("#step", Static).update(Text(tr("tui.briefing.failed", why=message), style="bold red"))
        self.query_one("#form").display = True
        self.query_one("#start", Button).focus(scroll_visible=False)
        self.call_after_refresh(self.query_one("#side").scroll_end, animate=False)

    def action_back(self) -> None:
        if self.app.building:
            self.notify(tr("tui.briefing.wait"), severity="warning")
            return
        self.app.pop_screen()

    def commands(self) -> list[tuple[str, str, object]]:
        return [(tr("tui.cmd.start"), tr("tui.cmd.start.help"), self.action_start)]
