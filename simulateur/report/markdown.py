"""The report in Markdown (for a wiki, a mail, a diff)."""

from __future__ import annotations

from simulateur.i18n import tr
from simulateur.report import text as T
from simulateur.report.model import Report


def _cell(s: str) -> str:
    return " ".join(s.split()).replace("|", "\\|")


def to_markdown(r: Report) -> str:
    out = [f"# {r.title}", ""]
    for label, value in T.header_lines(r):
        out.append(f"- **{label}** : {value}")
    out += ["", f"## {tr('report.interventions')}", "",
            "| n° | " + " | ".join(tr(f"report.col.{c}") for c in ("scenario", "status", "time", "score")) + " |",
            "|---|---|---|---|---|"]
    for iv in r.interventions:
        out.append(f"| {iv.index} | {_cell(iv.title)} (`{iv.scenario}`) | {_cell(iv.status_label)} | "
                   f"{T.duration(iv.duration_s)} | {_cell(T.score(iv))} |")
    out += ["", f"## {tr('report.grid')}", "", f"_{r.legend}_", ""]
    for ccp in r.grid:
        out += [f"### {ccp.id} — {ccp.label}", ""]
        for comp in ccp.competences:
            out.append(f"#### {comp.id} — {comp.label} ({comp.modality_label})")
            out.append("")
            if not comp.evaluated:
                out += [f"_{tr('report.not_evaluated_competence')}_", ""]
                continue
            out += ["| " + " | ".join(tr(f"report.col.{c}") for c in ("criterion", "verdict", "source", "evidence"))
                    + " |", "|---|---|---|---|"]
            for crit in comp.criteria:
                evidence = "<br>".join(
                    _cell(tr("report.occurrence", index=o.intervention, verdict=o.verdict_label,
                             source=f" ({o.source_label})" if o.source_label else "") + (" : " + " ; ".join(o.evidence) if o.evidence else ""))
                    for o in crit.occurrences) or "—"
                out.append(f"| **{crit.id}** {_cell(crit.label)} | {crit.verdict_label} | "
                           f"{', '.join(crit.sources) or '—'} | {evidence} |")
            out.append("")
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
    return "\n".join(out).rstrip() + "\n"
