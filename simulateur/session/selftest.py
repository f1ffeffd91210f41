"""Self-test of a scenario: on the faulted lab the ticket's symptom holds (what it says broken
fails, what it says still works passes) and every probe fails; the reference solution makes every
probe pass, and what the ticket said still worked still does — on several seeds. A scenario that
fails it is not shipped."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.probes import ProbeResult
from simulateur.scenario.loader import Loaded, choose_variant
from simulateur.scenario.models import Scenario
from simulateur.scoring import run_probes
from simulateur.session.run import build_scenario_lab


@dataclass
class SelftestReport:
    scenario: str
    seed: int
    ok: bool
    variant: str | None = None
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def plan(loaded: Loaded, seeds: list[int]) -> list[tuple[int, str | None]]:
    """(seed, variant) runs: every seed with the variant it draws, then any variant no seed drew."""
    runs = [(seed, choose_variant(loaded.scenario, seed)) for seed in seeds]
    drawn = {v for _, v in runs}
    runs += [(seeds[0], v) for v in sorted(loaded.scenario.variants) if v not in drawn]
    return runs


def symptom_problems(scenario: Scenario, faulted: list[ProbeResult]) -> list[str]:
    """Is the ticket true to the faulted lab? What it says broken fails, what it says still
    works passes — checked before any fix. A scenario without a symptom fails its selftest."""
    sym = scenario.symptom
    if sym is None:
        return [tr("selftest.no_symptom")]
    by_id = {p.id: p for p in faulted}
    problems = [
        tr("selftest.symptom_false", summary=sym.summary, id=pid, observed=by_id[pid].observed)
        for pid in sym.broken
        if by_id[pid].ok
    ]
    problems += [
        tr("selftest.working_false", summary=sym.summary, id=pid, observed=by_id[pid].observed)
        for pid in sym.working
        if not by_id[pid].ok
    ]
    return problems


def selftest(
    loaded: Loaded, seed: int, variant: str | None = None, log: Callable[[str], None] = lambda _: None
) -> SelftestReport:
    t0 = time.monotonic()
    report = SelftestReport(loaded.scenario.id, seed, ok=True, variant=variant)
    variant = variant or choose_variant(loaded.scenario, seed)
    report.variant = variant
    try:
        lab, scenario = build_scenario_lab(loaded, seed, variant=variant)
    except SimError as exc:
        report.ok = False
        report.problems.append(tr("selftest.build_failed", why=exc))
        return report
    try:
        unaffected = set(loaded.scenario.variants[variant].unaffected) if variant else set()
        symptom_probes = scenario.symptom.probes if scenario.symptom else []
        faulted = run_probes(scenario, lab, extra=symptom_probes)
        report.problems += symptom_problems(scenario, faulted)
        for p in faulted[: len(scenario.probes)]:
            if p.ok and p.id not in unaffected:
                report.problems.append(tr("selftest.probe_still_ok", id=p.id, observed=p.observed))
        try:
            lab.apply(scenario.solution)
        except SimError as exc:
            report.problems.append(tr("selftest.solution_failed", why=exc))
        else:
            # After the fix, every scored probe passes and what the ticket said still worked still
            # does; the symptom's own « broken » probes are not required to pass (an incident
            # escalated to the operator stays broken on the lab).
            still = [p for p in symptom_probes if p.id in scenario.symptom.working] if scenario.symptom else []
            for p in run_probes(scenario, lab, extra=still):
                if not p.ok:
                    report.problems.append(tr("selftest.probe_fails", id=p.id, observed=p.observed))
    finally:
        lab.stop()
    report.ok = not report.problems
    report.seconds = time.monotonic() - t0
    return report
