"""The coaching's checks as lines of French text, the same in the results screen and the reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulateur.i18n import N_, tr, trn

if TYPE_CHECKING:
    from simulateur.coaching import Coaching


def fiche_lines(c: Coaching) -> list[tuple[str, str]]:
    """(mark, line) of the fiche's check: the fields filled, each named fact, the jury's part."""
    if c.fiche is None:
        return []
    f = c.fiche
    total = len(f.filled) + len(f.empty)
    out = [
        (
            "✓" if not f.empty else "✗",
            trn("coach.fiche.filled", len(f.filled), total=total)
            + (
                " — " + tr("coach.fiche.empty", fields=", ".join(tr(f"tui.fiche.{n}") for n in f.empty))
                if f.empty
                else ""
            ),
        )
    ]
    for fact in f.facts:
        label = tr(f"tui.fiche.{fact.field}")
        out.append(
            ("✓", tr("coach.fiche.fact_ok", field=label, found=", ".join(fact.found)))
            if fact.ok
            else ("✗", tr("coach.fiche.fact_ko", field=label, keywords=", ".join(fact.keywords[:4])))
        )
    out.append(("?", tr("coach.fiche.quality")))
    return out


def suggestion_lines(c: Coaching) -> list[str]:
    s = c.suggestion
    if s is None:
        return []
    why = (
        trn("coach.next.weak", s.evaluated, competence=s.competence, label=s.competence_label, acquired=s.acquired)
        if s.evaluated
        else tr("coach.next.fresh", competence=s.competence, label=s.competence_label)
    )
    return [tr("coach.next", title=s.title, scenario=s.scenario), why]


def self_mark_label(verdict: str | None) -> str:
    return tr(f"coach.self.{verdict}") if verdict else tr("coach.self.unset")


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("coach.self.help"),
    N_("tui.fiche.cause"),
    N_("tui.fiche.conseils"),
    N_("tui.fiche.diagnostic"),
    N_("tui.fiche.retour_etat"),
    N_("tui.fiche.solution"),
    N_("tui.fiche.symptome"),
    N_("tui.fiche.temps_passe"),
    N_("tui.fiche.validation"),
)
