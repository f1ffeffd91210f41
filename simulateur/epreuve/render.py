"""The épreuve's report as text, Markdown or HTML: its phases (times kept) and the RC's grid."""

from __future__ import annotations

import html

from simulateur.epreuve.grid import Grid
from simulateur.epreuve.state import EpreuveState
from simulateur.i18n import tr, trn


def _mmss(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    m = round(seconds) // 60
    return f"{m // 60} h {m % 60:02d}" if m >= 60 else f"{m} min {round(seconds) % 60:02d} s"


def phase_lines(st: EpreuveState) -> list[tuple[str, str, str, str, str]]:
    """(phase, presence, planned, state, note) per phase."""
    from simulateur.epreuve.core import remaining

    out = []
    for p in st.phases:
        if p.started is None:
            state = tr("epreuve.state.todo")
        elif p.ended is not None:
            state = tr("epreuve.state.done", took=_mmss(p.elapsed()))
        else:
            left = remaining(p) or 0.0
            state = (
                tr("epreuve.state.open", left=_mmss(left))
                if left >= 0
                else tr("epreuve.state.over_time", over=_mmss(-left))
            )
        out.append(
            (tr(f"epreuve.phase.{p.kind}"), tr(f"epreuve.presence.{p.presence}"), _mmss(p.minutes * 60), state, p.note)
        )
    return out


def status_text(st: EpreuveState, title: str) -> str:
    lines = [tr("epreuve.status_head", id=st.id, candidate=st.candidate, title=title)]
    if st.scale != 1:
        lines.append(tr("epreuve.status_scale", scale=f"{st.scale:g}"))
    for n, (phase, who, planned, state, note) in enumerate(phase_lines(st), 1):
        mark = "▶" if n - 1 == st.current else " "
        lines.append(f" {mark} {n}. {phase:<28} {who:<11} {planned:>9}  {state}")
        if note:
            lines.append(f"      {note}")
    if st.finished:
        lines.append(tr("epreuve.finished", id=st.id))
    return "\n".join(lines) + "\n"


def text(st: EpreuveState, grid: Grid) -> str:
    return status_text(st, grid.title) + grid_text(grid)


def grid_text(grid: Grid) -> str:
    out = [tr("epreuve.grid.title", title=grid.title, id=grid.referentiel), tr("epreuve.grid.legend"), ""]
    for g in grid.groups:
        out.append(f"{g.id} — {g.label}")
        for c in g.competences:
            out.append(f"  {c.id} — {c.label} [{', '.join(c.modality_labels)}]")
            for k in c.criteria:
                out.append(f"    {k.id} {k.verdict_label.upper():<24} {k.label}")
                out += [f"        · {s}" for s in k.sources]
        out.append("")
    if grid.final:
        out.append(grid.final)
    out.append(trn("epreuve.grid.counts", grid.counts.get("non_evalue", 0), **grid.counts))
    return "\n".join(out) + "\n"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown(st: EpreuveState, grid: Grid) -> str:
    out = [
        f"# {tr('epreuve.status_head', id=st.id, candidate=st.candidate, title=grid.title)}",
        "",
        f"## {tr('epreuve.grid.phases')}",
        "",
        "| | | | | |",
        "|---|---|---|---|---|",
    ]
    out += [f"| {' | '.join(_cell(x) for x in row)} |" for row in phase_lines(st)]
    out += [
        "",
        f"## {tr('epreuve.grid.title', title=grid.title, id=grid.referentiel)}",
        "",
        f"*{tr('epreuve.grid.legend')}*",
        "",
    ]
    for g in grid.groups:
        out += [f"### {g.id} — {g.label}", ""]
        for c in g.competences:
            out += [
                f"#### {c.id} — {c.label} ({', '.join(c.modality_labels)})",
                "",
                f"| {tr('epreuve.grid.col_criterion')} | {tr('epreuve.grid.col_verdict')} | {tr('epreuve.grid.col_sources')} |",
                "|---|---|---|",
            ]
            out += [
                f"| {k.id} — {_cell(k.label)} | **{k.verdict_label}** | {_cell(' ; '.join(k.sources))} |"
                for k in c.criteria
            ]
            out.append("")
    if grid.final:
        out += [grid.final, ""]
    out.append(trn("epreuve.grid.counts", grid.counts.get("non_evalue", 0), **grid.counts))
    return "\n".join(out) + "\n"


def html_page(st: EpreuveState, grid: Grid) -> str:
    e = html.escape
    head = tr("epreuve.status_head", id=st.id, candidate=st.candidate, title=grid.title)
    out = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>{e(head)}</title>",
        (
            "<style>body{font-family:sans-serif;max-width:70em;margin:auto}table{border-collapse:collapse;width:100%}"
            "td,th{border:1px solid #999;padding:.2em .4em;vertical-align:top}"
            ".acquis{background:#dfd}.non_acquis{background:#fdd}.jury{background:#ffd}"
            ".en_attente{background:#eef}.non_evalue{color:#666}</style></head><body>"
        ),
        f"<h1>{e(head)}</h1>",
        f"<h2>{e(tr('epreuve.grid.phases'))}</h2><table>",
    ]
    out += ["<tr>" + "".join(f"<td>{e(x)}</td>" for x in row) + "</tr>" for row in phase_lines(st)]
    out += [
        "</table>",
        f"<h2>{e(tr('epreuve.grid.title', title=grid.title, id=grid.referentiel))}</h2>",
        f"<p><em>{e(tr('epreuve.grid.legend'))}</em></p>",
    ]
    for g in grid.groups:
        out.append(f"<h3>{e(g.id)} — {e(g.label)}</h3><table>")
        for c in g.competences:
            out.append(
                f'<tr><th colspan="3">{e(c.id)} — {e(c.label)} <em>({e(", ".join(c.modality_labels))})</em></th></tr>'
            )
            out += [
                f'<tr class="{e(k.verdict)}"><td>{e(k.id)} — {e(k.label)}</td><td>{e(k.verdict_label)}</td>'
                f"<td>{'<br>'.join(e(s) for s in k.sources)}</td></tr>"
                for k in c.criteria
            ]
        out.append("</table>")
    if grid.final:
        out.append(f"<p>{e(grid.final)}</p>")
    out += [
        f"<p><strong>{e(trn('epreuve.grid.counts', grid.counts.get('non_evalue', 0), **grid.counts))}</strong></p>",
        "</body></html>",
    ]
    return "\n".join(out) + "\n"
