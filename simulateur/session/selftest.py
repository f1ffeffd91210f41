"""Self-test of a scenario: faults make every probe fail, the reference solution makes every
probe pass — on several seeds. A scenario that fails it is not shipped."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from simulateur.errors import SimError
from simulateur.scenario.loader import Loaded, choose_variant
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


def selftest(loaded: Loaded, seed: int, variant: str | None = None,
             log: Callable[[str], None] = lambda _: None) -> SelftestReport:
    t0 = time.monotonic()
    report = SelftestReport(loaded.scenario.id, seed, ok=True, variant=variant)
    variant = variant or choose_variant(loaded.scenario, seed)
    report.variant = variant
    try:
        lab, scenario = build_scenario_lab(loaded, seed, variant=variant)
    except SimError as exc:
        report.ok = False
        report.problems.append(f"construction : {exc}")
        return report
    try:
        unaffected = set(loaded.scenario.variants[variant].unaffected) if variant else set()
        for p in run_probes(scenario, lab):
            if p.ok and p.id not in unaffected:
                report.problems.append(f"après les pannes, la sonde « {p.id} » réussit encore : {p.observed}")
        try:
            lab.apply(scenario.solution)
        except SimError as exc:
            report.problems.append(f"solution de référence : {exc}")
        else:
            for p in run_probes(scenario, lab):
                if not p.ok:
                    report.problems.append(f"après la solution, la sonde « {p.id} » échoue : {p.observed}")
    finally:
        lab.stop()
    report.ok = not report.problems
    report.seconds = time.monotonic() - t0
    return report
