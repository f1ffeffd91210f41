"""What opening and closing each phase does, through the other packages' Python APIs: the examen
blanc of her interventions (simulateur.exam.core), her questionnaire (simulateur.quiz.paper), her
guide d'entretien (simulateur.entretien.guide, frozen in the store for the jury's marks). Each
returns the note the status shows (French): what was opened, what the jury or surveillant types."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from simulateur.epreuve.models import Format
from simulateur.epreuve.state import EpreuveState, PhaseRun
from simulateur.errors import SimError, UsageError
from simulateur.exam.db import ExamDB
from simulateur.i18n import tr, trn

if TYPE_CHECKING:
    from simulateur.entretien.journal import Done

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def open_phase(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress = _quiet) -> str:
    return _OPEN[phase.kind](db, st, fmt, phase, progress)


def close_phase(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun) -> str:
    closer = _CLOSE.get(phase.kind)
    return closer(db, st, fmt, phase) if closer else ""


# --- phase préparatoire: the cahier's lab, its recette and its save at the end -------------------------
def _open_preparation(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    from simulateur.cahier.play import start

    assert st.cahier is not None
    started = start(st.cahier, st.seed, candidate=st.candidate, progress=progress)
    st.lab = started.lab.id
    st.prep_attempt = str(started.attempt.dir) if started.attempt is not None else None
    return tr("epreuve.note.preparation", cahier=st.cahier, lab=st.lab)


def _close_preparation(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun) -> str:
    """Her build judged by the recette (recorded with her attempt), then saved and the lab stopped:
    the RC keeps the prepared computers locked away until her jury phase, another day maybe."""
    from simulateur.cahier.recette import record_recette
    from simulateur.session import run as labrun
    from simulateur.session import saved

    if st.lab is None:
        return ""
    rec = record_recette(st.lab)
    st.recette, st.recette_score = dict(rec.criteria), rec.score
    archive, _skipped = saved.save(st.lab)
    st.save = str(archive.path)
    labrun.stop(st.lab)
    return tr("epreuve.note.preparation_done", pct=round(rec.score * 100), save=archive.id)


# --- interventions: the examen blanc of the jury's drawn interventions ------------------------------
def _open_interventions(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    from simulateur.exam import core

    if st.exam_session is None:
        session = core.new_session(
            count=st.count,
            minutes=phase.minutes,
            seed=st.seed,
            referentiel=fmt.referentiel,
            ccps=list(fmt.ccps),
            roster=[st.candidate + (f"={st.login}" if st.login else "")],
            group=tr("epreuve.group", id=st.id),
            db=db,
            catalogue=_for_her_lab(st) if st.save else None,
        )
        if st.save:  # the jury's interventions go into the network she prepared
            session = session.model_copy(update={"into_save": st.save})
            db.update_session(session)
        st.exam_session = session.id
    try:
        step = core.start_candidate(db, st.exam_session, st.candidate, progress=progress)
    except SimError as exc:  # her intervention could not be built (or injected): said, the phase goes on
        return tr("epreuve.note.interventions_failed", session=st.exam_session, why=exc, candidate=st.candidate)
    lab = step.item.lab if step.item is not None else None
    return trn(
        "epreuve.note.interventions",
        len(step.run.items),
        session=st.exam_session,
        lab=lab or "—",
        candidate=st.candidate,
    )


def _for_her_lab(st: EpreuveState) -> dict[str, object]:
    """The scenarios that fit her prepared network (simulateur.epreuve.fit: its topology, hosts the
    cahier builds, no service the cahier leaves stopped): the ones the jury may inject."""
    from simulateur.cahier.loader import load_cahier
    from simulateur.epreuve.fit import fitting
    from simulateur.scenario.loader import load_catalogue

    assert st.cahier is not None
    return fitting(load_catalogue().scenarios, load_cahier(st.cahier))


def _close_interventions(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun) -> str:
    from simulateur.exam import core

    if st.exam_session is None:
        return ""
    run = db.run(st.exam_session, st.candidate)
    if run is not None and run.finished is None:
        try:
            core.end_run(db, st.exam_session, st.candidate)
        except UsageError:  # ended meanwhile (her deadline, the watchdog): nothing left to hand in
            pass
    run = core.get_run(db, st.exam_session, st.candidate)
    done = sum(1 for i in run.items if i.status in ("remise", "temps_ecoule"))
    return trn("epreuve.note.interventions_done", len(run.items), session=st.exam_session, done=done)


def _open_evaluation(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    return tr("epreuve.note.evaluation", session=st.exam_session or "?", candidate=st.candidate)


# --- questionnaire professionnel -----------------------------------------------------------------
def _open_questionnaire(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    from simulateur.quiz import paper
    from simulateur.quiz.db import QuizDB

    if st.quiz_run is None:
        run = paper.start(
            QuizDB(db.store), seed=st.seed % 10**9 + 1, minutes=max(1, round(phase.minutes)), candidate=st.candidate
        )
        st.quiz_run = run.id
    return tr("epreuve.note.questionnaire", run=st.quiz_run)


def _close_questionnaire(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun) -> str:
    from simulateur.quiz.db import QuizDB

    if st.quiz_run is None:
        return ""
    qdb = QuizDB(db.store)
    if qdb.run(st.quiz_run).submitted is None:
        try:
            qdb.submit(st.quiz_run)
        except UsageError:  # handed in meanwhile
            pass
    return tr("epreuve.note.questionnaire_done", run=st.quiz_run)


# --- entretien technique: her guide, with questions on what her journal shows -----------------------
def _open_entretien(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    from simulateur.entretien.bank import load_bank
    from simulateur.entretien.db import EntretienDB
    from simulateur.entretien.guide import MINUTES, build
    from simulateur.entretien.marking import journals
    from simulateur.exam import core

    if st.exam_session is None:
        raise UsageError(tr("epreuve.no_exam_session", id=st.id))
    session = core.get_session(db, st.exam_session)
    run = core.get_run(db, session.id, st.candidate)
    edb = EntretienDB(db.store)
    guide = edb.guide(session.id, run.candidate)
    if guide is None:
        rc = fmt.phase("entretien_technique")
        minutes = rc.minutes if rc is not None and rc.minutes is not None else MINUTES
        comps = list(phase_competences(fmt, "entretien_technique")) or None
        guide = edb.freeze(
            build(
                session.id,
                run.candidate,
                session.seed,
                fmt.referentiel,
                load_bank(),
                _preparation_journal(st, fmt) + journals(db, session, run),
                time.time(),
                competences=comps,
                minutes=minutes,
            )
        )
    return tr("epreuve.note.entretien", session=session.id, candidate=run.candidate, n=len(guide.questions))


def _preparation_journal(st: EpreuveState, fmt: Format) -> list[tuple[int, list[str], list[Done]]]:
    """Her journal of the phase préparatoire (« le jury questionne le candidat sur les travaux
    réalisés durant la phase préparatoire »), as intervention n° 0."""
    from simulateur.entretien.journal import read_journal
    from simulateur.journal.store import Journal

    if st.prep_attempt is None:
        return []
    path = Path(st.prep_attempt) / "journal.jsonl"
    if not path.is_file():
        return []
    return [(0, list(phase_competences(fmt, "preparation")), read_journal(Journal(path).entries()))]


def phase_competences(fmt: Format, kind: str) -> tuple[str, ...]:
    p = fmt.phase(kind)
    return p.competences if p is not None else ()


def _open_final(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    return tr("epreuve.note.final", id=st.id)


_OPEN: dict[str, Callable[[ExamDB, EpreuveState, Format, PhaseRun, Progress], str]] = {
    "preparation": _open_preparation,
    "interventions": _open_interventions,
    "evaluation": _open_evaluation,
    "questionnaire": _open_questionnaire,
    "entretien_technique": _open_entretien,
    "entretien_final": _open_final,
}
_CLOSE: dict[str, Callable[[ExamDB, EpreuveState, Format, PhaseRun], str]] = {
    "preparation": _close_preparation,
    "interventions": _close_interventions,
    "questionnaire": _close_questionnaire,
}
