"""Marking: what a given answer is worth, and the result per competence.

Single choice: all or nothing. Multiple choice (PARTIAL_RULE): each right choice ticked earns its
share, each wrong one ticked takes one share back, never below zero. Numeric: right within the
question's tolerance (percent). Open: the jury's points, « à évaluer par le jury » until then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from simulateur.errors import UsageError
from simulateur.i18n import tr
from simulateur.quiz import compute
from simulateur.quiz.models import MultipleChoice, Numeric, Open, SingleChoice

LETTERS = "abcdefgh"


def parse_choices(given: str, n: int) -> list[int]:
    """« b », « 2 », « a, c », « A C » → choice numbers from 1; UsageError when unreadable."""
    items = [x for x in re.split(r"[\s,;]+", given.strip().lower()) if x]
    out: list[int] = []
    for item in items:
        if len(item) == 1 and item in LETTERS[:n]:
            k = LETTERS.index(item) + 1
        elif item.isdigit() and 1 <= int(item) <= n:
            k = int(item)
        else:
            raise UsageError(tr("quiz.answer.bad_choice", given=item, choices=", ".join(LETTERS[:n])))
        if k not in out:
            out.append(k)
    if not out:
        raise UsageError(tr("quiz.answer.empty"))
    return sorted(out)


def check_answer(q: Any, given: str) -> None:
    """Refuse, when it is given, an answer the marking could not read (a letter out of range, two
    letters for a single choice); numeric and open answers are kept as written."""
    if isinstance(q, SingleChoice):
        if len(parse_choices(given, len(q.choices))) != 1:
            raise UsageError(tr("quiz.answer.one_choice"))
    elif isinstance(q, MultipleChoice):
        parse_choices(given, len(q.choices))
    elif not given.strip():
        raise UsageError(tr("quiz.answer.empty"))


@dataclass(frozen=True)
class Mark:
    points: float | None  # None: left to the jury, not marked yet
    max: float
    verdict: str  # juste, partiel, faux, sans_reponse, jury, jury_note
    expected: str  # the right answer or the expected elements, for the correction


def mark(q: Any, seed: int, given: str | None, jury_points: float | None = None) -> Mark:
    if isinstance(q, Open):
        expected = " ; ".join(q.expected)
        if jury_points is not None:
            return Mark(jury_points, q.points, "jury_note", expected)
        if given is None or not given.strip():
            return Mark(0.0, q.points, "sans_reponse", expected)
        return Mark(None, q.points, "jury", expected)
    if isinstance(q, Numeric):
        exp = compute.expected(q, seed)
        if given is None or not given.strip():
            return Mark(0.0, q.points, "sans_reponse", exp.shown)
        ok = compute.judge(q, seed, given)
        return Mark(q.points if ok else 0.0, q.points, "juste" if ok else "faux", exp.shown)
    right = [q.answer] if isinstance(q, SingleChoice) else list(q.answers)
    shown = ", ".join(LETTERS[k - 1] for k in right)
    if given is None or not given.strip():
        return Mark(0.0, q.points, "sans_reponse", shown)
    try:
        ticked = parse_choices(given, len(q.choices))
    except UsageError:
        return Mark(0.0, q.points, "faux", shown)
    if isinstance(q, SingleChoice):
        ok = ticked == right
        return Mark(q.points if ok else 0.0, q.points, "juste" if ok else "faux", shown)
    good = len([k for k in ticked if k in right])
    bad = len(ticked) - good
    ratio = max(0.0, (good - bad) / len(right))
    verdict = "juste" if ratio == 1 else "partiel" if ratio > 0 else "faux"
    return Mark(round(q.points * ratio, 4), q.points, verdict, shown)


@dataclass
class CompetenceResult:
    competence: str
    points: float = 0.0  # marked points obtained
    marked_max: float = 0.0  # the most the marked questions could give
    pending: int = 0  # open answers the jury has not marked
    pending_max: float = 0.0
    questions: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.points / self.marked_max if self.marked_max else None


def per_competence(marks: list[tuple[Any, Mark]]) -> dict[str, CompetenceResult]:
    out: dict[str, CompetenceResult] = {}
    for q, m in marks:
        r = out.setdefault(q.competence, CompetenceResult(q.competence))
        r.questions.append(q.id)
        if m.points is None:
            r.pending += 1
            r.pending_max += m.max
        else:
            r.points += m.points
            r.marked_max += m.max
    return out
