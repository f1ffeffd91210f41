"""The report in Markdown (for a wiki, a mail, a diff)."""

from __future__ import annotations

import re

from simulateur.i18n import tr, trn
from simulateur.report import text as T
from simulateur.report.model import Report, TerminalTranscript, TimelineStep


def _cell(s: str) -> str:
    return " ".join(s.split()).replace("|", "\\|")


def _longest_run(text: str, char: str) -> int:
    return max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)


def _code(s: str) -> str:
    """A command in a table cell: in code, whatever backquotes it holds."""
    text = _cell(s)
    fence = "`" * (_longest_run(text, "`") + 1)
    return f"{fence} {text} {fence}" if len(fence) > 1 else f"`{text}`"


def _timeline(steps: list[TimelineStep]) -> list[str]:
    out = [f"**{tr('report.timeline')}**", ""]
    if not steps:
        return out + [f"_{tr('report.timeline_none')}_", ""]
    out += [T.timeline_summary(steps), ""]
    for title, group in T.timeline_groups(steps):
        out += [
            f"*{title}*",
            "",
            "| " + " | ".join(tr(f"report.col.{c}") for c in ("at", "mark", "outcome", "command")) + " |",
            "|---|---|---|---|",
        ]
        out += [f"| {T.at(s)} | {s.mark_label} | {s.outcome_label} | {_code(T.timeline_command(s))} |" for s in group]
        out.append("")
    return out


def _terminals(terms: list[TerminalTranscript]) -> list[str]:
    out = [f"**{tr('report.terminals')}**", ""]
    if not terms:
        return out + [f"_{tr('report.terminals_none')}_", ""]
    for t in terms:
        out += [
            (
                f"*{tr('report.terminal_head', host=t.host, when=T.when(t.started), duration=T.duration(t.duration_s))}*"
                f" ({t.file})"
            ),
            "",
        ]
        if t.problem:
            out += [f"_{t.problem}_", ""]
            continue
        fence = "~" * max(3, _longest_run(t.text, "~") + 1)
        out += [fence + "text", t.text, fence, ""]
    return out


def _entretien(r: Report) -> list[str]:
    out = [f"## {tr('report.entretien')}", ""]
    e = r.entretien
    if e is None:
        return out + [f"_{tr('report.entretien_none')}_", ""]
    out += [tr("report.entretien_intro", n=len(e.questions), minutes=e.minutes, when=T.when(e.created)), ""]
    out += [
        "| n° | " + " | ".join(tr(f"report.col.{c}") for c in ("question", "informs", "jury_mark", "comment")) + " |",
        "|---|---|---|---|---|",
    ]
    for q in e.questions:
        informs = q.criterion or ", ".join(q.competences) or "—"
        out.append(f"| {q.number} | {_cell(q.text)} | {informs} | {q.verdict_label} | {_cell(q.comment) or '—'} |")
    out += ["", f"*{tr('entretien.tally')}*", ""]
    out += [
        "- "
        + trn(
            "entretien.tally_line",
            c.pending,
            id=c.id,
            label=c.label,
            acquis=c.acquis,
            non_acquis=c.non_acquis,
            questions=c.questions,
        )
        for c in e.competences
    ]
    return out + [""]


def _questionnaire(r: Report) -> list[str]:
    out = [f"## {tr('report.questionnaire')}", ""]
    q = r.questionnaire
    if q is None:
        return out + [f"_{tr('report.questionnaire_none')}_", ""]
    out += [T.quiz_intro(q), ""]
    cols = ("question", "criterion", "answer", "expected", "points", "verdict")
    out += ["| n° | " + " | ".join(tr(f"report.col.{c}") for c in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for row in q.questions:
        given = _cell(row.given) if row.given is not None else f"_{tr('report.quiz_not_given')}_"
        out.append(
            f"| {row.number} | {_cell(row.text)} | {row.criterion} | {given} | {_cell(row.expected) or '—'} | "
            f"{T.quiz_points(row)} | {_cell(T.quiz_mark(row))} |"
        )
    if q.competences:
        out += ["", f"*{tr('entretien.tally')}*", ""]
        out += ["- " + T.quiz_competence(c) for c in q.competences]
    if q.pending:
        out += ["", f"**{trn('report.quiz_pending', q.pending)}**"]
    return out + [""]


def to_markdown(r: Report) -> str:
    out = [f"# {r.title}", ""]
    for label, value in T.header_lines(r):
        out.append(f"- **{label}** : {value}")
    out += [
        "",
        f"## {tr('report.interventions')}",
        "",
        "| n° | " + " | ".join(tr(f"report.col.{c}") for c in ("scenario", "status", "time", "score")) + " |",
        "|---|---|---|---|---|",
    ]
    for iv in r.interventions:
        out.append(
            f"| {iv.index} | {_cell(iv.title)} (`{iv.scenario}`) | {_cell(iv.status_label)} | "
            f"{T.duration(iv.duration_s)} | {_cell(T.score(iv))} |"
        )
    out += ["", f"## {tr('report.grid')}", "", f"_{r.legend}_", ""]
    for ccp in r.grid:
        out += [f"### {ccp.id} — {ccp.label}", ""]
        for comp in ccp.competences:
            out.append(f"#### {comp.id} — {comp.label} ({comp.modality_label})")
            out.append("")
            if not comp.evaluated:
                out += [f"_{tr('report.not_evaluated_competence')}_", ""]
                continue
            out += [
                "| " + " | ".join(tr(f"report.col.{c}") for c in ("criterion", "verdict", "source", "evidence")) + " |",
                "|---|---|---|---|",
            ]
            for crit in comp.criteria:
                evidence = (
                    "<br>".join(
                        _cell(
                            tr(
                                "report.occurrence",
                                index=o.intervention,
                                verdict=o.verdict_label,
                                source=f" ({o.source_label})" if o.source_label else "",
                            )
                            + (" : " + " ; ".join(o.evidence) if o.evidence else "")
                        )
                        for o in crit.occurrences
                    )
                    or "—"
                )
                out.append(
                    f"| **{crit.id}** {_cell(crit.label)} | {crit.verdict_label} | "
                    f"{', '.join(crit.sources) or '—'} | {evidence} |"
                )
            out.append("")
    if r.kind == "examen":
        out += _questionnaire(r)
        out += _entretien(r)
    out += [f"## {tr('report.details')}", ""]
    for iv in r.interventions:
        out += [f"### {tr('report.intervention', index=iv.index)} — {iv.title}", ""]
        facts = T.intervention_facts(iv, with_score=False)
        if iv.jury_comment:
            facts.append((tr("report.h.jury_comment"), iv.jury_comment))
        out += [f"- **{k}** : {v}" for k, v in facts]
        out += ["", f"**{tr('report.fiche')}**", ""]
        if not any(v.strip() for v in iv.fiche.values()):
            out += [f"_{tr('report.fiche_empty')}_", ""]
        else:
            for name, label in r.fiche_labels.items():
                value = iv.fiche.get(name, "").strip()
                out.append(f"- *{label}* : {_cell(value) if value else '—'}")
            out.append("")
        out += _timeline(iv.timeline)
        out += _terminals(iv.terminals)
    return "\n".join(out).rstrip() + "\n"
