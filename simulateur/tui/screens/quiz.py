"""The questionnaire professionnel in the app: one question at a time, the clock in the header line,
answers saved as typed (Entrée), handed in with Ctrl+S; once over (handed in or time up), the
correction and the result per competence — the same text as « simulateur quiz show »."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from simulateur.errors import UsageError
from simulateur.i18n import tr
from simulateur.quiz import marking, paper, view
from simulateur.quiz.db import QuizDB

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


class QuizScreen(Screen[None]):
    HELP_TITLE = tr("tui.quiz.title")
    HELP_TEXT = tr("tui.quiz.help")
    BINDINGS = [
        Binding("escape", "back", tr("tui.key.back")),
        Binding("pagedown", "move(1)", tr("tui.quiz.key.next")),
        Binding("pageup", "move(-1)", tr("tui.quiz.key.previous")),
        Binding("ctrl+s", "submit", tr("tui.quiz.key.submit"), priority=True),
    ]
    DEFAULT_CSS = """
    QuizScreen #clock { height: 1; padding: 0 1; text-style: bold; }
    QuizScreen #question-pane { height: 1fr; padding: 0 1; }
    QuizScreen #status { height: 1; padding: 0 1; }
    """

    app: SimulateurApp

    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.index = 0
        self.corrected = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="clock")
        with VerticalScroll(id="question-pane"):
            yield Static(id="question")
        yield Input(id="answer", placeholder=tr("tui.quiz.placeholder"))
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.db = QuizDB(self.app.store)
        self.run = self.db.run(self.run_id)
        self.show_question()
        self.tick()
        self.set_interval(1, self.tick)

    def tick(self) -> None:
        run = self.run
        if paper.finished(run):
            if not self.corrected:
                self.show_correction()
            return
        self.query_one("#clock", Static).update(
            tr("tui.quiz.clock", id=run.id, left=view.left(run.remaining()), count=len(run.questions))
        )

    def show_question(self) -> None:
        run = self.run
        q = run.questions[self.index]
        given = self.db.answers(run.id).get(q.id)
        lines = [
            f"{self.index + 1}/{len(run.questions)} — [{q.competence}] {paper.question_text(q, run.seed).strip()}",
            f"({paper.kind_hint(q)}, {view.num(q.points)} pt)",
            "",
        ]
        lines += [f"{marking.LETTERS[k]}. {c}" for k, c in enumerate(getattr(q, "choices", []))]
        self.query_one("#question", Static).update("\n".join(lines))
        box = self.query_one("#answer", Input)
        box.value = given.answer if given else ""
        box.focus()

    def show_correction(self) -> None:
        self.corrected = True
        self.run = self.db.run(self.run_id)
        self.query_one("#answer", Input).display = False
        self.query_one("#clock", Static).update(tr("tui.quiz.over", id=self.run.id))
        self.query_one("#question", Static).update(view.show_text(self.db, self.run))

    def _say(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    @on(Input.Submitted, "#answer")
    def save(self, event: Input.Submitted) -> None:
        if self.corrected:
            return
        try:
            paper.answer(self.db, self.run, self.index + 1, event.value)
        except UsageError as exc:
            self._say(str(exc))
            if paper.finished(self.db.run(self.run_id)):
                self.show_correction()
            return
        self._say(tr("tui.quiz.saved", number=self.index + 1))
        if self.index + 1 < len(self.run.questions):
            self.index += 1
            self.show_question()

    def action_move(self, step: int) -> None:
        if not self.corrected:
            self.index = max(0, min(len(self.run.questions) - 1, self.index + step))
            self.show_question()

    def action_submit(self) -> None:
        if self.corrected:
            return
        try:
            self.db.submit(self.run_id)
        except UsageError as exc:
            self._say(str(exc))
        self.show_correction()

    def action_back(self) -> None:
        self.app.pop_screen()
