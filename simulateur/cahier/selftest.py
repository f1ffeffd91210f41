"""Self-test of a cahier des charges, on real labs: built « installé, non configuré » every
requirement fails; each requirement alone (its reference build and those of its `needs`) passes
while the requirements it does not need still fail (recette verdicts on partial builds); the whole
reference build passes every requirement. One lab per requirement (a build cannot be undone): the
first is also checked unconfigured, the last is completed into the whole build."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from simulateur.cahier.loader import rendered_cahier
from simulateur.cahier.models import Cahier
from simulateur.cahier.play import loaded
from simulateur.cahier.recette import Recette, percent, score_recette
from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab.lab import Lab
from simulateur.session.run import build_scenario_lab


@dataclass
class CahierSelftest:
    cahier: str
    seed: int
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    stages: list[tuple[str, Recette]] = field(default_factory=list)  # (stage, its recette)
    seconds: float = 0.0


def _recette(lab: Lab, cahier: Cahier) -> Recette:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda p: p.run(lab), cahier.probes))
    return score_recette(cahier, results, lab=lab.id, seed=lab.state.seed)


def selftest(
    cahier: Cahier, seed: int, only: list[str] | None = None, log: Callable[[str], None] = lambda _: None
) -> CahierSelftest:
    """`only`: the requirements to test alone (default: all of them)."""
    t0 = time.monotonic()
    report = CahierSelftest(cahier.id, seed)
    alone = only if only is not None else [r.id for r in cahier.requirements]
    for i, rid in enumerate(alone):
        log(tr("cahier.selftest.stage_build", id=rid))
        try:
            lab, _ = build_scenario_lab(loaded(cahier), seed)
        except SimError as exc:
            report.problems.append(tr("cahier.selftest.build_failed", why=exc))
            break
        try:
            played = rendered_cahier(cahier, lab.params)
            if i == 0:
                rec = _recette(lab, played)
                report.stages.append(("non configuré", rec))
                report.problems += [
                    tr("cahier.selftest.met_unconfigured", id=v.id, score=percent(v.score))
                    for v in rec.requirements
                    if v.met
                ]
            closure = played.build_order([rid])
            if not _apply(lab, played, closure, report):
                continue
            rec = _recette(lab, played)
            report.stages.append((f"{rid} seule", rec))
            needs = ", ".join(x for x in closure if x != rid) or tr("cahier.selftest.nothing")
            for v in rec.requirements:
                if v.id == rid and not v.met:
                    report.problems.append(
                        tr(
                            "cahier.selftest.alone_fails",
                            alone=rid,
                            needs=needs,
                            score=percent(v.score),
                            missing=" ; ".join(v.missing),
                        )
                    )
                elif v.id not in closure and v.met:
                    report.problems.append(
                        tr("cahier.selftest.alone_leaks", alone=rid, needs=needs, id=v.id, score=percent(v.score))
                    )
            if i == len(alone) - 1:
                rest = [x for x in played.build_order() if x not in closure]
                if _apply(lab, played, rest, report):
                    rec = _recette(lab, played)
                    report.stages.append(("construction complète", rec))
                    report.problems += [
                        tr(
                            "cahier.selftest.whole_fails",
                            id=v.id,
                            score=percent(v.score),
                            missing=" ; ".join(v.missing),
                        )
                        for v in rec.requirements
                        if not v.met
                    ]
        finally:
            lab.stop()
    report.ok = not report.problems
    report.seconds = time.monotonic() - t0
    return report


def _apply(lab: Lab, cahier: Cahier, req_ids: list[str], report: CahierSelftest) -> bool:
    for rid in req_ids:
        try:
            lab.apply(cahier.reference.get(rid, []))
        except SimError as exc:
            report.problems.append(tr("cahier.selftest.reference_failed", id=rid, why=exc))
            return False
    return True
