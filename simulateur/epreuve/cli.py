"""`simulateur epreuve start|next|status|final|report|list|plan|formats`: the épreuve blanche complète.
Thin: it calls simulateur.epreuve.core, .planner and .grid. Parsing imports nothing heavy."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from simulateur.errors import UsageError
from simulateur.i18n import N_, tr


def _db() -> Any:
    from simulateur.exam.db import ExamDB

    return ExamDB()


def _progress(args: argparse.Namespace) -> Any:
    return (lambda _m: None) if getattr(args, "quiet", False) else (lambda m: print(m, file=sys.stderr, flush=True))


def _print_state(st: Any) -> None:
    from simulateur.epreuve.formats import get_format
    from simulateur.epreuve.render import status_text

    print(status_text(st, get_format(st.format).title), end="")


def cmd_start(args: argparse.Namespace) -> int:
    from simulateur.epreuve import core

    st = core.start(
        _db(),
        args.format,
        args.candidate,
        seed=args.seed,
        scale=args.scale,
        minutes=core.parse_minutes(args.minutes or []),
        count=args.interventions,
        cahier=args.cahier,
        login=args.login,
        progress=_progress(args),
    )
    ph = st.open_phase()
    print(
        tr(
            "epreuve.started",
            id=st.id,
            candidate=st.candidate,
            format=st.format,
            phase=tr(f"epreuve.phase.{ph.kind}") if ph else "—",
        )
    )
    _print_state(st)
    return 0


def cmd_next(args: argparse.Namespace) -> int:
    from simulateur.epreuve import core

    st = core.advance(_db(), args.epreuve, progress=_progress(args))
    _print_state(st)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from simulateur.epreuve.db import EpreuveDB

    st = EpreuveDB(_db().store).get(args.epreuve)
    if args.json:
        print(st.model_dump_json(indent=2))
        return 0
    _print_state(st)
    return 0


def cmd_final(args: argparse.Namespace) -> int:
    from simulateur.clitools import jury_login as _jury_login
    from simulateur.epreuve import core

    st = core.final(_db(), args.epreuve, args.comment, _jury_login(args))
    print(tr("epreuve.final_saved", by=st.final.by if st.final else "?"))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from simulateur.epreuve import grid, render
    from simulateur.epreuve.db import EpreuveDB
    from simulateur.epreuve.formats import get_format

    db = _db()
    st = EpreuveDB(db.store).get(args.epreuve)
    g = grid.assemble(get_format(st.format), grid.collect(db, st))
    if args.format == "json":
        text = (
            json.dumps(
                {"epreuve": json.loads(st.model_dump_json()), "grid": g.model_dump()}, ensure_ascii=False, indent=2
            )
            + "\n"
        )
    else:
        text = {"text": render.text, "markdown": render.markdown, "html": render.html_page}[args.format](st, g)
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from simulateur.epreuve.db import EpreuveDB

    rows = EpreuveDB(_db().store).all()
    if not rows:
        print(tr("epreuve.list_empty"))
    for st in rows:
        ph = st.open_phase()
        where = tr(f"epreuve.phase.{ph.kind}") if ph else (tr("epreuve.finished", id=st.id) if st.finished else "—")
        print(f"{st.id:<6} {st.format:<5} {st.candidate:<24} {where}")
    return 0


def cmd_formats(args: argparse.Namespace) -> int:
    from simulateur.epreuve.formats import all_formats

    for f in all_formats():
        total = f"{f.total_minutes} min" if f.total_minutes is not None else tr("epreuve.cli.no_durations")
        print(f"{f.id:<5} {f.title} — {total}")
        for p in f.phases:
            m = f"{p.minutes} min" if p.minutes is not None else "?"
            print(
                f"      {tr(f'epreuve.phase.{p.kind}'):<28} {m:>7}  {tr(f'epreuve.presence.{p.presence}'):<11} "
                f"{', '.join(p.competences)}"
            )
    return 0


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(tr("epreuve.plan_bad_date", value=value)) from None


def _time(value: str) -> time:
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise UsageError(tr("epreuve.plan_bad_time", value=value)) from None


def cmd_plan(args: argparse.Namespace) -> int:
    from simulateur.epreuve import planner
    from simulateur.epreuve.core import parse_minutes
    from simulateur.epreuve.formats import get_format
    from simulateur.exam import roster_csv

    fmt = get_format(args.format)
    names = [line.name for line in roster_csv.read(Path(args.candidates))]
    opts = planner.Options(
        start=_time(args.start),
        end=_time(args.end),
        break_minutes=args.break_minutes,
        minutes=tuple(parse_minutes(args.minutes or []).items()),
    )
    p = planner.plan(fmt, names, args.platforms, _date(args.date), opts, per_platform_day=args.per_platform)
    problems = planner.check(p, fmt, opts)
    if problems:  # never printed as valid: a plan that breaks a rule is a bug here
        raise UsageError(tr("epreuve.plan_invalid", problems=" ; ".join(problems)))
    print(planner.to_text(p), end="")
    if args.csv:
        Path(args.csv).write_text(planner.to_csv(p), encoding="utf-8")
        print(tr("epreuve.plan_written", path=args.csv))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "epreuve",
        help=tr("help.epreuve.epreuve"),
    )
    es = p.add_subparsers(dest="epreuve_command", metavar=tr("metavar.action"), parser_class=type(p), required=True)
    s = es.add_parser("start", help=tr("help.epreuve.start"))
    s.add_argument("--format", required=True, help=tr("help.epreuve.start.format"))
    s.add_argument("--candidate", required=True, help=tr("help.epreuve.start.candidate"))
    s.add_argument("--login", help=tr("help.epreuve.start.login"))
    s.add_argument("--cahier", help=tr("help.epreuve.start.cahier"))
    s.add_argument("--interventions", type=int, default=2, help=tr("help.epreuve.start.interventions"))
    s.add_argument("--seed", type=int, help=tr("help.epreuve.start.seed"))
    s.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help=tr("help.epreuve.start.scale"),
    )
    s.add_argument(
        "--minutes",
        action="append",
        metavar=tr("metavar.phase_n"),
        help=tr("help.epreuve.start.minutes"),
    )
    s.add_argument("--quiet", action="store_true", help=tr("help.epreuve.start.quiet"))
    s.set_defaults(func=cmd_start)
    s = es.add_parser("next", help=tr("help.epreuve.next"))
    s.add_argument("epreuve", metavar=tr("metavar.epreuve"))
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(func=cmd_next)
    s = es.add_parser("status", help=tr("help.epreuve.status"))
    s.add_argument("epreuve", metavar=tr("metavar.epreuve"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)
    s = es.add_parser("final", help=tr("help.epreuve.final"))
    s.add_argument("epreuve", metavar=tr("metavar.epreuve"))
    s.add_argument("--comment", required=True)
    s.set_defaults(func=cmd_final)
    s = es.add_parser("report", help=tr("help.epreuve.report"))
    s.add_argument("epreuve", metavar=tr("metavar.epreuve"))
    s.add_argument("--format", choices=("text", "markdown", "html", "json"), default="text")
    s.add_argument("-o", "--output", help=tr("help.epreuve.report.o"))
    s.set_defaults(func=cmd_report)
    s = es.add_parser("list", help=tr("help.epreuve.list"))
    s.set_defaults(func=cmd_list)
    s = es.add_parser("formats", help=tr("help.epreuve.formats"))
    s.set_defaults(func=cmd_formats)
    s = es.add_parser("plan", help=tr("help.epreuve.plan"))
    s.add_argument("--format", required=True)
    s.add_argument("--candidates", required=True, metavar=tr("metavar.csv"), help=tr("help.epreuve.plan.candidates"))
    s.add_argument("--platforms", type=int, required=True, help=tr("help.epreuve.plan.platforms"))
    s.add_argument("--date", required=True, help=tr("help.epreuve.plan.date"))
    s.add_argument("--start", default="08:30", help=tr("help.epreuve.plan.start"))
    s.add_argument("--end", default="18:00", help=tr("help.epreuve.plan.end"))
    s.add_argument("--break-minutes", type=int, default=10, help=tr("help.epreuve.plan.break_minutes"))
    s.add_argument(
        "--per-platform",
        type=int,
        help=tr("help.epreuve.plan.per_platform"),
    )
    s.add_argument("--minutes", action="append", metavar=tr("metavar.phase_n"), help=tr("help.epreuve.plan.minutes"))
    s.add_argument("--csv", help=tr("help.epreuve.plan.csv"))
    s.set_defaults(func=cmd_plan)


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("epreuve.phase.entretien_final"),
    N_("epreuve.phase.entretien_technique"),
    N_("epreuve.phase.evaluation"),
    N_("epreuve.phase.interventions"),
    N_("epreuve.phase.preparation"),
    N_("epreuve.phase.questionnaire"),
    N_("epreuve.presence.jury"),
    N_("epreuve.presence.surveillant"),
)
