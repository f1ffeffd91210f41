"""Attempts in SQLite: what the trainee did, wrote and scored, listed for the progression views.

One database per user, ``data_dir()/simulateur.db`` (WAL, one transaction per write, a fresh
connection per call so worker threads may use it). The attempt's own directory stays the source
of its journal (``journal.jsonl``, written by the shells) and of the files the CLI writes
(``attempt.json``, ``qualification.json``, ``result.json``); this store adds what the app needs
to list and compare attempts: mode, status, duration, hints revealed, the fiche d'intervention,
the escalation, the verdict of each criterion, and the scenario as it was played (so the
reference solution can be shown after submission, even once the lab is gone).

A row that cannot be read (damaged by hand, or by a future version) is skipped, never fatal.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from simulateur.paths import data_dir
from simulateur.scenario.models import Scenario
from simulateur.scoring import CheckResult
from simulateur.ticket import IMPACT_LABELS, IMPACTS, PRIORITY_LABELS, URGENCIES, URGENCY_LABELS, priority

Mode = Literal["entrainement", "chronometre", "examen"]   # examen: an intervention of an examen blanc (simulateur/exam)
Status = Literal["en_cours", "soumise", "abandonnee", "interrompue"]
Verdict = Literal["acquis", "non_acquis", "jury"]

MODES: tuple[str, ...] = get_args(Mode)
STATUSES: tuple[str, ...] = get_args(Status)

#: The fiche d'intervention a jury expects, in the order it is written.
FICHE_FIELDS: tuple[str, ...] = (
    "symptome", "diagnostic", "cause", "solution", "validation", "retour_etat", "temps_passe", "conseils",
)

#: What a revealed hint costs: minutes added to the counted time of the attempt.
HINT_COST_MINUTES = 5

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id            TEXT PRIMARY KEY,      -- the attempt directory's name
    scenario      TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    referentiel   TEXT NOT NULL DEFAULT '',
    competences   TEXT NOT NULL DEFAULT '[]',
    seed          INTEGER NOT NULL,
    variant       TEXT,
    candidate     TEXT,
    mode          TEXT NOT NULL,
    lab           TEXT,
    attempt_dir   TEXT,
    owner_pid     INTEGER,               -- the process that runs the attempt's lab (orphan detection)
    owner_start   REAL,
    status        TEXT NOT NULL,
    started       REAL NOT NULL,
    submitted     REAL,
    duration      REAL,
    qualification TEXT,                  -- JSON {impact, urgency}
    escalation    TEXT,                  -- JSON {to, reason, done, t}
    score_acquis  INTEGER,
    score_evalues INTEGER,
    score_jury    INTEGER,
    scenario_json TEXT                   -- the scenario as played (params drawn, variant merged)
);
CREATE TABLE IF NOT EXISTS fiche (
    attempt TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (attempt, field)
);
CREATE TABLE IF NOT EXISTS criteria (
    attempt TEXT NOT NULL, position INTEGER NOT NULL, criterion TEXT NOT NULL, label TEXT NOT NULL,
    competence TEXT NOT NULL, competence_label TEXT NOT NULL, verdict TEXT NOT NULL, evidence TEXT NOT NULL,
    PRIMARY KEY (attempt, criterion)
);
CREATE TABLE IF NOT EXISTS hints (
    attempt TEXT NOT NULL, idx INTEGER NOT NULL, text TEXT NOT NULL, t REAL NOT NULL,
    PRIMARY KEY (attempt, idx)
);
CREATE INDEX IF NOT EXISTS attempts_started ON attempts (started);
"""


# --- records -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class QualificationRecord:
    impact: str
    urgency: str

    @property
    def priority(self) -> int:
        return priority(self.impact, self.urgency)


@dataclass(frozen=True)
class Escalation:
    to: str
    reason: str
    done: str = ""
    t: float = field(default_factory=time.time)


@dataclass(frozen=True)
class ScoreRecord:
    acquis: int
    evalues: int
    jury: int

    @property
    def ratio(self) -> float | None:
        return self.acquis / self.evalues if self.evalues else None


@dataclass(frozen=True)
class HintReveal:
    index: int          # 0-based, in the scenario's order
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
    qualification: QualificationRecord | None
    escalation: Escalation | None
    score: ScoreRecord | None
    owner_pid: int | None = None
    owner_start: float | None = None

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


def _process_start(pid: int) -> float | None:
    import psutil

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:   # dead, not yet reaped by its parent
            return None
        return float(proc.create_time())
    except (psutil.Error, OSError):
        return None


def _json_or_none(text: str | None) -> dict[str, object] | None:
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("objet JSON attendu")
    return value


class Store:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.recovered: Path | None = None   # where an unreadable database was moved aside
        self.skipped = 0                     # rows skipped by the last listing
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._init_schema()
        except sqlite3.DatabaseError:
            # Not a database any more (truncated, overwritten): keep it aside, start afresh.
            aside = self.path.with_name(f"{self.path.name}.illisible-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(self.path, aside)
            for extra in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(f"{self.path}{extra}")
            self.recovered = aside
            self._init_schema()

    # --- plumbing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA synchronous = NORMAL")
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction per write: all of it or nothing."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _init_schema(self) -> None:
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                conn.executescript("BEGIN;" + _SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            else:
                conn.execute("SELECT count(*) FROM attempts").fetchone()

    # --- writing ----------------------------------------------------------------------------
    def begin(self, *, attempt_id: str, scenario: Scenario, seed: int, mode: str, lab: str | None,
              attempt_dir: Path | str | None, started: float | None = None, candidate: str | None = None,
              variant: str | None = None, owner_pid: int | None = None) -> AttemptRecord:
        """Record an attempt that starts now (its lab built); `owner_pid` runs its lab."""
        if mode not in MODES:
            raise ValueError(f"mode inconnu : {mode}")
        pid = os.getpid() if owner_pid is None else owner_pid
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO attempts (id, scenario, title, referentiel, competences, seed, variant,"
                " candidate, mode, lab, attempt_dir, owner_pid, owner_start, status, started, scenario_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'en_cours', ?, ?)",
                (attempt_id, scenario.id, scenario.title, scenario.referentiel, json.dumps(scenario.competences),
                 seed, variant, candidate, mode, lab, str(attempt_dir) if attempt_dir else None, pid,
                 _process_start(pid), started if started is not None else time.time(),
                 scenario.model_dump_json(by_alias=True)),
            )
        record = self.attempt(attempt_id)
        assert record is not None
        return record

    def set_status(self, attempt_id: str, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"état inconnu : {status}")
        with self._write() as conn:
            conn.execute("UPDATE attempts SET status = ? WHERE id = ?", (status, attempt_id))

    def save_fiche(self, attempt_id: str, name: str, value: str) -> None:
        if name not in FICHE_FIELDS:
            raise ValueError(f"champ de fiche inconnu : {name}")
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO fiche (attempt, field, value, updated) VALUES (?, ?, ?, ?)",
                         (attempt_id, name, value, time.time()))

    def reveal_hint(self, attempt_id: str, index: int, text: str) -> HintReveal:
        """Record that hint `index` was revealed (the first time counts; later reveals are free)."""
        with self._write() as conn:
            conn.execute("INSERT OR IGNORE INTO hints (attempt, idx, text, t) VALUES (?, ?, ?, ?)",
                         (attempt_id, index, text, time.time()))
        return next(h for h in self.hints(attempt_id) if h.index == index)

    def save_qualification(self, attempt_id: str, impact: str, urgency: str) -> None:
        if impact not in IMPACTS or urgency not in URGENCIES:
            raise ValueError(f"qualification invalide : {impact}, {urgency}")
        with self._write() as conn:
            conn.execute("UPDATE attempts SET qualification = ? WHERE id = ?",
                         (json.dumps({"impact": impact, "urgency": urgency}), attempt_id))

    def save_escalation(self, attempt_id: str, escalation: Escalation) -> None:
        with self._write() as conn:
            conn.execute("UPDATE attempts SET escalation = ? WHERE id = ?",
                         (json.dumps(dataclasses.asdict(escalation), ensure_ascii=False), attempt_id))

    def submit(self, attempt_id: str, result: CheckResult, *, submitted: float | None = None,
               qualification: tuple[str, str] | None = None) -> AttemptRecord:
        """Store the verdicts of a submitted attempt (and its final qualification)."""
        record = self.attempt(attempt_id)
        if record is None:
            raise KeyError(attempt_id)
        when = submitted if submitted is not None else time.time()
        with self._write() as conn:
            conn.execute("DELETE FROM criteria WHERE attempt = ?", (attempt_id,))
            conn.executemany(
                "INSERT INTO criteria (attempt, position, criterion, label, competence, competence_label, verdict,"
                " evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(attempt_id, i, c.id, c.label, c.competence, c.competence_label, c.verdict,
                  json.dumps(c.evidence, ensure_ascii=False)) for i, c in enumerate(result.criteria)],
            )
            conn.execute(
                "UPDATE attempts SET status = 'soumise', submitted = ?, duration = ?, score_acquis = ?,"
                " score_evalues = ?, score_jury = ?, qualification = coalesce(?, qualification) WHERE id = ?",
                (when, max(0.0, when - record.started), result.score.acquis, result.score.evalues,
                 result.score.jury,
                 json.dumps({"impact": qualification[0], "urgency": qualification[1]}) if qualification else None,
                 attempt_id),
            )
        out = self.attempt(attempt_id)
        assert out is not None
        return out

    # --- reading ----------------------------------------------------------------------------
    def _record(self, row: sqlite3.Row, hints_used: int) -> AttemptRecord:
        comps = json.loads(row["competences"])
        if not isinstance(comps, list) or not all(isinstance(c, str) for c in comps):
            raise ValueError("compétences illisibles")
        if row["mode"] not in MODES or row["status"] not in STATUSES:
            raise ValueError("mode ou état inconnu")
        q = _json_or_none(row["qualification"])
        esc = _json_or_none(row["escalation"])
        score = None
        if row["score_acquis"] is not None:
            score = ScoreRecord(int(row["score_acquis"]), int(row["score_evalues"]), int(row["score_jury"]))
        qualification = None
        if q is not None:
            qualification = QualificationRecord(str(q["impact"]), str(q["urgency"]))
            qualification.priority  # raises on unknown values
        return AttemptRecord(
            id=str(row["id"]), scenario=str(row["scenario"]), title=str(row["title"]),
            referentiel=str(row["referentiel"]), competences=tuple(comps), seed=int(row["seed"]),
            variant=row["variant"], candidate=row["candidate"], mode=row["mode"], lab=row["lab"],
            attempt_dir=row["attempt_dir"], status=row["status"], started=float(row["started"]),
            submitted=None if row["submitted"] is None else float(row["submitted"]),
            duration=None if row["duration"] is None else float(row["duration"]),
            hints_used=hints_used, qualification=qualification,
            escalation=None if esc is None else Escalation(
                to=str(esc["to"]), reason=str(esc["reason"]), done=str(esc.get("done", "")), t=float(esc["t"])),  # type: ignore[arg-type]
            score=score, owner_pid=row["owner_pid"], owner_start=row["owner_start"],
        )

    def _hint_counts(self, conn: sqlite3.Connection) -> dict[str, int]:
        return {r[0]: r[1] for r in conn.execute("SELECT attempt, count(*) FROM hints GROUP BY attempt")}

    def attempt(self, attempt_id: str) -> AttemptRecord | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
            if row is None:
                return None
            used = conn.execute("SELECT count(*) FROM hints WHERE attempt = ?", (attempt_id,)).fetchone()[0]
        try:
            return self._record(row, used)
        except (ValueError, TypeError, KeyError):
            return None

    def attempts(self, *, scenario: str | None = None, competence: str | None = None,
                 status: str | None = None) -> list[AttemptRecord]:
        """Attempts, oldest first; unreadable rows are skipped (counted in `self.skipped`)."""
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM attempts ORDER BY started, id").fetchall()
            counts = self._hint_counts(conn)
        out, skipped = [], 0
        for row in rows:
            try:
                rec = self._record(row, counts.get(row["id"], 0))
            except (ValueError, TypeError, KeyError, IndexError):
                skipped += 1
                continue
            if scenario and rec.scenario != scenario:
                continue
            if competence and competence not in rec.competences:
                continue
            if status and rec.status != status:
                continue
            out.append(rec)
        self.skipped = skipped
        return out

    def fiche(self, attempt_id: str) -> dict[str, str]:
        with self._connect() as conn:
            rows = conn.execute("SELECT field, value FROM fiche WHERE attempt = ?", (attempt_id,)).fetchall()
        return {str(r["field"]): str(r["value"]) for r in rows if r["field"] in FICHE_FIELDS}

    def hints(self, attempt_id: str) -> list[HintReveal]:
        with self._connect() as conn:
            rows = conn.execute("SELECT idx, text, t FROM hints WHERE attempt = ? ORDER BY idx",
                                (attempt_id,)).fetchall()
        return [HintReveal(int(r["idx"]), str(r["text"]), float(r["t"])) for r in rows]

    def criteria(self, attempt_id: str) -> list[CriterionRecord]:
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM criteria WHERE attempt = ? ORDER BY position",
                                (attempt_id,)).fetchall()
        out = []
        for r in rows:
            try:
                evidence = json.loads(r["evidence"])
                if r["verdict"] not in get_args(Verdict):
                    raise ValueError(r["verdict"])
                out.append(CriterionRecord(str(r["criterion"]), str(r["label"]), str(r["competence"]),
                                           str(r["competence_label"]), r["verdict"],
                                           tuple(str(e) for e in evidence)))
            except (ValueError, TypeError):
                continue
        return out

    def scenario(self, attempt_id: str) -> Scenario | None:
        """The scenario as it was played in this attempt (for the reference solution)."""
        with self._connect() as conn:
            row = conn.execute("SELECT scenario_json FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        try:
            return Scenario.model_validate_json(row[0])
        except ValueError:
            return None

    def best_scores(self) -> dict[str, ScoreRecord]:
        """Best submitted score per scenario (most criteria acquired, then fewest hints)."""
        best: dict[str, tuple[tuple[float, int], ScoreRecord]] = {}
        for rec in self.attempts(status="soumise"):
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
        for rec in recs:
            per: dict[str, list[int]] = {}
            for c in self.criteria(rec.id):
                counts = per.setdefault(c.competence, [0, 0])
                if c.verdict != "jury":
                    counts[1] += 1
                    counts[0] += c.verdict == "acquis"
            for comp, (acquis, evalues) in per.items():
                history.setdefault(comp, []).append(
                    CompetencePoint(rec.id, rec.submitted or rec.started, acquis, evalues))
        return dict(sorted(history.items()))

    def orphans(self) -> list[AttemptRecord]:
        """Attempts still running whose owning process is gone (killed, crashed, terminal closed)."""
        out = []
        for rec in self.attempts(status="en_cours"):
            if rec.owner_pid is None:
                continue
            start = _process_start(rec.owner_pid)
            if start is None or (rec.owner_start is not None and abs(start - rec.owner_start) > 0.5):
                out.append(rec)
        return out

    # --- export -----------------------------------------------------------------------------
    CSV_COLUMNS = ("tentative", "scénario", "titre", "référentiel", "compétences", "stagiaire", "mode", "état",
                   "début", "soumise", "durée (min)", "indices", "temps compté (min)", "impact", "urgence",
                   "priorité", "acquis", "évalués", "jury", "critères")

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
            for rec in (self.attempts() if attempts is None else attempts):
                q, s = rec.qualification, rec.score
                crits = " ; ".join(f"{c.id}={c.verdict}" for c in self.criteria(rec.id))
                out.writerow([
                    rec.id, rec.scenario, rec.title, rec.referentiel, " ".join(rec.competences), rec.candidate or "",
                    rec.mode, rec.status, stamp(rec.started), stamp(rec.submitted), minutes(rec.duration),
                    rec.hints_used, minutes(rec.counted_duration),
                    IMPACT_LABELS[q.impact] if q else "", URGENCY_LABELS[q.urgency] if q else "",
                    PRIORITY_LABELS[q.priority] if q else "",
                    s.acquis if s else "", s.evalues if s else "", s.jury if s else "", crits,
                ])
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
