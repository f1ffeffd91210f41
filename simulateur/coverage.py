"""Coverage of the referentiels by the scenarios: for every TAI competence of the mise en
situation professionnelle and every IDI competence, the scenarios that exercise it (named in
`competences:` or `also:`, or one of its criteria scored) and the criteria they score.

`simulateur referentiel --coverage [--markdown]` prints it; the README's table is generated
from the same function (`make docs`), between the two markers below.

A few competences are about physical hardware that a lab of network namespaces cannot hold
(NOT_IN_LAB): unless a scenario exercises them after all, the table says so, with the reason, and
the summary counts them apart instead of as missing."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulateur import referentiel
from simulateur.i18n import N_, tr
from simulateur.scenario.loader import Catalogue

BEGIN = "<!-- couverture : début (généré par « make docs », ne pas modifier à la main) -->"
END = "<!-- couverture : fin -->"

# competence → i18n key of the reason it cannot be exercised in a lab
NOT_IN_LAB: dict[str, str] = {
    "IDI.CP6": N_("coverage.reason.used_hardware"),  # check, identify, sort second-hand equipment
    "IDI.CP7": N_("coverage.reason.refurbish"),  # refurbish (and integrate) equipment
}


@dataclass
class Row:
    competence: str
    label: str
    scenarios: list[str] = field(default_factory=list)
    scored: list[str] = field(default_factory=list)  # criteria of the competence scored somewhere
    criteria: int = 0  # criteria the referentiel gives it

    @property
    def not_in_lab(self) -> str | None:
        """Why no lab can exercise it (French), when no scenario does; else None."""
        key = NOT_IN_LAB.get(self.competence)
        return tr(key) if key and not self.scenarios else None


def in_scope(comp: referentiel.Competence, ref_id: str) -> bool:
    """The competences the coverage must show: TAI's mise en situation, all of IDI's."""
    return ref_id == "IDI" or comp.modality == "mise_en_situation"


def rows(catalogue: Catalogue) -> tuple[list[Row], dict[str, list[str]]]:
    """(one row per competence in scope, in the referentiels' order ; the other competences the
    scenarios name, outside the mise en situation → their scenarios)."""
    table: dict[str, Row] = {}
    for ref in referentiel.load_referentiels().values():
        for comp, _ in ref.competences():
            if in_scope(comp, ref.id):
                table[comp.id] = Row(comp.id, comp.label, criteria=len(comp.criteria))
    outside: dict[str, list[str]] = {}
    for sid in sorted(catalogue.scenarios):
        sc = catalogue.scenarios[sid].scenario
        named = list(sc.competences) + list(sc.also)
        named += [c.id.rsplit(".", 1)[0] for c in sc.criteria]
        for comp_id in dict.fromkeys(named):
            target = table.get(comp_id)
            if target is None:
                outside.setdefault(comp_id, []).append(sid)
            elif sid not in target.scenarios:
                target.scenarios.append(sid)
        for crit in sc.criteria:
            row = table.get(crit.id.rsplit(".", 1)[0])
            if row is not None and crit.id not in row.scored:
                row.scored.append(crit.id)
    for row in table.values():
        row.scored.sort(key=lambda c: int(c.rsplit(".", 1)[1]))
    return list(table.values()), outside


def _scored(row: Row) -> str:
    if not row.criteria:
        return tr("coverage.no_criteria")
    shown = ", ".join(c.rsplit(".", 1)[1] for c in row.scored)
    return f"{len(row.scored)}/{row.criteria}" + (f" ({shown})" if shown else "")


def summary(table: list[Row]) -> str:
    """The last line: covered / exercisable competences, the missing ones, the ones no lab can hold."""
    apart = [r.competence for r in table if r.not_in_lab]
    missing = [r.competence for r in table if not r.scenarios and not r.not_in_lab]
    total = len(table) - len(apart)
    line = tr(
        "coverage.summary", covered=total - len(missing), total=total, missing=", ".join(missing) or tr("coverage.none")
    )
    return line + (tr("coverage.not_in_lab_summary", items=", ".join(apart)) if apart else "")


def render_text(catalogue: Catalogue) -> str:
    table, outside = rows(catalogue)
    lines = [tr("coverage.title"), ""]
    for row in table:
        lines.append(f"{row.competence:<9} {row.label}")
        names = ", ".join(row.scenarios) or (
            tr("coverage.not_in_lab", reason=row.not_in_lab) if row.not_in_lab else tr("coverage.none")
        )
        lines.append(f"{'':<10}{tr('coverage.scenarios', n=len(row.scenarios))} : {names}")
        lines.append(f"{'':<10}{tr('coverage.criteria')} : {_scored(row)}")
    if outside:
        lines += ["", tr("coverage.outside", items="; ".join(f"{c} ({', '.join(s)})" for c, s in outside.items()))]
    lines += ["", summary(table)]
    return "\n".join(lines) + "\n"


def render_markdown(catalogue: Catalogue) -> str:
    """The table the README shows (with its two markers)."""
    table, outside = rows(catalogue)
    out = [BEGIN, "", tr("coverage.md.head"), "|---|---|---:|---|---|"]
    for row in table:
        names = ", ".join(f"`{s}`" for s in row.scenarios) or (
            f"*{tr('coverage.not_in_lab', reason=row.not_in_lab)}*" if row.not_in_lab else f"**{tr('coverage.none')}**"
        )
        scored = _scored(row) if row.criteria else "—"
        out.append(f"| {row.competence} | {row.label} | {len(row.scenarios)} | {names} | {scored} |")
    if outside:
        out += [
            "",
            tr(
                "coverage.outside",
                items="; ".join(f"{c} ({', '.join(f'`{s}`' for s in sids)})" for c, sids in outside.items()),
            ),
        ]
    out += ["", summary(table) + " " + tr("coverage.md.note"), "", END]
    return "\n".join(out) + "\n"


def replace_in(text: str, table: str) -> str:
    """`text` (the README) with its table between the markers replaced by `table`."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(tr("coverage.no_markers", begin=BEGIN, end=END))
    return text[:start] + table.rstrip("\n") + text[end + len(END) :]
