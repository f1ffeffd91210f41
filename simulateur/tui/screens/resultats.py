"""5. Résultats: the grid, time and hints, and — after submission only — what a jury expected."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, RadioButton, RadioSet, Static

from simulateur.coaching import coaching
from simulateur.coaching.selfmarks import save_self_mark
from simulateur.coaching.solution import reference_steps
from simulateur.errors import UsageError
from simulateur.i18n import tr, trn
from simulateur.scenario.models import JuryEvidence
from simulateur.scoring import accepted_text
from simulateur.session.attempt import Attempt
from simulateur.session.store import FICHE_FIELDS, HINT_COST_MINUTES
from simulateur.ticket import ESCALATION_TARGETS as RECIPIENTS
from simulateur.ticket import IMPACT_LABELS, PRIORITY_LABELS, URGENCY_LABELS, priority
from simulateur.tui import format as F
from simulateur.tui.widgets.coaching import coaching_text
from simulateur.tui.widgets.grid import grid
from simulateur.tui.widgets.timeline import TimelinePanel

if TYPE_CHECKING:
    from simulateur.tui.app import SimulateurApp


class ResultatsScreen(Screen[None]):
    CSS_PATH = "resultats.tcss"
    HELP_TITLE = tr("tui.resultats.title")
    HELP_TEXT = tr("tui.resultats.help")
    BINDINGS = [
        Binding("escape", "back", tr("tui.key.back")),
        Binding("p", "progression", tr("tui.key.progression")),
        Binding("r", "replay", tr("tui.key.replay")),
        Binding("t", "terminals", tr("tui.key.terminals")),
    ]
    AUTO_FOCUS = "#results"

    app: SimulateurApp

    def __init__(self, attempt_id: str) -> None:
        super().__init__()
        self.attempt_id = attempt_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="results"):
            yield Static(self._summary(), id="summary")
            box = Static(grid(self.app.store.criteria(self.attempt_id)) or tr("tui.resultats.no_grid"), id="grid")
            box.border_title = tr("tui.resultats.grid")
            yield box
            rec = self.app.store.attempt(self.attempt_id)
            panel = TimelinePanel(rec.attempt_dir if rec else None, rec.started if rec else None, id="timeline-box")
            panel.border_title = tr("tui.timeline.box")
            yield panel
            if rec is not None and rec.status == "soumise":
                ref = Static(self._reference(), id="reference")
                ref.border_title = tr("tui.resultats.reference")
                yield ref
            fiche = Static(self._fiche(), id="fiche")
            fiche.border_title = tr("tui.resultats.fiche")
            yield fiche
            coached = coaching(self.app.store, self.attempt_id, self.app.catalogue.scenarios)
            if coached is not None:  # a training attempt handed in: never an exam's
                coach_box = Vertical(id="coaching")
                coach_box.border_title = tr("coach.title")
                with coach_box:
                    yield Static(coaching_text(coached), id="coaching-text")
                    if coached.self_marks:
                        yield Static(Text(tr("coach.self"), style="bold"), classes="self-title")
                    for i, mark in enumerate(coached.self_marks):
                        yield Static(f"{mark.criterion}  {mark.label}", classes="self-label")
                        with RadioSet(id=f"self-{i}", name=mark.criterion, classes="self-mark"):
                            yield RadioButton(tr("coach.self.acquis"), value=mark.verdict == "acquis", name="acquis")
                            yield RadioButton(
                                tr("coach.self.non_acquis"), value=mark.verdict == "non_acquis", name="non_acquis"
                            )
        yield Footer()

    def _summary(self) -> Text:
        rec = self.app.store.attempt(self.attempt_id)
        out = Text()
        if rec is None:
            return Text(tr("tui.resultats.unknown"), style="bold red")
        out.append(rec.title + "\n", style="bold")
        out.append(
            tr(
                "tui.resultats.meta",
                scenario=rec.scenario,
                seed=rec.seed,
                mode=tr(f"tui.mode.{rec.mode}"),
                when=F.when(rec.started),
                status=tr(f"tui.status.{rec.status}"),
            )
            + "\n",
            style="dim",
        )
        if rec.score is not None:
            s = rec.score
            style = "bold green" if s.acquis == s.evalues else "bold"
            out.append(trn("tui.resultats.score", s.evalues, acquis=s.acquis), style=style)
            if s.jury:
                out.append(tr("tui.resultats.score_jury", jury=s.jury), style="yellow")
            out.append("\n")
        out.append(tr("tui.resultats.time", time=F.duration(rec.duration)) + "\n")
        if rec.hints_used:
            out.append(
                tr(
                    "tui.resultats.hints",
                    n=rec.hints_used,
                    cost=rec.hints_used * HINT_COST_MINUTES,
                    counted=F.duration(rec.counted_duration),
                )
                + "\n"
            )
        else:
            out.append(tr("tui.resultats.no_hints") + "\n")
        if rec.mode == "entrainement" and rec.attempt_dir:  # « Vérifier » exists in training only
            out.append(tr("tui.resultats.verifications", n=Attempt(Path(rec.attempt_dir)).verifications()) + "\n")
        q = rec.qualification
        label = (
            tr(
                "tui.qualif.label",
                impact=IMPACT_LABELS[q.impact],
                urgency=URGENCY_LABELS[q.urgency],
                priority=PRIORITY_LABELS[q.priority],
            )
            if q
            else tr("tui.resultats.none")
        )
        out.append(tr("tui.resultats.qualification", label=label))
        if rec.escalation:
            to = rec.escalation.to
            out.append(
                "\n"
                + tr(
                    "tui.resultats.escalade",
                    to=tr(f"tui.escalade.to.{to}") if to in RECIPIENTS else to,
                    reason=rec.escalation.reason,
                )
            )
        return out

    def _reference(self) -> RenderableType:
        sc = self.app.store.scenario(self.attempt_id)
        if sc is None:
            return Text(tr("tui.resultats.no_reference"), style="dim")

        def listing(marks: list[tuple[str, str]], style: str = "") -> Table:
            table = Table.grid(padding=(0, 1))
            table.add_column(no_wrap=True)
            table.add_column(ratio=1)
            for mark, text in marks:
                table.add_row(Text("  " + mark, style=style), Text(text, style=style))
            return table

        parts: list[RenderableType] = [
            Text(tr("coach.solution"), style="bold"),
            listing(
                [(tr("coach.on_host", host=step.host), "\n".join(step.commands)) for step in reference_steps(sc)],
                "cyan",
            ),
        ]
        exp = sc.ticket.expected
        parts.append(
            Text(
                tr(
                    "tui.resultats.expected_qualif",
                    impact=IMPACT_LABELS[exp.impact],
                    urgency=URGENCY_LABELS[exp.urgency],
                    priority=PRIORITY_LABELS[priority(exp.impact, exp.urgency)],
                ),
                style="bold",
            )
        )
        if exp.accepted or exp.priorities or exp.reason.strip():
            parts.append(
                Text(
                    tr("tui.resultats.accepted_qualif", accepted=accepted_text(exp))
                    + (tr("score.qual.reason", reason=exp.reason.strip()) if exp.reason.strip() else ""),
                    style="dim",
                )
            )
        jury = [ev.jury for c in sc.criteria for ev in c.evidence if isinstance(ev, JuryEvidence)]
        if jury:
            parts += [Text(tr("tui.resultats.jury_expects"), style="bold"), listing([("?", j) for j in jury], "yellow")]
        if sc.hints:
            parts += [Text(tr("tui.resultats.path"), style="bold"), listing([("·", h) for h in sc.hints], "dim")]
        return Group(*parts)

    def _fiche(self) -> Text:
        fiche = self.app.store.fiche(self.attempt_id)
        out = Text()
        for name in FICHE_FIELDS:
            out.append(tr(f"tui.fiche.{name}") + " : ", style="bold")
            value = fiche.get(name, "").strip()
            out.append((value or tr("tui.resultats.empty")) + "\n", style="" if value else "dim italic")
        out.append(tr("tui.resultats.fiche_jury"), style="yellow")
        return out

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """A self-assessment ticked: kept at once (auto-évalué, never in the score)."""
        criterion, verdict = event.radio_set.name, event.pressed.name
        if criterion and verdict in ("acquis", "non_acquis"):
            try:
                save_self_mark(self.app.store, self.attempt_id, criterion, verdict)  # type: ignore[arg-type]  # one of the two, checked above
            except UsageError as exc:
                self.notify(str(exc), severity="warning")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_progression(self) -> None:
        self.app.go_progression()

    def action_terminals(self) -> None:
        """The attempt's recorded terminals, from the first session's start."""
        self.query_one(TimelinePanel).play()

    def action_replay(self) -> None:
        rec = self.app.store.attempt(self.attempt_id)
        if rec is None or rec.scenario not in self.app.catalogue.scenarios:
            self.notify(tr("tui.resultats.cannot_replay"), severity="warning")
            return
        if self.app.attempt_in_progress():
            self.notify(tr("tui.busy"), severity="warning")
            return
        self.app.open_briefing(rec.scenario, rec.seed, replace=True)

    def commands(self) -> list[tuple[str, str, Any]]:
        return [(tr("tui.cmd.replay"), tr("tui.cmd.replay.help"), self.action_replay)]
