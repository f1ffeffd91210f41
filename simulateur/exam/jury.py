"""What the jury judges, and the grid once automatic and jury verdicts are merged.

Per intervention, the jury is given (1) the scenario's criteria whose evidence includes a
`jury:` item — what no probe can judge (questions asked, explanations, attitude…) — and (2),
as optional, the other criteria of the scenario's competences that the scenario does not
evaluate at all (« le technicien traite le client avec considération »…). Merged, each
criterion says where its verdict comes from: automatique, jury, or both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from simulateur import referentiel
from simulateur.errors import UsageError
from simulateur.exam.models import JuryMark
from simulateur.i18n import tr
from simulateur.scenario.models import JuryEvidence, Scenario
from simulateur.scoring import VERDICT_LABELS
from simulateur.session.store import CriterionRecord

Final = Literal["acquis", "non_acquis", "jury", "non_evalue"]
Source = Literal["automatique", "jury", "automatique+jury", "derogation"]

SOURCE_LABELS: dict[str, str] = {
    "automatique": "automatique",
    "jury": "jury",
    "automatique+jury": "automatique + jury",
    "derogation": "jury, contre l'automatique",
}


@dataclass(frozen=True)
class JuryCriterion:
    id: str
    label: str
    competence: str
    competence_label: str
    observe: tuple[str, ...]  # what the scenario asks the jury to observe (empty: optional)
    required: bool  # in the scenario's grid (else: optional, same competences)
    automatic_part: bool  # the scenario also has automatic evidence for it


@dataclass(frozen=True)
class MergedCriterion:
    id: str
    label: str
    competence: str
    competence_label: str
    verdict: Final
    source: Source
    auto_verdict: str | None
    jury_verdict: str | None
    jury_comment: str
    evidence: tuple[str, ...] = field(default_factory=tuple)
    jury_by: str = ""
    has_jury_part: bool = False  # the scenario asks the jury to observe it

    @property
    def override(self) -> bool:
        return self.source == "derogation"


def jury_criteria(scenario: Scenario) -> list[JuryCriterion]:
    """The jury's sheet for one intervention: required ones first, then the optional ones."""
    crits = referentiel.all_criteria()
    out: list[JuryCriterion] = []
    listed = set()
    for spec in scenario.criteria:
        listed.add(spec.id)
        observe = tuple(ev.jury for ev in spec.evidence if isinstance(ev, JuryEvidence))
        if not observe or spec.id not in crits:
            continue
        crit, comp = crits[spec.id][0], crits[spec.id][1]
        out.append(
            JuryCriterion(
                spec.id,
                crit.label,
                comp.id,
                comp.label,
                observe,
                True,
                any(not isinstance(ev, JuryEvidence) for ev in spec.evidence),
            )
        )
    for cid in scenario.competences:
        competence = referentiel.find_competence(cid)
        if competence is None:
            continue
        for crit in competence.criteria:
            if crit.id not in listed:
                out.append(JuryCriterion(crit.id, crit.label, competence.id, competence.label, (), False, False))
    return out


def check_mark(scenario: Scenario, criterion: str, index: int) -> JuryCriterion:
    """The sheet's entry for `criterion` (an automatically judged one too: the jury may override
    it, with a comment), or one French line saying why the jury cannot mark it."""
    for jc in jury_criteria(scenario):
        if jc.id == criterion:
            return jc
    crits = referentiel.all_criteria()
    if any(spec.id == criterion for spec in scenario.criteria) and criterion in crits:
        crit, comp = crits[criterion][0], crits[criterion][1]
        return JuryCriterion(criterion, crit.label, comp.id, comp.label, (), True, True)
    raise UsageError(
        tr(
            "exam.jury_unknown_criterion",
            criterion=criterion,
            index=index,
            known=", ".join(jc.id for jc in jury_criteria(scenario)),
        )
    )


def _mark_text(mark: JuryMark) -> str:
    text = tr("exam.jury_evidence", verdict=VERDICT_LABELS[mark.verdict])
    return text + (f" — {mark.comment}" if mark.comment else "")


def parts(rec: CriterionRecord, scenario: Scenario | None) -> tuple[bool, bool]:
    """(has a jury part, has an automatic part) of a stored criterion."""
    spec = next((s for s in scenario.criteria if s.id == rec.id), None) if scenario is not None else None
    if spec is not None:
        return (
            any(isinstance(ev, JuryEvidence) for ev in spec.evidence) or rec.verdict == "jury",
            any(not isinstance(ev, JuryEvidence) for ev in spec.evidence),
        )
    return (
        rec.verdict == "jury" or any(e.startswith("? ") for e in rec.evidence),
        any(not e.startswith("? ") for e in rec.evidence),
    )


def is_override(auto: str, has_jury: bool, verdict: str) -> bool:
    """The jury's verdict goes against a decided automatic one: a failed automatic part marked
    acquis, or a passed purely automatic criterion marked non acquis (a criterion whose jury
    part is pending after a passed automatic part is the jury's own to judge)."""
    if auto not in ("acquis", "non_acquis") or verdict == auto:
        return False
    return not (has_jury and auto == "acquis")


def override_text(auto: str, mark: JuryMark) -> str:
    return tr(
        "exam.jury_override_evidence",
        auto=VERDICT_LABELS[auto],
        jury=VERDICT_LABELS[mark.verdict],
        comment=mark.comment,
        by=mark.by or "?",
    )


def merge(
    records: list[CriterionRecord], scenario: Scenario | None, marks: dict[str, JuryMark]
) -> list[MergedCriterion]:
    """Automatic verdicts (the stored grid) merged with the jury's marks, criterion by criterion.

    - no jury evidence: the automatic verdict (source automatique);
    - only jury evidence: the jury's mark, or « à évaluer » until given (source jury);
    - both: a failed automatic part decides (non acquis, source automatique); otherwise the jury's
      mark decides (source automatique + jury);
    - optional criteria the jury marked are added (source jury);
    - the jury's verdict against a decided automatic one, with its motive (a comment), is an
      override (source derogation): the jury's verdict counts, and the evidence says both.
    """
    out: list[MergedCriterion] = []
    for rec in records:
        has_jury, has_auto = parts(rec, scenario)
        mark = marks.get(rec.id)
        if mark is not None and not has_jury and rec.verdict not in ("acquis", "non_acquis"):
            mark = None
        evidence = rec.evidence + ((_mark_text(mark),) if mark else ())
        verdict: Final
        source: Source
        if mark is not None and has_auto and mark.comment and is_override(rec.verdict, has_jury, mark.verdict):
            verdict, source = mark.verdict, "derogation"
            evidence = rec.evidence + (override_text(rec.verdict, mark),)
        elif not has_jury:
            verdict, source = rec.verdict, "automatique"
        elif not has_auto:
            verdict, source = (mark.verdict if mark else "jury"), "jury"
        elif rec.verdict == "non_acquis":
            verdict, source = "non_acquis", "automatique"
        else:
            verdict, source = (mark.verdict if mark else "jury"), "automatique+jury"
        out.append(
            MergedCriterion(
                rec.id,
                rec.label,
                rec.competence,
                rec.competence_label,
                verdict,
                source,
                None if rec.verdict == "jury" else rec.verdict,
                mark.verdict if mark else None,
                mark.comment if mark else "",
                evidence,
                mark.by if mark else "",
                has_jury,
            )
        )
    listed = {r.id for r in records}
    crits = referentiel.all_criteria()
    for cid, mark in sorted(marks.items()):
        if cid in listed or cid not in crits:
            continue
        crit, comp = crits[cid][0], crits[cid][1]
        out.append(
            MergedCriterion(
                cid,
                crit.label,
                comp.id,
                comp.label,
                mark.verdict,
                "jury",
                None,
                mark.verdict,
                mark.comment,
                (_mark_text(mark),),
                mark.by,
                True,
            )
        )
    return out


def score(merged: list[MergedCriterion]) -> tuple[int, int, int]:
    """(acquis, évalués, à évaluer par le jury) of a merged grid."""
    acquis = sum(m.verdict == "acquis" for m in merged)
    evalues = sum(m.verdict in ("acquis", "non_acquis") for m in merged)
    return acquis, evalues, sum(m.verdict == "jury" for m in merged)


def overrides(merged: list[MergedCriterion]) -> int:
    """How many verdicts of the grid are the jury's against the automatic one."""
    return sum(m.override for m in merged)
