"""`simulateur lab save|restore|saves` and `simulateur inject`: a prepared lab kept between two
days, and the jury's interventions injected into it (simulateur.session.saved)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simulateur.clitools import root_only
from simulateur.errors import UsageError
from simulateur.i18n import tr, trn


def _one_lab(lab: str | None) -> str:
    if lab:
        return lab
    import re

    from simulateur.lab.state import list_lab_ids
    from simulateur.paths import lab_id_prefix

    own = re.compile(rf"^{re.escape(lab_id_prefix())}[0-9]+$")  # this user's labs (its prefix), not others'
    labs = [lab for lab in list_lab_ids() if own.match(lab)]
    if len(labs) != 1:
        raise UsageError(tr("save.which_lab", labs=", ".join(labs) or "aucun"))
    return labs[0]


@root_only
def cmd_save(args: argparse.Namespace) -> int:
    from simulateur.session.saved import save

    saved, skipped = save(_one_lab(args.lab), Path(args.out) if args.out else None)
    for host, paths in skipped.items():
        print(trn("save.skipped", len(paths), host=host, paths=", ".join(paths[:5])))
    print(
        tr(
            "save.done",
            lab=saved.manifest.lab.id,
            file=saved.path,
            hosts=len(saved.manifest.hosts),
            size=f"{saved.path.stat().st_size / 1e6:.1f}",
            id=saved.id,
        )
    )
    return 0


@root_only
def cmd_restore(args: argparse.Namespace) -> int:
    import sys

    from simulateur.session.saved import restore

    lab, saved = restore(args.save, candidate=args.candidate, progress=lambda step: print(step, file=sys.stderr))
    print(tr("save.restored", lab=lab.id, hosts=", ".join(lab.host_names()), file=saved.path))
    return 0


def cmd_saves(args: argparse.Namespace) -> int:
    import time

    from simulateur.session.saved import list_saves, saves_dir

    saves = list_saves()
    if not saves:
        print(tr("save.list_empty", dir=saves_dir()))
    for s in saves:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.manifest.created))
        who = s.manifest.lab.candidate or "-"
        print(f"{s.id}  {when}  {s.manifest.lab.id}  {who}  {', '.join(s.manifest.hosts)}")
    return 0


@root_only
def cmd_inject(args: argparse.Namespace) -> int:
    import sys

    from simulateur.session.saved import inject

    done = inject(
        args.scenario,
        _one_lab(args.lab),
        variant=args.variant,
        candidate=args.candidate,
        seed=args.seed,
        progress=lambda step: print(step, file=sys.stderr),
    )
    print(tr("inject.done", title=done.scenario.title, lab=done.lab.id, attempt=done.attempt.id))
    from simulateur.session.view import print_ticket

    print_ticket(done.scenario)
    print(tr("cli.next_steps", lab=done.lab.id, host=done.lab.default_host()))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("lab", help=tr("help.session_savecli.lab"))
    ls = p.add_subparsers(dest="lab_command", metavar=tr("metavar.action"), parser_class=type(p), required=True)
    s = ls.add_parser("save", help=tr("help.session_savecli.save"))
    s.add_argument("lab", nargs="?", default=None, metavar=tr("metavar.lab"), help=tr("help.session_savecli.save.lab"))
    s.add_argument("--out", default=None, metavar=tr("metavar.fichier"), help=tr("help.session_savecli.save.out"))
    s.set_defaults(func=cmd_save)
    s = ls.add_parser("restore", help=tr("help.session_savecli.restore"))
    s.add_argument("save", metavar=tr("metavar.fichier_id"))
    s.add_argument("--candidate", default=None, help=tr("help.session_savecli.restore.candidate"))
    s.set_defaults(func=cmd_restore)
    s = ls.add_parser("saves", help=tr("help.session_savecli.saves"))
    s.set_defaults(func=cmd_saves)

    s = sub.add_parser("inject", help=tr("help.session_savecli.inject"))
    s.add_argument("scenario", metavar=tr("metavar.scenario"))
    s.add_argument("--lab", default=None, metavar=tr("metavar.lab"), help=tr("help.session_savecli.inject.lab"))
    s.add_argument("--variant", default=None, help=tr("help.session_savecli.inject.variant"))
    s.add_argument("--candidate", default=None, help=tr("help.session_savecli.inject.candidate"))
    s.add_argument("--seed", type=int, default=None, help=tr("help.session_savecli.inject.seed"))
    s.set_defaults(func=cmd_inject)
