"""The report as one self-contained HTML page: inline CSS (screen and print), no script, no
external asset — it opens anywhere and prints as the jury's grid."""

from __future__ import annotations

from html import escape

from simulateur.coaching import Coaching
from simulateur.coaching.text import fiche_lines, self_mark_label, suggestion_lines
from simulateur.i18n import N_, tr, trn
from simulateur.report import text as T
from simulateur.report.model import CriterionRow, Report, TerminalTranscript, TimelineStep

CSS = """
:root { --ok: #1b7f3b; --ko: #b3261e; --jury: #8a5a00; --muted: #666; --line: #ccc; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, "Segoe UI", Roboto, Arial, sans-serif; color: #111; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; }
h1 { font-size: 1.6em; margin: 0 0 .3em; } h2 { font-size: 1.25em; border-bottom: 2px solid #333;
  padding-bottom: .2em; margin-top: 1.6em; } h3 { font-size: 1.08em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }
th, td { border: 1px solid var(--line); padding: .3em .5em; vertical-align: top; text-align: left; }
th { background: #f1f1f1; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; margin: .5em 0 1em; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
.ccp > th { background: #2d3e50; color: #fff; font-size: 1.02em; }
.comp > th { background: #e6ebf0; }
.comp .modality { font-weight: normal; color: #333; font-style: italic; }
.v { font-weight: 700; white-space: nowrap; }
.v-acquis { color: var(--ok); } .v-non_acquis { color: var(--ko); } .v-jury { color: var(--jury); }
.v-non_evalue, .v-non_traitee { color: var(--muted); }
.src { display: inline-block; border: 1px solid var(--line); border-radius: 3px; padding: 0 .3em;
       font-size: .85em; white-space: nowrap; margin: 0 .2em .1em 0; }
.src-automatique { border-color: #4a78b5; color: #234b80; } .src-jury { border-color: #b5894a; color: #6b4a12; }
.src-automatique\\+jury { border-color: #7a5fa8; color: #47306f; }
.src-derogation { border: 2px solid #b3261e; color: #7a1a14; font-weight: 600; }
ul.ev { margin: .1em 0 .3em 1.1em; padding: 0; } ul.ev li { margin: 0; }
.occ { margin-bottom: .3em; } .occ-head { font-size: .92em; }
.muted { color: var(--muted); }
.fiche dt { font-weight: 600; margin-top: .4em; } .fiche dd { margin: 0 0 0 1em; white-space: pre-wrap; }
.comment { border-left: 3px solid #b5894a; padding: .2em .6em; background: #fbf6ee; }
.legend { font-size: .9em; color: #333; }
table.timeline td { padding: .15em .5em; } table.timeline td.at { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.timeline code { font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", Consolas, monospace; white-space: pre-wrap;
  overflow-wrap: anywhere; }
h5 { font-size: 1em; margin: .8em 0 .2em; }
.m-diagnostic { color: #1f5f8b; } .m-change { color: #8a5a00; font-weight: 600; } .m-test { color: var(--ok); }
.m-other, .m-event { color: var(--muted); } .o-failed, .o-not_run { color: var(--ko); font-weight: 600; }
.o-ok { color: var(--ok); } .o-nonzero { color: var(--jury); } .o-unknown { color: var(--muted); }
.term { margin: .4em 0 1em; } .term-head { font-size: .92em; margin-bottom: .2em; }
pre.transcript { font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", Consolas, monospace; background: #f7f7f7;
  border: 1px solid var(--line); padding: .5em .7em; white-space: pre-wrap; overflow-wrap: anywhere;
  max-height: 40em; overflow: auto; margin: 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-after: avoid; } tr, .occ, .fiche { break-inside: avoid; }
  pre.transcript { max-height: none; overflow: visible; }
  .intervention { break-before: page; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .ccp > th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(s: object) -> str:
    return escape(str(s), quote=True)


def _verdict(v: str, label: str) -> str:
    return f'<span class="v v-{_e(v)}">{_e(label)}</span>'


def _source(src: str, label: str) -> str:
    return f'<span class="src src-{_e(src)}">{_e(label)}</span>' if src else ""


def _criterion(c: CriterionRow) -> str:
    parts = []
    for o in c.occurrences:
        ev = "".join(f"<li>{_e(e)}</li>" for e in o.evidence)
        parts.append(
            f'<div class="occ"><div class="occ-head">{_e(tr("report.intervention", index=o.intervention))} '
            f"({_e(o.scenario)}) : {_verdict(o.verdict, o.verdict_label)} {_source(o.source, o.source_label)}</div>"
            + (f'<ul class="ev">{ev}</ul>' if ev else "")
            + "</div>"
        )
    body = "".join(parts) or f'<span class="muted">{_e(tr("report.no_evidence"))}</span>'
    srcs = "".join(_source(o.source, o.source_label) for o in {o.source: o for o in c.occurrences if o.source}.values())
    return (
        f'<tr id="{_e(c.id)}"><td><b>{_e(c.id)}</b><br>{_e(c.label)}</td>'
        f"<td>{_verdict(c.verdict, c.verdict_label)}</td><td>{srcs or '—'}</td>"
        f"<td>{body}</td></tr>"
    )


def _timeline(steps: list[TimelineStep]) -> list[str]:
    """The attempt's commands host by host: time since the start, nature, result, the line as run."""
    h = [f"<h4>{_e(tr('report.timeline'))}</h4>"]
    if not steps:
        return h + [f'<p class="muted">{_e(tr("report.timeline_none"))}</p>']
    h.append(f'<p class="legend">{_e(T.timeline_summary(steps))}</p>')
    head = "".join(f"<th>{_e(tr(f'report.col.{c}'))}</th>" for c in ("at", "mark", "outcome", "command"))
    for title, group in T.timeline_groups(steps):
        h.append(f"<h5>{_e(title)}</h5>")
        h.append(f'<table class="timeline"><thead><tr>{head}</tr></thead><tbody>')
        for s in group:
            h.append(
                f'<tr><td class="at">{_e(T.at(s))}</td><td class="m-{_e(s.mark)}">{_e(s.mark_label)}</td>'
                f'<td class="o-{_e(s.outcome)}">{_e(s.outcome_label)}</td>'
                f"<td><code>{_e(T.timeline_command(s))}</code></td></tr>"
            )
        h.append("</tbody></table>")
    return h


def _terminals(terms: list[TerminalTranscript]) -> list[str]:
    """Each recorded terminal as the text its screen showed (simulateur.journal.transcript)."""
    h = [f"<h4>{_e(tr('report.terminals'))}</h4>"]
    if not terms:
        return h + [f'<p class="muted">{_e(tr("report.terminals_none"))}</p>']
    for t in terms:
        head = tr("report.terminal_head", host=t.host, when=T.when(t.started), duration=T.duration(t.duration_s))
        h.append(
            f'<div class="term"><div class="term-head"><b>{_e(head)}</b> '
            f'<span class="muted">({_e(t.file)})</span></div>'
        )
        if t.problem:
            h.append(f'<p class="muted">{_e(t.problem)}</p></div>')
        else:
            h.append(f'<pre class="transcript">{_e(t.text)}</pre></div>')
    return h


def _coaching(c: Coaching) -> list[str]:
    """After a training attempt: what to improve (simulateur/coaching)."""
    h = [
        f'<section class="coaching"><h4>{_e(tr("coach.title"))}</h4>',
        f"<p><b>{_e(tr('coach.missed') if c.missed else tr('coach.none_missed'))}</b></p>",
    ]
    for m in c.missed:
        h.append(f'<div class="occ"><b>{_e(m.criterion)}</b> {_e(m.label)}<ul>')
        h += [f"<li>{_e(tr('coach.expected'))} : {_e(e)}</li>" for e in m.expected]
        h.append("</ul>")
        if m.closest:
            h.append(f'<p class="muted">{_e(tr("coach.closest"))} :</p><pre>{_e(chr(10).join(m.closest))}</pre>')
        else:
            h.append(f'<p class="muted">{_e(tr("coach.no_closest"))}</p>')
        h.append("</div>")
    if c.diagnosis:
        h.append(f"<p><b>{_e(tr('coach.diagnosis'))}</b></p><ol>")
        h += [f"<li>{_e(d)}</li>" for d in c.diagnosis]
        h.append("</ol>")
    if c.solution:
        h.append(f"<p><b>{_e(tr('coach.solution'))}</b></p>")
        for step in c.solution:
            h.append(f"<p>{_e(tr('coach.on_host', host=step.host))}</p><pre>{_e(chr(10).join(step.commands))}</pre>")
    lines = fiche_lines(c)
    if lines:
        h.append(f"<p><b>{_e(tr('coach.fiche'))}</b></p><ul>")
        h += [f"<li>{_e(mark)} {_e(line)}</li>" for mark, line in lines]
        h.append("</ul>")
    if c.self_marks:
        h.append(f"<p><b>{_e(tr('coach.self'))}</b></p><ul>")
        h += [f"<li>{_e(m.criterion)} {_e(m.label)} : {_e(self_mark_label(m.verdict))}</li>" for m in c.self_marks]
        h.append("</ul>")
    nxt = suggestion_lines(c)
    if nxt:
        h.append(f"<p><b>{_e(nxt[0])}</b><br>{_e(nxt[1])}</p>")
    h.append("</section>")
    return h


def _entretien(r: Report) -> list[str]:
    h = [f"<h2>{_e(tr('report.entretien'))}</h2>"]
    e = r.entretien
    if e is None:
        return h + [f'<p class="muted">{_e(tr("report.entretien_none"))}</p>']
    h.append(
        f"<p>{_e(tr('report.entretien_intro', n=len(e.questions), minutes=e.minutes, when=T.when(e.created)))}</p>"
    )
    h.append('<table class="entretien"><thead><tr><th>n°</th>')
    h += [f"<th>{_e(tr(f'report.col.{c}'))}</th>" for c in ("question", "informs", "jury_mark", "comment")]
    h.append("</tr></thead><tbody>")
    for q in e.questions:
        informs = q.criterion or ", ".join(q.competences) or "—"
        verdict = (
            _verdict(q.verdict, q.verdict_label) if q.verdict else f'<span class="muted">{_e(q.verdict_label)}</span>'
        )
        h.append(
            f"<tr><td>{q.number}</td><td>{_e(q.text)}</td><td>{_e(informs)}</td><td>{verdict}</td>"
            f"<td>{_e(q.comment) or '—'}</td></tr>"
        )
    h.append("</tbody></table>")
    h.append(f"<h3>{_e(tr('entretien.tally'))}</h3><ul>")
    h += [
        f"<li>{_e(trn('entretien.tally_line', c.pending, id=c.id, label=c.label, acquis=c.acquis, non_acquis=c.non_acquis, questions=c.questions))}</li>"
        for c in e.competences
    ]
    h.append("</ul>")
    return h


def _questionnaire(r: Report) -> list[str]:
    h = [f"<h2>{_e(tr('report.questionnaire'))}</h2>"]
    q = r.questionnaire
    if q is None:
        return h + [f'<p class="muted">{_e(tr("report.questionnaire_none"))}</p>']
    h.append(f"<p>{_e(T.quiz_intro(q))}</p>")
    h.append('<table class="entretien"><thead><tr><th>n°</th>')
    h += [
        f"<th>{_e(tr(f'report.col.{c}'))}</th>"
        for c in ("question", "criterion", "answer", "expected", "points", "verdict")
    ]
    h.append("</tr></thead><tbody>")
    for row in q.questions:
        given = (
            _e(row.given) if row.given is not None else f'<span class="muted">{_e(tr("report.quiz_not_given"))}</span>'
        )
        mark = _e(T.quiz_mark(row))
        if row.verdict == "jury" or row.verdict is None:
            mark = f'<span class="muted">{mark}</span>'
        h.append(
            f"<tr><td>{row.number}</td><td>{_e(row.text)}</td><td>{_e(row.criterion)}</td><td>{given}</td>"
            f"<td>{_e(row.expected) or '—'}</td><td>{_e(T.quiz_points(row))}</td><td>{mark}</td></tr>"
        )
    h.append("</tbody></table>")
    if q.competences:
        h.append(f"<h3>{_e(tr('entretien.tally'))}</h3><ul>")
        h += [f"<li>{_e(T.quiz_competence(c))}</li>" for c in q.competences]
        h.append("</ul>")
    if q.pending:
        h.append(f"<p><b>{_e(trn('report.quiz_pending', q.pending))}</b></p>")
    return h


def to_html(r: Report) -> str:
    h: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="fr">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(r.title)}{' — ' + _e(r.candidate) if r.candidate else ''}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(r.title)}</h1>",
        '<dl class="meta">',
    ]
    h += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in T.header_lines(r)]
    h.append("</dl>")

    h += [f"<h2>{_e(tr('report.interventions'))}</h2>", "<table><thead><tr><th>n°</th>"]
    h += [f"<th>{_e(tr(f'report.col.{c}'))}</th>" for c in ("scenario", "status", "time", "score")]
    h.append("</tr></thead><tbody>")
    for iv in r.interventions:
        h.append(
            f'<tr><td>{iv.index}</td><td>{_e(iv.title)}<br><span class="muted">{_e(iv.scenario)}</span></td>'
            f"<td>{_e(iv.status_label)}</td><td>{_e(T.duration(iv.duration_s))}</td><td>{_e(T.score(iv))}</td></tr>"
        )
    h.append("</tbody></table>")

    h += [f"<h2>{_e(tr('report.grid'))}</h2>", f'<p class="legend">{_e(r.legend)}</p>']
    h.append('<table class="grid"><thead><tr>')
    h += [f"<th>{_e(tr(f'report.col.{c}'))}</th>" for c in ("criterion", "verdict", "source", "evidence")]
    h.append("</tr></thead><tbody>")
    for ccp in r.grid:
        h.append(f'<tr class="ccp"><th colspan="4">{_e(ccp.id)} — {_e(ccp.label)}</th></tr>')
        for comp in ccp.competences:
            h.append(
                f'<tr class="comp"><th colspan="4">{_e(comp.id)} — {_e(comp.label)} '
                f'<span class="modality">({_e(comp.modality_label)})</span></th></tr>'
            )
            if not comp.evaluated:
                h.append(f'<tr><td colspan="4" class="muted">{_e(tr("report.not_evaluated_competence"))}</td></tr>')
                continue
            h += [_criterion(c) for c in comp.criteria]
    h.append("</tbody></table>")

    if r.kind == "examen":
        h += _questionnaire(r)
        h += _entretien(r)
    h.append(f"<h2>{_e(tr('report.details'))}</h2>")
    for iv in r.interventions:
        h.append(
            f'<section class="intervention"><h3>{_e(tr("report.intervention", index=iv.index))} — '
            f'{_e(iv.title)}</h3><dl class="meta">'
        )
        h += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in T.intervention_facts(iv, with_score=True)]
        h.append("</dl>")
        if iv.jury_comment:
            h.append(f'<p class="comment"><b>{_e(tr("report.h.jury_comment"))} :</b> {_e(iv.jury_comment)}</p>')
        h.append(f"<h4>{_e(tr('report.fiche'))}</h4>")
        if not any(v.strip() for v in iv.fiche.values()):
            h.append(f'<p class="muted">{_e(tr("report.fiche_empty"))}</p>')
        else:
            h.append('<dl class="fiche">')
            for name, label in r.fiche_labels.items():
                value = iv.fiche.get(name, "").strip()
                h.append(f"<dt>{_e(label)}</dt><dd>{_e(value) if value else '—'}</dd>")
            h.append("</dl>")
        if iv.coaching is not None:
            h += _coaching(iv.coaching)
        h += _timeline(iv.timeline)
        h += _terminals(iv.terminals)
        h.append("</section>")
    h += ["</body>", "</html>"]
    return "\n".join(h) + "\n"


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("report.col.answer"),
    N_("report.col.at"),
    N_("report.col.command"),
    N_("report.col.comment"),
    N_("report.col.criterion"),
    N_("report.col.evidence"),
    N_("report.col.expected"),
    N_("report.col.informs"),
    N_("report.col.jury_mark"),
    N_("report.col.mark"),
    N_("report.col.outcome"),
    N_("report.col.points"),
    N_("report.col.question"),
    N_("report.col.scenario"),
    N_("report.col.source"),
    N_("report.col.verdict"),
)
