"""3. Intervention: timer, hosts, shells, journal, hints, ticket qualification, escalation."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, ListItem, ListView, Static, TabbedContent, TabPane
from textual.worker import Worker

from simulateur.errors import SimError
from simulateur.i18n import N_, tr
from simulateur.scoring import CheckResult
from simulateur.session import run
from simulateur.session.cabling import physical
from simulateur.tui.context import Running
from simulateur.tui.widgets.cables import CablesPane
from simulateur.tui.widgets.escalade import EscaladeForm
from simulateur.tui.widgets.hints import HintsPane
from simulateur.tui.widgets.journal import JournalTable
from simulateur.tui.widgets.qualification import QualificationForm
from simulateur.tui.widgets.timer import Timer
from simulateur.tui.workers import ended

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


#: The field a tab's key puts the focus on (`q`: the impact, first of the qualification).
TAB_FOCUS = {
    "tab-qualif": "#impact",
    "tab-escalade": "#escalade-to",
    "tab-journal": "#journal",
    "tab-cables": "#cables",
}


class HostItem(ListItem):
    def __init__(self, name: str) -> None:
        super().__init__(id=f"host-{name}")
        self.host = name

    def compose(self) -> ComposeResult:
        yield Label(Text(self.host), classes="host-label")


class InterventionScreen(Screen[None]):
    CSS_PATH = "intervention.tcss"
    HELP_TITLE = tr("tui.intervention.title")
    HELP_TEXT = tr("tui.intervention.help")
    BINDINGS = [
        Binding("s", "shell", tr("tui.key.shell")),
        Binding("f", "fiche", tr("tui.key.fiche")),
        Binding("i", "hint", tr("tui.key.hint")),
        Binding("v", "verify", tr("tui.key.verify")),
        Binding("t", "tab('tab-ticket')", tr("tui.key.ticket")),
        Binding("j", "tab('tab-journal')", tr("tui.key.journal")),
        Binding("q", "tab('tab-qualif')", tr("tui.key.qualify")),
        Binding("e", "tab('tab-escalade')", tr("tui.key.escalade")),
    ]
    AUTO_FOCUS = "#hosts"
    _verifying = False

    app: SimulateurApp

    @property
    def running(self) -> Running:
        assert self.app.running is not None
        return self.app.running

    def compose(self) -> ComposeResult:
        r = self.running
        sc = r.scenario
        yield Header()
        with Horizontal(id="bar"):
            # the title gives way (cut with « … ») before the timer, always shown whole; the lab and
            # the mode are in the header (sub_title), where they stay at 80 columns
            yield Static(Text(sc.title, style="bold"), id="bar-title")
            yield Timer(r.started, r.limit, countdown=r.timed, clock=self.app.clock, id="timer")
        with Horizontal(id="main"):
            with Vertical(id="hosts-pane"):
                yield Label(tr("tui.intervention.hosts"), classes="pane-title")
                yield ListView(*(HostItem(h) for h in r.lab.host_names()), id="hosts")
                yield Static(id="host-info", classes="muted")
                yield Button(tr("tui.intervention.shell_button"), id="shell", variant="primary")
            with TabbedContent(id="tabs", initial="tab-ticket"):
                with TabPane(tr("tui.tab.ticket"), id="tab-ticket"), VerticalScroll():
                    ticket = Text()
                    ticket.append(tr("tui.ticket.from") + " ", style="bold")
                    ticket.append(sc.ticket.from_ + "\n")
                    if sc.ticket.where:
                        ticket.append(tr("tui.ticket.where") + " ", style="bold")
                        ticket.append(sc.ticket.where + "\n")
                    ticket.append("« " + " ".join(sc.ticket.text.split()) + " »\n", style="italic")
                    yield Static(ticket, id="ticket")
                    if sc.ticket.documentation.strip():
                        yield Static(sc.ticket.documentation.rstrip(), id="doc")
                with TabPane(tr("tui.tab.journal"), id="tab-journal"):
                    yield JournalTable(r.attempt.journal, id="journal")
                with TabPane(tr("tui.tab.hints"), id="tab-hints"):
                    yield HintsPane(id="hints")
                with TabPane(tr("tui.tab.qualif"), id="tab-qualif"):
                    yield QualificationForm(id="qualif")
                with TabPane(tr("tui.tab.escalade"), id="tab-escalade"):
                    yield EscaladeForm(id="escalade")
                if physical(sc):  # the scenario involves cables: the trainee's hands on them
                    with TabPane(tr("tui.tab.cables"), id="tab-cables"):
                        yield CablesPane(id="cables")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        r = self.running
        self.sub_title = tr("tui.intervention.subtitle", mode=tr(f"tui.mode.{r.mode}"), lab=r.lab_id)
        self.refresh_hosts()
        self.set_interval(2, self.refresh_hosts)
        hosts = self.query_one("#hosts", ListView)
        if hosts.index is None and hosts.children:
            names = self.running.lab.host_names()
            default = self.running.lab.default_host()  # the scenario's shell host (e.g. technicien)
            hosts.index = names.index(default) if default in names else 0
        self.show_host()

    # --- hosts ---------------------------------------------------------------------------------
    def selected_host(self) -> str | None:
        item = self.query_one("#hosts", ListView).highlighted_child
        return item.host if isinstance(item, HostItem) else None

    def refresh_hosts(self) -> None:
        r = self.running
        width = max((len(h) for h in r.lab.host_names()), default=0) + 1
        for item in self.query(HostItem):
            try:
                up = (not r.stopped) and r.lab.host(item.host).is_up()
            except SimError:
                up = False
            label = item.query_one(Label)
            # the state never runs into the name, however long the lab's names (« imprimante »)
            label.update(
                Text.assemble(
                    ("● " if up else "○ ", "green" if up else "red"),
                    item.host.ljust(width),
                    (tr("tui.host.up") if up else tr("tui.host.down"), "dim"),
                )
            )

    @on(ListView.Highlighted, "#hosts")
    def show_host(self) -> None:
        host = self.selected_host()
        info = self.query_one("#host-info", Static)
        if host is None:
            info.update("")
            return
        spec = self.running.lab.topology.hosts.get(host)
        desc = spec.description if spec is not None else ""
        info.update(
            Text.assemble(
                desc + "\n" if desc else "",
                (tr("tui.intervention.second_terminal", lab=self.running.lab_id, host=host), "italic"),
            )
        )

    @on(ListView.Selected, "#hosts")
    @on(Button.Pressed, "#shell")
    def _shell_requested(self) -> None:
        self.action_shell()

    def action_shell(self, host: str | None = None) -> None:
        host = host or self.selected_host()
        if host is None:
            return
        r = self.running
        problem = self._shell_problem(host)
        if problem is not None:  # said before the terminal is lent: no banner over a dead lab
            self.notify(problem, severity="error", timeout=10, markup=False)
            return
        try:
            with self.app.terminal_lent():
                print(tr("cli.shell_banner", host=host, lab=r.lab_id), file=sys.stderr, flush=True)
                run.interactive_shell(r.lab, host, r.attempt.journal, r.attempt.dir)  # relayed, recorded
                print(tr("cli.shell_back", host=host), file=sys.stderr, flush=True)
        except SuspendNotSupported:
            self.notify(
                tr("tui.shell.unsupported", lab=r.lab_id, host=host), severity="warning", timeout=10, markup=False
            )
        except SimError as exc:
            self.notify(str(exc), severity="error", timeout=10, markup=False)
        except Exception as exc:  # noqa: BLE001 — the lab vanished mid-shell, a pty that failed: said, never a freeze
            self.notify(
                tr("tui.shell.failed", host=host, why=str(exc) or type(exc).__name__),
                severity="error",
                timeout=10,
                markup=False,
            )
        self.refresh_hosts()
        self.query_one(JournalTable).reload(force=True)

    def _shell_problem(self, host: str) -> str | None:
        """Why no shell can be opened on `host` now (the lab stopped from elsewhere, the host down), or None."""
        r = self.running
        if r.stopped:
            return tr("tui.shell.lab_gone", lab=r.lab_id)
        try:
            run.open_attempt(r.lab_id)  # the lab still exists and is not frozen
            up = r.lab.host(host).is_up()
        except SimError as exc:
            return tr("tui.shell.lab_gone", lab=r.lab_id) + "\n" + str(exc)
        except OSError:
            up = False
        return None if up else tr("lab.host_down", host=host, lab=r.lab_id)

    # --- tabs, hints, fiche --------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys the mode forbids are neither shown nor run: no hint in chronometered mode, « Vérifier »
        in training only (never chronometered nor exam)."""
        if action == "hint" and self.running.mode == "chronometre":
            return False
        return not (action == "verify" and self.running.mode != "entrainement")

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        focus = TAB_FOCUS.get(tab)
        if focus is not None:  # the tab's first field, so that the keys go where the eye goes
            self.call_after_refresh(self._focus, focus)

    def _focus(self, selector: str) -> None:
        found = self.query(selector)
        if found:
            found.first().focus()

    def action_hint(self) -> None:
        self.action_tab("tab-hints")
        self.query_one(HintsPane).ask_and_reveal()

    # --- « Vérifier » (training only): the grid now, the attempt goes on ------------------------
    def action_verify(self) -> None:
        if self.running.mode != "entrainement" or self._verifying:
            return
        self._verifying = True
        self.notify(tr("tui.verify.running"), timeout=4)
        self._verify()

    @work(thread=True, exclusive=True, group="verify", exit_on_error=False)
    def _verify(self) -> CheckResult:
        return run.verify(self.running.lab_id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """« Vérifier » done (or failed: said, never a frozen screen)."""
        outcome = ended(event, "verify")
        if outcome is None:
            return
        self._verifying = False
        if not outcome.ok:
            self.notify(tr("tui.verify.failed", why=outcome.problem), severity="error", timeout=10, markup=False)
            return
        self.query_one(JournalTable).reload(force=True)
        self.app.open_verification(outcome.result, self.running.attempt.verifications())

    def action_fiche(self) -> None:
        self.app.open_fiche()

    @on(Timer.Expired)
    def _expired(self) -> None:
        self.notify(tr("tui.timer.expired"), severity="warning", timeout=15)

    def commands(self) -> list[tuple[str, str, Any]]:
        out: list[tuple[str, str, Any]] = []
        for h in self.running.lab.host_names():
            out.append(
                (tr("tui.cmd.shell", host=h), tr("tui.cmd.shell.help", host=h), lambda h=h: self.action_shell(h))
            )
        out += [
            *(
                [(tr("tui.cmd.hint"), tr("tui.cmd.hint.help"), self.action_hint)]
                if self.running.mode != "chronometre"
                else []
            ),
            *(
                [(tr("tui.cmd.verify"), tr("tui.cmd.verify.help"), self.action_verify)]
                if self.running.mode == "entrainement"
                else []
            ),
            (tr("tui.cmd.qualify"), tr("tui.cmd.qualify.help"), lambda: self.action_tab("tab-qualif")),
            (tr("tui.cmd.escalade"), tr("tui.cmd.escalade.help"), lambda: self.action_tab("tab-escalade")),
            (tr("tui.cmd.journal"), tr("tui.cmd.journal.help"), lambda: self.action_tab("tab-journal")),
            (tr("tui.cmd.fiche"), tr("tui.cmd.fiche.help"), self.action_fiche),
        ]
        return out


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.mode.chronometre"),
    N_("tui.mode.entrainement"),
    N_("tui.mode.examen"),
)
