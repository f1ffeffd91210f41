"""The jury's side: the guide of a candidate (drawn from her session and journal, frozen once her
examen is over so that every jury member sees the same questions), the marks on its questions, and
what they say per competence.

Rules: a question is marked acquis or non acquis, with an optional comment; only on a frozen guide
(her examen over: before, the guide is a preview that her journal may still change); never after
the jury signed her grid (simulateur.exam.core.sign).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from simulateur import referentiel
from simulateur.entretien.bank import Bank, load_bank
from simulateur.entretien.db import EntretienDB, EntretienMark
from simulateur.entretien.guide import Guide, GuideQuestion, build
from simulateur.entretien.journal import Done, read_journal
from simulateur.errors import UsageError
from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.exam.draw import for_candidate
from simulateur.exam.models import CandidateRun, ExamSession
from simulateur.i18n import tr
from simulateur.journal.store import Journal

VERDICTS = ("acquis", "non_acquis")


def journals(db: ExamDB, session: ExamSession, run: CandidateRun) -> list[tuple[int, list[str], list[Done]]]:
    """Per intervention she worked on: its number, its competences, what her journal shows."""
    mine = {iv.index: iv for iv in for_candidate(session, run.candidate)}
    out = []
    for item in run.items:
        rec = db.store.attempt(item.attempt) if item.attempt else None
        if rec is None or not rec.attempt_dir:
            continue
        done = read_journal(Journal(Path(rec.attempt_dir) / "journal.jsonl").entries())
        iv = mine.get(item.index)
        out.append((item.index, list(iv.competences) if iv else [], done))
    return out


def _referentiel(session: ExamSession) -> str:
    refs = [iv.referentiel for iv in session.interventions]
    return session.filter.referentiel or (refs[0] if refs else "TAI")


def guide_of(
    db: ExamDB, session_id: str, candidate: str, *, bank: Bank | None = None, now: float | None = None
) -> tuple[Guide, bool]:
    """Her guide, and whether it is frozen (kept in the store). Drawn and kept the first time it is
    asked for once her examen is over; before that, a preview."""
    session = core.get_session(db, session_id)
    run = core.get_run(db, session.id, candidate)
    edb = EntretienDB(db.store)
    kept = edb.guide(session.id, run.candidate)
    if kept is not None:
        return kept, True
    guide = build(
        session.id,
        run.candidate,
        session.seed,
        _referentiel(session),
        bank or load_bank(),
        journals(db, session, run),
        time.time() if now is None else now,
    )
    if run.finished is None:
        return guide, False
    return edb.freeze(guide), True


def mark(
    db: ExamDB,
    session_id: str,
    candidate: str,
    question: str,
    *,
    verdict: str | None,
    comment: str | None,
    by: str,
    now: float | None = None,
) -> tuple[int, GuideQuestion, EntretienMark]:
    """Mark one question (its number or its id). A comment alone changes the comment of a mark
    already given."""
    guide, frozen = guide_of(db, session_id, candidate, now=now)
    if not frozen:
        raise UsageError(tr("entretien.not_over", candidate=guide.candidate, id=guide.session))
    core._not_signed(db, guide.session, guide.candidate)
    q = guide.find(question)
    if q is None:
        raise UsageError(tr("entretien.unknown_question", question=question, n=len(guide.questions)))
    edb = EntretienDB(db.store)
    if verdict is None:
        old = edb.marks(guide.session, guide.candidate).get(q.id)
        if old is None or comment is None:
            raise UsageError(tr("entretien.need_verdict"))
        verdict = old.verdict
    if verdict not in VERDICTS:
        raise UsageError(tr("entretien.bad_verdict", verdict=verdict))
    m = edb.mark(guide.session, guide.candidate, q.id, verdict, comment or "", by, now)
    return guide.number(q.id), q, m


@dataclass(frozen=True)
class CompetenceTally:
    id: str
    label: str
    questions: int
    acquis: int
    non_acquis: int

    @property
    def pending(self) -> int:
        return self.questions - self.acquis - self.non_acquis


def tally(questions: Sequence[GuideQuestion], marks: dict[str, EntretienMark]) -> list[CompetenceTally]:
    """Per competence the questions inform (in the referentiel's order): how many, how marked."""
    counts: dict[str, list[int]] = {}
    for q in questions:
        comps = [q.criterion.rsplit(".", 1)[0]] if q.criterion else q.competences
        for c in comps:
            n = counts.setdefault(c, [0, 0, 0])
            n[0] += 1
            m = marks.get(q.id)
            if m is not None:
                n[1 if m.verdict == "acquis" else 2] += 1
    order = list(referentiel.all_competences())
    out = []
    for cid in sorted(counts, key=lambda c: order.index(c) if c in order else len(order)):
        comp = referentiel.find_competence(cid)
        asked, acquis, non_acquis = counts[cid]
        out.append(CompetenceTally(cid, comp.label if comp else cid, asked, acquis, non_acquis))
    return out
