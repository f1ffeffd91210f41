"""Attempts in the store: what the trainee did, wrote and scored, listed for the progression views.

Every fact of an attempt is here, once (simulateur/store: SQLite by default, PostgreSQL for a
centre): who, which scenario and seed, mode, status, duration, hints revealed, the fiche
d'intervention, the qualification and escalation of the ticket, the last check (verdict of each
criterion, score, probe results) and the scenario as it was played (so the reference solution can
be shown after submission, even once the lab is gone). The attempt's directory keeps only what is
written as it happens: the journal (``journal.jsonl``, ``exec.jsonl``) and the terminal recordings.

One transaction per write; any thread, any process. A row that cannot be read (damaged by hand,
or by a future version) is skipped, never fatal.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from sqlalchemy import func, select

from simulateur.paths import data_dir
from simulateur.probes import ProbeResult
from simulateur.scenario.models import Scenario
from simulateur.scoring import CheckResult, CriterionResult, Score, Verdict
from simulateur.store import connect, engine_for, schema, store_url, upsert
from simulateur.store.engine import forget, normalize, shown, sqlite_path
from simulateur.store.machine import alive, machine_id, process_start
from simulateur.ticket import (
    IMPACT_LABELS,
    IMPACTS,
    PRIORITY_LABELS,
    URGENCIES,
    URGENCY_LABELS,
    Escalation,
    Qualification,
)

Mode = Literal["entrainement", "chronometre", "examen"]  # examen: an intervention of an examen blanc (simulateur/exam)
Status = Literal["en_cours", "soumise", "abandonnee", "interrompue"]

MODES: tuple[str, ...] = get_args(Mode)
STATUSES: tuple[str, ...] = get_args(Status)
TRAINING_MODES: tuple[str, ...] = ("entrainement", "chronometre")  # the trainee's own practice
EXAM_MODES: tuple[str, ...] = ("examen",)
ANYONE = object()  # attempts(candidate=ANYONE): every trainee's

#: The fiche d'intervention a jury expects, in the order it is written.
FICHE_FIELDS: tuple[str, ...] = (
    "symptome",
    "diagnostic",
    "cause",
    "solution",
    "validation",
    "retour_etat",
    "temps_passe",
    "conseils",
)

#: What a revealed hint costs: minutes added to the counted time of the attempt.
HINT_COST_MINUTES = 5

__all__ = ["Escalation", "Qualification"]  # the ticket's records, one model each (simulateur.ticket)
# --- records -----------------------------------------------------------------------------------
#: A score (criteria acquired, evaluated, left to the jury): the checker's own record.
ScoreRecord = Score


@dataclass(frozen=True)
class HintReveal:
    index: int  # 0-based, in the scenario's order
    text: str
    t: float

    @property
    def cost_minutes(self) -> int:
        return HINT_COST_MINUTES


@dataclass(frozen=True)
class CriterionRecord:
    id: str
    label: str
    competence: str
    competence_label: str
    verdict: Verdict
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class AttemptRecord:
    id: str
    scenario: str
    title: str
    referentiel: str
    competences: tuple[str, ...]
    seed: int
    variant: str | None
    candidate: str | None
    mode: Mode
    lab: str | None
    attempt_dir: str | None
    status: Status
    started: float
    submitted: float | None
    duration: float | None
    hints_used: int
    qualification: Qualification | None
    escalation: Escalation | None
    score: ScoreRecord | None
    owner_pid: int | None = None
    owner_start: float | None = None
    owner_machine: str | None = None  # the owner's machine and boot (simulateur.store.machine)
    checked: float | None = None  # when the last check ran (None: never checked)

    @property
    def counted_duration(self) -> float | None:
        """Duration plus the cost of the hints revealed (what the progression compares)."""
        if self.duration is None:
            return None
        return self.duration + 60 * HINT_COST_MINUTES * self.hints_used


@dataclass(frozen=True)
class CompetencePoint:
    """One submitted attempt's criteria for one competence."""

    attempt: str
    t: float
    acquis: int
    evalues: int

    @property
    def ratio(self) -> float | None:
        return self.acquis / self.evalues if self.evalues else None


# --- the store ---------------------------------------------------------------------------------
def default_path() -> Path:
    return data_dir() / "simulateur.db"


def _json_or_none(text: str | None) -> dict[str, object] | None:
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("objet JSON attendu")
    return value


A, CR, FI, HI = schema.attempts, schema.criteria, schema.fiche, schema.hints


class Store:
    """`Store()`: the store of --store / SIMULATEUR_STORE, else the data dir's SQLite file;
    `Store(path)`: that SQLite file; `Store(url=…)`: that database."""

    def __init__(self, path: Path | None = None, *, url: str | None = None) -> None:
        self.url = normalize(f"sqlite:///{Path(path).resolve()}" if path is not None else (url or store_url()))
        self.path: Path | None = sqlite_path(self.url)  # the SQLite file, None for a server
        self.recovered: Path | None = None  # where an unreadable database was moved aside
        self.skipped = 0  # rows skipped by the last listing
        attempts_root = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            attempts_root = self.path.parent / "attempts"  # files of attempts made before the store had them
        from sqlalchemy.exc import DatabaseError

        try:
            self.engine = engine_for(self.url, attempts_root)
        except DatabaseError:
            if self.path is None:
                raise
            # Not a database any more (truncated, overwritten): keep it aside, start afresh.
            forget(self.url)
            aside = self.path.with_name(f"{self.path.name}.illisible-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(self.path, aside)
            for extra in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(f"{self.path}{extra}")
            self.recovered = aside
            self.engine = engine_for(self.url, attempts_root)

    def __repr__(self) -> str:
        return f"Store({shown(self.url)!r})"

    # --- plumbing ---------------------------------------------------------------------------
    def _read(self) -> contextlib.AbstractContextManager[Any]:
        return connect(self.engine)

    def _write(self) -> contextlib.AbstractContextManager[Any]:
        """One transaction per write: all of it or nothing."""
        return connect(self.engine, write=True)

    # --- writing ----------------------------------------------------------------------------
    def begin(
        self,
        *,
        attempt_id: str,
        scenario: Scenario | str,
        seed: int,
        mode: str,
        lab: str | None,
        attempt_dir: Path | str | None,
        started: float | None = None,
        candidate: str | None = None,
        variant: str | None = None,
        owner_pid: int | None = None,
        owned: bool = True,
    ) -> AttemptRecord:
        """Record an attempt that starts now (its lab built); `owner_pid` runs its lab (`owned`
        False: no process owns it, as with the command line). Recording it again (the app taking
        over an attempt the engine created) updates who and how, and keeps what it holds already."""
        if mode not in MODES:
            raise ValueError(f"mode inconnu : {mode}")
        pid = (os.getpid() if owner_pid is None else owner_pid) if owned else None
        sc = scenario if isinstance(scenario, Scenario) else None
        values = dict(
            id=attempt_id,
            scenario=sc.id if sc else str(scenario),
            seed=seed,
            mode=mode,
            lab=lab,
            attempt_dir=str(attempt_dir) if attempt_dir else None,
            owner_pid=pid,
            owner_start=process_start(pid) if pid else None,
            owner_machine=machine_id() if pid else None,
            status="en_cours",
            started=started if started is not None else time.time(),
            candidate=candidate,
        )
        keep_if_none = ["candidate"]
        if sc is not None:
            values.update(
                title=sc.title,
                referentiel=sc.referentiel,
                competences=json.dumps(sc.competences),
                scenario_json=sc.model_dump_json(by_alias=True),
            )
        if variant is not None:
            values["variant"] = variant
        with self._write() as conn:
            exists = conn.execute(select(A.c.id).where(A.c.id == attempt_id)).first() is not None
            if not exists:
                conn.execute(A.insert().values(**values))
            else:
                update = {k: v for k, v in values.items() if k != "id" and not (k in keep_if_none and v is None)}
                if started is None:
                    update.pop("started")
                conn.execute(A.update().where(A.c.id == attempt_id).values(**update))
        record = self.attempt(attempt_id)
        assert record is not None
        return record

    def set_status(self, attempt_id: str, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"état inconnu : {status}")
        with self._write() as conn:
            conn.execute(A.update().where(A.c.id == attempt_id).values(status=status))

    def set_owner(self, attempt_id: str, pid: int) -> None:
        """Another process runs the attempt's lab now (a restarted `simulateur serve`)."""
        with self._write() as conn:
            conn.execute(
                A.update()
                .where(A.c.id == attempt_id)
                .values(owner_pid=pid, owner_start=process_start(pid), owner_machine=machine_id())
            )

    def save_fiche(self, attempt_id: str, name: str, value: str) -> None:
        if name not in FICHE_FIELDS:
            raise ValueError(f"champ de fiche inconnu : {name}")
        with self._write() as conn:
            upsert(
                conn, FI, dict(attempt=attempt_id, field=name, value=value, updated=time.time()), ("attempt", "field")
            )

    def reveal_hint(self, attempt_id: str, index: int, text: str) -> HintReveal:
        """Record that hint `index` was revealed (the first time counts; later reveals are free)."""
        with self._write() as conn:
            upsert(conn, HI, dict(attempt=attempt_id, idx=index, text=text, t=time.time()), ("attempt", "idx"), ())
        return next(h for h in self.hints(attempt_id) if h.index == index)

    def save_qualification(self, attempt_id: str, impact: str, urgency: str) -> Qualification:
        if impact not in IMPACTS or urgency not in URGENCIES:
            raise ValueError(f"qualification invalide : {impact}, {urgency}")
        q = Qualification(impact=impact, urgency=urgency)
        with self._write() as conn:
            conn.execute(A.update().where(A.c.id == attempt_id).values(qualification=q.model_dump_json()))
        return q

    def save_escalation(self, attempt_id: str, escalation: Escalation) -> None:
        with self._write() as conn:
            conn.execute(A.update().where(A.c.id == attempt_id).values(escalation=escalation.model_dump_json()))

    def save_result(self, attempt_id: str, result: CheckResult, **more: Any) -> None:
        """The last check of the attempt: its verdicts, score and probe results (replacing the previous one)."""
        with self._write() as conn:
            conn.execute(CR.delete().where(CR.c.attempt == attempt_id))
            if result.criteria:
                conn.execute(
                    CR.insert(),
                    [
                        dict(
                            attempt=attempt_id,
                            position=i,
                            criterion=c.id,
                            label=c.label,
                            competence=c.competence,
                            competence_label=c.competence_label,
                            verdict=c.verdict,
                            evidence=json.dumps(list(c.evidence), ensure_ascii=False),
                        )
                        for i, c in enumerate(result.criteria)
                    ],
                )
            conn.execute(
                A.update()
                .where(A.c.id == attempt_id)
                .values(
                    checked=result.t,
                    score_acquis=result.score.acquis,
                    score_evalues=result.score.evalues,
                    score_jury=result.score.jury,
                    probes=json.dumps([p.model_dump(mode="json") for p in result.probes], ensure_ascii=False),
                    **more,
                )
            )

    def submit(
        self,
        attempt_id: str,
        result: CheckResult,
        *,
        submitted: float | None = None,
        qualification: tuple[str, str] | None = None,
    ) -> AttemptRecord:
        """Store the verdicts of a submitted attempt. (`qualification`: unused, the store has it already.)"""
        record = self.attempt(attempt_id)
        if record is None:
            raise KeyError(attempt_id)
        when = submitted if submitted is not None else time.time()
        self.save_result(attempt_id, result, status="soumise", submitted=when, duration=max(0.0, when - record.started))
        out = self.attempt(attempt_id)
        assert out is not None
        return out

    def _unowned_practice(self, attempt_id: str) -> Any:
        """The WHERE of an attempt of the command line: practice that no process owns (no app,
        no exam) — the only ones `check` and `stop` hand in or close."""
        return (A.c.id == attempt_id) & A.c.owner_pid.is_(None) & (A.c.mode == "entrainement")

    def hand_in_checked(self, attempt_id: str, result: CheckResult) -> None:
        """A check of a command-line attempt hands it in as it is (the command line has no other
        submission): « soumise », its duration up to this check; a later check, while the lab
        runs, hands it in again. An attempt the app or an exam owns is theirs to submit: untouched."""
        with self._write() as conn:
            conn.execute(
                A.update()
                .where(self._unowned_practice(attempt_id), A.c.status.in_(("en_cours", "soumise")))
                .values(
                    status="soumise",
                    submitted=result.t,
                    duration=func.max(0.0, result.t - A.c.started)
                    if conn.dialect.name == "sqlite"
                    else func.greatest(0.0, result.t - A.c.started),
                )
            )

    def close_stopped(self, attempt_id: str) -> None:
        """The lab of a command-line attempt is stopped: never checked, it is « abandonnee »
        (checked, it stays handed in). The app's and the exams' attempts: theirs to close."""
        with self._write() as conn:
            conn.execute(
                A.update()
                .where(self._unowned_practice(attempt_id), A.c.status == "en_cours")
                .values(status="abandonnee")
            )

    # --- reading ----------------------------------------------------------------------------
    def _record(self, row: Any, hints_used: int) -> AttemptRecord:
        comps = json.loads(row.competences)
        if not isinstance(comps, list) or not all(isinstance(c, str) for c in comps):
            raise ValueError("compétences illisibles")
        if row.mode not in MODES or row.status not in STATUSES:
            raise ValueError("mode ou état inconnu")
        q = _json_or_none(row.qualification)
        esc = _json_or_none(row.escalation)
        score = None
        if row.score_acquis is not None:
            score = Score(acquis=int(row.score_acquis), evalues=int(row.score_evalues), jury=int(row.score_jury))
        qualification = None
        if q is not None:
            qualification = Qualification.model_validate(q)
            _ = qualification.priority  # raises on unknown values
        return AttemptRecord(
            id=str(row.id),
            scenario=str(row.scenario),
            title=str(row.title),
            referentiel=str(row.referentiel),
            competences=tuple(comps),
            seed=int(row.seed),
            variant=row.variant,
            candidate=row.candidate,
            mode=row.mode,
            lab=row.lab,
            attempt_dir=row.attempt_dir,
            status=row.status,
            started=float(row.started),
            submitted=None if row.submitted is None else float(row.submitted),
            duration=None if row.duration is None else float(row.duration),
            hints_used=hints_used,
            qualification=qualification,
            escalation=None if esc is None else Escalation.model_validate(esc),
            score=score,
            owner_pid=row.owner_pid,
            owner_start=row.owner_start,
            owner_machine=row.owner_machine,
            checked=None if row.checked is None else float(row.checked),
        )

    _COLUMNS = tuple(c for c in A.c if c.name not in ("scenario_json", "probes"))

    def _hint_counts(self, conn: Any) -> dict[str, int]:
        return {r[0]: r[1] for r in conn.execute(select(HI.c.attempt, func.count()).group_by(HI.c.attempt))}

    def attempt(self, attempt_id: str) -> AttemptRecord | None:
        with self._read() as conn:
            row = conn.execute(select(*self._COLUMNS).where(A.c.id == attempt_id)).first()
            if row is None:
                return None
            used = conn.execute(select(func.count()).select_from(HI).where(HI.c.attempt == attempt_id)).scalar_one()
        try:
            return self._record(row, used)
        except (ValueError, TypeError, KeyError):
            return None

    def attempts(
        self,
        *,
        scenario: str | None = None,
        competence: str | None = None,
        status: str | None = None,
        candidate: str | object | None = ANYONE,
        modes: Iterable[str] | None = None,
    ) -> list[AttemptRecord]:
        """Attempts, oldest first; unreadable rows are skipped (counted in `self.skipped`).
        `candidate`: one trainee's (None: those started with no name), ANYONE: everybody's;
        `modes`: only these modes (TRAINING_MODES, or ("examen",))."""
        wanted_modes = None if modes is None else set(modes)
        with self._read() as conn:
            rows = conn.execute(select(*self._COLUMNS).order_by(A.c.started, A.c.id)).all()
            counts = self._hint_counts(conn)
        out, skipped = [], 0
        for row in rows:
            try:
                rec = self._record(row, counts.get(row.id, 0))
            except (ValueError, TypeError, KeyError, IndexError):
                skipped += 1
                continue
            if scenario and rec.scenario != scenario:
                continue
            if competence and competence not in rec.competences:
                continue
            if status and rec.status != status:
                continue
            if candidate is not ANYONE and rec.candidate != candidate:
                continue
            if wanted_modes is not None and rec.mode not in wanted_modes:
                continue
            out.append(rec)
        self.skipped = skipped
        return out

    def qualification(self, attempt_id: str) -> Qualification | None:
        rec = self.attempt(attempt_id)
        return rec.qualification if rec else None

    def escalation(self, attempt_id: str) -> Escalation | None:
        rec = self.attempt(attempt_id)
        return rec.escalation if rec else None

    def fiche(self, attempt_id: str) -> dict[str, str]:
        with self._read() as conn:
            rows = conn.execute(select(FI.c.field, FI.c.value).where(FI.c.attempt == attempt_id)).all()
        return {str(r.field): str(r.value) for r in rows if r.field in FICHE_FIELDS}

    def hints(self, attempt_id: str) -> list[HintReveal]:
        with self._read() as conn:
            rows = conn.execute(
                select(HI.c.idx, HI.c.text, HI.c.t).where(HI.c.attempt == attempt_id).order_by(HI.c.idx)
            ).all()
        return [HintReveal(int(idx), str(text), float(t)) for idx, text, t in rows]

    def criteria(self, attempt_id: str) -> list[CriterionRecord]:
        with self._read() as conn:
            rows = conn.execute(select(CR).where(CR.c.attempt == attempt_id).order_by(CR.c.position)).all()
        return self._criteria_of(rows)

    def _all_criteria(self) -> dict[str, list[CriterionRecord]]:
        """Every attempt's criteria, in one query (the progression reads them all)."""
        with self._read() as conn:
            rows = conn.execute(select(CR).order_by(CR.c.attempt, CR.c.position)).all()
        per: dict[str, list[Any]] = {}
        for r in rows:
            per.setdefault(r.attempt, []).append(r)
        return {k: self._criteria_of(v) for k, v in per.items()}

    @staticmethod
    def _criteria_of(rows: Iterable[Any]) -> list[CriterionRecord]:
        out = []
        for r in rows:
            try:
                evidence = json.loads(r.evidence)
                if r.verdict not in get_args(Verdict):
                    raise ValueError(r.verdict)
                out.append(
                    CriterionRecord(
                        str(r.criterion),
                        str(r.label),
                        str(r.competence),
                        str(r.competence_label),
                        r.verdict,
                        tuple(str(e) for e in evidence),
                    )
                )
            except (ValueError, TypeError):
                continue
        return out

    def result(self, attempt_id: str) -> CheckResult | None:
        """The attempt's last check, as the checker returned it (None: never checked, or unreadable)."""
        with self._read() as conn:
            row = conn.execute(
                select(
                    A.c.lab,
                    A.c.scenario,
                    A.c.seed,
                    A.c.checked,
                    A.c.probes,
                    A.c.score_acquis,
                    A.c.score_evalues,
                    A.c.score_jury,
                ).where(A.c.id == attempt_id)
            ).first()
        if row is None or row.checked is None:
            return None
        try:
            probes = json.loads(row.probes or "[]")
            return CheckResult(
                lab=row.lab or "",
                scenario=row.scenario,
                seed=int(row.seed),
                t=float(row.checked),
                criteria=[
                    CriterionResult(
                        id=c.id,
                        label=c.label,
                        competence=c.competence,
                        competence_label=c.competence_label,
                        verdict=c.verdict,
                        evidence=list(c.evidence),
                    )
                    for c in self.criteria(attempt_id)
                ],
                probes=[ProbeResult.model_validate(p) for p in probes],
                score=Score(acquis=int(row.score_acquis), evalues=int(row.score_evalues), jury=int(row.score_jury)),
            )
        except (ValueError, TypeError):
            return None

    def scenario(self, attempt_id: str) -> Scenario | None:
        """The scenario as it was played in this attempt (for the reference solution)."""
        with self._read() as conn:
            row = conn.execute(select(A.c.scenario_json).where(A.c.id == attempt_id)).first()
        if row is None or row[0] is None:
            return None
        try:
            return Scenario.model_validate_json(row[0])
        except ValueError:
            return None

    def best_scores(
        self, *, candidate: str | object | None = ANYONE, modes: Iterable[str] | None = None
    ) -> dict[str, ScoreRecord]:
        """Best submitted score per scenario (most criteria acquired, then fewest hints), of one
        trainee and of some modes (see attempts())."""
        best: dict[str, tuple[tuple[float, int], ScoreRecord]] = {}
        for rec in self.attempts(status="soumise", candidate=candidate, modes=modes):
            if rec.score is None:
                continue
            key = (rec.score.ratio or 0.0, -rec.hints_used)
            if rec.scenario not in best or key > best[rec.scenario][0]:
                best[rec.scenario] = (key, rec.score)
        return {k: v[1] for k, v in best.items()}

    def competence_history(self, attempts: Iterable[AttemptRecord] | None = None) -> dict[str, list[CompetencePoint]]:
        """Per competence, the submitted attempts in time order: criteria acquired / evaluated."""
        recs = [r for r in (self.attempts() if attempts is None else attempts) if r.status == "soumise"]
        recs.sort(key=lambda r: (r.submitted or r.started, r.id))
        history: dict[str, list[CompetencePoint]] = {}
        every = self._all_criteria() if recs else {}
        for rec in recs:
            per: dict[str, list[int]] = {}
            for c in every.get(rec.id, []):
                counts = per.setdefault(c.competence, [0, 0])
                if c.verdict != "jury":
                    counts[1] += 1
                    counts[0] += c.verdict == "acquis"
            for comp, (acquis, evalues) in per.items():
                history.setdefault(comp, []).append(
                    CompetencePoint(rec.id, rec.submitted or rec.started, acquis, evalues)
                )
        return dict(sorted(history.items()))

    def orphans(self) -> list[AttemptRecord]:
        """Attempts still running whose owning process is gone (killed, crashed, terminal closed,
        machine rebooted). Only this machine's: another lab machine sharing the store judges its own."""
        out = []
        for rec in self.attempts(status="en_cours"):
            if rec.owner_pid is None:
                continue
            if alive(rec.owner_pid, rec.owner_start, rec.owner_machine) is False:
                out.append(rec)
        return out

    # --- export -----------------------------------------------------------------------------
    CSV_COLUMNS = (
        "tentative",
        "scénario",
        "titre",
        "référentiel",
        "compétences",
        "stagiaire",
        "mode",
        "état",
        "début",
        "soumise",
        "durée (min)",
        "indices",
        "temps compté (min)",
        "impact",
        "urgence",
        "priorité",
        "acquis",
        "évalués",
        "jury",
        "critères",
    )

    def export_csv(self, path: Path, attempts: Iterable[AttemptRecord] | None = None) -> Path:
        """CSV for a spreadsheet (UTF-8 with BOM, « ; » separated, as French spreadsheets expect)."""

        def stamp(t: float | None) -> str:
            return "" if t is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))

        def minutes(s: float | None) -> str:
            return "" if s is None else f"{s / 60:.1f}".replace(".", ",")

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        with tmp.open("w", newline="", encoding="utf-8-sig") as fh:
            out = csv.writer(fh, delimiter=";")
            out.writerow(self.CSV_COLUMNS)
            for rec in self.attempts() if attempts is None else attempts:
                q, s = rec.qualification, rec.score
                crits = " ; ".join(f"{c.id}={c.verdict}" for c in self.criteria(rec.id))
                out.writerow(
                    [
                        rec.id,
                        rec.scenario,
                        rec.title,
                        rec.referentiel,
                        " ".join(rec.competences),
                        rec.candidate or "",
                        rec.mode,
                        rec.status,
                        stamp(rec.started),
                        stamp(rec.submitted),
                        minutes(rec.duration),
                        rec.hints_used,
                        minutes(rec.counted_duration),
                        IMPACT_LABELS[q.impact] if q else "",
                        URGENCY_LABELS[q.urgency] if q else "",
                        PRIORITY_LABELS[q.priority] if q else "",
                        s.acquis if s else "",
                        s.evalues if s else "",
                        s.jury if s else "",
                        crits,
                    ]
                )
        os.replace(tmp, path)
        return path


def reap_orphans(store: Store) -> list[AttemptRecord]:
    """Stop the labs of attempts whose app died (kill -9, closed terminal); mark them interrupted.

    A lab is stopped only if it is still the one this attempt started (its state names the
    attempt's directory): a lab id reused after a reboot is never touched. The attempt's
    journal and fiche are kept.
    """
    from simulateur.errors import SimError
    from simulateur.lab.state import load_state
    from simulateur.session.run import stop

    reaped = []
    for rec in store.orphans():
        if rec.lab and rec.attempt_dir:
            try:
                state = load_state(rec.lab)
            except SimError:
                state = None
            if state is not None and state.attempt_dir == rec.attempt_dir:
                with contextlib.suppress(SimError, OSError):
                    stop(rec.lab)
        store.set_status(rec.id, "interrompue")
        reaped.append(rec)
    return reaped
