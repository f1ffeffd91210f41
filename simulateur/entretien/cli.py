"""`simulateur exam entretien SID --candidate NOM`: the jury's guide d'entretien (and, with
--question and --verdict, its marks), registered by simulateur.exam.cli under `exam`; and
`simulateur entretien bank | validate FICHIER…` for trainers writing questions. Thin: they call
simulateur.entretien.marking and .bank. Parsing imports nothing heavy."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from simulateur.errors import UsageError
from simulateur.i18n import N_, tr, trn


def cmd_entretien(args: argparse.Namespace) -> int:
    from simulateur.clitools import jury_login as _jury_login
    from simulateur.entretien import marking
    from simulateur.entretien.db import EntretienDB
    from simulateur.exam.clicommon import exam_db as _db
    from simulateur.exam.clicommon import sweep as _sweep

    db = _db()
    _sweep(db, args.session)
    if args.question is not None:
        number, q, m = marking.mark(
            db,
            args.session,
            args.candidate,
            args.question,
            verdict=args.verdict,
            comment=args.comment,
            by=_jury_login(args),
        )
        print(tr("entretien.saved", number=number, id=q.id, verdict=tr(f"entretien.verdict.{m.verdict}")))
        return 0
    if args.verdict is not None or args.comment is not None:
        raise UsageError(tr("entretien.need_question"))
    guide, frozen = marking.guide_of(db, args.session, args.candidate)
    marks = EntretienDB(db.store).marks(guide.session, guide.candidate) if frozen else {}
    if args.json:
        print(
            json.dumps(
                {
                    "session": guide.session,
                    "candidate": guide.candidate,
                    "minutes": guide.minutes,
                    "frozen": frozen,
                    "created": guide.created,
                    "questions": [
                        {**q.model_dump(), "number": n, "mark": marks[q.id].model_dump() if q.id in marks else None}
                        for n, q in enumerate(guide.questions, 1)
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(render(guide, frozen, marks))
    return 0


def render(guide: Any, frozen: bool, marks: dict[str, Any]) -> str:
    from simulateur import referentiel
    from simulateur.entretien.marking import tally

    out = [
        tr(
            "entretien.head", candidate=guide.candidate, id=guide.session, minutes=guide.minutes, n=len(guide.questions)
        ),
        tr("entretien.rc"),
    ]
    if not frozen:
        out.append(tr("entretien.preview"))
    out.append("")
    for n, q in enumerate(guide.questions, 1):
        origin = (
            tr("entretien.from_journal", index=q.intervention) if q.source == "journal" else tr("entretien.from_bank")
        )
        out.append(f"{n}. [{q.id}, {origin}] {q.text}")
        crit = referentiel.find_criterion(q.criterion) if q.criterion else None
        informs = (f"{q.criterion} « {crit.label} »" if crit else q.criterion) or tr(
            "entretien.informs_competences", comps=", ".join(q.competences) or "—"
        )
        out.append(f"   {tr('entretien.informs')} : {informs}")
        out.append(f"   {tr('entretien.expected')} :")
        out += [f"     - {e}" for e in q.expected]
        if q.follow_up:
            out.append(f"   {tr('entretien.follow_up')} : {q.follow_up}")
        m = marks.get(q.id)
        note = tr(f"entretien.verdict.{m.verdict}") if m else tr("entretien.unmarked")
        if m and m.comment:
            note += f" — « {m.comment} »"
        if m and m.by:
            note += f" ({m.by}, {time.strftime('%H:%M', time.localtime(m.t))})"
        out.append(f"   {tr('entretien.mark')} : {note}")
        out.append("")
    if frozen:
        out.append(tr("entretien.tally") + " :")
        out += [
            "  "
            + trn(
                "entretien.tally_line",
                t.pending,
                id=t.id,
                label=t.label,
                acquis=t.acquis,
                non_acquis=t.non_acquis,
                questions=t.questions,
            )
            for t in tally(guide.questions, marks)
        ]
        out.append("")
        out.append(tr("entretien.how", id=guide.session, candidate=guide.candidate))
    return "\n".join(out)


def register(esub: Any) -> None:
    s = esub.add_parser("entretien", help=tr("help.entretien.entretien"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", required=True, help=tr("help.entretien.entretien.candidate"))
    s.add_argument("--question", default=None, metavar=tr("metavar.q"), help=tr("help.entretien.entretien.question"))
    s.add_argument("--verdict", choices=("acquis", "non_acquis"), default=None)
    s.add_argument("--comment", default=None, help=tr("help.entretien.entretien.comment"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_entretien)


def cmd_bank(args: argparse.Namespace) -> int:
    from simulateur import referentiel
    from simulateur.entretien.bank import load_bank

    bank = load_bank()
    comps = referentiel.all_competences()
    for comp, qs in bank.by_competence().items():
        crits = len({q.criterion for q in qs})
        print(
            trn(
                "entretien.bank.line",
                len(qs),
                comp=comp,
                label=comps[comp][0].label,
                count=len(qs),
                criteria=trn("count.criteria", crits),
            )
        )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from simulateur.entretien.bank import load_bank
    from simulateur.errors import ScenarioError

    failed = 0
    for name in args.paths:
        path = Path(name)
        if not path.is_file():
            failed += 1
            print(f"simulateur : {tr('entretien.no_such_file', path=name)}", file=sys.stderr)
            continue
        try:
            bank = load_bank([path])
        except ScenarioError as exc:
            failed += 1
            for p in exc.problems:
                print(p, file=sys.stderr)
            continue
        print(trn("entretien.valid", len(bank.questions), path=path))
    return 1 if failed else 0


def register_bank(sub: Any) -> None:
    p = sub.add_parser("entretien", help=tr("help.entretien.entretien_2"))
    es = p.add_subparsers(dest="entretien_command", metavar=tr("metavar.action"), parser_class=type(p), required=True)
    s = es.add_parser("bank", help=tr("help.entretien.bank"))
    s.set_defaults(func=cmd_bank)
    s = es.add_parser("validate", help=tr("help.entretien.validate"))
    s.add_argument("paths", nargs="+", metavar=tr("metavar.fichier"))
    s.set_defaults(func=cmd_validate)


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("entretien.verdict.acquis"),
    N_("entretien.verdict.non_acquis"),
)
