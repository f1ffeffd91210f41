"""Who is asking and what they may do. The peer is the kernel's word (SO_PEERCRED: uid, gid,
pid), never the client's: roles come from the Unix account — root (everything), the trainers'
group (sessions, rosters), the jury's group (sheets, marks, reports), and a candidate is the
login written on her roster line (her own run, her own current lab, nothing else)."""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import time
from dataclasses import dataclass, field
from typing import Any

from simulateur.errors import SimError
from simulateur.exam.db import ExamDB, candidate_key
from simulateur.exam.models import ExamSession
from simulateur.i18n import tr


def trainer_group() -> str:
    return os.environ.get("SIMULATEUR_TRAINER_GROUP", "simulateur-formateurs")


def jury_group() -> str:
    return os.environ.get("SIMULATEUR_JURY_GROUP", "simulateur-jury")


class Refused(SimError):
    """The peer's role lacks the right: one French line, exit code 3."""

    exit_code = 3


@dataclass
class Peer:
    uid: int
    gid: int
    pid: int
    login: str
    groups: set[str] = field(default_factory=set)
    #: A peer of the network API (uid -1, no Unix account): its address, the roles of its account
    #: (« formateur », « jury »), or the session and name its candidate's code gives.
    address: str = ""
    granted: frozenset[str] = frozenset()
    code: tuple[str, str] | None = None

    @property
    def root(self) -> bool:
        return self.uid == 0

    @property
    def trainer(self) -> bool:
        return self.root or trainer_group() in self.groups or "formateur" in self.granted

    @property
    def jury(self) -> bool:
        return self.root or jury_group() in self.groups or "jury" in self.granted

    def candidate_in(self, session: ExamSession) -> str | None:
        """Her name in this session: her Unix login's roster line, or her code's (a network peer
        is never taken for a Unix account of the same name)."""
        if self.uid < 0:
            if self.code is None or self.code[0] != session.id:
                return None
            return next((n for n in session.roster if candidate_key(n) == self.code[1]), None)
        return session.name_of_login(self.login)

    def role(self) -> str:
        if self.root:
            return "root"
        roles = [r for r, ok in (("formateur", self.trainer), ("jury", self.jury)) if ok]
        if self.uid < 0 and not roles and self.code is None:
            return tr("roles.unknown_network")  # a login that failed
        return ("+".join(roles) or "candidat") + (tr("roles.network") if self.address else "")


def identify(uid: int, gid: int, pid: int) -> Peer:
    try:
        login = pwd.getpwuid(uid).pw_name
    except KeyError:
        return Peer(uid, gid, pid, f"#{uid}")
    names = set()
    for g in os.getgrouplist(login, gid):
        try:
            names.add(grp.getgrgid(g).gr_name)
        except KeyError:
            continue
    return Peer(uid, gid, pid, login, names)


@dataclass
class Decision:
    """What the service will run: the verb (for the audit), the run it acts on, the values it
    forces on the parsed command (a candidate's name is the roster's, never hers to choose)."""

    verb: str
    session: str | None = None
    candidate: str | None = None
    lab: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    interactive: bool = False  # exec or shell: ended when the client goes, closed at the deadline


E = "simulateur.exam.cli."
C = "simulateur.cli."
#: Every command the client forwards, by its function, and its verb.
VERBS = {
    E + "cmd_start": "exam start",
    E + "cmd_submit": "exam submit",
    E + "cmd_end": "exam end",
    E + "cmd_fiche": "exam fiche",
    E + "cmd_status": "exam status",
    E + "cmd_new": "exam new",
    E + "cmd_list": "exam list",
    E + "cmd_show": "exam show",
    E + "cmd_roster": "exam roster",
    E + "cmd_audit": "exam audit",
    E + "cmd_codes": "exam codes",
    E + "cmd_expire": "exam expire",
    E + "cmd_release": "exam release",
    E + "cmd_jury": "exam jury",
    E + "cmd_report": "report",
    E + "cmd_attempts": "attempts",
    E + "cmd_sign": "exam sign",
    E + "cmd_extend": "exam extend",
    E + "cmd_pause": "exam pause",
    E + "cmd_resume": "exam resume",
    E + "cmd_probe": "exam probe",
    "simulateur.entretien.cli.cmd_entretien": "exam entretien",
    C + "cmd_shell": "shell",
    C + "cmd_exec": "exec",
    C + "cmd_qualify": "qualify",
    C + "cmd_escalate": "escalate",
    C + "cmd_cable": "cable",
    C + "cmd_check": "check",
}
Q = "simulateur.quiz.examcli."
VERBS |= {
    Q + "cmd_quiz": "exam quiz",
    Q + "cmd_quiz_start": "exam quiz-start",
    Q + "cmd_quiz_answer": "exam quiz-answer",
    Q + "cmd_quiz_submit": "exam quiz-submit",
    Q + "cmd_quiz_mark": "exam quiz-mark",
}
P = "simulateur.epreuve.cli."
VERBS |= {
    P + "cmd_start": "epreuve start",
    P + "cmd_next": "epreuve next",
    P + "cmd_status": "epreuve status",
    P + "cmd_final": "epreuve final",
    P + "cmd_report": "epreuve report",
    P + "cmd_list": "epreuve list",
}
CANDIDATE_EXAM = {"exam start", "exam submit", "exam end", "exam fiche", "exam status"}
CANDIDATE_EXAM |= {"exam quiz", "exam quiz-start", "exam quiz-answer", "exam quiz-submit"}
#: Values forced on a candidate's own command: her questionnaire never with its expected answers.
CANDIDATE_FORCED: dict[str, dict[str, Any]] = {"exam quiz": {"correction": False}}
CANDIDATE_LAB = {"shell", "exec", "qualify", "escalate", "cable"}
TRAINER = {
    "exam new",
    "exam list",
    "exam show",
    "exam end",
    "exam roster",
    "exam audit",
    "exam release",
    "exam codes",
    "attempts",
}
TRAINER |= {"exam extend", "exam pause", "exam resume", "exam probe"}
#: Verbs that act on a candidate's labs: run by the service of the machine her examen is placed on.
ON_HER_MACHINE = {"exam start", "exam submit", "exam end", "exam release"}
ON_HER_MACHINE |= {"exam probe"}
JURY = {"exam list", "exam show", "exam jury", "report", "attempts", "exam audit", "exam release"}
JURY |= {"exam probe", "exam sign", "exam entretien"}
JURY |= {"exam quiz", "exam quiz-mark"}
TRAINER |= {"exam quiz"}
#: Verbs that record who did them: the peer's login, never the client's word.
SIGNED_BY = {"exam jury", "exam sign", "exam entretien"}
SIGNED_BY |= {"exam quiz-mark", "epreuve final"}
#: The épreuve blanche: the trainer creates and opens phases; the jury opens the phases held
#: before it, writes the entretien final's form and reads the grid. A candidate runs none of these:
#: her phases' own verbs are the examen's and the questionnaire's.
TRAINER |= {"epreuve start", "epreuve next", "epreuve status", "epreuve report", "epreuve list"}
JURY |= {"epreuve next", "epreuve status", "epreuve final", "epreuve report", "epreuve list"}


def verb_of(args: argparse.Namespace) -> str | None:
    func = getattr(args, "func", None)
    return None if func is None else VERBS.get(f"{func.__module__}.{func.__name__}")


def decide(peer: Peer, args: argparse.Namespace, db: ExamDB, frozen: set[tuple[str, str]]) -> Decision:
    """The Decision for this peer and command, or Refused. Checked by the service before anything
    runs; `frozen`: the runs whose deadline the service is holding right now."""
    verb = verb_of(args)
    if verb is None:
        raise Refused(tr("serve.not_served"))
    forced: dict[str, Any] = {"user_scenarios": None}  # root never loads a user's scenario files
    session_id = getattr(args, "session", None) if verb.startswith("exam ") else None
    if verb in CANDIDATE_EXAM and session_id is not None:
        session = db.session(session_id)
        mine = peer.candidate_in(session) if session is not None and not peer.root else None
        if mine is not None:
            asked = getattr(args, "candidate", None)
            if asked is not None and candidate_key(asked) != candidate_key(mine):
                raise Refused(tr("serve.not_yours"))
            forced["candidate"] = mine
            forced.update(CANDIDATE_FORCED.get(verb, {}))
            return Decision(verb, session_id, mine, overrides=forced)
    if verb in CANDIDATE_LAB:
        return _lab_verb(peer, args, db, frozen, verb, forced)
    if peer.root or (verb in TRAINER and peer.trainer) or (verb in JURY and peer.jury):
        if verb in ("report", "attempts", "epreuve report"):
            forced["output"] = "-" if getattr(args, "output", None) is not None else None
        if verb in ("exam extend", "exam pause", "exam resume"):
            forced["by"] = peer.login  # said in her report's note: who, not what he typed
        if verb in SIGNED_BY:
            forced["jury_login"] = peer.login
        named = getattr(args, "candidate", None)
        return Decision(verb, session_id, named if isinstance(named, str) else None, overrides=forced)
    if verb in CANDIDATE_EXAM:
        if db.session(session_id or "") is None:
            raise Refused(tr("serve.unknown_session", id=session_id))
        if peer.trainer or peer.jury:  # not « your account is not on the roster »: a trainer asks for a candidate
            raise Refused(tr("serve.candidate_only", verb=verb, role=peer.role(), id=session_id))
        raise Refused(tr("serve.not_candidate", id=session_id, login=peer.login))
    raise Refused(tr("serve.role", verb=verb, role=peer.role()))


def _lab_verb(
    peer: Peer, args: argparse.Namespace, db: ExamDB, frozen: set[tuple[str, str]], verb: str, forced: dict[str, Any]
) -> Decision:
    """A candidate's command on a lab: only her current intervention's lab, before her deadline."""
    from simulateur.exam.core import exam_item_of_lab

    lab = str(args.lab)
    where = exam_item_of_lab(db, lab)
    session = db.session(where[0]) if where is not None else None
    mine = peer.candidate_in(session) if session is not None else None
    if where is None and _was_hers(peer, db, lab):
        raise Refused(tr("serve.time_over", lab=lab))
    if where is None or mine is None or candidate_key(mine) != candidate_key(where[1]):
        raise Refused(tr("serve.not_your_lab", lab=lab))  # whose it is, if anyone's, is not said
    session_id, name, index = where
    run = db.run(session_id, name)
    item = next((i for i in run.items if i.index == index), None) if run is not None else None
    if (
        run is None
        or run.finished is not None
        or time.time() >= run.deadline
        or (session_id, candidate_key(name)) in frozen
    ):
        raise Refused(tr("serve.time_over", lab=lab))
    if run.paused is not None:
        raise Refused(tr("serve.paused", lab=lab))
    if item is None or item.status != "en_cours":
        raise Refused(tr("serve.not_current", lab=lab))
    return Decision(verb, session_id, name, lab, overrides=forced, interactive=verb in ("exec", "shell"))


def _was_hers(peer: Peer, db: ExamDB, lab: str) -> bool:
    """The lab, gone now, was one of her interventions' (scored at her deadline, or handed in)."""
    for session in db.sessions():
        name = peer.candidate_in(session)
        run = db.run(session.id, name) if name is not None else None
        if run is not None and any(i.lab == lab and i.status != "en_cours" for i in run.items):
            return True
    return False
