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
from simulateur.session.store import CriterionRecord

Final = Literal["acquis", "non_acquis", "jury", "non_evalue"]
Source = Literal["automatique", "jury", "automatique+jury"]

SOURCE_LABELS: dict[str, str] = {"automatique": "automatique", "jury": "jury",
                                 "automatique+jury": "automatique + jury"}
VERDICT_LABELS: dict[str, str] = {"acquis": "acquis", "non_acquis": "non acquis", "jury": "à évaluer",
                                  "non_evalue": "non évalué", "non_traitee": "intervention non traitée"}


@dataclass(frozen=True)
class JuryCriterion:
    id: str
    label: str
    competence: str
    competence_label: str
    observe: tuple[str, ...]          # what the scenario asks the jury to observe (empty: optional)
    required: bool                    # in the scenario's grid (else: optional, same competences)
    automatic_part: bool              # the scenario also has automatic evidence for it


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
        out.append(JuryCriterion(spec.id, crit.label, comp.id, comp.label, observe, True,
                                 any(not isinstance(ev, JuryEvidence) for ev in spec.evidence)))
    for cid in scenario.competences:
        comp = referentiel.find_competence(cid)
        if comp is None:
            continue
        for crit in comp.criteria:
            if crit.id not in listed:
                out.append(JuryCriterion(crit.id, crit.label, comp.id, comp.label, (), False, False))
    return out


def check_mark(scenario: Scenario, criterion: str, index: int) -> JuryCriterion:
    """The sheet's entry for `criterion`, or one French line saying why the jury cannot mark it."""
    for jc in jury_criteria(scenario):
        if jc.id == criterion:
            return jc
    if any(spec.id == criterion for spec in scenario.criteria):
        raise UsageError(tr("exam.jury_automatic", criterion=criterion, index=index))
    raise UsageError(tr("exam.jury_unknown_criterion", criterion=criterion, index=index,
                        known=", ".join(jc.id for jc in jury_criteria(scenario))))


def _mark_text(mark: JuryMark) -> str:
    text = tr("exam.jury_evidence", verdict=VERDICT_LABELS[mark.verdict])
    return text + (f" — {mark.comment}" if mark.comment else "")


def merge(records: list[CriterionRecord], scenario: Scenario | None,
          marks: dict[str, JuryMark]) -> list[MergedCriterion]:
    """Automatic verdicts (the stored grid) merged with the jury's marks, criterion by criterion.

    - no jury evidence: the automatic verdict (source automatique);
    - only jury evidence: the jury's mark, or « à évaluer » until given (source jury);
    - both: a failed automatic part decides (non acquis, source automatique); otherwise the jury's
      mark decides (source automatique + jury);
    - optional criteria the jury marked are added (source jury).
    """
    specs = {s.id: s for s in scenario.criteria} if scenario is not None else {}
    out: list[MergedCriterion] = []
    for rec in records:
        spec = specs.get(rec.id)
        if spec is not None:
            has_jury = any(isinstance(ev, JuryEvidence) for ev in spec.evidence) or rec.verdict == "jury"
            has_auto = any(not isinstance(ev, JuryEvidence) for ev in spec.evidence)
        else:
            has_jury = rec.verdict == "jury" or any(e.startswith("? ") for e in rec.evidence)
            has_auto = any(not e.startswith("? ") for e in rec.evidence)
        mark = marks.get(rec.id) if has_jury else None
        evidence = rec.evidence + ((_mark_text(mark),) if mark else ())
        verdict: Final
        source: Source
        if not has_jury:
            verdict, source = rec.verdict, "automatique"  # type: ignore[assignment]
        elif not has_auto:
            verdict, source = (mark.verdict if mark else "jury"), "jury"
        elif rec.verdict == "non_acquis":
            verdict, source = "non_acquis", "automatique"
        else:
            verdict, source = (mark.verdict if mark else "jury"), "automatique+jury"
        out.append(MergedCriterion(rec.id, rec.label, rec.competence, rec.competence_label, verdict, source,
                                   None if rec.verdict == "jury" else rec.verdict,
                                   mark.verdict if mark else None, mark.comment if mark else "", evidence))
    listed = {r.id for r in records}
    crits = referentiel.all_criteria()
    for cid, mark in sorted(marks.items()):
        if cid in listed or cid not in crits:
            continue
        crit, comp = crits[cid][0], crits[cid][1]
        out.append(MergedCriterion(cid, crit.label, comp.id, comp.label, mark.verdict, "jury", None, mark.verdict,
                                   mark.comment, (_mark_text(mark),)))
    return out


def score(merged: list[MergedCriterion]) -> tuple[int, int, int]:
    """(acquis, évalués, à évaluer par le jury) of a merged grid."""
    acquis = sum(m.verdict == "acquis" for m in merged)
    evalues = sum(m.verdict in ("acquis", "non_acquis") for m in merged)
    return acquis, evalues, sum(m.verdict == "jury" for m in merged)
