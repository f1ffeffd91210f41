"""The coaching of a training attempt as the results screen shows it (simulateur/coaching)."""

from __future__ import annotations

from rich.text import Text

from simulateur.coaching import Coaching
from simulateur.i18n import tr


def fiche_lines(c: Coaching) -> list[tuple[str, str]]:
    """(mark, line) of the fiche's check: the fields filled, each named fact, the jury's part."""
    if c.fiche is None:
        return []
    f = c.fiche
    total = len(f.filled) + len(f.empty)
    out = [("✓" if not f.empty else "✗", tr("coach.fiche.filled", n=len(f.filled), total=total)
            + (" — " + tr("coach.fiche.empty", fields=", ".join(tr(f"tui.fiche.{n}") for n in f.empty)) if f.empty else ""))]
    for fact in f.facts:
        label = tr(f"tui.fiche.{fact.field}")
        out.append(("✓", tr("coach.fiche.fact_ok", field=label, found=", ".join(fact.found))) if fact.ok else
                   ("✗", tr("coach.fiche.fact_ko", field=label, keywords=", ".join(fact.keywords[:4]))))
    out.append(("?", tr("coach.fiche.quality")))
    return out


def suggestion_lines(c: Coaching) -> list[str]:
    s = c.suggestion
    if s is None:
        return []
    why = (tr("coach.next.weak", competence=s.competence, label=s.competence_label, acquired=s.acquired,
              evaluated=s.evaluated) if s.evaluated else
           tr("coach.next.fresh", competence=s.competence, label=s.competence_label))
    return [tr("coach.next", title=s.title, scenario=s.scenario), why]


def coaching_text(c: Coaching) -> Text:
    out = Text()
    out.append(tr("coach.missed") + "\n" if c.missed else tr("coach.none_missed") + "\n", style="bold")
    for m in c.missed:
        out.append(f"  ✗ {m.criterion}  {m.label}\n", style="bold red")
        for e in m.expected:
            out.append(f"      {tr('coach.expected')} : {e}\n")
        if m.closest:
            out.append(f"      {tr('coach.closest')} :\n", style="dim")
            for line in m.closest:
                out.append(f"        $ {line}\n", style="cyan")
        else:
            out.append(f"      {tr('coach.no_closest')}\n", style="dim")
    lines = fiche_lines(c)
    if lines:
        out.append("\n" + tr("coach.fiche") + "\n", style="bold")
        for mark, line in lines:
            out.append(f"  {mark} {line}\n", style="yellow" if mark == "?" else "" if mark == "✓" else "red")
    nxt = suggestion_lines(c)
    if nxt:
        out.append("\n" + nxt[0] + "\n", style="bold green")
        out.append("  " + nxt[1] + "\n")
    if not c.self_marks:
        out.append("\n" + tr("coach.self.none"), style="dim")
    out.rstrip()
    return out
