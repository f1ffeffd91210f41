"""Examen blanc, the candidate's side: the interventions one after another under one
countdown (the session's), no hint, handed in by the candidate or automatically at 0."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Static, TabbedContent
from textual.worker import Worker

from simulateur.errors import SimError
from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.i18n import tr
from simulateur.tui.exam_running import ExamRunning
from simulateur.tui.screens.dialogs import ConfirmScreen
from simulateur.tui.screens.fiche import FicheScreen
from simulateur.tui.screens.intervention import InterventionScreen
from simulateur.tui.widgets.timer import Timer
from simulateur.tui.workers import ended

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


def continue_exam(app: SimulateurApp, db: ExamDB, step: core.Step) -> None:
    """After a start, a submission or the time-out: the next intervention, or the end."""
    if step.started is not None:
        running = ExamRunning.of(db, step)
        app.running = running
        _show(app, ExamInterventionScreen(running))
    else:
        app.running = None
        _show(app, ExamDoneScreen(step.run.session, step.run.candidate))


def _show(app: SimulateurApp, screen: Screen[Any]) -> None:
    """Replace the exam's screen (and what was open over it: fiche, question), or open it."""
    while len(app.screen_stack) > 2 and isinstance(app.screen, (ExamFicheScreen, ModalScreen)):
        app.pop_screen()
    if isinstance(app.screen, ExamInterventionScreen):
        app.switch_screen(screen)
    else:
        app.push_screen(screen)


class ExamInterventionScreen(InterventionScreen):
    HELP_TITLE = tr("tui.exam.intervention.title")
    HELP_TEXT = tr("tui.exam.intervention.help")
    BINDINGS = [
        Binding("i", "hint", tr("tui.key.hint"), show=False),
        Binding("ctrl+s", "submit", tr("tui.key.exam_submit"), priority=True),
    ]

    def __init__(self, running: ExamRunning) -> None:
        super().__init__()
        self._exam = running

    @property
    def running(self) -> ExamRunning:
        """This screen's intervention (the app's may already be the next one, or none, while
        this screen is being replaced and its timers fire once more)."""
        return self._exam

    @property
    def exam(self) -> ExamRunning:
        return self._exam

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(TabbedContent).remove_pane("tab-hints")
        r = self.exam
        self.query_one("#bar-title", Static).update(
            Text.assemble(
                (tr("tui.exam.bar", index=r.index, count=r.count), "bold"),
                ("  ·  ", "dim"),
                (r.scenario.title, "bold"),
                (f"  ·  {r.lab_id}  ·  {r.candidate}", "dim"),
            )
        )
        self._leaving = False
        self.set_interval(1, self._poll)

    def action_hint(self) -> None:
        self.notify(tr("tui.exam.no_hints"), severity="warning")

    def action_fiche(self) -> None:
        self.app.push_screen(ExamFicheScreen())

    def action_submit(self) -> None:
        if self._leaving:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._hand_in()

        last = self.exam.index >= self.exam.count
        self.app.push_screen(ConfirmScreen(tr("tui.exam.confirm_last") if last else tr("tui.exam.confirm")), answer)

    def _hand_in(self) -> None:
        if self._leaving:
            return
        self._leaving = True
        self.notify(tr("tui.exam.submitting"))
        self._submit_worker()

    @work(thread=True, exclusive=True, group="exam-submit", exit_on_error=False)
    def _submit_worker(self) -> core.Step:
        return self.exam.submit_exam()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Handed in: the next intervention (or the end); the time-out: the end."""
        submitted = ended(event, "exam-submit")
        if submitted is not None:
            if submitted.ok:
                continue_exam(self.app, self.exam.db, submitted.result)
            else:
                self._failed(submitted.problem or "")
        if ended(event, "exam-expire") is not None:
            self._leave_to_end()

    def _failed(self, message: str) -> None:
        self._leaving = False
        self.notify(message, severity="error", timeout=12, markup=False)
        run = self.exam.db.run(self.exam.session_id, self.exam.candidate)
        if run is not None and run.finished is not None:
            self._leave_to_end()

    @on(Timer.Expired)
    def _expired(self) -> None:
        if self._leaving:
            return
        self._leaving = True
        self.notify(tr("tui.exam.time_up"), severity="warning", timeout=15)
        self._expire_worker()

    @work(thread=True, exclusive=True, group="exam-expire", exit_on_error=False)
    def _expire_worker(self) -> None:
        r = self.exam
        try:
            r.expire()  # the watchdog may have done it already: idempotent
        except SimError:
            pass
        finally:
            r.stopped = True

    def _poll(self) -> None:
        """The watchdog (or a command in another terminal) may end the intervention first."""
        if self._leaving:
            return
        r = self.exam
        run = r.db.run(r.session_id, r.candidate)
        item = next((i for i in run.items if i.index == r.index), None) if run else None
        if run is None or run.finished is not None or (item is not None and item.status != "en_cours"):
            self._leaving = True
            r.stopped = True
            self._leave_to_end()

    def _leave_to_end(self) -> None:
        r = self.exam
        run = r.db.run(r.session_id, r.candidate)
        if run is not None and run.finished is None:
            try:
                step = core.resume(r.db, r.session_id, r.candidate)  # the next one started elsewhere
            except SimError:
                step = None
            if step is not None and step.started is not None:
                continue_exam(self.app, r.db, step)
                return
        self.app.running = None
        _show(self.app, ExamDoneScreen(r.session_id, r.candidate))

    def commands(self) -> list[tuple[str, str, Any]]:
        return [c for c in super().commands() if c[0] != tr("tui.cmd.hint")] + [
            (tr("tui.cmd.exam_submit"), tr("tui.cmd.exam_submit.help"), self.action_submit)
        ]


class ExamFicheScreen(FicheScreen):
    """The same fiche (saved as typed); Ctrl+S hands the intervention in through the exam."""

    def action_submit(self) -> None:
        screen = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        self.app.pop_screen()
        if isinstance(screen, ExamInterventionScreen):
            screen.action_submit()


class ExamDoneScreen(Screen[None]):
    """The candidate's end screen: what became of each intervention, nothing of the grid (the
    jury opens it from the sessions' screen, not from the candidate's)."""

    CSS_PATH = "examen.tcss"
    HELP_TITLE = tr("tui.exam.done.title")
    HELP_TEXT = tr("tui.exam.done.help")
    BINDINGS = [Binding("escape", "back", tr("tui.key.back"))]

    app: SimulateurApp

    def __init__(self, session_id: str, candidate: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.candidate = candidate

    def compose(self) -> ComposeResult:
        from simulateur.report.model import STATUS_LABELS

        db = ExamDB(self.app.store)
        run = db.run(self.session_id, self.candidate)
        lines = Text(tr("tui.exam.done", candidate=self.candidate, id=self.session_id) + "\n\n", style="bold")
        for item in run.items if run else []:
            lines.append(f"  {tr('report.intervention', index=item.index)} : {STATUS_LABELS[item.status]}\n")
        yield Header()
        with Vertical(id="exam-done"):
            yield Static(lines, id="done-text")
            with Horizontal(classes="buttons"):
                yield Button(tr("tui.exam.back_button"), id="back", variant="primary")
        yield Footer()

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()
