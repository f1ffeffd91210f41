"""The coaching of a training attempt as the results screen shows it (simulateur/coaching)."""

from __future__ import annotations

from rich.text import Text

from simulateur.coaching import Coaching
from simulateur.coaching.text import fiche_lines, suggestion_lines
from simulateur.i18n import tr


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
