"""`simulateur cahier list | show ID | validate FICHIER… | start ID | recette [LAB] | selftest ID`:
the phase préparatoire's cahiers des charges. Thin: the work is in simulateur.cahier.*."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from simulateur.clitools import root_only
from simulateur.errors import UsageError
from simulateur.i18n import tr, trn


def cmd_list(args: argparse.Namespace) -> int:
    from simulateur.cahier.loader import list_cahiers

    cahiers = list_cahiers()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": c.id,
                        "title": c.title,
                        "referentiel": c.referentiel,
                        "duration": c.duration,
                        "requirements": [r.id for r in c.requirements],
                    }
                    for c in cahiers
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for c in cahiers:
        print(trn("cahier.cli.list_line", len(c.requirements), id=c.id, duration=c.duration, title=c.title))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from simulateur.cahier.loader import load_cahier, rendered_cahier, resolve_params, topology_of

    cahier = load_cahier(args.cahier)
    values = resolve_params(cahier, topology_of(cahier), args.seed)
    shown = rendered_cahier(cahier, values)
    print(tr("cahier.cli.show_head", title=shown.title, id=shown.id, duration=shown.duration, seed=args.seed))
    print()
    print(shown.document.rstrip())
    print()
    print(tr("cahier.cli.show_requirements"))
    for r in shown.requirements:
        needs = tr("cahier.cli.needs", needs=", ".join(r.needs)) if r.needs else ""
        print(f"  [{r.id}] {r.text}")
        print(f"      {', '.join(r.criteria)} · {len(r.probes)} sonde(s){needs}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from simulateur.cahier.loader import load_cahier_file
    from simulateur.errors import ScenarioError

    failed = 0
    for name in args.files:
        try:
            c = load_cahier_file(Path(name))
        except ScenarioError as exc:
            failed += 1
            for p in exc.problems:
                print(p, file=sys.stderr)
            continue
        print(trn("cahier.cli.valid", len(c.requirements), path=name, id=c.id))
    return 1 if failed else 0


@root_only
def cmd_start(args: argparse.Namespace) -> int:
    from simulateur.cahier.play import cahier_of, start

    def progress(step: str) -> None:
        if not args.json:
            print(step, file=sys.stderr)

    started = start(args.cahier, args.seed, candidate=args.candidate, progress=progress)
    lab = started.lab
    cahier = cahier_of(lab)
    if args.json:
        print(
            json.dumps(
                {
                    "lab": lab.id,
                    "cahier": cahier.id,
                    "title": cahier.title,
                    "seed": lab.state.seed,
                    "hosts": lab.host_names(),
                    "shell_host": lab.default_host(),
                    "attempt": started.attempt.dir.name if started.attempt else None,
                    "duration": cahier.duration,
                    "document": cahier.document,
                    "requirements": [{"id": r.id, "text": r.text, "criteria": r.criteria} for r in cahier.requirements],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(tr("cli.started", lab=lab.id, title=cahier.title, seed=lab.state.seed, hosts=", ".join(lab.host_names())))
    print()
    print(cahier.document.rstrip())
    print()
    print(tr("cahier.cli.next_steps", lab=lab.id, host=lab.default_host()))
    return 0


def _cahier_lab(lab: str | None) -> str:
    """The lab given, or the only running lab built for a cahier."""
    from simulateur.cahier.play import STATE_FILE
    from simulateur.lab.state import lab_dir, list_lab_ids

    if lab:
        return lab
    found = [i for i in list_lab_ids() if (lab_dir(i) / STATE_FILE).exists()]
    if len(found) != 1:
        raise UsageError(tr("cahier.cli.which_lab", labs=", ".join(found) or "aucun"))
    return found[0]


@root_only
def cmd_recette(args: argparse.Namespace) -> int:
    from simulateur.cahier.recette import record_recette, render_recette
    from simulateur.exam.core import refuse_check_in_exam
    from simulateur.exam.db import ExamDB

    lab = _cahier_lab(args.lab)
    refuse_check_in_exam(ExamDB(), lab)  # an exam's lab: the recette is the jury's
    rec = record_recette(lab)
    if args.json:
        print(json.dumps(rec.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_recette(rec))
    return 0


@root_only
def cmd_reference(args: argparse.Namespace) -> int:
    from simulateur.cahier.play import apply_reference
    from simulateur.exam.core import refuse_check_in_exam
    from simulateur.exam.db import ExamDB

    lab = _cahier_lab(args.lab)
    refuse_check_in_exam(ExamDB(), lab)  # never in a candidate's exam lab
    built = apply_reference(lab, args.only or None)
    print(tr("cahier.cli.reference_done", lab=lab, built=", ".join(built)))
    return 0


@root_only
def cmd_selftest(args: argparse.Namespace) -> int:
    from simulateur.cahier.loader import load_cahier
    from simulateur.cahier.selftest import selftest

    cahier = load_cahier(args.cahier)
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        raise UsageError(tr("cli.bad_seeds", seeds=args.seeds)) from None
    failures = 0
    for seed in seeds:
        rep = selftest(cahier, seed, log=lambda m: print(m, file=sys.stderr, flush=True))
        status = tr("cli.status.ok") if rep.ok else tr("cli.status.failed")
        print(
            tr("cahier.cli.selftest_line", status=status, cahier=rep.cahier, seed=seed, seconds=rep.seconds), flush=True
        )
        for stage, rec in rep.stages:
            scores = ", ".join(f"{v.id} {round(100 * v.score)} %" for v in rec.requirements)
            print(f"      {stage} : {scores}")
        for p in rep.problems:
            print(f"      {p}")
        failures += not rep.ok
    return 1 if failures else 0


def register(sub: Any) -> None:
    p = sub.add_parser("cahier", help=tr("help.cahier.cahier"))
    cs = p.add_subparsers(dest="cahier_command", metavar=tr("metavar.action"), parser_class=type(p), required=True)
    s = cs.add_parser("list", help=tr("help.cahier.list"))
    s.add_argument("--json", action="store_true", help=tr("help.cahier.list.json"))
    s.set_defaults(func=cmd_list)
    s = cs.add_parser("show", help=tr("help.cahier.show"))
    s.add_argument("cahier", metavar=tr("metavar.id"), help=tr("help.cahier.show.cahier"))
    s.add_argument("--seed", type=int, default=0, help=tr("help.cahier.show.seed"))
    s.set_defaults(func=cmd_show)
    s = cs.add_parser("validate", help=tr("help.cahier.validate"))
    s.add_argument("files", nargs="+", metavar=tr("metavar.fichier"))
    s.set_defaults(func=cmd_validate)
    s = cs.add_parser("start", help=tr("help.cahier.start"))
    s.add_argument("cahier", metavar=tr("metavar.id"), help=tr("help.cahier.start.cahier"))
    s.add_argument("--seed", type=int, default=None, help=tr("help.cahier.start.seed"))
    s.add_argument("--candidate", default=None, help=tr("help.cahier.start.candidate"))
    s.add_argument("--json", action="store_true", help=tr("help.cahier.start.json"))
    s.set_defaults(func=cmd_start)
    s = cs.add_parser("recette", help=tr("help.cahier.recette"))
    s.add_argument(
        "lab",
        metavar=tr("metavar.lab"),
        nargs="?",
        default=None,
        help=tr("help.cahier.recette.lab"),
    )
    s.add_argument("--json", action="store_true", help=tr("help.cahier.recette.json"))
    s.set_defaults(func=cmd_recette)
    s = cs.add_parser("reference", help=tr("help.cahier.reference"))
    s.add_argument(
        "lab",
        metavar=tr("metavar.lab"),
        nargs="?",
        default=None,
        help=tr("help.cahier.reference.lab"),
    )
    s.add_argument(
        "--only",
        action="append",
        metavar=tr("metavar.exigence"),
        help=tr("help.cahier.reference.only"),
    )
    s.set_defaults(func=cmd_reference)
    s = cs.add_parser("selftest", help=tr("help.cahier.selftest"))
    s.add_argument("cahier", metavar=tr("metavar.id"), help=tr("help.cahier.selftest.cahier"))
    s.add_argument("--seeds", default="1", help=tr("help.cahier.selftest.seeds"))
    s.set_defaults(func=cmd_selftest)
