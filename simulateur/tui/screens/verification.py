"""Training's « Vérifier »: which requirements hold now — the criteria's labels and acquis/non acquis,
never what a probe expected nor how to fix it. Nothing is handed in; Échap goes back to work."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from simulateur.i18n import N_, tr, trn
from simulateur.scoring import CheckResult

STYLES = {"acquis": "bold green", "non_acquis": "bold red", "jury": "bold yellow"}


def verdicts(result: CheckResult) -> Table:
    """One row per criterion: its verdict in words (✓/✗/? and the word: never colour alone), its label.
    The evidence (what was observed, what was expected) is left out on purpose."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for c in result.criteria:
        table.add_row(Text(tr(f"tui.verify.{c.verdict}"), style=STYLES.get(c.verdict, "")), Text(c.label))
    return table


class VerificationScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    VerificationScreen { align: center middle; }
    VerificationScreen #verification { width: 90%; max-width: 100; height: auto; max-height: 90%;
                                       border: thick $accent; background: $surface; padding: 0 1; }
    VerificationScreen #verification-grid { height: auto; max-height: 20; }
    VerificationScreen #verification-close { margin-top: 1; }
    """
    BINDINGS = [Binding("escape,enter,v", "dismiss", tr("tui.key.back_intervention"))]

    def __init__(self, result: CheckResult, number: int) -> None:
        super().__init__()
        self.result = result
        self.number = number

    def compose(self) -> ComposeResult:
        s = self.result.score
        jury = tr("tui.verify.score.jury", n=s.jury) if s.jury else ""
        with Vertical(id="verification"):
            yield Static(Text(tr("tui.verify.title", n=self.number), style="bold"), id="verification-title")
            yield Static(Text(trn("tui.verify.score", s.evalues, acquis=s.acquis, jury=jury)), id="verification-score")
            with VerticalScroll(id="verification-grid"):
                yield Static(verdicts(self.result), id="verification-verdicts")
            yield Static(Text(tr("tui.verify.note"), style="italic"), classes="muted")
            yield Button(tr("tui.key.back_intervention"), id="verification-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#verification-close", Button).focus()

    def on_button_pressed(self) -> None:
        self.dismiss()


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.verify.acquis"),
    N_("tui.verify.jury"),
    N_("tui.verify.non_acquis"),
)
