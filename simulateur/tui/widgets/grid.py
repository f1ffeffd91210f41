"""The jury's grid: competence by competence, each criterion with its verdict and evidence."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from simulateur.i18n import tr
from simulateur.session.store import CriterionRecord

VERDICT_STYLES = {"acquis": "bold green", "non_acquis": "bold red", "jury": "bold yellow"}
EVIDENCE_STYLES = {"✓": "green", "✗": "red", "?": "yellow"}


def verdict_label(verdict: str) -> str:
    return tr(f"tui.verdict.{verdict}")


def _evidence(line: str) -> Text:
    mark, _, rest = line.partition(" ")
    style = EVIDENCE_STYLES.get(mark)
    if style is None:
        return Text(line, style="dim")
    return Text.assemble((mark + " ", style), rest)


def grid(criteria: Sequence[CriterionRecord]) -> RenderableType | None:
    """One block per competence; per criterion: verdict | id | label, then its evidence."""
    if not criteria:
        return None
    blocks: list[RenderableType] = []
    table: Table | None = None
    current = None
    for c in criteria:
        if c.competence != current:
            current = c.competence
            if table is not None:
                blocks += [table, Text("")]
            blocks.append(Text.assemble((c.competence + "  ", "bold cyan"), (c.competence_label, "bold")))
            table = Table.grid(padding=(0, 1))
            table.add_column(width=11)
            table.add_column(no_wrap=True)
            table.add_column(ratio=1)
        assert table is not None
        body = Text(c.label)
        for line in c.evidence:
            body.append("\n")
            body.append_text(_evidence(line))
        table.add_row(Text(verdict_label(c.verdict), style=VERDICT_STYLES.get(c.verdict, "")),
                      Text(c.id, style="bold"), body)
    if table is not None:
        blocks.append(table)
    return Group(*blocks)
