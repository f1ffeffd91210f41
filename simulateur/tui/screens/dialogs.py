"""Small modal screens: a yes/no question, and the help (keys of the screen underneath)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Markdown, Static

from simulateur.i18n import tr


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("o,y", "answer(True)", tr("tui.confirm.yes")),
        Binding("n,escape", "answer(False)", tr("tui.confirm.no")),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question), id="question")  # data in it (names, fields) is never markup
            with Horizontal(id="buttons"):
                yield Button(tr("tui.confirm.yes_button"), id="yes", variant="error")
                yield Button(tr("tui.confirm.no_button"), id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def _keys_table(app_screen: Screen[Any], bindings: list[BindingType]) -> list[str]:
    rows = []
    for b in bindings:
        if not isinstance(b, Binding) or not b.description:
            continue
        rows.append(f"| `{app_screen.app.get_key_display(b)}` | {b.description} |")
    return rows


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,f1,q", "dismiss", tr("tui.key.close"))]

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        title = getattr(self.under, "HELP_TITLE", "")
        lines = [f"# {tr('tui.help.title')}", ""]
        if title:
            lines += [f"## {title}", "", getattr(self.under, "HELP_TEXT", ""), ""]
        screen_keys = _keys_table(self.under, list(type(self.under).BINDINGS))
        if screen_keys:
            lines += [f"| {tr('tui.help.key')} | {tr('tui.help.action')} |", "|---|---|", *screen_keys, ""]
        lines += [
            f"## {tr('tui.help.everywhere')}",
            "",
            f"| {tr('tui.help.key')} | {tr('tui.help.action')} |",
            "|---|---|",
            *_keys_table(self.under, list(type(self.app).BINDINGS)),
            f"| `ctrl+p` | {tr('tui.help.palette')} |",
            f"| `tab` / `shift+tab` | {tr('tui.help.focus')} |",
            "",
            tr("tui.help.flow"),
            "",
            tr("tui.help.second_terminal"),
            "",
        ]
        with Vertical(id="help"):
            with VerticalScroll():
                yield Markdown("\n".join(lines))
            yield Static(tr("tui.help.close"), classes="muted")
