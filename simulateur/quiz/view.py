"""The questionnaire as text (the command line and the app show the same): the questions and the
answers given while it runs; the correction and the result per competence once it is over."""

from __future__ import annotations

import time
from typing import Any

from simulateur import referentiel
from simulateur.i18n import tr, trn
from simulateur.quiz import marking, paper


def when(t: float) -> str:
    return time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(t))


def left(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60:02d}:{s % 60:02d}"


def num(x: float) -> str:
    return f"{round(x, 2):g}".replace(".", ",")


def show_text(db: Any, run: Any, now: float | None = None) -> str:
    """The questionnaire as text: questions and answers while it runs; the correction and the
    result per competence once it is handed in or its time is up."""
    now = time.time() if now is None else now
    done = paper.finished(run, now)
    who = f" ({run.candidate})" if run.candidate else ""
    out = [tr("quiz.head", id=run.id, who=who, seed=run.seed, count=len(run.questions))]
    if run.submitted is not None:
        out.append(tr("quiz.head.closed", when=when(run.submitted)))
    elif done:
        out.append(tr("quiz.head.timeout", deadline=when(run.deadline)))
    else:
        out.append(tr("quiz.head.open", left=left(run.remaining(now))))
    lines = paper.lines(db, run)
    for line in lines:
        q = line.question
        out.append("")
        out.append(f"{line.number}. [{q.competence}] {line.text.strip()}")
        out.append(f"   ({paper.kind_hint(q)}, {num(q.points)} pt)")
        for k, choice in enumerate(getattr(q, "choices", [])):
            out.append(f"   {marking.LETTERS[k]}. {choice}")
        out.append(tr("quiz.given", given=line.given) if line.given is not None else tr("quiz.not_given"))
        if done:
            m = line.mark
            if m.verdict == "jury":
                out.append(tr("quiz.correction.expected_elements", max=num(m.max), expected=m.expected))
            else:
                out.append(
                    tr(
                        "quiz.correction",
                        verdict=tr(f"quiz.verdict.{m.verdict}"),
                        points=num(m.points or 0.0),
                        max=num(m.max),
                        expected=m.expected,
                    )
                )
    if done:
        comps = referentiel.all_competences()
        out += ["", tr("quiz.result.head")]
        for comp, r in marking.per_competence([(l.question, l.mark) for l in lines]).items():
            pending = trn("quiz.result.pending", r.pending, max=num(r.pending_max)) if r.pending else ""
            label = comps[comp][0].label if comp in comps else ""
            out.append(
                tr(
                    "quiz.result.line",
                    comp=comp,
                    label=label,
                    points=num(r.points),
                    max=num(r.marked_max),
                    pending=pending,
                )
            )
    return "\n".join(out)
