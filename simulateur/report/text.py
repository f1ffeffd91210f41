"""Small formatting shared by the Markdown and HTML reports."""

from __future__ import annotations

import time

from simulateur.i18n import tr, trn
from simulateur.report.model import (
    InterventionReport,
    QuizCompetenceRow,
    QuizQuestionRow,
    QuizReport,
    Report,
    TimelineStep,
)


def when(t: float | None) -> str:
    return "—" if t is None else time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(t))


def duration(s: float | None) -> str:
    if s is None:
        return "—"
    s = round(s)
    return f"{s // 60} min {s % 60:02d} s"


def score(iv_or_report: InterventionReport | Report) -> str:
    sc = iv_or_report.score
    if sc is None:
        return "—"
    text = trn("report.score", sc.evalues, acquis=sc.acquis)
    text += tr("report.score_override", n=sc.overrides) if sc.overrides else ""
    return text + (tr("report.score_jury", n=sc.jury) if sc.jury else "")


def signed(r: Report) -> str:
    if r.signed_by is None or r.signed_at is None:
        return tr("report.unsigned")
    return tr("report.signed", by=r.signed_by, when=time.strftime(tr("fmt.datetime"), time.localtime(r.signed_at)))


def header_lines(r: Report) -> list[tuple[str, str]]:
    """(label, value) pairs of the report's heading."""
    rows = []
    if r.candidate:
        rows.append((tr("report.h.candidate"), r.candidate))
    if r.session:
        rows.append((tr("report.h.session"), r.session))
    if r.group:
        rows.append((tr("report.h.group"), r.group))
    if r.minutes is not None:
        rows.append((tr("report.h.duration"), tr("report.minutes", minutes=f"{r.minutes:g}")))
    if r.seed is not None:
        rows.append((tr("report.h.seed"), str(r.seed)))
    if r.started is not None:
        rows.append((tr("report.h.started"), when(r.started)))
    if r.finished is not None:
        rows.append((tr("report.h.finished"), when(r.finished)))
    rows.append((tr("report.h.score"), score(r)))
    if r.kind == "examen":
        rows.append((tr("report.h.signed"), signed(r)))
    rows.append((tr("report.h.generated"), when(r.generated)))
    return rows


def intervention_facts(iv: InterventionReport, *, with_score: bool) -> list[tuple[str, str]]:
    """(label, value) pairs heading an intervention's details (the HTML report shows its score
    there too; the Markdown one has it in its summary table)."""
    facts = [
        (tr("report.col.status"), iv.status_label),
        (tr("report.h.started"), when(iv.started)),
        (tr("report.h.ended"), when(iv.ended)),
        (tr("report.col.time"), duration(iv.duration_s)),
    ]
    if with_score:
        facts.append((tr("report.col.score"), score(iv)))
    facts.append((tr("report.h.seed"), str(iv.seed)))
    if iv.variant:
        facts.append((tr("report.h.variant"), iv.variant))
    if iv.lab:
        facts.append((tr("report.h.lab"), f"{iv.lab} ({iv.attempt})"))
    facts.append((tr("report.h.qualification"), iv.qualification or tr("report.none")))
    if iv.note:
        facts.append((tr("report.h.note"), iv.note))
    return facts


def timeline_summary(steps: list[TimelineStep]) -> str:
    commands = [s for s in steps if s.mark != "event"]
    return tr(
        "report.timeline_summary",
        commands=trn("count.commands", len(commands)),
        diagnostic=trn("count.diagnostics", sum(s.mark == "diagnostic" for s in commands)),
        change=trn("count.changes", sum(s.mark == "change" for s in commands)),
        test=trn("count.tests", sum(s.mark == "test" for s in commands)),
        failed=sum(s.outcome in ("failed", "not_run") for s in commands),
    )


def timeline_groups(steps: list[TimelineStep]) -> list[tuple[str, list[TimelineStep]]]:
    """The commands host by host (in the order each host was first used), then the attempt's events."""
    hosts = list(dict.fromkeys(s.host for s in steps if s.mark != "event"))
    groups = [
        (tr("report.timeline_host", host=h), [s for s in steps if s.host == h and s.mark != "event"]) for h in hosts
    ]
    events = [s for s in steps if s.mark == "event"]
    if events:
        groups.append((tr("report.timeline_events"), events))
    return groups


def timeline_command(step: TimelineStep) -> str:
    text = step.cmd
    if step.origin:
        text += tr("timeline.via_ssh", origin=step.origin)
    if step.remote:
        text += tr("timeline.reaches", hosts=", ".join(step.remote))
    if step.source == "kernel":
        text += tr("timeline.unreported")
    return text


def at(step: TimelineStep) -> str:
    from simulateur.journal.timeline import clock

    return clock(step.at)


def number(x: float) -> str:
    """0.5 → « 0,5 », 2.0 → « 2 » (points as a French reader writes them)."""
    return f"{round(x, 2):g}".replace(".", ",")


def quiz_intro(q: QuizReport) -> str:
    state = tr("report.quiz_submitted_at", when=when(q.submitted)) if q.submitted is not None else q.state_label
    return trn(
        "report.quiz_intro",
        q.answered,
        count=q.count,
        minutes=q.minutes,
        started=when(q.started),
        deadline=when(q.deadline),
        state=state,
    )


def quiz_points(row: QuizQuestionRow) -> str:
    """« 1 / 2 », or the verdict alone while nothing is marked (« à évaluer par le jury »)."""
    if row.points is None:
        return f"— / {number(row.max)}"
    return f"{number(row.points)} / {number(row.max)}"


def quiz_mark(row: QuizQuestionRow) -> str:
    """The verdict, and for a jury's mark who gave it and its comment."""
    text = row.verdict_label
    if row.by:
        text += f" ({tr('report.quiz_marked_by', by=row.by)})"
    if row.comment:
        text += f" : {row.comment}"
    return text


def quiz_competence(c: QuizCompetenceRow) -> str:
    pending = trn("report.quiz_comp_pending", c.pending, max=number(c.pending_max)) if c.pending else ""
    return tr(
        "report.quiz_comp_line", id=c.id, label=c.label, points=number(c.points), total=number(c.total), pending=pending
    )
