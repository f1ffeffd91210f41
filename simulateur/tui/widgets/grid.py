"""The jury's grid: competence by competence, each criterion with its verdict and evidence."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from simulateur.i18n import N_, tr
from simulateur.session.store import CriterionRecord

VERDICT_STYLES = {"acquis": "bold green", "non_acquis": "bold red", "jury": "bold yellow"}
EVIDENCE_STYLES = {"✓": "green", "✗": "red", "?": "yellow"}


#: The verdict said by a symbol and a word, never by its colour alone (high-contrast, colour-blind).
VERDICT_MARKS = {"acquis": "✓", "non_acquis": "✗", "jury": "?"}


def verdict_label(verdict: str) -> str:
    return tr(f"tui.verdict.{verdict}")


def verdict_text(verdict: str) -> Text:
    mark = VERDICT_MARKS.get(verdict, "·")
    return Text(f"{mark} {verdict_label(verdict)}", style=VERDICT_STYLES.get(verdict, ""))


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
    # Grouped by competence, in the order each first appears: a scenario may list a competence's
    # criteria apart (the checker keeps the scenario's order), which showed its heading twice.
    groups: dict[str, list[CriterionRecord]] = {}
    for c in criteria:
        groups.setdefault(c.competence, []).append(c)
    blocks: list[RenderableType] = []
    for competence, members in groups.items():
        if blocks:
            blocks.append(Text(""))
        blocks.append(Text.assemble((competence + "  ", "bold cyan"), (members[0].competence_label, "bold")))
        table = Table.grid(padding=(0, 1))
        table.add_column(width=13)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        for c in members:
            body = Text(c.label)
            for line in c.evidence:
                body.append("\n")
                body.append_text(_evidence(line))
            table.add_row(verdict_text(c.verdict), Text(c.id, style="bold"), body)
        blocks.append(table)
    return Group(*blocks)


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.verdict.acquis"),
    N_("tui.verdict.jury"),
    N_("tui.verdict.non_acquis"),
)
