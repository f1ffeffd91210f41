"""A small chart: per competence, the share of criteria acquired at each submitted attempt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text

from simulateur.i18n import tr, trn
from simulateur.session.store import CompetencePoint

BARS = " ▁▂▃▄▅▆▇█"


def bar(ratio: float | None) -> str:
    if ratio is None:
        return "·"
    return BARS[max(1, round(ratio * (len(BARS) - 1)))] if ratio > 0 else "▁"


def style(ratio: float | None) -> str:
    if ratio is None:
        return "dim"
    return "green" if ratio >= 1 else ("yellow" if ratio >= 0.5 else "red")


def chart(history: Mapping[str, Sequence[CompetencePoint]], width: int = 24) -> Text:
    out = Text()
    if not history:
        return Text(tr("tui.progression.no_history"), style="dim")
    name_w = max(len(c) for c in history)
    for comp, points in history.items():
        shown = list(points)[-width:]
        out.append(comp.ljust(name_w) + "  ", style="bold cyan")
        for p in shown:
            out.append(bar(p.ratio), style=style(p.ratio))
        out.append(" " * (width - len(shown) + 2))
        last = shown[-1]
        pct = "—" if last.ratio is None else f"{round(100 * last.ratio)} %"
        out.append(
            trn("tui.progression.last", len(points), pct=pct, acquis=last.acquis, evalues=last.evalues),
            style=style(last.ratio),
        )
        out.append("\n")
    out.rstrip()
    return out
