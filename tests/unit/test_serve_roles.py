"""The service's decisions, without a service: who may run which command, on whose behalf (the
refusals themselves, on real accounts and labs, are in tests/integration/test_serve.py)."""

from __future__ import annotations

import argparse

import pytest

from simulateur.cli import build_parser
from simulateur.errors import UsageError
from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.exam.models import ExamSession, Intervention
from simulateur.serve import client, roles


@pytest.fixture
def db() -> ExamDB:
    return ExamDB()


def _session(db: ExamDB, roster: dict[str, str]) -> str:
    iv = Intervention(
        index=1, scenario="dhcp-serveur-arrete", title="DHCP", referentiel="TAI", competences=[], duration=20
    )
    return db.create_session(
        lambda sid: ExamSession(id=sid, seed=1, count=1, minutes=10, interventions=[iv], roster=roster)
    ).id


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def peer(login: str, *groups: str, uid: int = 1234) -> roles.Peer:
    return roles.Peer(uid, uid, 99, login, set(groups))


@pytest.fixture
def groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATEUR_TRAINER_GROUP", "form")
    monkeypatch.setenv("SIMULATEUR_JURY_GROUP", "jury")


def test_a_candidate_acts_only_for_herself(db: ExamDB, groups: None) -> None:
    sid = _session(db, {"Alice Martin": "alice", "Bruno Petit": "bruno"})
    alice = peer("alice")
    d = roles.decide(alice, _args("exam", "start", sid), db, set())
    assert d.overrides["candidate"] == "Alice Martin" and d.overrides["user_scenarios"] is None
    d = roles.decide(
        alice, _args("exam", "fiche", sid, "--candidate", "  alice  MARTIN", "--set", "cause=x"), db, set()
    )
    assert d.candidate == "Alice Martin"
    with pytest.raises(roles.Refused, match="que pour vous-même"):
        roles.decide(alice, _args("exam", "submit", sid, "--candidate", "Bruno Petit"), db, set())
    for argv in (
        ("exam", "jury", sid, "--candidate", "Alice Martin"),
        ("exam", "show", sid),
        ("report", sid, "--candidate", "Alice Martin"),
        ("attempts",),
        ("exam", "list"),
        ("exam", "new"),
        ("exam", "roster", sid, "--add", "X"),
        ("exam", "audit"),
        ("check", "lab1"),
    ):
        with pytest.raises(roles.Refused, match=r"\(candidat\)"):
            roles.decide(alice, _args(*argv), db, set())


def test_strangers_sessions_and_labs(db: ExamDB, groups: None) -> None:
    sid = _session(db, {"Alice Martin": "alice"})
    with pytest.raises(roles.Refused, match="pas sur la liste"):
        roles.decide(peer("zoe"), _args("exam", "start", sid), db, set())
    with pytest.raises(roles.Refused, match="n'existe pas"):
        roles.decide(peer("alice"), _args("exam", "start", "eb99"), db, set())
    with pytest.raises(roles.Refused, match="n'est pas celui de votre intervention"):
        roles.decide(peer("alice"), _args("exec", "nolab9", "poste", "--", "id"), db, set())


def test_trainer_and_jury(db: ExamDB, groups: None) -> None:
    sid = _session(db, {"Alice Martin": "alice"})
    trainer, jury = peer("tom", "form"), peer("jade", "jury")
    assert roles.decide(trainer, _args("exam", "new", "--candidate", "A=alice"), db, set()).verb == "exam new"
    assert roles.decide(trainer, _args("exam", "roster", sid, "--add", "B"), db, set()).verb == "exam roster"
    with pytest.raises(roles.Refused, match=r"\(formateur\)"):
        roles.decide(trainer, _args("exam", "jury", sid, "--candidate", "Alice Martin"), db, set())
    with pytest.raises(roles.Refused, match=r"\(jury\)"):
        roles.decide(jury, _args("exam", "new"), db, set())
    d = roles.decide(jury, _args("report", sid, "--candidate", "Alice Martin", "-o", "/etc/passwd"), db, set())
    assert d.overrides["output"] == "-"  # written by the client, on its own file, never by root
    with pytest.raises(roles.Refused):
        roles.decide(jury, _args("exec", "lab1", "poste", "--", "id"), db, set())
    with pytest.raises(roles.Refused):  # nobody but a candidate starts a run through the service
        roles.decide(trainer, _args("exam", "start", sid, "--candidate", "Alice Martin"), db, set())


def test_time_and_probe_verbs_are_the_trainers_and_the_jurys(db: ExamDB, groups: None) -> None:
    sid = _session(db, {"Alice Martin": "alice"})
    trainer, jury, alice = peer("tom", "form"), peer("jade", "jury"), peer("alice")
    for verb in (["extend", "--minutes", "5"], ["pause"], ["resume"]):
        argv = ("exam", verb[0], sid, "--candidate", "Alice Martin", *verb[1:])
        assert roles.decide(trainer, _args(*argv), db, set()).overrides["by"] == "tom"
        with pytest.raises(roles.Refused, match=r"\(jury\)"):
            roles.decide(jury, _args(*argv), db, set())
        with pytest.raises(roles.Refused):
            roles.decide(alice, _args(*argv), db, set())
    probe = ("exam", "probe", sid, "--candidate", "Alice Martin")
    assert roles.decide(jury, _args(*probe), db, set()).verb == "exam probe"
    assert roles.decide(trainer, _args(*probe), db, set()).verb == "exam probe"
    with pytest.raises(roles.Refused):  # her probes are never hers to see
        roles.decide(alice, _args(*probe), db, set())
    with pytest.raises(roles.Refused):
        roles.decide(alice, _args("exam", "roster", sid, "--csv", "/etc/passwd"), db, set())


def test_every_forwarded_command_has_a_verb() -> None:
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    seen = 0
    for name, sub in subs.choices.items():
        inner = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        for p in [*inner[0].choices.values()] if inner else [sub]:
            ns = argparse.Namespace(**{a.dest: a.default for a in p._actions if a.dest != "help"})
            func = p._defaults.get("func")
            if func is None:
                continue
            ns.func = func
            if client.forwarded(ns):
                seen += 1
                assert roles.verb_of(ns) is not None, (name, func.__name__)
    assert seen >= 18
    assert not client.forwarded(_args("list")) and not client.forwarded(_args("start", "x"))


def test_roster_lines() -> None:
    assert core.parse_roster(["Alice Martin=root", "Bruno Petit"]) == {"Alice Martin": "root", "Bruno Petit": ""}
    with pytest.raises(UsageError, match="n'existe pas"):
        core.parse_roster(["Alice=pas-de-compte-ainsi"])
    with pytest.raises(UsageError, match="deux fois"):
        core.parse_roster(["Alice Martin", "alice  martin"])
    with pytest.raises(UsageError, match="deux fois"):
        core.parse_roster(["A=root", "B=root"])


def test_roster_checked_at_start(db: ExamDB) -> None:
    sid = _session(db, {"Alice Martin": "root"})
    with pytest.raises(UsageError, match="pas sur la liste"):
        core.start_candidate(db, sid, "Zoé Inconnue", watchdog=False)
    core.add_to_roster(db, sid, ["Zoé Inconnue"])
    assert db.session(sid).login_of("zoé  inconnue") == ""
    with pytest.raises(UsageError, match="deux fois"):
        core.add_to_roster(db, sid, ["Alice Martin"])


def test_the_entretien_is_the_jurys(db: ExamDB, groups: None) -> None:
    sid = _session(db, {"Alice Martin": "alice"})
    trainer, jury, alice = peer("tom", "form"), peer("jade", "jury"), peer("alice")
    guide = ("exam", "entretien", sid, "--candidate", "Alice Martin")
    mark = (*guide, "--question", "1", "--verdict", "acquis")
    assert client.forwarded(_args(*guide))
    d = roles.decide(jury, _args(*mark), db, set())
    assert d.verb == "exam entretien" and d.overrides["jury_login"] == "jade"  # who marked: the kernel's word
    with pytest.raises(roles.Refused, match=r"\(candidat\)"):
        roles.decide(alice, _args(*guide), db, set())  # never her own guide: it holds the answers
    with pytest.raises(roles.Refused, match=r"\(formateur\)"):
        roles.decide(trainer, _args(*mark), db, set())


def test_the_epreuve_is_the_trainers_and_the_jurys(db: ExamDB, groups: None) -> None:
    trainer, jury, alice = peer("tom", "form"), peer("jade", "jury"), peer("alice")
    start = ("epreuve", "start", "--format", "ccp2", "--candidate", "Alice Martin")
    assert client.forwarded(_args(*start)) and client.forwarded(_args("epreuve", "next", "ep1"))
    assert not client.forwarded(_args("epreuve", "formats"))  # nothing of the store: run where typed
    assert roles.decide(trainer, _args(*start), db, set()).verb == "epreuve start"
    with pytest.raises(roles.Refused, match=r"\(jury\)"):
        roles.decide(jury, _args(*start), db, set())
    d = roles.decide(jury, _args("epreuve", "final", "ep1", "--comment", "x"), db, set())
    assert d.overrides["jury_login"] == "jade"
    with pytest.raises(roles.Refused, match=r"\(formateur\)"):
        roles.decide(trainer, _args("epreuve", "final", "ep1", "--comment", "x"), db, set())
    d = roles.decide(jury, _args("epreuve", "report", "ep1", "-o", "/etc/x"), db, set())
    assert d.overrides["output"] == "-"  # never a file written by the service
    for argv in (
        start,
        ("epreuve", "next", "ep1"),
        ("epreuve", "status", "ep1"),
        ("epreuve", "report", "ep1"),
        ("epreuve", "list"),
    ):
        with pytest.raises(roles.Refused, match=r"\(candidat\)"):
            roles.decide(alice, _args(*argv), db, set())
