"""Who is at the keyboard: a new name, or one already used on this machine. Dismissed with the
name (None: no name, « sans nom »), or nothing when left with Escape."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from simulateur.i18n import tr

NO_NAME = "\x00"  # the option of « (sans nom) »: no trainee's name can be it


class ProfileScreen(ModalScreen["str | None | bool"]):
    """Dismisses with the chosen name, None for « sans nom », or False when cancelled."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", tr("tui.key.close"))]
    AUTO_FOCUS = "#profile-name"

    def __init__(self, known: list[str], current: str | None) -> None:
        super().__init__()
        self.known = known
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="profile"):
            yield Label(tr("tui.profile.title"), classes="pane-title")
            yield Label(tr("tui.profile.new"))
            yield Input(placeholder=tr("tui.profile.placeholder"), id="profile-name", max_length=80)
            yield Label(tr("tui.profile.existing"))
            options = [Option(name, id=name) for name in self.known]
            options.append(Option(tr("tui.profile.none"), id=NO_NAME))
            yield OptionList(*options, id="profile-known")

    def on_mount(self) -> None:
        known = self.query_one(OptionList)
        target = self.current if self.current in self.known else NO_NAME
        known.highlighted = known.get_option_index(target)

    @on(Input.Submitted, "#profile-name")
    def _typed(self, event: Input.Submitted) -> None:
        name = " ".join(event.value.split())
        if not name:
            self.query_one(OptionList).focus()
            return
        self.dismiss(name)

    @on(OptionList.OptionSelected, "#profile-known")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(None if event.option.id == NO_NAME else event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(False)
