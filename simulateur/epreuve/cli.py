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
from simulateur.i18n import tr


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
        total = f"{f.total_minutes} min" if f.total_minutes is not None else "durées non précisées"
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
        help="épreuve blanche complète (titre TAI, CCP1-3, IDI) : phases enchaînées, planning du jury, grille du RC",
    )
    es = p.add_subparsers(dest="epreuve_command", metavar="ACTION", parser_class=type(p), required=True)
    s = es.add_parser("start", help="crée l'épreuve d'un candidat et ouvre sa première phase")
    s.add_argument("--format", required=True, help="tai, ccp1, ccp2, ccp3 ou idi (voir « simulateur epreuve formats »)")
    s.add_argument("--candidate", required=True, help="nom du candidat")
    s.add_argument("--login", help="son compte Unix sur la machine des laboratoires (facultatif)")
    s.add_argument("--cahier", help="cahier des charges de la phase préparatoire (titre TAI)")
    s.add_argument("--interventions", type=int, default=2, help="interventions tirées pour le jury (défaut : 2)")
    s.add_argument("--seed", type=int, help="graine des tirages (défaut : au hasard)")
    s.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="facteur des durées du RC pour une répétition courte (défaut : 1, les durées du RC)",
    )
    s.add_argument(
        "--minutes",
        action="append",
        metavar="PHASE=N",
        help="durée d'une phase que le texte source ne donne pas (IDI), répétable",
    )
    s.add_argument("--quiet", action="store_true", help="sans la progression de la construction des laboratoires")
    s.set_defaults(func=cmd_start)
    s = es.add_parser("next", help="termine la phase en cours (temps gardé) et ouvre la suivante")
    s.add_argument("epreuve", metavar="EPREUVE")
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(func=cmd_next)
    s = es.add_parser("status", help="les phases de l'épreuve, leur temps, ce qu'elles ont ouvert")
    s.add_argument("epreuve", metavar="EPREUVE")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)
    s = es.add_parser("final", help="le jury enregistre son observation de l'entretien final")
    s.add_argument("epreuve", metavar="EPREUVE")
    s.add_argument("--comment", required=True)
    s.set_defaults(func=cmd_final)
    s = es.add_parser("report", help="la grille complète du RC, chaque critère avec sa modalité et son verdict")
    s.add_argument("epreuve", metavar="EPREUVE")
    s.add_argument("--format", choices=("text", "markdown", "html", "json"), default="text")
    s.add_argument("-o", "--output", help="fichier de sortie (défaut : l'écran)")
    s.set_defaults(func=cmd_report)
    s = es.add_parser("list", help="les épreuves")
    s.set_defaults(func=cmd_list)
    s = es.add_parser("formats", help="les formats d'épreuve et leurs phases (durées du RC)")
    s.set_defaults(func=cmd_formats)
    s = es.add_parser("plan", help="le planning du jury : phases en salle, passages sur les plates-formes")
    s.add_argument("--format", required=True)
    s.add_argument("--candidates", required=True, metavar="CSV", help="liste des candidats (colonne « nom », « ; »)")
    s.add_argument("--platforms", type=int, required=True, help="nombre de plates-formes d'évaluation")
    s.add_argument("--date", required=True, help="premier jour (AAAA-MM-JJ)")
    s.add_argument("--start", default="08:30", help="heure de début (défaut : 08:30)")
    s.add_argument("--end", default="18:00", help="heure de fin de journée (défaut : 18:00)")
    s.add_argument("--break-minutes", type=int, default=10, help="pause entre deux candidats (défaut : 10)")
    s.add_argument(
        "--per-platform",
        type=int,
        help="candidats par plate-forme et par jour (défaut : celui du RC, sinon ce qui tient)",
    )
    s.add_argument(
        "--minutes", action="append", metavar="PHASE=N", help="durée d'une phase que le texte source ne donne pas (IDI)"
    )
    s.add_argument("--csv", help="écrit aussi le planning en CSV dans ce fichier")
    s.set_defaults(func=cmd_plan)
