"""A trainer's follow-up: every attempt (practice and examen blanc), by group or candidate,
listed or exported as CSV for a spreadsheet. Exam interventions carry their merged grid
(automatic + jury) and the jury's comments, those never started appear as « non traitée »;
after them, a per-competence summary (acquis / non acquis / jury, per CCP and competence)."""

from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from simulateur.exam.db import ExamDB, candidate_key
from simulateur.exam.jury import MergedCriterion, merge, score
from simulateur.report.model import STATUS_LABELS
from simulateur.session.store import AttemptRecord, Store


@dataclass(frozen=True)
class Row:
    group: str
    session: str
    candidate: str
    intervention: str
    attempt: str
    scenario: str
    title: str
    mode: str
    status: str
    started: float | None
    ended: float | None
    acquis: int | None
    evalues: int | None
    jury: int | None
    criteria: str
    comments: str = ""
    merged: tuple[MergedCriterion, ...] = ()


COLUMNS = (
    "groupe",
    "session",
    "stagiaire",
    "intervention",
    "tentative",
    "scénario",
    "titre",
    "mode",
    "état",
    "début",
    "fin",
    "durée (min)",
    "acquis",
    "évalués",
    "à évaluer (jury)",
    "critères (source)",
    "commentaires du jury",
)
SUMMARY_COLUMNS = (
    "synthèse par compétence",
    "groupe",
    "session",
    "stagiaire",
    "CCP",
    "compétence",
    "libellé",
    "acquis",
    "non acquis",
    "à évaluer (jury)",
    "dont décisions du jury contre l'automatique",
)
ALL = "(tous)"


def _comments(merged: list[MergedCriterion], item_comment: str, index: int) -> str:
    """The jury's words on one intervention: its comment, then each criterion's (with who)."""
    out = [f"intervention {index} : {item_comment}"] if item_comment else []
    out += [
        f"{m.id}" + (f" ({m.jury_by})" if m.jury_by else "") + f" : {m.jury_comment}" for m in merged if m.jury_comment
    ]
    return " | ".join(out)


def rows(
    db: ExamDB, *, group: str | None = None, candidate: str | None = None, session: str | None = None
) -> list[Row]:
    from simulateur.exam import core

    core.sweep(db)
    store = db.store
    sessions = {s.id: s for s in db.sessions()}
    out: list[tuple[tuple[float, str, str, int], Row]] = []
    exam_attempts: set[str] = set()
    for run in db.runs():
        s = sessions.get(run.session)
        if s is None:
            continue
        marks = db.jury(run.session, run.candidate)
        for item in run.items:
            if item.attempt:
                exam_attempts.add(item.attempt)
            if group is not None and (s.group or "") != group:
                continue
            if session is not None and s.id != session:
                continue
            if candidate is not None and candidate_key(candidate) != candidate_key(run.candidate):
                continue
            d = s.interventions[item.index - 1]
            a = e = j = None
            crit = ""
            merged: list[MergedCriterion] = []
            if item.attempt:
                merged = merge(
                    store.criteria(item.attempt),
                    store.scenario(item.attempt),
                    {m.criterion: m for m in marks if m.index == item.index},
                )
                if merged:
                    a, e, j = score(merged)
                crit = " ; ".join(f"{m.id}={m.verdict} ({m.source})" for m in merged)
            out.append(
                (
                    (run.started, s.id, run.candidate, item.index),
                    Row(
                        s.group or "",
                        s.id,
                        run.candidate,
                        str(item.index),
                        item.attempt or "",
                        d.scenario,
                        d.title,
                        "examen",
                        STATUS_LABELS.get(item.status, item.status),
                        item.started,
                        item.ended,
                        a,
                        e,
                        j,
                        crit,
                        _comments(merged, item.comment, item.index),
                        tuple(merged),
                    ),
                )
            )
    if group is None and session is None:
        for rec in store.attempts():
            if rec.id in exam_attempts:
                continue
            if candidate is not None and candidate_key(candidate) != candidate_key(rec.candidate or ""):
                continue
            out.append(((rec.started, "", rec.id, 0), _practice(store, rec)))
    out.sort(key=lambda pair: pair[0])
    return [row for _, row in out]


def _practice(store: Store, rec: AttemptRecord) -> Row:
    crits = store.criteria(rec.id)
    s = rec.score
    return Row(
        "",
        "",
        rec.candidate or "",
        "",
        rec.id,
        rec.scenario,
        rec.title,
        rec.mode,
        STATUS_LABELS.get(rec.status, rec.status),
        rec.started,
        rec.submitted,
        s.acquis if s else None,
        s.evalues if s else None,
        s.jury if s else None,
        " ; ".join(f"{c.id}={c.verdict}" for c in crits),
    )


def stamp(t: float | None) -> str:
    return "" if t is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def minutes(r: Row) -> str:
    if r.started is None or r.ended is None:
        return ""
    return f"{max(0.0, r.ended - r.started) / 60:.1f}".replace(".", ",")


def values(r: Row) -> list[str]:
    num = lambda v: "" if v is None else str(v)  # noqa: E731 — a one-line helper for the row below
    return [
        r.group,
        r.session,
        r.candidate,
        r.intervention,
        r.attempt,
        r.scenario,
        r.title,
        r.mode,
        r.status,
        stamp(r.started),
        stamp(r.ended),
        minutes(r),
        num(r.acquis),
        num(r.evalues),
        num(r.jury),
        r.criteria,
        r.comments,
    ]


@dataclass
class Tally:
    acquis: int = 0
    non_acquis: int = 0
    jury: int = 0
    overrides: int = 0


def summary(data: list[Row]) -> list[list[str]]:
    """Per candidate, then for all of them (« (tous) »), per CCP and competence: how many criteria
    verdicts are acquis, non acquis, still for the jury, and how many of them the jury decided
    against the automatic verdict. Exam rows only (practice has no jury)."""
    from simulateur import referentiel

    comps = referentiel.all_competences()
    tallies: dict[tuple[str, str, str, str], Tally] = {}
    for r in data:
        for m in r.merged:
            for who in (r.candidate, ALL):
                t = tallies.setdefault((r.group, r.session, who, m.competence), Tally())
                if m.verdict == "acquis":
                    t.acquis += 1
                elif m.verdict == "non_acquis":
                    t.non_acquis += 1
                elif m.verdict == "jury":
                    t.jury += 1
                t.overrides += m.override
    out = []
    for (group, session, who, cid), t in sorted(
        tallies.items(), key=lambda kv: (kv[0][1], kv[0][2] == ALL, kv[0][2], kv[0][3])
    ):
        comp = comps.get(cid)
        ccp = comp[1].id if comp and comp[1] else (f"{comp[2].id}.CT" if comp else "")
        out.append(
            [
                "",
                group,
                session,
                who,
                ccp,
                cid,
                comp[0].label if comp else "",
                str(t.acquis),
                str(t.non_acquis),
                str(t.jury),
                str(t.overrides),
            ]
        )
    return out


def write_rows(fh: IO[str], data: list[Row]) -> None:
    """The rows, then (exam rows present) a blank line and the per-competence summary."""
    out = csv.writer(fh, delimiter=";")
    out.writerow(COLUMNS)
    for r in data:
        out.writerow(values(r))
    rows = summary(data)
    if rows:
        out.writerow([])
        out.writerow(SUMMARY_COLUMNS)
        out.writerows(rows)


def write_csv(path: Path, data: list[Row]) -> Path:
    """UTF-8 with BOM, « ; » separated (what French spreadsheets expect); written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8-sig") as fh:
        write_rows(fh, data)
    os.replace(tmp, path)
    return path


def csv_text(data: list[Row]) -> str:
    """The same file as text (with its BOM), for a download."""
    import io

    buf = io.StringIO(newline="")
    buf.write("\ufeff")
    write_rows(buf, data)
    return buf.getvalue()
