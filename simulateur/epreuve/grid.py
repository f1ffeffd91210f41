"""The report of an épreuve: the RC's whole grid — every criterion of the format's part of the
référentiel, its modality(ies) as the format's phases tick them, and its verdict from the phases that
evaluate it (the interventions' checker and the jury's marks, the cahier's recette, the
questionnaire's points per competence, the entretien's marks). « non évalué » only where no phase of
the format evaluates the competence; « en attente » while the phase that evaluates it has not ended.

`assemble` is pure (phase results in, grid out); `collect` reads the results from the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from simulateur import referentiel
from simulateur.epreuve.models import Format
from simulateur.i18n import N_, tr, trn

#: The questionnaire's verdict on a competence: at least this share of its marked points.
QUESTIONNAIRE_PASS = 0.5
MES_KINDS = ("preparation", "interventions", "evaluation")
VERDICTS = ("acquis", "non_acquis", "jury", "en_attente", "non_evalue")


@dataclass
class PhaseResults:
    """What each phase gave, as plain data (canned in tests, read from the store by `collect`)."""

    ended: set[str] = field(default_factory=set)  # phase kinds that have ended
    interventions: dict[str, str] = field(default_factory=dict)  # criterion → acquis|non_acquis|jury|non_evalue
    recette: dict[str, float] = field(default_factory=dict)  # criterion → the cahier's recette score 0..1
    quiz: dict[str, tuple[float, float, int]] = field(default_factory=dict)  # competence → points, max, pending
    entretien: dict[str, tuple[int, int, int]] = field(
        default_factory=dict
    )  # criterion → questions, acquis, non_acquis
    exercised: set[str] = field(default_factory=set)  # competences her interventions exercised
    final: str | None = None


class GridCriterion(BaseModel):
    id: str
    label: str
    verdict: str
    verdict_label: str
    sources: list[str] = Field(default_factory=list)


class GridCompetence(BaseModel):
    id: str
    label: str
    modalities: list[str]
    modality_labels: list[str]
    criteria: list[GridCriterion]


class GridGroup(BaseModel):
    id: str
    label: str
    competences: list[GridCompetence]


class Grid(BaseModel):
    format: str
    title: str
    referentiel: str
    groups: list[GridGroup]
    final: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)


def _worst(verdicts: list[str]) -> str:
    for v in ("non_acquis", "jury", "acquis"):
        if v in verdicts:
            return v
    return ""


def _mes(crit: str, comp: str, fmt: Format, r: PhaseResults) -> tuple[list[str], list[str]]:
    verdicts, sources = [], []
    iv = r.interventions.get(crit)
    if iv in ("acquis", "non_acquis", "jury"):
        verdicts.append(iv)
        sources.append(tr("epreuve.grid.src_interventions", verdict=tr(f"epreuve.verdict.{iv}")))
    if crit in r.recette:
        score = r.recette[crit]
        verdicts.append("acquis" if score >= 1.0 else "non_acquis")
        sources.append(tr("epreuve.grid.src_recette", pct=round(score * 100)))
    return verdicts, sources


def _quiz(comp: str, r: PhaseResults) -> tuple[list[str], list[str]]:
    if comp not in r.quiz:
        return [], []
    points, most, pending = r.quiz[comp]
    src = trn("epreuve.grid.src_quiz", pending, points=f"{round(points, 2):g}", max=f"{most:g}")
    if pending:
        return ["jury"], [src]
    if not most:
        return [], [src]
    return ["acquis" if points / most >= QUESTIONNAIRE_PASS else "non_acquis"], [src]


def _entretien(crit: str, r: PhaseResults) -> tuple[list[str], list[str]]:
    if crit not in r.entretien:
        return [], []
    q, a, na = r.entretien[crit]
    src = trn("epreuve.grid.src_entretien", q, acquis=a, non_acquis=na)
    if a + na == 0:
        return ["jury"], [src]
    return ["acquis" if a > na else "non_acquis"], [src]


def _verdict(crit: str, comp: str, fmt: Format, r: PhaseResults) -> tuple[str, list[str]]:
    phases = fmt.evaluated_by(comp)
    if not phases:
        return "non_evalue", [tr("epreuve.grid.no_phase")]
    verdicts: list[str] = []
    sources: list[str] = []
    kinds = {p.kind for p in phases}
    if kinds & set(MES_KINDS):
        v, s = _mes(crit, comp, fmt, r)
        verdicts += v
        sources += s
    if "questionnaire" in kinds:
        v, s = _quiz(comp, r)
        verdicts += v
        sources += s
    if "entretien_technique" in kinds:
        v, s = _entretien(crit, r)
        verdicts += v
        sources += s
    found = _worst(verdicts)
    if found:
        return found, sources
    if not kinds <= r.ended:
        return "en_attente", sources or [
            tr("epreuve.grid.waiting", phases=", ".join(tr(f"epreuve.phase.{k}") for k in sorted(kinds - r.ended)))
        ]
    return "jury", sources or [tr("epreuve.grid.no_probe")]


def assemble(fmt: Format, r: PhaseResults) -> Grid:
    ref = referentiel.load_referentiels()[fmt.referentiel]
    groups = [(c.id, c.label, list(c.competences)) for c in ref.ccps if not fmt.ccps or c.id in fmt.ccps]
    if not fmt.ccps and ref.transversal:
        groups.append((f"{ref.id}.CT", tr("report.transversal"), list(ref.transversal)))
    out: list[GridGroup] = []
    counts = dict.fromkeys(VERDICTS, 0)
    for gid, label, comps in groups:
        rows = []
        for comp in comps:
            mods = fmt.modalities_of(comp.id)
            crits = [(c.id, c.label) for c in comp.criteria] or [(comp.id, tr("epreuve.grid.no_criteria"))]
            crit_rows = []
            for cid, clabel in crits:
                v, sources = _verdict(cid, comp.id, fmt, r)
                if cid == comp.id and v == "jury" and comp.id in r.exercised:
                    sources = [tr("epreuve.grid.exercised")]
                counts[v] += 1
                crit_rows.append(
                    GridCriterion(
                        id=cid, label=clabel, verdict=v, verdict_label=tr(f"epreuve.verdict.{v}"), sources=sources
                    )
                )
            rows.append(
                GridCompetence(
                    id=comp.id,
                    label=comp.label,
                    modalities=mods,
                    modality_labels=[referentiel.MODALITY_LABELS[m] for m in mods] or [tr("report.no_modality")],
                    criteria=crit_rows,
                )
            )
        out.append(GridGroup(id=gid, label=label, competences=rows))
    return Grid(format=fmt.id, title=fmt.title, referentiel=fmt.referentiel, groups=out, final=r.final, counts=counts)


def collect(db: object, st: object) -> PhaseResults:
    """The phase results of a stored épreuve (simulateur.epreuve.state.EpreuveState)."""
    from simulateur.entretien.db import EntretienDB
    from simulateur.epreuve.state import EpreuveState
    from simulateur.exam.db import ExamDB
    from simulateur.quiz import marking as qmarking
    from simulateur.quiz.db import QuizDB
    from simulateur.report.model import exam_report

    assert isinstance(db, ExamDB) and isinstance(st, EpreuveState)
    r = PhaseResults(ended={p.kind for p in st.phases if p.ended is not None}, recette=dict(st.recette or {}))
    if st.exam_session is not None and db.run(st.exam_session, st.candidate) is not None:
        rep = exam_report(st.exam_session, st.candidate, db)
        for group in rep.grid:
            for comp in group.competences:
                for crit in comp.criteria:
                    r.interventions[crit.id] = crit.verdict
        session = db.session(st.exam_session)
        if session is not None:
            r.exercised = {c for iv in session.interventions for c in iv.competences}
        guide = EntretienDB(db.store).guide(st.exam_session, st.candidate)
        if guide is not None:
            r.entretien = entretien_counts(guide, EntretienDB(db.store).marks(st.exam_session, st.candidate))
    if st.quiz_run is not None:
        qdb = QuizDB(db.store)
        run = qdb.run(st.quiz_run)
        answers, jury = qdb.answers(run.id), qdb.marks(run.id)
        pairs = []
        for q in run.questions:
            given = answers[q.id].answer if q.id in answers else None
            pts = jury[q.id].points if q.id in jury else None
            pairs.append((q, qmarking.mark(q, run.seed, given, pts)))
        r.quiz = {c: (x.points, x.marked_max, x.pending) for c, x in qmarking.per_competence(pairs).items()}
    if st.final is not None:
        r.final = tr("epreuve.final_line", by=st.final.by, comment=st.final.comment)
    return r


def entretien_counts(guide: object, marks: Mapping[str, object]) -> dict[str, tuple[int, int, int]]:
    """Per criterion: the guide's questions on it (a bank question's criterion; a journal question
    informs every criterion of its competences), how many the jury marked acquis, non acquis."""
    from simulateur.entretien.guide import Guide

    assert isinstance(guide, Guide)
    counts: dict[str, list[int]] = {}
    for q in guide.questions:
        if q.criterion:
            targets = [q.criterion]
        else:
            targets = [
                c.id
                for cid in q.competences
                if (comp := referentiel.find_competence(cid)) is not None
                for c in comp.criteria
            ] or list(q.competences)
        m = marks.get(q.id)
        verdict = getattr(m, "verdict", None)
        for t in targets:
            n = counts.setdefault(t, [0, 0, 0])
            n[0] += 1
            if verdict == "acquis":
                n[1] += 1
            elif verdict == "non_acquis":
                n[2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in counts.items()}


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("epreuve.verdict.acquis"),
    N_("epreuve.verdict.en_attente"),
    N_("epreuve.verdict.jury"),
    N_("epreuve.verdict.non_acquis"),
    N_("epreuve.verdict.non_evalue"),
)
