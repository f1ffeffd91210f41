"""`simulateur quiz …`: the questionnaire professionnel from the command line (start, answer,
submit, show, mark for the jury, validate for trainers writing questions, bank, list)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simulateur import referentiel
from simulateur.errors import ScenarioError
from simulateur.i18n import N_, tr, trn


def _num(x: float) -> str:
    from simulateur.quiz.view import num

    return num(x)


def _when(t: float) -> str:
    from simulateur.quiz.view import when

    return when(t)


def show_text(db: Any, run: Any) -> str:
    from simulateur.quiz import view

    return view.show_text(db, run)


def _db() -> Any:
    from simulateur.quiz.db import QuizDB

    return QuizDB()


def _run(db: Any, run_id: str | None, *, open_only: bool) -> Any:
    return db.run(run_id) if run_id else db.latest(open_only=open_only)


def cmd_start(args: argparse.Namespace) -> int:
    from simulateur.quiz import paper

    db = _db()
    run = paper.start(db, seed=args.seed, minutes=args.minutes, count=args.count, candidate=args.candidate or "")
    print(
        tr(
            "quiz.started",
            id=run.id,
            count=len(run.questions),
            minutes=run.minutes,
            deadline=_when(run.deadline),
            seed=run.seed,
        )
    )
    print()
    print(show_text(db, run))
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    from simulateur.quiz import paper

    db = _db()
    run = _run(db, args.run, open_only=True)
    paper.answer(db, run, args.number, " ".join(args.answer))
    left = len(run.questions) - len(db.answers(run.id))
    print(tr("quiz.answer.saved", number=args.number, left=left))
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    db = _db()
    run = _run(db, args.run, open_only=False)
    db.submit(run.id)
    print(tr("quiz.submitted", id=run.id))
    print()
    print(show_text(db, db.run(run.id)))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    db = _db()
    print(show_text(db, _run(db, args.run, open_only=False)))
    return 0


def cmd_mark(args: argparse.Namespace) -> int:
    from simulateur.quiz import paper

    db = _db()
    run = db.run(args.run)
    paper.mark_open(db, run, args.number, args.points, args.comment or "")
    q = paper.find(run, args.number)
    print(tr("quiz.mark.saved", number=args.number, points=_num(args.points), max=_num(q.points)))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    runs = _db().runs()
    if not runs:
        print(tr("quiz.list.empty"))
    for r in runs:
        state = "done" if r.submitted is not None else "open" if r.open() else "timeout"
        print(
            tr(
                "quiz.list.line",
                id=r.id,
                when=_when(r.started),
                candidate=r.candidate or "-",
                state=tr(f"quiz.list.{state}"),
            )
        )
    return 0


def cmd_bank(args: argparse.Namespace) -> int:
    from collections import Counter

    from simulateur.quiz.bank import load_bank

    bank = load_bank()
    comps = referentiel.all_competences()
    for comp, qs in sorted(bank.by_competence().items(), key=lambda kv: int(kv[0].split("CP")[1])):
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(Counter(q.kind for q in qs).items()))
        print(trn("quiz.bank.line", len(qs), comp=comp, label=comps[comp][0].label, kinds=kinds))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from simulateur.quiz.bank import load_file

    failed = 0
    for name in args.paths:
        path = Path(name)
        if not path.is_file():
            failed += 1
            print(f"simulateur : {tr('quiz.no_such_file', path=name)}", file=sys.stderr)
            continue
        try:
            qfile = load_file(path)
        except ScenarioError as exc:
            failed += 1
            for p in exc.problems:
                print(p, file=sys.stderr)
            continue
        print(trn("quiz.valid", len(qfile.questions), path=path))
    return 1 if failed else 0


def register(sub: Any) -> None:
    p = sub.add_parser("quiz", help=tr("help.quiz.quiz"))
    qs = p.add_subparsers(dest="quiz_command", metavar=tr("metavar.action"), parser_class=type(p), required=True)
    s = qs.add_parser("start", help=tr("help.quiz.start"))
    s.add_argument("--seed", type=int, help=tr("help.quiz.start.seed"))
    s.add_argument("--minutes", type=int, default=45, help=tr("help.quiz.start.minutes"))
    s.add_argument("--count", type=int, default=21, help=tr("help.quiz.start.count"))
    s.add_argument("--candidate", help=tr("help.quiz.start.candidate"))
    s.set_defaults(func=cmd_start)
    s = qs.add_parser("answer", help=tr("help.quiz.answer"))
    s.add_argument("number", type=int, help=tr("help.quiz.answer.number"))
    s.add_argument("answer", nargs="+", help=tr("help.quiz.answer.answer"))
    s.add_argument("--run", help=tr("help.quiz.answer.run"))
    s.set_defaults(func=cmd_answer)
    s = qs.add_parser("submit", help=tr("help.quiz.submit"))
    s.add_argument("--run", help=tr("help.quiz.submit.run"))
    s.set_defaults(func=cmd_submit)
    s = qs.add_parser("show", help=tr("help.quiz.show"))
    s.add_argument("--run", help=tr("help.quiz.show.run"))
    s.set_defaults(func=cmd_show)
    s = qs.add_parser("mark", help=tr("help.quiz.mark"))
    s.add_argument("run", help=tr("help.quiz.mark.run"))
    s.add_argument("number", type=int, help=tr("help.quiz.mark.number"))
    s.add_argument("points", type=float, help=tr("help.quiz.mark.points"))
    s.add_argument("--comment", help=tr("help.quiz.mark.comment"))
    s.set_defaults(func=cmd_mark)
    s = qs.add_parser("list", help=tr("help.quiz.list"))
    s.set_defaults(func=cmd_list)
    s = qs.add_parser("bank", help=tr("help.quiz.bank"))
    s.set_defaults(func=cmd_bank)
    s = qs.add_parser("validate", help=tr("help.quiz.validate"))
    s.add_argument("paths", nargs="+", metavar=tr("metavar.fichier"))
    s.set_defaults(func=cmd_validate)


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("quiz.list.done"),
    N_("quiz.list.open"),
    N_("quiz.list.timeout"),
)
