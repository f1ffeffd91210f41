"""The report as data (the JSON export is exactly this model); HTML and Markdown render it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from simulateur import referentiel
from simulateur.coaching import Coaching, coaching
from simulateur.errors import UsageError
from simulateur.exam.jury import SOURCE_LABELS, MergedCriterion, merge, overrides, score
from simulateur.i18n import N_, tr
from simulateur.scoring import VERDICT_LABELS
from simulateur.session.store import FICHE_FIELDS, CriterionRecord, Store
from simulateur.ticket import IMPACT_LABELS, PRIORITY_LABELS, URGENCY_LABELS, Qualification

STATUS_LABELS: dict[str, str] = {
    "a_faire": tr("report.status.a_faire"),
    "en_cours": tr("report.status.en_cours"),
    "remise": tr("report.status.remise"),
    "temps_ecoule": tr("report.status.temps_ecoule"),
    "non_traitee": tr("report.status.non_traitee"),
    "interrompue": tr("report.status.interrompue"),
    "soumise": tr("report.status.soumise"),
    "abandonnee": tr("report.status.abandonnee"),
    "evaluee": tr("report.status.evaluee"),
}


class Occurrence(BaseModel):
    """One criterion as one intervention evaluated it."""

    criterion: str
    intervention: int
    scenario: str
    verdict: str  # acquis, non_acquis, jury (pending), non_traitee
    verdict_label: str
    source: str  # automatique, jury, automatique+jury ("" when not treated)
    source_label: str
    evidence: list[str] = Field(default_factory=list)
    jury_comment: str = ""


class CriterionRow(BaseModel):
    id: str
    label: str
    verdict: str  # consolidated: acquis, non_acquis, jury, non_evalue
    verdict_label: str
    sources: list[str] = Field(default_factory=list)
    occurrences: list[Occurrence] = Field(default_factory=list)


class CompetenceRow(BaseModel):
    id: str
    label: str
    modality: str | None
    modality_label: str
    evaluated: bool
    criteria: list[CriterionRow] = Field(default_factory=list)


class CCPRow(BaseModel):
    id: str
    label: str
    competences: list[CompetenceRow]


class Score(BaseModel):
    acquis: int
    evalues: int
    jury: int
    overrides: int = 0  # verdicts counted as the jury decided, against the automatic one


class TerminalTranscript(BaseModel):
    """One recorded terminal session (simulateur.journal.terminal) as plain text."""

    host: str
    started: float
    duration_s: float
    file: str  # its name in the attempt's terminals/ folder
    text: str  # what the screen showed, control sequences played and removed
    problem: str = ""  # why the file could not be read (then `text` is empty)


class TimelineStep(BaseModel):
    """One journaled command (or event) of the attempt, as the timeline shows it
    (simulateur.journal.timeline)."""

    at: float  # seconds since the attempt's start
    host: str  # "-" for an event
    cmd: str
    rc: int | None = None
    mark: str  # diagnostic, change, test, other, event
    mark_label: str
    outcome: str  # ok, failed, not_run, unknown
    outcome_label: str
    source: str = "shell"
    origin: str | None = None  # ssh: the lab host the session came from
    remote: list[str] = Field(default_factory=list)


class InterventionReport(BaseModel):
    index: int
    scenario: str
    title: str
    seed: int
    variant: str | None = None
    status: str
    status_label: str
    attempt: str | None = None
    lab: str | None = None
    started: float | None = None
    ended: float | None = None
    duration_s: float | None = None
    qualification: str | None = None
    score: Score | None = None
    jury_comment: str = ""
    note: str = ""
    fiche: dict[str, str] = Field(default_factory=dict)
    criteria: list[Occurrence] = Field(default_factory=list)
    timeline: list[TimelineStep] = Field(default_factory=list)
    terminals: list[TerminalTranscript] = Field(default_factory=list)
    coaching: Coaching | None = None  # a training attempt handed in only (never an exam's)


class EntretienQuestionRow(BaseModel):
    """One question of the guide d'entretien, as the jury marked it."""

    number: int
    id: str
    source: str  # banque, journal
    text: str
    expected: list[str] = Field(default_factory=list)
    criterion: str | None = None
    competences: list[str] = Field(default_factory=list)
    intervention: int | None = None
    verdict: str | None = None  # acquis, non_acquis (None: not marked)
    verdict_label: str
    comment: str = ""
    by: str = ""


class EntretienCompetenceRow(BaseModel):
    id: str
    label: str
    questions: int
    acquis: int
    non_acquis: int
    pending: int


class EntretienReport(BaseModel):
    """The entretien technique (simulateur.entretien): the frozen guide and the jury's marks."""

    minutes: int
    created: float
    questions: list[EntretienQuestionRow]
    competences: list[EntretienCompetenceRow]


class QuizQuestionRow(BaseModel):
    """One question of her questionnaire professionnel, her answer and what it earned."""

    number: int
    id: str
    competence: str
    criterion: str
    kind: str  # single, multiple, numeric, open
    text: str
    given: str | None = None  # None: not answered
    expected: str = ""  # the right answer, or the open answer's expected elements
    verdict: str | None = None  # juste, partiel, faux, sans_reponse, jury (awaiting), jury_note (None: still open)
    verdict_label: str
    points: float | None = None  # None: not marked yet (open, awaiting the jury; or the paper still open)
    max: float
    comment: str = ""  # the jury's, on an open answer
    by: str = ""  # the juror who marked it


class QuizCompetenceRow(BaseModel):
    id: str
    label: str
    points: float  # marked points obtained
    marked_max: float  # the most the marked questions could give
    pending: int  # open answers awaiting the jury
    pending_max: float
    total: float  # every question of this competence (marked_max + pending_max)


class QuizReport(BaseModel):
    """Her questionnaire professionnel (simulateur.quiz.examquiz): her paper, its marking, the jury's points."""

    id: str
    minutes: int
    started: float
    deadline: float
    submitted: float | None = None
    state: str  # en_cours, remis, temps_ecoule
    state_label: str
    count: int
    answered: int
    pending: int  # open answers awaiting the jury
    questions: list[QuizQuestionRow]
    competences: list[QuizCompetenceRow] = Field(default_factory=list)  # once over only


class Report(BaseModel):
    kind: Literal["examen", "tentative"]
    title: str
    generated: float = Field(default_factory=time.time)
    candidate: str | None = None
    session: str | None = None
    group: str | None = None
    seed: int | None = None
    minutes: float | None = None
    started: float | None = None
    deadline: float | None = None
    finished: float | None = None
    interventions: list[InterventionReport]
    grid: list[CCPRow]
    score: Score
    fiche_labels: dict[str, str] = Field(default_factory=dict)
    legend: str = ""
    signed_by: str | None = None  # the jury member who signed the grid (then frozen)
    signed_at: float | None = None
    entretien: EntretienReport | None = None  # an examen's, once its guide is drawn (None: none yet)
    questionnaire: QuizReport | None = None  # an examen's, once she started it (None: not yet)


# --- building ----------------------------------------------------------------------------------
def _occurrence(index: int, scenario: str, m: MergedCriterion) -> Occurrence:
    return Occurrence(
        criterion=m.id,
        intervention=index,
        scenario=scenario,
        verdict=m.verdict,
        verdict_label=VERDICT_LABELS[m.verdict],
        source=m.source,
        source_label=SOURCE_LABELS[m.source],
        evidence=list(m.evidence),
        jury_comment=m.jury_comment,
    )


def _consolidate(occ: list[Occurrence]) -> str:
    verdicts = [o.verdict for o in occ]
    if "non_acquis" in verdicts:
        return "non_acquis"
    if "jury" in verdicts:
        return "jury"
    if "acquis" in verdicts:
        return "acquis"
    if "non_traitee" in verdicts:
        return "non_traitee"
    return "non_evalue"


def build_grid(interventions: list[InterventionReport], touched: list[str]) -> list[CCPRow]:
    """The RC's layout: each CCP touched, all its competences (modality), each evaluated
    competence with all its criteria and how each intervention judged them."""
    by_criterion: dict[str, list[Occurrence]] = {}
    for iv in interventions:
        for o in iv.criteria:
            by_criterion.setdefault(o.criterion, []).append(o)
    comps = referentiel.all_competences()
    touched_set = set(touched) | {cid.rsplit(".", 1)[0] for cid in by_criterion}
    rows: list[CCPRow] = []
    for ref in referentiel.load_referentiels().values():
        groups = [(ccp.id, ccp.label, list(ccp.competences)) for ccp in ref.ccps]
        if ref.transversal:
            groups.append((f"{ref.id}.CT", tr("report.transversal"), list(ref.transversal)))
        for gid, glabel, members in groups:
            if not any(c.id in touched_set for c in members):
                continue
            comp_rows = []
            for comp in members:
                evaluated = comp.id in touched_set
                crit_rows = []
                if evaluated:
                    for crit in comp.criteria:
                        occ = by_criterion.get(crit.id, [])
                        v = _consolidate(occ)
                        crit_rows.append(
                            CriterionRow(
                                id=crit.id,
                                label=crit.label,
                                verdict=v,
                                verdict_label=VERDICT_LABELS[v],
                                sources=sorted({o.source_label for o in occ if o.source}),
                                occurrences=occ,
                            )
                        )
                modality = comps[comp.id][0].modality
                comp_rows.append(
                    CompetenceRow(
                        id=comp.id,
                        label=comp.label,
                        modality=modality,
                        modality_label=referentiel.MODALITY_LABELS[modality] if modality else tr("report.no_modality"),
                        evaluated=evaluated,
                        criteria=crit_rows,
                    )
                )
            rows.append(CCPRow(id=gid, label=glabel, competences=comp_rows))
    return rows


def terminals(directory: Path | str | None) -> list[TerminalTranscript]:
    """The attempt's recorded terminals, read as a jury reads them (a damaged file says so)."""
    from simulateur.errors import SimError
    from simulateur.journal.replay import recordings
    from simulateur.journal.transcript import plain_text

    out = []
    for r in recordings(Path(directory)) if directory else []:
        try:
            cast = r.read()
        except SimError as exc:
            out.append(
                TerminalTranscript(
                    host=r.host, started=r.started, duration_s=0, file=r.path.name, text="", problem=str(exc)
                )
            )
            continue
        out.append(
            TerminalTranscript(
                host=r.host,
                started=float(cast.header.timestamp or r.started),
                duration_s=cast.duration,
                file=r.path.name,
                text=plain_text(cast.output()),
            )
        )
    return out


def timeline(directory: Path | str | None, started: float | None = None) -> list[TimelineStep]:
    """The attempt's commands in order, each with its nature and result (a journal the checker reads)."""
    from simulateur.journal.timeline import of_attempt

    return [
        TimelineStep(
            at=s.at,
            host=s.host,
            cmd=s.cmd,
            rc=s.rc,
            mark=s.mark,
            mark_label=tr(f"timeline.mark.{s.mark}"),
            outcome=s.outcome,
            outcome_label=tr(f"timeline.outcome.{s.outcome}", rc=s.rc),
            source=s.source,
            origin=s.origin,
            remote=list(s.remote),
        )
        for s in of_attempt(directory, started)
    ]


def _qualification_text(q: Qualification | None) -> str | None:
    if q is None:
        return None
    impact, urgency = q.impact, q.urgency
    return tr(
        "report.qualification",
        impact=IMPACT_LABELS[impact],
        urgency=URGENCY_LABELS[urgency],
        priority=PRIORITY_LABELS[q.priority],
    )


def _intervention(
    store: Store,
    index: int,
    scenario_id: str,
    title: str,
    seed: int,
    variant: str | None,
    status: str,
    attempt: str | None,
    lab: str | None,
    started: float | None,
    ended: float | None,
    marks: dict,
    jury_comment: str = "",
    note: str = "",
) -> InterventionReport:
    rec = store.attempt(attempt) if attempt else None
    records: list[CriterionRecord] = store.criteria(attempt) if attempt else []
    scenario = store.scenario(attempt) if attempt else None
    merged = merge(records, scenario, marks) if (records or marks) else []
    occ = [_occurrence(index, scenario_id, m) for m in merged]
    if status == "non_traitee" and scenario is None:
        occ = []
    sc = None
    if merged:
        a, e, j = score(merged)
        sc = Score(acquis=a, evalues=e, jury=j, overrides=overrides(merged))
    duration = None if started is None or ended is None else max(0.0, ended - started)
    return InterventionReport(
        index=index,
        scenario=scenario_id,
        title=title,
        seed=seed,
        variant=variant,
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        attempt=attempt,
        lab=lab,
        started=started,
        ended=ended,
        duration_s=duration,
        qualification=_qualification_text(rec.qualification if rec else None),
        score=sc,
        jury_comment=jury_comment,
        note=note,
        fiche=store.fiche(attempt) if attempt else {},
        criteria=occ,
        timeline=timeline(rec.attempt_dir if rec else None, rec.started if rec else started),
        terminals=terminals(rec.attempt_dir if rec else None),
    )


def _untreated(iv: InterventionReport) -> None:
    """An intervention never started still shows, in the grid, which criteria it would have evaluated."""
    from simulateur.errors import SimError
    from simulateur.scenario.loader import find_scenario

    try:
        specs = find_scenario(iv.scenario).scenario.criteria
    except SimError:
        return
    crits = referentiel.all_criteria()
    for spec in specs:
        if spec.id in crits:
            iv.criteria.append(
                Occurrence(
                    criterion=spec.id,
                    intervention=iv.index,
                    scenario=iv.scenario,
                    verdict="non_traitee",
                    verdict_label=VERDICT_LABELS["non_traitee"],
                    source="",
                    source_label="",
                )
            )


def _total(interventions: list[InterventionReport]) -> Score:
    return Score(
        acquis=sum(i.score.acquis for i in interventions if i.score),
        evalues=sum(i.score.evalues for i in interventions if i.score),
        jury=sum(i.score.jury for i in interventions if i.score),
        overrides=sum(i.score.overrides for i in interventions if i.score),
    )


def exam_report(session_id: str, candidate: str, db: object | None = None) -> Report:
    """One candidate's examen blanc (overdue runs are scored first)."""
    from simulateur.exam import core
    from simulateur.exam.db import ExamDB
    from simulateur.exam.draw import for_candidate

    exam_db = db if isinstance(db, ExamDB) else ExamDB()
    core.sweep(exam_db, session_id)
    session = core.get_session(exam_db, session_id)
    run = core.get_run(exam_db, session.id, candidate)
    marks = exam_db.jury(session.id, run.candidate)
    mine = for_candidate(session, run.candidate)  # the candidate's own seeds and variants
    ivs = []
    for item in run.items:
        d = mine[item.index - 1]
        assert d.seed is not None  # for_candidate draws every candidate's seed
        iv = _intervention(
            exam_db.store,
            item.index,
            d.scenario,
            d.title,
            d.seed,
            d.variant,
            item.status,
            item.attempt,
            item.lab,
            item.started,
            item.ended,
            {m.criterion: m for m in marks if m.index == item.index},
            item.comment,
            item.note,
        )
        if item.status == "non_traitee":
            _untreated(iv)
        ivs.append(iv)
    touched = [c for d in session.interventions for c in d.competences]
    sig = exam_db.signature(session.id, run.candidate)
    return Report(
        kind="examen",
        title=tr("report.exam_title", id=session.id),
        candidate=run.candidate,
        session=session.id,
        group=session.group,
        seed=session.seed,
        minutes=session.minutes,
        started=run.started,
        deadline=run.deadline,
        finished=run.finished,
        interventions=ivs,
        grid=build_grid(ivs, touched),
        score=_total(ivs),
        fiche_labels=_fiche_labels(),
        legend=tr("report.legend"),
        signed_by=sig.by if sig else None,
        signed_at=sig.t if sig else None,
        entretien=entretien_report(exam_db.store, session.id, run.candidate),
        questionnaire=quiz_report(exam_db.store, session.id, run.candidate),
    )


def quiz_report(store: Store, session_id: str, candidate: str, now: float | None = None) -> QuizReport | None:
    """Her questionnaire professionnel of this session as it stands: while it is open, only how far
    she got (never what her answers earned); once handed in or her time is up, each answer marked,
    the open ones « à évaluer par le jury » until the jury gives its points (and who), per competence."""
    from simulateur.exam.db import candidate_key
    from simulateur.quiz import marking, paper
    from simulateur.quiz.db import QuizDB

    qdb = QuizDB(store)
    run_id = qdb.linked(session_id, candidate_key(candidate))
    if run_id is None:
        return None
    run = qdb.run(run_id)
    t = time.time() if now is None else now
    done = paper.finished(run, t)
    state = "remis" if run.submitted is not None else "temps_ecoule" if done else "en_cours"
    jury = qdb.marks(run.id)
    lines = paper.lines(qdb, run)
    rows = []
    for line in lines:
        q, m = line.question, line.mark
        jm = jury.get(q.id)
        rows.append(
            QuizQuestionRow(
                number=line.number,
                id=q.id,
                competence=q.competence,
                criterion=q.criterion,
                kind=q.kind,
                text=line.text.strip(),
                given=line.given,
                expected=m.expected if done else "",
                verdict=m.verdict if done else None,
                verdict_label=tr(f"quiz.verdict.{m.verdict}") if done else tr("report.quiz_open_answer"),
                points=m.points if done else None,
                max=m.max,
                comment=jm.comment if jm else "",
                by=jm.by if jm else "",
            )
        )
    comps: list[QuizCompetenceRow] = []
    if done:
        known = referentiel.all_competences()
        for cid, r in marking.per_competence([(line.question, line.mark) for line in lines]).items():
            comps.append(
                QuizCompetenceRow(
                    id=cid,
                    label=known[cid][0].label if cid in known else "",
                    points=round(r.points, 4),
                    marked_max=r.marked_max,
                    pending=r.pending,
                    pending_max=r.pending_max,
                    total=r.marked_max + r.pending_max,
                )
            )
    return QuizReport(
        id=run.id,
        minutes=run.minutes,
        started=run.started,
        deadline=run.deadline,
        submitted=run.submitted,
        state=state,
        state_label=tr(f"report.quiz_state.{state}"),
        count=len(run.questions),
        answered=sum(1 for line in lines if line.given is not None),
        pending=sum(1 for row in rows if row.verdict == "jury"),
        questions=rows,
        competences=comps,
    )


def entretien_report(store: Store, session_id: str, candidate: str) -> EntretienReport | None:
    """Her guide d'entretien as frozen, with the jury's marks and their tally per competence."""
    from simulateur.entretien.db import EntretienDB
    from simulateur.entretien.marking import tally

    edb = EntretienDB(store)
    guide = edb.guide(session_id, candidate)
    if guide is None:
        return None
    marks = edb.marks(session_id, candidate)
    rows = []
    for n, q in enumerate(guide.questions, 1):
        m = marks.get(q.id)
        rows.append(
            EntretienQuestionRow(
                number=n,
                id=q.id,
                source=q.source,
                text=q.text,
                expected=list(q.expected),
                criterion=q.criterion,
                competences=list(q.competences),
                intervention=q.intervention,
                verdict=m.verdict if m else None,
                verdict_label=tr(f"entretien.verdict.{m.verdict}") if m else tr("entretien.unmarked"),
                comment=m.comment if m else "",
                by=m.by if m else "",
            )
        )
    comps = [
        EntretienCompetenceRow(
            id=t.id, label=t.label, questions=t.questions, acquis=t.acquis, non_acquis=t.non_acquis, pending=t.pending
        )
        for t in tally(guide.questions, marks)
    ]
    return EntretienReport(minutes=guide.minutes, created=guide.created, questions=rows, competences=comps)


def attempt_report(attempt_id: str, store: Store | None = None) -> Report:
    """One attempt (practice or exam intervention), from the store. An attempt made with the
    command line only (`start`, `check`) is reported as its last check (« évaluée »)."""
    store = store or Store()
    rec = store.attempt(attempt_id)
    if rec is None:
        raise UsageError(tr("report.unknown", id=attempt_id))
    from simulateur.exam.db import ExamDB

    exam_db = ExamDB(store)
    where = exam_db.item_of_attempt(attempt_id)
    marks: dict = {}
    comment = note = ""
    index, ended = 1, rec.submitted
    status: str = rec.status
    if where is not None:
        session_id, candidate, index = where
        marks = {m.criterion: m for m in exam_db.jury(session_id, candidate) if m.index == index}
        run = exam_db.run(session_id, candidate)
        item = next((i for i in run.items if i.index == index), None) if run else None
        if item is not None:
            comment, note, status = item.comment, item.note, item.status
    elif rec.status in ("en_cours", "soumise") and rec.owner_pid is None and rec.mode == "entrainement":
        # the command line's: handed in by its last `check` (« soumise »), or older, never marked
        if rec.checked is None:
            raise UsageError(tr("report.not_checked", id=attempt_id))
        status, ended = "evaluee", rec.checked
    title, competences = rec.title, list(rec.competences)
    if not title:  # recorded without its scenario (an attempt older than the store): as shipped now
        title, competences = rec.scenario, sorted({c.competence for c in store.criteria(attempt_id)})
        try:
            from simulateur.scenario.loader import find_scenario

            sc = find_scenario(rec.scenario).scenario
            title, competences = sc.title, list(sc.competences)
        except Exception:  # noqa: BLE001 — a scenario since removed: its id stands for its title
            pass
    iv = _intervention(
        store,
        index,
        rec.scenario,
        title,
        rec.seed,
        rec.variant,
        status,
        rec.id,
        rec.lab,
        rec.started,
        ended,
        marks,
        comment,
        note,
    )
    if where is None:  # never for an intervention of an examen blanc
        iv.coaching = coaching(store, attempt_id)
    return Report(
        kind="tentative",
        title=tr("report.attempt_title", title=iv.title),
        candidate=rec.candidate,
        started=iv.started,
        interventions=[iv],
        grid=build_grid([iv], competences),
        score=_total([iv]),
        fiche_labels=_fiche_labels(),
        legend=tr("report.legend"),
    )


def _fiche_labels() -> dict[str, str]:
    return {name: tr(f"tui.fiche.{name}") for name in FICHE_FIELDS}


def load_json(path: Path) -> Report:
    return Report.model_validate(json.loads(path.read_text()))


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("report.quiz_state.en_cours"),
    N_("report.quiz_state.remis"),
    N_("report.quiz_state.temps_ecoule"),
    N_("timeline.mark.change"),
    N_("timeline.mark.diagnostic"),
    N_("timeline.mark.event"),
    N_("timeline.mark.other"),
    N_("timeline.mark.test"),
    N_("timeline.outcome.failed"),
    N_("timeline.outcome.nonzero"),
    N_("timeline.outcome.not_run"),
    N_("timeline.outcome.ok"),
    N_("timeline.outcome.unknown"),
)
