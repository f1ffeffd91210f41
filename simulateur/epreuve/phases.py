"""What opening and closing each phase does, through the other packages' Python APIs: the examen
blanc of her interventions (simulateur.exam.core), her questionnaire (simulateur.quiz.paper), her
guide d'entretien (simulateur.entretien.guide, frozen in the store for the jury's marks). Each
returns the note the status shows (French): what was opened, what the jury or surveillant types."""

from __future__ import annotations

import time
from collections.abc import Callable

from simulateur.epreuve.models import Format
from simulateur.epreuve.state import EpreuveState, PhaseRun
from simulateur.errors import UsageError
from simulateur.exam.db import ExamDB
from simulateur.i18n import tr

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def open_phase(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress = _quiet) -> str:
    return _OPEN[phase.kind](db, st, fmt, phase, progress)


def close_phase(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun) -> str:
    closer = _CLOSE.get(phase.kind)
    return closer(db, st, fmt, phase) if closer else ""


# --- phase préparatoire ---------------------------------------------------------------------------
def _open_preparation(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    # The cahier des charges' lab (`simulateur cahier start`, branch `cahier`) and its save at the
    # end (`simulateur lab save`, branch `save`) are not on this branch yet: the surveillant is told
    # the command, and the phase is timed.
    return tr("epreuve.note.preparation", cahier=st.cahier or "?", candidate=st.candidate)


# --- interventions: the examen blanc of the jury's drawn interventions ------------------------------
def _open_interventions(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    from simulateur.exam import core

    if st.exam_session is None:
        session = core.new_session(count=st.count, minutes=phase.minutes, seed=st.seed,
                                   referentiel=fmt.referentiel, ccps=list(fmt.ccps),
                                   roster=[st.candidate + (f"={st.login}" if st.login else "")],
                                   group=tr("epreuve.group", id=st.id), db=db)
        st.exam_session = session.id
    step = core.start_candidate(db, st.exam_session, st.candidate, progress=progress)
    lab = step.item.lab if step.item is not None else None
    return tr("epreuve.note.interventions", session=st.exam_session, count=len(step.run.items), lab=lab or "—",
              candidate=st.candidate)


def _close_interventions(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun) -> str:
    from simulateur.exam import core

    if st.exam_session is None:
        return ""
    run = db.run(st.exam_session, st.candidate)
    if run is not None and run.finished is None:
        try:
            core.end_run(db, st.exam_session, st.candidate)
        except UsageError:           # ended meanwhile (her deadline, the watchdog): nothing left to hand in
            pass
    run = core.get_run(db, st.exam_session, st.candidate)
    done = sum(1 for i in run.items if i.status in ("remise", "temps_ecoule"))
    return tr("epreuve.note.interventions_done", session=st.exam_session, done=done, count=len(run.items))


def _open_evaluation(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    return tr("epreuve.note.evaluation", session=st.exam_session or "?", candidate=st.candidate)


# --- questionnaire professionnel -----------------------------------------------------------------
def _open_questionnaire(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    from simulateur.quiz import paper
    from simulateur.quiz.db import QuizDB

    if st.quiz_run is None:
        run = paper.start(QuizDB(db.store), seed=st.seed % 10**9 + 1, minutes=max(1, round(phase.minutes)),
                          candidate=st.candidate)
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
        except UsageError:           # handed in meanwhile
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
        guide = edb.freeze(build(session.id, run.candidate, session.seed, fmt.referentiel, load_bank(),
                                 journals(db, session, run), time.time(), competences=comps, minutes=minutes))
    return tr("epreuve.note.entretien", session=session.id, candidate=run.candidate, n=len(guide.questions))


def phase_competences(fmt: Format, kind: str) -> tuple[str, ...]:
    p = fmt.phase(kind)
    return p.competences if p is not None else ()


def _open_final(db: ExamDB, st: EpreuveState, fmt: Format, phase: PhaseRun, progress: Progress) -> str:
    return tr("epreuve.note.final", id=st.id)


_OPEN: dict[str, Callable[[ExamDB, EpreuveState, Format, PhaseRun, Progress], str]] = {
    "preparation": _open_preparation, "interventions": _open_interventions, "evaluation": _open_evaluation,
    "questionnaire": _open_questionnaire, "entretien_technique": _open_entretien, "entretien_final": _open_final,
}
_CLOSE: dict[str, Callable[[ExamDB, EpreuveState, Format, PhaseRun], str]] = {
    "interventions": _close_interventions, "questionnaire": _close_questionnaire,
}
