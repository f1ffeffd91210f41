"""`simulateur exam quiz …`: an examen blanc's candidate takes her questionnaire professionnel
(quiz-start, quiz-answer, quiz-submit: hers only, through the service), everyone allowed reads it
(quiz), the jury marks her open answers (quiz-mark, signed with the juror's login). Registered by
simulateur.exam.cli under `exam`; thin: simulateur.quiz.examquiz does the work."""

from __future__ import annotations

import argparse
import json
from typing import Any

from simulateur.i18n import tr, trn


def _db() -> Any:
    from simulateur.exam.clicommon import exam_db

    return exam_db()


def _num(x: float) -> str:
    from simulateur.quiz.view import num

    return num(x)


def render(v: dict[str, Any]) -> str:
    """Her paper as text (the same as the pages show)."""
    from simulateur.quiz.view import left, when

    if not v["started"]:
        return tr("quiz.exam.none_yet", candidate=v["candidate"], id=v["session"], minutes=v["minutes"])
    out = [tr("quiz.exam.head", id=v["id"], candidate=v["candidate"], session=v["session"], count=len(v["questions"]))]
    if v["submitted"] is not None:
        out.append(tr("quiz.head.closed", when=when(v["submitted"])))
    elif v["done"]:
        out.append(tr("quiz.exam.timeout", deadline=when(v["deadline"])))
    else:
        out.append(trn("quiz.exam.open", v["answered"], left=left(v["remaining"]), count=len(v["questions"])))
    for q in v["questions"]:
        out += ["", f"{q['number']}. [{q['competence']}] {q['text']}", f"   ({q['hint']}, {_num(q['points'])} pt)"]
        out += [f"   {letter}. {text}" for letter, text in q["choices"]]
        out.append(tr("quiz.given", given=q["given"]) if q["given"] is not None else tr("quiz.not_given"))
        if "verdict" in q:
            got = "" if q["got"] is None else f" — {_num(q['got'])} / {_num(q['points'])}"
            line = f"   {q['verdict_label']}{got}"
            if "expected" in q:
                line += f" — {tr('quiz.exam.expected')} : {q['expected']}"
            if q.get("jury_by"):
                line += f" ({q['jury_by']})"
            out.append(line)
    if "result" in v:
        out += ["", tr("quiz.result.head")]
        for r in v["result"]:
            pending = trn("quiz.result.pending", r["pending"], max=_num(r["pending_max"])) if r["pending"] else ""
            out.append(
                tr(
                    "quiz.result.line",
                    comp=r["competence"],
                    label=r["label"],
                    points=_num(r["points"]),
                    max=_num(r["max"]),
                    pending=pending,
                )
            )
    return "\n".join(out)


def cmd_quiz(args: argparse.Namespace) -> int:
    from simulateur.quiz import examquiz

    v = examquiz.view(_db(), args.session, args.candidate, correction=bool(args.correction))
    print(json.dumps(v, ensure_ascii=False, indent=2) if args.json else render(v))
    return 0


def cmd_quiz_start(args: argparse.Namespace) -> int:
    from simulateur.quiz import examquiz
    from simulateur.quiz.view import when

    run, new = examquiz.start(_db(), args.session, args.candidate)
    print(
        tr(
            "quiz.exam.started",
            candidate=run.candidate,
            count=len(run.questions),
            minutes=run.minutes,
            deadline=when(run.deadline),
        )
        if new
        else tr(
            "quiz.exam.already",
            candidate=run.candidate,
            count=len(run.questions),
            minutes=run.minutes,
            deadline=when(run.deadline),
        )
    )
    return 0


def cmd_quiz_answer(args: argparse.Namespace) -> int:
    from simulateur.quiz import examquiz

    _run, left = examquiz.answer(_db(), args.session, args.candidate, args.number, " ".join(args.answer))
    print(tr("quiz.answer.saved", number=args.number, left=left))
    return 0


def cmd_quiz_submit(args: argparse.Namespace) -> int:
    from simulateur.quiz import examquiz

    run = examquiz.submit(_db(), args.session, args.candidate)
    print(tr("quiz.exam.handed_in", candidate=run.candidate))
    return 0


def cmd_quiz_mark(args: argparse.Namespace) -> int:
    from simulateur.clitools import jury_login as _jury_login
    from simulateur.quiz import examquiz

    _run, q = examquiz.mark(
        _db(), args.session, args.candidate, args.number, args.points, args.comment or "", by=_jury_login(args)
    )
    print(tr("quiz.mark.saved", number=args.number, points=_num(args.points), max=_num(q.points)))
    return 0


def register(esub: Any) -> None:
    s = esub.add_parser("quiz", help=tr("help.quiz_examcli.quiz"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", default=None, help=tr("help.quiz_examcli.quiz.candidate"))
    s.add_argument(
        "--correction",
        action="store_true",
        help=tr("help.quiz_examcli.quiz.correction"),
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_quiz)
    s = esub.add_parser("quiz-start", help=tr("help.quiz_examcli.quiz_start"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", default=None)
    s.set_defaults(func=cmd_quiz_start)
    s = esub.add_parser("quiz-answer", help=tr("help.quiz_examcli.quiz_answer"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("number", type=int, metavar=tr("metavar.n"))
    s.add_argument(
        "answer",
        nargs="+",
        metavar=tr("quiz.cli.metavar.answer"),
        help=tr("help.quiz_examcli.quiz_answer.answer"),
    )
    s.add_argument("--candidate", default=None)
    s.set_defaults(func=cmd_quiz_answer)
    s = esub.add_parser("quiz-submit", help=tr("help.quiz_examcli.quiz_submit"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", default=None)
    s.set_defaults(func=cmd_quiz_submit)
    s = esub.add_parser("quiz-mark", help=tr("help.quiz_examcli.quiz_mark"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", required=True)
    s.add_argument(
        "--question",
        dest="number",
        type=int,
        required=True,
        metavar=tr("metavar.n"),
        help=tr("help.quiz_examcli.quiz_mark.question"),
    )
    s.add_argument("--points", type=float, required=True, help=tr("help.quiz_examcli.quiz_mark.points"))
    s.add_argument("--comment", default=None, help=tr("help.quiz_examcli.quiz_mark.comment"))
    s.set_defaults(func=cmd_quiz_mark)
