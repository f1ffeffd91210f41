"""`simulateur exam entretien SID --candidate NOM`: the jury's guide d'entretien (and, with
--question and --verdict, its marks). Registered by simulateur.exam.cli under `exam`; thin, it
calls simulateur.entretien.marking. Parsing imports nothing heavy."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from simulateur.errors import UsageError
from simulateur.i18n import tr


def cmd_entretien(args: argparse.Namespace) -> int:
    from simulateur.entretien import marking
    from simulateur.entretien.db import EntretienDB
    from simulateur.exam.cli import _db, _jury_login, _sweep

    db = _db()
    _sweep(db, args.session)
    if args.question is not None:
        number, q, m = marking.mark(db, args.session, args.candidate, args.question, verdict=args.verdict,
                                    comment=args.comment, by=_jury_login(args))
        print(tr("entretien.saved", number=number, id=q.id, verdict=tr(f"entretien.verdict.{m.verdict}")))
        return 0
    if args.verdict is not None or args.comment is not None:
        raise UsageError(tr("entretien.need_question"))
    guide, frozen = marking.guide_of(db, args.session, args.candidate)
    marks = EntretienDB(db.store).marks(guide.session, guide.candidate) if frozen else {}
    if args.json:
        print(json.dumps({"session": guide.session, "candidate": guide.candidate, "minutes": guide.minutes,
                          "frozen": frozen, "created": guide.created,
                          "questions": [{**q.model_dump(), "number": n,
                                         "mark": marks[q.id].model_dump() if q.id in marks else None}
                                        for n, q in enumerate(guide.questions, 1)]},
                         ensure_ascii=False, indent=2))
        return 0
    print(render(guide, frozen, marks))
    return 0


def render(guide: Any, frozen: bool, marks: dict[str, Any]) -> str:
    from simulateur.entretien.marking import tally

    out = [tr("entretien.head", candidate=guide.candidate, id=guide.session, minutes=guide.minutes,
              n=len(guide.questions)), tr("entretien.rc")]
    if not frozen:
        out.append(tr("entretien.preview"))
    out.append("")
    for n, q in enumerate(guide.questions, 1):
        origin = (tr("entretien.from_journal", index=q.intervention) if q.source == "journal"
                  else tr("entretien.from_bank"))
        out.append(f"{n}. [{q.id}, {origin}] {q.text}")
        informs = q.criterion or tr("entretien.informs_competences", comps=", ".join(q.competences) or "—")
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
        out += ["  " + tr("entretien.tally_line", id=t.id, label=t.label, acquis=t.acquis, non_acquis=t.non_acquis,
                          pending=t.pending, questions=t.questions) for t in tally(guide, marks)]
        out.append("")
        out.append(tr("entretien.how", id=guide.session, candidate=guide.candidate))
    return "\n".join(out)


def register(esub: Any) -> None:
    s = esub.add_parser("entretien", help="guide d'entretien technique d'un candidat (jury) ; --question… le note")
    s.add_argument("session", metavar="SESSION")
    s.add_argument("--candidate", required=True, help="nom du candidat")
    s.add_argument("--question", default=None, metavar="Q", help="n° (à partir de 1) ou identifiant de la question à noter")
    s.add_argument("--verdict", choices=("acquis", "non_acquis"), default=None)
    s.add_argument("--comment", default=None, help="commentaire du jury sur la réponse")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_entretien)
