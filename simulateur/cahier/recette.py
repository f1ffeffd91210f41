"""The recette of a cahier des charges: every requirement judged by its probes on the live lab
(real behaviour), partial credit per requirement (the share of its probes that pass), what is
missing said in French, and each RC criterion scored over the requirements mapped to it."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel

from simulateur import referentiel
from simulateur.cahier.models import Cahier
from simulateur.i18n import tr
from simulateur.probes import ProbeResult

MET = 1.0


class RequirementVerdict(BaseModel):
    id: str
    text: str
    criteria: list[str]
    score: float  # 0.0..1.0: share of its probes that pass
    missing: list[str]  # French: what is not met (one line per failing probe)
    probes: list[ProbeResult]

    @property
    def met(self) -> bool:
        return self.score >= MET


class Recette(BaseModel):
    cahier: str
    title: str
    lab: str
    seed: int
    t: float
    requirements: list[RequirementVerdict]
    criteria: dict[str, float]  # RC criterion → mean score of the requirements mapped to it
    score: float  # mean of the requirements' scores

    def requirement(self, req_id: str) -> RequirementVerdict:
        return next(r for r in self.requirements if r.id == req_id)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recette:
        return cls.model_validate(data)


def score_recette(
    cahier: Cahier, results: list[ProbeResult], *, lab: str = "", seed: int = 0, t: float | None = None
) -> Recette:
    """The recette from the probes' results (a pure function: canned results in the tests)."""
    by_id = {r.id: r for r in results}
    verdicts = []
    for req in cahier.requirements:
        probes = [by_id[p] for p in req.probes]
        passed = sum(p.ok for p in probes)
        missing = [tr("cahier.missing", expected=p.expected, observed=p.observed) for p in probes if not p.ok]
        if req.gate and not any(by_id[g].ok for g in req.gate) and passed:
            # nothing built: what passes anyway (a refusal by a server that does not answer) counts for nothing
            missing.append(tr("cahier.gate_closed", probes=", ".join(p.id for p in probes if p.ok)))
            passed = 0
        verdicts.append(
            RequirementVerdict(
                id=req.id,
                text=req.text,
                criteria=req.criteria,
                score=round(passed / len(probes), 4),
                missing=missing,
                probes=probes,
            )
        )
    criteria: dict[str, list[float]] = {}
    for v in verdicts:
        for c in v.criteria:
            criteria.setdefault(c, []).append(v.score)
    return Recette(
        cahier=cahier.id,
        title=cahier.title,
        lab=lab,
        seed=seed,
        t=time.time() if t is None else t,
        requirements=verdicts,
        criteria={c: round(sum(s) / len(s), 4) for c, s in criteria.items()},
        score=round(sum(v.score for v in verdicts) / len(verdicts), 4),
    )


def run_recette(lab: str, cahier: Cahier | None = None) -> Recette:
    """Probe the live lab `lab` for every requirement of `cahier` (by default the one the lab was
    built for; a cahier given unrendered is rendered with the lab's params)."""
    from concurrent.futures import ThreadPoolExecutor

    from simulateur.cahier.loader import rendered_cahier
    from simulateur.cahier.play import cahier_of
    from simulateur.lab.lab import Lab

    the_lab = Lab.open(lab)
    cahier = cahier_of(the_lab) if cahier is None else rendered_cahier(cahier, the_lab.params)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda p: p.run(the_lab), cahier.probes))
    return score_recette(cahier, results, lab=the_lab.id, seed=the_lab.state.seed)


def percent(x: float) -> str:
    return f"{round(100 * x)} %"


def render_recette(rec: Recette) -> str:
    """The recette as the candidate and the jury read it (French)."""
    crits = referentiel.all_criteria()
    lines = [
        tr("cahier.recette_title", title=rec.title),
        tr("cahier.recette_lab", lab=rec.lab, cahier=rec.cahier, seed=rec.seed),
        "",
    ]
    for v in rec.requirements:
        mark = "✓" if v.met else ("◐" if v.score > 0 else "✗")
        lines.append(
            tr("cahier.recette_req", mark=mark, id=v.id, score=percent(v.score), criteria=", ".join(v.criteria))
        )
        lines.append(f"    {v.text}")
        lines += [f"    ✗ {m}" for m in v.missing]
    lines += ["", tr("cahier.recette_criteria")]
    for cid, s in rec.criteria.items():
        label = crits[cid][0].label if cid in crits else ""
        lines.append(f"  {cid} {percent(s):>6}  {label}")
    met = sum(v.met for v in rec.requirements)
    lines += ["", tr("cahier.recette_total", score=percent(rec.score), met=met, n=len(rec.requirements))]
    return "\n".join(lines)


def as_check_result(rec: Recette) -> Any:
    """The recette as the attempt/result store keeps a check (scoring.CheckResult): one criterion
    per RC criterion, acquis when every requirement mapped to it is met; its evidence, the
    requirements' lines. Reports and the results' pages read it as any other check."""
    from simulateur.scoring import CheckResult, CriterionResult, Score

    crits = referentiel.all_criteria()
    results = []
    for cid, s in rec.criteria.items():
        crit, comp = crits[cid][0], crits[cid][1]
        evidence = [
            ("✓ " if v.met else "✗ ") + tr("cahier.evidence", id=v.id, score=percent(v.score), text=v.text)
            for v in rec.requirements
            if cid in v.criteria
        ]
        results.append(
            CriterionResult(
                id=cid,
                label=crit.label,
                competence=comp.id,
                competence_label=comp.label,
                verdict="acquis" if s >= MET else "non_acquis",
                evidence=evidence,
            )
        )
    probes = {p.id: p for v in rec.requirements for p in v.probes}
    acquis = sum(r.verdict == "acquis" for r in results)
    return CheckResult(
        lab=rec.lab,
        scenario=rec.cahier,
        seed=rec.seed,
        t=rec.t,
        criteria=results,
        probes=list(probes.values()),
        score=Score(acquis=acquis, evalues=len(results), jury=0),
    )


RECETTE_FILE = "recette.json"


def record_recette(lab: str) -> Recette:
    """The recette of the lab's cahier, recorded with its attempt: recette.json in the attempt's
    directory, and the store's result of the attempt (as `simulateur check` records one, and, like
    it, a command-line attempt handed in as it is; an app's or exam's attempt is theirs to submit)."""
    import json

    from simulateur.session.run import open_attempt

    _lab, _scenario, attempt = open_attempt(lab)
    rec = run_recette(lab)
    (attempt.dir / RECETTE_FILE).write_text(json.dumps(rec.to_dict(), ensure_ascii=False, indent=1))
    result = as_check_result(rec)
    attempt.save_result(result)
    attempt.store.hand_in_checked(attempt.id, result)  # as `simulateur check`: the command line's attempt handed in
    return rec
