"""A trainer's follow-up: every attempt (practice and examen blanc), by group or candidate,
listed or exported as CSV for a spreadsheet. Exam interventions carry their merged grid
(automatic + jury) and those never started appear as « non traitée »."""

from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass
from pathlib import Path

from simulateur.exam.db import ExamDB, candidate_key
from simulateur.exam.jury import merge, score
from simulateur.report.model import STATUS_LABELS
from simulateur.session.store import AttemptRecord


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


COLUMNS = ("groupe", "session", "stagiaire", "intervention", "tentative", "scénario", "titre", "mode", "état",
           "début", "fin", "durée (min)", "acquis", "évalués", "à évaluer (jury)", "critères (source)")


def rows(db: ExamDB, *, group: str | None = None, candidate: str | None = None,
         session: str | None = None) -> list[Row]:
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
            if item.attempt:
                merged = merge(store.criteria(item.attempt), store.scenario(item.attempt),
                               {m.criterion: m for m in marks if m.index == item.index})
                if merged:
                    a, e, j = score(merged)
                crit = " ; ".join(f"{m.id}={m.verdict} ({m.source})" for m in merged)
            out.append(((run.started, s.id, run.candidate, item.index),
                        Row(s.group or "", s.id, run.candidate, str(item.index), item.attempt or "", d.scenario,
                            d.title, "examen", STATUS_LABELS.get(item.status, item.status), item.started, item.ended,
                            a, e, j, crit)))
    if group is None and session is None:
        for rec in store.attempts():
            if rec.id in exam_attempts:
                continue
            if candidate is not None and candidate_key(candidate) != candidate_key(rec.candidate or ""):
                continue
            out.append(((rec.started, "", rec.id, 0), _practice(store, rec)))
    out.sort(key=lambda pair: pair[0])
    return [row for _, row in out]


def _practice(store: object, rec: AttemptRecord) -> Row:
    crits = store.criteria(rec.id)  # type: ignore[attr-defined]
    s = rec.score
    return Row("", "", rec.candidate or "", "", rec.id, rec.scenario, rec.title, rec.mode,
               STATUS_LABELS.get(rec.status, rec.status), rec.started, rec.submitted,
               s.acquis if s else None, s.evalues if s else None, s.jury if s else None,
               " ; ".join(f"{c.id}={c.verdict}" for c in crits))


def stamp(t: float | None) -> str:
    return "" if t is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def minutes(r: Row) -> str:
    if r.started is None or r.ended is None:
        return ""
    return f"{max(0.0, r.ended - r.started) / 60:.1f}".replace(".", ",")


def values(r: Row) -> list[str]:
    num = lambda v: "" if v is None else str(v)  # noqa: E731
    return [r.group, r.session, r.candidate, r.intervention, r.attempt, r.scenario, r.title, r.mode, r.status,
            stamp(r.started), stamp(r.ended), minutes(r), num(r.acquis), num(r.evalues), num(r.jury), r.criteria]


def write_csv(path: Path, data: list[Row]) -> Path:
    """UTF-8 with BOM, « ; » separated (what French spreadsheets expect); written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(COLUMNS)
        for r in data:
            out.writerow(values(r))
    os.replace(tmp, path)
    return path
