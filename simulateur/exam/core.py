"""The examen blanc's core, used by the CLI, the app and the watchdog alike.

A candidate's run is a sequence of interventions under one deadline. Every change to a run
happens under that run's lock (a file lock: the candidate's commands, the watchdog and the app
are separate processes), so a submission and the time-out can never both score one lab.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulateur.errors import SimError, UsageError
from simulateur.exam.db import ExamDB, candidate_key
from simulateur.exam.draw import draw, for_candidate
from simulateur.exam.models import (
    DEFAULT_COUNT,
    DEFAULT_MINUTES,
    ENDED,
    CandidateRun,
    ExamSession,
    Item,
    ItemStatus,
    PoolFilter,
)
from simulateur.i18n import tr
from simulateur.paths import data_dir
from simulateur.session import run as labrun
from simulateur.session.store import FICHE_FIELDS

Progress = Callable[[str], None]

#: Longest session a trainer may ask for (a day): a typo of 4000 minutes is refused.
MAX_MINUTES = 24 * 60
MAX_NAME = 60


def _quiet(_: str) -> None:
    pass


def exams_dir() -> Path:
    path = data_dir() / "exams"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- sessions ----------------------------------------------------------------------------------
def new_session(
    *,
    count: int = DEFAULT_COUNT,
    minutes: float = DEFAULT_MINUTES,
    seed: int | None = None,
    group: str | None = None,
    referentiel: str | None = None,
    ccps: list[str] | None = None,
    competences: list[str] | None = None,
    variants: dict[str, list[str]] | None = None,
    roster: list[str] | None = None,
    machine: str | None = None,
    csv_lines: list[Any] | None = None,
    csv_where: str = "",
    db: ExamDB | None = None,
    base: Path | None = None,
    catalogue: dict[str, Any] | None = None,
    now: float | None = None,
) -> ExamSession:
    """Draw a session's interventions from the catalogue (the one given, else the one on disk)
    and store it (id eb1, eb2…). `variants`: scenario id → the fault variants its candidates may
    get. Without a seed, one of 48 bits: it is the key of every candidate's values (draw.py).
    `now`: the session's creation time (default: the clock's)."""
    from simulateur.scenario.loader import load_catalogue

    if not 0 < minutes <= MAX_MINUTES:
        raise UsageError(tr("exam.bad_minutes", minutes=minutes, max=MAX_MINUTES))
    group = " ".join(group.split()) if group else None
    f = PoolFilter(
        referentiel=referentiel,
        ccps=list(ccps or []),
        competences=list(competences or []),
        variants={k: list(v) for k, v in (variants or {}).items()},
    )
    seed = 1 + secrets.randbelow(2**48 - 1) if seed is None else seed
    names = parse_roster(roster or [])
    scenarios = catalogue if catalogue is not None else load_catalogue(base).scenarios
    pool, interventions = draw(scenarios, f, count, seed)
    db = db or ExamDB()
    check_machine(db, machine)

    def make(sid: str) -> ExamSession:
        session = ExamSession(
            id=sid,
            group=group,
            seed=seed,
            count=count,
            minutes=minutes,
            filter=f,
            pool=pool,
            interventions=interventions,
            roster=names,
            machines=pins(names, machine),
            created=time.time() if now is None else now,
        )
        return add_lines(session, csv_lines or [], csv_where) if csv_lines else session

    return db.create_session(make)


def pins(names: dict[str, str], machine: str | None) -> dict[str, str]:
    """`--machine NAME`: the candidates of this command pinned to that lab machine."""
    if machine is None:
        return {}
    machine = machine.strip()
    if not machine or any(not ch.isprintable() or ch.isspace() for ch in machine):
        raise UsageError(tr("exam.bad_machine", machine=machine))
    return dict.fromkeys(names, machine)


def check_machine(db: ExamDB, machine: str | None) -> None:
    """`--machine NAME` names a lab machine the store knows: one whose service is registered (running,
    or gone without a goodbye), or one where candidates were placed before. A pin cannot be changed
    afterwards, and a candidate pinned to a machine that never comes is refused everywhere: a typo is
    caught when the trainer types it, with the names she may mean."""
    if machine is None:
        return
    from simulateur.exam.machines import Machines

    pins({}, machine)  # a name first (no space, printable)
    machine = machine.strip()
    known = Machines(db).known_names()
    if machine not in known:
        raise UsageError(
            tr("exam.unknown_machine", machine=machine, known=", ".join(sorted(known)) or tr("machines.none"))
        )


def parse_roster(lines: list[str]) -> dict[str, str]:
    """`--candidate "Nom Prénom=login"` lines (the login optional): name → login, each checked —
    a valid name, a login the machine knows, no name and no login twice."""
    import pwd

    out: dict[str, str] = {}
    for line in lines:
        name, _, login = line.rpartition("=") if "=" in line else (line, "", "")
        name, login = check_name(name), login.strip()
        if login:
            try:
                pwd.getpwnam(login)
            except KeyError:
                raise UsageError(tr("exam.roster_no_login", login=login, name=name)) from None
        if any(candidate_key(n) == candidate_key(name) for n in out):
            raise UsageError(tr("exam.roster_duplicate", what=name))
        if login and login in out.values():
            raise UsageError(tr("exam.roster_duplicate", what=login))
        out[name] = login
    return out


def add_to_roster(db: ExamDB, session_id: str, lines: list[str], machine: str | None = None) -> ExamSession:
    """The trainer adds candidates (with their logins) to a session's roster; `machine`: pinned there."""
    session = get_session(db, session_id)
    new = parse_roster(lines)
    check_machine(db, machine)
    for name, login in new.items():
        if session.login_of(name) is not None:
            raise UsageError(tr("exam.roster_duplicate", what=name))
        if login and session.name_of_login(login) is not None:
            raise UsageError(tr("exam.roster_duplicate", what=login))
    session.roster.update(new)
    session.machines.update(pins(new, machine))
    db.update_session(session)
    return session


def add_lines(session: ExamSession, lines: list[Any], where: str) -> ExamSession:
    """A roster CSV's checked lines (exam/roster_csv.py) into the session: all of them, or none
    (a name or login already on the roster refuses the file, naming the line)."""
    for line in lines:
        why = None
        if session.login_of(line.name) is not None:
            why = tr("exam.roster_duplicate", what=line.name)
        elif line.login and session.name_of_login(line.login) is not None:
            why = tr("exam.roster_duplicate", what=line.login)
        if why is not None:
            raise UsageError(tr("roster.bad_line", path=where, line=line.number, why=why))
    for line in lines:
        session.roster[line.name] = line.login
        if line.machine:
            session.machines[line.name] = line.machine
        if line.extra:
            session.extra[line.name] = line.extra
    return session


def import_roster(db: ExamDB, session_id: str, lines: list[Any], where: str) -> ExamSession:
    session = add_lines(get_session(db, session_id), lines, where)
    db.update_session(session)
    return session


def get_session(db: ExamDB, session_id: str) -> ExamSession:
    session = db.session(session_id)
    if session is None:
        known = ", ".join(s.id for s in db.sessions()[-8:]) or tr("exam.none")
        raise UsageError(tr("exam.unknown_session", id=session_id, known=known))
    return session


def check_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME or any(not ch.isprintable() for ch in clean):
        raise UsageError(tr("exam.bad_name", max=MAX_NAME))
    return clean


def get_run(db: ExamDB, session_id: str, candidate: str) -> CandidateRun:
    run = db.run(session_id, candidate)
    if run is None:
        names = ", ".join(r.candidate for r in db.runs(session_id)) or tr("exam.none")
        raise UsageError(tr("exam.unknown_candidate", candidate=candidate, id=session_id, known=names))
    return run


# --- the run's lock ----------------------------------------------------------------------------
@contextlib.contextmanager
def run_lock(session_id: str, candidate: str) -> Iterator[None]:
    digest = hashlib.sha1(candidate_key(candidate).encode()).hexdigest()[:12]
    locks = exams_dir() / "locks"
    locks.mkdir(exist_ok=True)
    fd = os.open(locks / f"{session_id}-{digest}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# --- a candidate's run -------------------------------------------------------------------------
@dataclass
class Step:
    """What a command did: the intervention it ended (if any), the one it started (if any)."""

    ended: Item | None
    started: labrun.Started | None
    item: Item | None  # the started intervention's record
    timed_out: bool
    run: CandidateRun
    resumed: bool = False  # the candidate came back to a run already under way


def start_candidate(
    db: ExamDB,
    session_id: str,
    candidate: str,
    *,
    progress: Progress = _quiet,
    watchdog: bool = True,
    now: float | None = None,
    keeper: int | None = None,
) -> Step:
    """The candidate's countdown starts, the watchdog is launched, the first lab is built. A
    candidate who already started (their terminal or the command was killed) resumes instead.
    `keeper`: the process that holds the deadline instead of a watchdog (`simulateur serve`),
    recorded as the run's timer and the owner of its labs."""
    session = get_session(db, session_id)
    name = check_name(candidate)
    if session.roster and session.login_of(name) is None:
        raise UsageError(
            tr("exam.not_on_roster", candidate=name, id=session.id, known=", ".join(session.roster) or tr("exam.none"))
        )
    t0 = time.time() if now is None else now
    run = CandidateRun(
        session=session.id,
        candidate=name,
        started=t0,
        deadline=t0 + minutes_of(session, name) * 60.0,
        items=[Item(index=i.index) for i in session.interventions],
    )
    if not db.create_run(run):
        return resume(db, session.id, name, progress=progress, watchdog=watchdog, keeper=keeper)
    if keeper is not None:
        set_keeper(db, session.id, name, keeper)
    elif watchdog:
        spawn_watchdog(db, session.id, name)
    with run_lock(session.id, name):
        started, item = _start_next(db, session, name, progress)
    return Step(None, started, item, False, get_run(db, session.id, name))


#: Extra time (tiers-temps): « 4/3 » (her minutes × 4/3) or « +N » (N more minutes, 1 to MAX_EXTRA).
MAX_EXTRA = 24 * 60


def check_extra(text: str) -> str:
    """A tiers-temps as written by the trainer: « 4/3 », « +N » (minutes); else one French line."""
    value = "".join(text.split()).lower()
    if value in ("4/3", "oui", "tiers-temps", "tierstemps"):
        return "4/3"
    if value.startswith("+") and value[1:].isdigit() and 0 < int(value[1:]) <= MAX_EXTRA:
        return f"+{int(value[1:])}"
    raise UsageError(tr("exam.bad_extra", value=text, max=MAX_EXTRA))


def minutes_of(session: ExamSession, name: str) -> float:
    """Her minutes: the session's, with her extra time (tiers-temps) if the trainer gave her one."""
    extra = session.extra_of(name)
    if extra == "4/3":
        return session.minutes * 4 / 3
    if extra is not None and extra.startswith("+"):
        return session.minutes + int(extra[1:])
    return session.minutes


def _note(db: ExamDB, run: CandidateRun, text: str) -> None:
    """Said in the report: on the intervention in progress (else the last one begun, else the first)."""
    item = run.current() or next((i for i in reversed(run.items) if i.status != "a_faire"), None) or run.items[0]
    item.note = f"{item.note} ; {text}" if item.note else text
    db.update_item(run.session, run.candidate, item)


def extend(db: ExamDB, session_id: str, candidate: str, minutes: int, by: str) -> CandidateRun:
    """The trainer gives her `minutes` more (her deadline moves; said in the report's note)."""
    if not 0 < minutes <= MAX_EXTRA:
        raise UsageError(tr("exam.bad_extend", minutes=minutes, max=MAX_EXTRA))
    name = get_run(db, session_id, candidate).candidate
    with run_lock(session_id, name):
        run = get_run(db, session_id, name)
        if run.finished is not None:
            raise UsageError(tr("exam.finished", candidate=name, id=session_id))
        if run.due():
            raise UsageError(tr("exam.extend_late", candidate=name))
        db.set_deadline(session_id, name, run.deadline + minutes * 60.0, run.paused)
        _note(db, run, tr("exam.note_extended", minutes=minutes, by=by, at=time.strftime("%H:%M")))
    return get_run(db, session_id, name)


def pause(db: ExamDB, session_id: str, candidate: str, by: str, *, now: float | None = None) -> CandidateRun:
    """Her clock stops (her lab commands refused) until `resume`: her deadline moves by the pause."""
    name = get_run(db, session_id, candidate).candidate
    with run_lock(session_id, name):
        run = get_run(db, session_id, name)
        if run.finished is not None:
            raise UsageError(tr("exam.finished", candidate=name, id=session_id))
        if run.paused is not None:
            raise UsageError(tr("exam.already_paused", candidate=name))
        if run.due(now):
            raise UsageError(tr("exam.extend_late", candidate=name))
        db.set_deadline(session_id, name, run.deadline, time.time() if now is None else now)
        _note(db, run, tr("exam.note_paused", by=by, at=time.strftime("%H:%M")))
    return get_run(db, session_id, name)


def unpause(db: ExamDB, session_id: str, candidate: str, by: str, *, now: float | None = None) -> CandidateRun:
    """Her clock runs again; her deadline later by the time it was paused."""
    name = get_run(db, session_id, candidate).candidate
    with run_lock(session_id, name):
        run = get_run(db, session_id, name)
        if run.paused is None:
            raise UsageError(tr("exam.not_paused", candidate=name))
        t = time.time() if now is None else now
        lost = max(0.0, t - run.paused)
        db.set_deadline(session_id, name, run.deadline + lost, None)
        _note(db, run, tr("exam.note_resumed", by=by, at=time.strftime("%H:%M"), minutes=f"{lost / 60:.1f}"))
    return get_run(db, session_id, name)


def resume(
    db: ExamDB,
    session_id: str,
    candidate: str,
    *,
    progress: Progress = _quiet,
    watchdog: bool = True,
    keeper: int | None = None,
) -> Step:
    """The candidate comes back (another terminal, the client or the app killed or restarted):
    the deadline set at the start (the clock never restarts), the intervention in progress in
    its lab as it is (journal continued: it is the attempt's); if none is in progress (killed
    while a lab was being built), the next one is built. Past the deadline, the time-out first.
    A lab that died meanwhile: one French error saying what the jury or trainer can do."""
    session = get_session(db, session_id)
    name = get_run(db, session.id, candidate).candidate
    expire(db, session.id, name)
    run = get_run(db, session.id, name)
    if run.finished is not None:
        raise UsageError(tr("exam.finished", candidate=name, id=session.id))
    if keeper is not None:
        set_keeper(db, session.id, name, keeper)
    elif watchdog and watchdog_alive(run) is False:  # killed, or the machine restarted: the time-out needs one
        spawn_watchdog(db, session.id, name)
    with run_lock(session.id, name):
        run = get_run(db, session.id, name)
        item = run.current()
        if item is None or item.lab is None:
            started, item = _start_next(db, session, name, progress)
            return Step(None, started, item, False, get_run(db, session.id, name), resumed=True)
        try:
            lab, scenario, attempt = labrun.open_attempt(item.lab)
            if Path(str(attempt.dir)).name != item.attempt:
                raise SimError(tr("lab.unknown", lab=item.lab))
        except SimError as exc:
            raise SimError(
                tr("exam.lab_lost", lab=item.lab, index=item.index, candidate=name, id=session.id, why=exc)
            ) from None
    return Step(None, labrun.Started(lab, scenario, attempt), item, False, run, resumed=True)


def exam_item_of_lab(db: ExamDB, lab_id: str) -> tuple[str, str, int] | None:
    """(session, candidate, index) when the lab is an exam intervention's, else None."""
    from simulateur.lab.state import load_state

    try:
        state = load_state(lab_id)
    except SimError:
        return None
    return db.item_of_attempt(Path(state.attempt_dir).name) if state.attempt_dir else None


def probe(lab_id: str) -> Any:
    """Her lab's probes run now, for the trainer and the jury (never shown to her): the result
    is kept as her attempt's last check (the live page reads it); it is not a hand-in."""
    lab, scenario, attempt = labrun.open_attempt(lab_id)
    from simulateur.scoring import evaluate

    result = evaluate(scenario, lab, attempt.journal.entries(), attempt.qualification(), attempt.escalation())
    attempt.save_result(result)
    return result


def refuse_check_in_exam(db: ExamDB, lab_id: str) -> None:
    """`simulateur check LAB` prints the grid (expected qualification included): never for an
    exam's lab — the candidate hands in, the jury reads the grid."""
    where = exam_item_of_lab(db, lab_id)
    if where is not None:
        session_id, candidate, index = where
        raise UsageError(tr("exam.check_refused", lab=lab_id, index=index, candidate=candidate, id=session_id))


def submit(db: ExamDB, session_id: str, candidate: str, *, progress: Progress = _quiet) -> Step:
    """The candidate hands in the current intervention (scored as the lab is now, lab stopped);
    the next one is built if time remains. Past the deadline, it is the time-out instead."""

    def then(session: ExamSession, name: str, ended: Item | None) -> Step:
        started, item = _start_next(db, session, name, progress)
        return Step(ended, started, item, False, get_run(db, session.id, name))

    return _hand_in(db, session_id, candidate, then)


def _hand_in(
    db: ExamDB, session_id: str, candidate: str, then: Callable[[ExamSession, str, Item | None], Step]
) -> Step:
    """What submit and end_run share, under the run's lock: refuse a finished run, expire it past
    its deadline, else score the current intervention (« remise ») and go on with `then`."""
    session = get_session(db, session_id)
    name = get_run(db, session.id, candidate).candidate
    with run_lock(session.id, name):
        run = get_run(db, session.id, name)
        if run.finished is not None:
            raise UsageError(tr("exam.finished", candidate=name, id=session.id))
        if run.paused is not None:
            raise UsageError(tr("exam.paused", candidate=name, id=session.id))
        if run.due():
            ended = _expire_locked(db, session, run)
            return Step(ended, None, None, True, get_run(db, session.id, name))
        current = run.current()
        return then(session, name, _score(db, run, current, "remise") if current is not None else None)


def expire(db: ExamDB, session_id: str, candidate: str, *, now: float | None = None, keep: bool = False) -> bool:
    """At (or after) the deadline: the current intervention is scored as its lab is at this
    moment and the lab stopped — or, with `keep` (`simulateur serve`), frozen as it is for the
    jury where the machine can (lab.cgroups.freeze), stopped otherwise; interventions not
    started are « non traitées ». Idempotent."""
    session = get_session(db, session_id)
    with run_lock(session.id, candidate):
        run = db.run(session.id, candidate)
        if run is None or run.finished is not None:
            return False
        if not run.due(now):
            return False
        _expire_locked(db, session, run, keep=keep)
        return True


def sweep(db: ExamDB, session_id: str | None = None) -> int:
    """Expire every overdue run (the watchdog does it on time; this catches a killed watchdog).
    Only as root: checking and stopping a lab needs it (and a lab unreadable for lack of rights
    must not be taken for a lab that is gone). Only the runs of this machine: one placed on another
    lab machine (exam/machines.py) is that machine's to score, its lab is there."""
    if os.geteuid() != 0:
        return 0
    from simulateur.exam.machines import Machines, this_machine

    n = 0
    now = time.time()
    placed = Machines(db).placements(session_id)
    here = this_machine()
    for run in db.runs(session_id):
        where = placed.get((run.session, candidate_key(run.candidate)))
        if where is not None and where != here:
            continue
        if run.finished is None and run.due(now):
            n += expire(db, run.session, run.candidate)
    return n


def end_run(db: ExamDB, session_id: str, candidate: str) -> Step:
    """The trainer (or the candidate) ends the run early: the current intervention is handed
    in, those not started are « non traitées »."""

    def then(session: ExamSession, name: str, ended: Item | None) -> Step:
        _close(db, get_run(db, session.id, name))
        return Step(ended, None, None, False, get_run(db, session.id, name))

    return _hand_in(db, session_id, candidate, then)


def save_fiche(db: ExamDB, session_id: str, candidate: str, values: dict[str, str], index: int | None = None) -> Item:
    """The candidate's fiche d'intervention (the current one, or intervention `index`)."""
    run = get_run(db, session_id, candidate)
    if (
        run.finished is not None or run.paused is not None or time.time() >= run.deadline
    ):  # the deadline may be being held right now
        raise UsageError(tr("exam.fiche_closed", candidate=run.candidate))
    item = run.current() if index is None else next((i for i in run.items if i.index == index), None)
    if item is None or item.attempt is None:
        raise UsageError(
            tr("exam.no_current") if index is None else tr("exam.bad_index", index=index, n=len(run.items))
        )
    for name in values:
        if name not in FICHE_FIELDS:
            raise UsageError(tr("exam.bad_fiche_field", field=name, fields=", ".join(FICHE_FIELDS)))
    for name, value in values.items():
        db.store.save_fiche(item.attempt, name, value)
    return item


# --- inside the lock ---------------------------------------------------------------------------
def _start_next(
    db: ExamDB, session: ExamSession, name: str, progress: Progress
) -> tuple[labrun.Started | None, Item | None]:
    run = get_run(db, session.id, name)
    todo = run.next_todo()
    if todo is None or run.finished is not None:
        _close(db, run)
        return None, None
    if run.due():
        _expire_locked(db, session, run)
        return None, None
    iv = for_candidate(session, name)[todo.index - 1]
    try:
        if session.into_save is not None:
            started = _into_her_lab(session, run, name, iv, progress)
        else:
            started = _orphan(db, name, iv) or labrun.start(
                iv.scenario, iv.seed, candidate=name, progress=progress, variant=iv.variant
            )
    except SimError as exc:
        # Her intervention is lost, not her place: with another one to do she keeps it (her next
        # `exam start` builds it); with none left her run ends now, its place given back at once.
        todo.status, todo.ended, todo.note = "interrompue", time.time(), tr("exam.build_failed", why=exc)
        db.update_item(session.id, name, todo)
        run = get_run(db, session.id, name)
        if run.next_todo() is None:
            _close(db, run)
            raise SimError(tr("exam.build_failed_last", index=todo.index, why=exc, id=session.id)) from None
        raise SimError(tr("exam.build_failed_next", index=todo.index, why=exc, id=session.id)) from None
    assert iv.seed is not None  # for_candidate draws every candidate's seed
    info = started.attempt.info
    try:
        db.store.begin(
            attempt_id=info.id,
            scenario=started.scenario,
            seed=iv.seed,
            mode="examen",
            lab=started.lab.id,
            attempt_dir=started.attempt.dir,
            started=info.started,
            candidate=name,
            variant=iv.variant,
            owner_pid=_owner(run),
        )
        todo.status, todo.attempt, todo.lab, todo.started = "en_cours", info.id, started.lab.id, time.time()
        db.update_item(session.id, name, todo)
    except BaseException:
        labrun.stop(started.lab.id)
        raise
    return started, todo


def _her_lab(session: ExamSession, run: CandidateRun) -> str | None:
    """The lab restored from her saved phase préparatoire for an earlier intervention, still up."""
    from simulateur.lab.state import load_state

    for item in run.items:
        if item.lab is None:
            continue
        try:
            state = load_state(item.lab)
        except SimError:
            continue
        if (
            state.status == "ready"
            and state.restored_from
            and candidate_key(state.candidate or "") == candidate_key(run.candidate)
        ):
            return item.lab
    return None


def _into_her_lab(session: ExamSession, run: CandidateRun, name: str, iv: Any, progress: Progress) -> labrun.Started:
    """The intervention's faults applied to her own network: the lab she prepared, restored once
    (the first intervention) and kept for the next ones."""
    from simulateur.session import saved

    assert session.into_save is not None
    lab_id = _her_lab(session, run)
    if lab_id is None:
        lab, _ = saved.restore(session.into_save, candidate=name, progress=progress)
        lab_id = lab.id
    try:
        done = saved.inject(iv.scenario, lab_id, variant=iv.variant, candidate=name, seed=iv.seed, progress=progress)
    except BaseException:
        if not any(i.lab == lab_id for i in run.items):  # restored for nothing: not left running
            with contextlib.suppress(SimError, OSError):
                labrun.stop(lab_id)
        raise
    return labrun.Started(done.lab, done.scenario, done.attempt)


def _recorded(db: ExamDB, attempt_id: str) -> bool:
    """Taken over already: by an exam, or by a process that owns it (the app)."""
    rec = db.store.attempt(attempt_id)
    return rec is not None and (
        rec.mode == "examen" or rec.owner_pid is not None or db.item_of_attempt(attempt_id) is not None
    )


def _orphan(db: ExamDB, name: str, iv: Any) -> labrun.Started | None:
    """A lab built for this very intervention whose builder was killed between « ready » and
    recording it (a `exam start` killed at that moment): the candidate's, with this
    intervention's scenario, seed and variant, ready, its attempt not taken over by an exam yet
    (recorded as the engine records every attempt, no process owning it, in no exam). Taken
    over rather than left running beside a second one (we hold the run's lock: no other
    command of this candidate is building)."""
    from simulateur.lab.state import list_lab_ids, load_state

    attempts = (data_dir() / "attempts").resolve()
    for lab_id in list_lab_ids():
        try:
            state = load_state(lab_id)
        except SimError:
            continue
        # Only a lab whose attempt is in our own data (never another store's lab, however alike).
        if (
            state.status != "ready"
            or not state.attempt_dir
            or Path(state.attempt_dir).resolve().parent != attempts
            or state.scenario != iv.scenario
            or state.seed != iv.seed
            or candidate_key(state.candidate or "") != candidate_key(name)
            or state.params.get("variante") != iv.variant
            or _recorded(db, Path(state.attempt_dir).name)
        ):
            continue
        try:
            lab, scenario, attempt = labrun.open_attempt(lab_id)
        except SimError:
            continue
        return labrun.Started(lab, scenario, attempt)
    return None


def _owner(run: CandidateRun) -> int:
    """The process that owns the candidate's labs: the watchdog (alive until the run ends), so
    the app's orphan reaper never takes a lab whose candidate command has already exited."""
    if run.watchdog_pid is not None and watchdog_alive(run) is True:  # alive, and on this machine
        return run.watchdog_pid
    return os.getpid()


def _score(db: ExamDB, run: CandidateRun, item: Item, status: ItemStatus, keep: bool = False) -> Item:
    """Check the lab as it is now, store the verdicts, stop the lab (its files are kept) — or,
    with `keep`, freeze it as it is for the jury (stopped if it cannot be frozen)."""
    when = time.time()
    assert item.lab is not None and item.attempt is not None
    result, why = None, ""
    if _lab_is_ours(item):
        from simulateur.lab import cgroups

        if cgroups.frozen(item.lab):  # frozen by a scoring the store cut short: thawed to be checked as it was
            cgroups.thaw(item.lab)
        try:
            result, _ = labrun.check(item.lab)
        except Exception as exc:  # noqa: BLE001 — recorded on the intervention; the lab is still stopped
            why = str(exc) or type(exc).__name__
    if result is not None:
        db.store.submit(item.attempt, result, submitted=when)
    else:
        db.store.set_status(item.attempt, "interrompue")
        status = "interrompue"
        item.note = tr("exam.check_failed", why=why) if why else tr("exam.lab_gone", lab=item.lab)
    if _lab_is_ours(item):
        from simulateur.lab import cgroups

        if keep and result is not None and cgroups.freeze(item.lab):
            item.note = (item.note + " " if item.note else "") + tr("exam.lab_kept", lab=item.lab)
        elif _shared(db, run, item):
            pass  # her own prepared lab: the next intervention goes into it (stopped by _close)
        else:
            with contextlib.suppress(SimError, OSError):
                labrun.stop(item.lab)
    item.status, item.ended = status, when
    db.update_item(run.session, run.candidate, item)
    return item


def _lab_is_ours(item: Item) -> bool:
    """The lab still is this intervention's (a lab id reused after a reboot is never touched)."""
    from simulateur.lab.state import load_state

    try:
        state = load_state(item.lab or "")
    except SimError:
        return False
    return bool(state.attempt_dir and Path(state.attempt_dir).name == item.attempt)


def _expire_locked(db: ExamDB, session: ExamSession, run: CandidateRun, keep: bool = False) -> Item | None:
    current = run.current()
    ended = _score(db, run, current, "temps_ecoule", keep) if current is not None else None
    _close(db, get_run(db, session.id, run.candidate))
    return ended


def _shared(db: ExamDB, run: CandidateRun, item: Item) -> bool:
    """Her restored lab, with another intervention still to inject into it."""
    session = db.session(run.session)
    return (
        session is not None
        and session.into_save is not None
        and any(i.status == "a_faire" and i.index != item.index for i in run.items)
    )


def _close(db: ExamDB, run: CandidateRun) -> None:
    """The run is over: what was never started is « non traitée »; her restored lab is stopped."""
    for item in run.items:
        if item.status == "a_faire":
            item.status = "non_traitee"
            db.update_item(run.session, run.candidate, item)
    session = db.session(run.session)
    if session is not None and session.into_save is not None:
        lab = _her_lab(session, run)
        if lab is not None:
            with contextlib.suppress(SimError, OSError):
                labrun.stop(lab)
    db.finish_run(run.session, run.candidate, time.time())


def release(db: ExamDB, session_id: str, candidate: str) -> list[Item]:
    """The jury is done with a candidate's labs kept at the deadline: stopped (their evidence
    stays in the attempts). Returns the interventions whose lab was stopped."""
    from simulateur.lab.state import list_lab_ids

    session = get_session(db, session_id)
    name = get_run(db, session.id, candidate).candidate
    out = []
    with run_lock(session.id, name):
        run = get_run(db, session.id, name)
        running = set(list_lab_ids())
        for item in run.items:
            if item.status in ENDED and item.lab in running and _lab_is_ours(item):
                with contextlib.suppress(SimError, OSError):
                    labrun.stop(item.lab)
                out.append(item)
    if not out:
        raise UsageError(tr("exam.nothing_kept", candidate=name, id=session.id))
    return out


def is_over(run: CandidateRun) -> bool:
    return run.finished is not None or all(i.status in ENDED for i in run.items)


# --- the watchdog ------------------------------------------------------------------------------
def watchdog_alive(run: CandidateRun) -> bool | None:
    """Whether the run's watchdog runs. None: it is another machine's (a store shared by several lab
    machines) — not ours to judge from a PID; that machine does. A reboot of this one ended it."""
    from simulateur.store import machine

    return machine.alive(run.watchdog_pid, run.watchdog_start, run.watchdog_machine)


def set_keeper(db: ExamDB, session_id: str, candidate: str, pid: int) -> None:
    """Record `pid` (the service) as the process holding the run's deadline, and owning the lab
    in progress (the app's orphan reaper never takes it while that process lives)."""
    from simulateur.store.machine import process_start

    db.set_watchdog(session_id, candidate, pid, process_start(pid))
    run = db.run(session_id, candidate)
    current = run.current() if run is not None else None
    if current is not None and current.attempt is not None:
        db.store.set_owner(current.attempt, pid)


def spawn_watchdog(db: ExamDB, session_id: str, candidate: str, wait: float = 15.0) -> int | None:
    """Start the run's watchdog (a process of ours that detaches, records its own PID, scores
    the lab at the deadline and exits when the run is over). Returns its PID once recorded."""
    log = exams_dir() / "watchdog.log"
    with log.open("ab") as out:
        first = subprocess.Popen(
            [sys.executable, "-m", "simulateur.exam.watchdog", session_id, candidate],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            close_fds=True,
        )
    first.wait(timeout=60)  # it forks the watchdog and exits at once
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        run = db.run(session_id, candidate)
        if run is not None and run.watchdog_pid is not None:
            return run.watchdog_pid
        time.sleep(0.05)
    print(tr("exam.watchdog_late"), file=sys.stderr)
    return None


# --- the jury ----------------------------------------------------------------------------------
@dataclass
class SheetItem:
    """One started intervention, what the jury may mark in it and what it has marked."""

    item: Item
    title: str
    criteria: list  # list[jury.JuryCriterion]
    marks: dict  # criterion id → JuryMark


def jury_sheet(db: ExamDB, session_id: str, candidate: str) -> list[SheetItem]:
    from simulateur.exam.jury import jury_criteria

    session = get_session(db, session_id)
    run = get_run(db, session.id, candidate)
    marks = db.jury(session.id, run.candidate)
    out = []
    for item in run.items:
        if item.attempt is None:
            continue
        scenario = db.store.scenario(item.attempt)
        if scenario is None:
            continue
        out.append(
            SheetItem(
                item,
                session.interventions[item.index - 1].title,
                jury_criteria(scenario),
                {m.criterion: m for m in marks if m.index == item.index},
            )
        )
    return out


def jury_mark(
    db: ExamDB,
    session_id: str,
    candidate: str,
    *,
    criterion: str,
    verdict: str,
    comment: str = "",
    index: int | None = None,
    by: str = "",
    seen: str | None = None,
) -> tuple[int, str]:
    """The jury's verdict on one criterion of one intervention; returns (index, criterion).
    Against a decided automatic verdict (an override) a comment — its motive — is required; a
    signed grid takes no more marks; a mark another member changed since `seen` (the version
    the page showed; None: only another member's mark) is not overwritten: all say why."""
    from simulateur.exam.jury import check_mark, is_override, parts
    from simulateur.exam.models import JuryMark

    if verdict not in ("acquis", "non_acquis"):
        raise UsageError(tr("exam.jury_bad_verdict", verdict=verdict))
    sheet = jury_sheet(db, session_id, candidate)
    if not sheet:
        raise UsageError(tr("exam.jury_nothing", candidate=candidate))
    if index is None:
        having = [
            s
            for s in sheet
            if any(c.id == criterion for c in s.criteria)
            or any(r.id == criterion for r in db.store.criteria(s.item.attempt or ""))
        ]
        if len(having) > 1:
            raise UsageError(
                tr("exam.jury_which", criterion=criterion, indexes=", ".join(str(s.item.index) for s in having))
            )
        target = having[0] if having else sheet[0]
    else:
        found = next((s for s in sheet if s.item.index == index), None)
        if found is None:
            raise UsageError(tr("exam.jury_not_started", index=index))
        target = found
    scenario = db.store.scenario(target.item.attempt or "")
    assert scenario is not None
    check_mark(scenario, criterion, target.item.index)
    run = get_run(db, session_id, candidate)
    _not_signed(db, session_id, run.candidate)
    rec = next((r for r in db.store.criteria(target.item.attempt or "") if r.id == criterion), None)
    if rec is not None:
        has_jury, has_auto = parts(rec, scenario)
        if has_auto and is_override(rec.verdict, has_jury, verdict) and not comment.strip():
            raise UsageError(
                tr(
                    "exam.jury_override_needs_comment",
                    criterion=criterion,
                    index=target.item.index,
                    auto=_label(rec.verdict),
                    jury=_label(verdict),
                )
            )
        if not has_jury and rec.verdict not in ("acquis", "non_acquis"):
            raise UsageError(tr("exam.jury_automatic", criterion=criterion, index=target.item.index))
    mark = JuryMark(
        index=target.item.index,
        criterion=criterion,
        verdict=verdict,
        comment=comment.strip(),
        by=by,
    )
    current, sig = db.mark_jury(session_id, run.candidate, mark, seen)
    if sig is not None:
        raise UsageError(_signed_text(sig))
    if current is not None and current.t == 0.0:
        raise UsageError(tr("exam.jury_conflict_removed", criterion=criterion, index=target.item.index))
    if current is not None:
        raise UsageError(
            tr(
                "exam.jury_conflict",
                criterion=criterion,
                index=target.item.index,
                by=current.by or "?",
                verdict=_label(current.verdict),
                when=time.strftime("%H:%M:%S", time.localtime(current.t)),
                comment=f" (« {current.comment} »)" if current.comment else "",
                version=current.version,
            )
        )
    return target.item.index, criterion


def _label(verdict: str) -> str:
    from simulateur.scoring import VERDICT_LABELS

    return VERDICT_LABELS.get(verdict, verdict)


def _signed_text(sig: Any) -> str:
    return tr("exam.jury_signed", by=sig.by, when=time.strftime(tr("fmt.datetime"), time.localtime(sig.t)))


def _not_signed(db: ExamDB, session_id: str, candidate: str) -> None:
    sig = db.signature(session_id, candidate)
    if sig is not None:
        raise UsageError(_signed_text(sig))


def sign(db: ExamDB, session_id: str, candidate: str, by: str) -> Any:
    """Sign her grid (a finished examen only): frozen from now on. Signed already: says by whom."""
    session = get_session(db, session_id)
    run = get_run(db, session.id, candidate)
    if run.finished is None:
        raise UsageError(tr("exam.sign_not_finished", candidate=run.candidate, id=session.id))
    sig, new = db.sign(session.id, run.candidate, by)
    if not new:
        raise UsageError(_signed_text(sig))
    return sig


def jury_clear(db: ExamDB, session_id: str, candidate: str, index: int, criterion: str) -> None:
    """Remove the jury's mark on one criterion (not on a signed grid)."""
    run = get_run(db, session_id, candidate)
    _not_signed(db, session_id, run.candidate)
    db.clear_jury(session_id, run.candidate, index, criterion)


def jury_comment(db: ExamDB, session_id: str, candidate: str, index: int, comment: str) -> Item:
    """The jury's free comment on a whole intervention."""
    run = get_run(db, session_id, candidate)
    item = next((i for i in run.items if i.index == index), None)
    if item is None:
        raise UsageError(tr("exam.bad_index", index=index, n=len(run.items)))
    _not_signed(db, session_id, run.candidate)
    with run_lock(session_id, run.candidate):
        item = next(i for i in get_run(db, session_id, run.candidate).items if i.index == index)
        item.comment = comment.strip()
        db.update_item(session_id, run.candidate, item)
    return item
