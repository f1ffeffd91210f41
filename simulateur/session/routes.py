"""Route matrices: the ways a trainee may take through a scenario, each with the verdicts a jury
would give — proven on real labs.

A scenario's routes live next to it, in `routes/<scenario id>.yaml`:

    scenario: dhcp-serveur-arrete
    seed: 7                       # default seed of every route (a route may set its own)
    routes:
      - name: service-restart     # identifier, unique in the file
        valid: true               # a fix a competent technician would sign (false: a workaround, a wrong fix)
        family: service           # the tool family of the fix (systemctl, service, init script, ifupdown…)
        why: "relance par « service » puis renouvellement du bail"   # for the trainer, in French
        steps:
          - {host: poste, run: "ip -br addr"}
          - {host: srv, run: "service dnsmasq restart", rc: 0}
          - qualify: {impact: moyen, urgency: haute}
        expect: {TAI.CP14.2: acquis, TAI.CP14.3: jury, TAI.CP14.4: acquis, TAI.CP10.4: acquis}

A step is a command (`host`, `run`, `rc`), a qualification (`qualify`), an escalation (`escalate`)
or a hand on a cable (`cable: {host: poste, plug: lan}`, `{host: poste, unplug: true}`, or
`{host: poste}` to look at it), journaled as `simulateur cable` journals it.

Each route runs on a lab of its own, started as a trainee's attempt: every `run` goes through the
same path as `simulateur exec` (a bash of the host, journaled), `{param}` in a command is the
played value of that scenario parameter (other braces are left to the shell), `rc` optionally
asserts the command's exit code (a route whose fix silently failed proves nothing). `expect`
names every criterion of the scenario: a route asserts the whole grid, not the criterion it is
about.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulateur.errors import ScenarioError
from simulateur.i18n import N_, tr, trn
from simulateur.lab.fields import Iface, Strict
from simulateur.scenario.loader import Loaded
from simulateur.scenario.yamlload import load_located, validate_located
from simulateur.scoring import Verdict, evaluate
from simulateur.session import cabling, run

NAME = r"^[a-z0-9][a-z0-9-]{0,62}$"
ROUTES_DIR = "routes"
OUTPUT_KEPT = 4000  # characters of a command's output kept in a report


class QualifyStep(Strict):
    impact: str
    urgency: str


class EscalateStep(Strict):
    to: str
    reason: str
    done: str = ""


class CableStep(Strict):
    """A hand on a host's cable, as `simulateur cable`: plug it into a switch, unplug it, or look."""

    host: str
    iface: Iface = "eth0"
    plug: str | None = None
    unplug: bool = False

    @model_validator(mode="after")
    def _one_gesture(self) -> CableStep:
        if self.plug is not None and self.unplug:
            raise ValueError(tr("routes.cable_one_gesture"))
        return self


class Step(BaseModel):
    """One thing the trainee does: a command on a host, a qualification, an escalation or a cable."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    host: str | None = None
    run: str | None = None
    rc: int | None = None
    qualify: QualifyStep | None = None
    escalate: EscalateStep | None = None
    cable: CableStep | None = None

    @model_validator(mode="after")
    def _one_thing(self) -> Step:
        given = [k for k in ("run", "qualify", "escalate", "cable") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(tr("routes.one_step_kind"))
        if self.run is None and (self.host is not None or self.rc is not None):
            raise ValueError(tr("routes.host_rc_only_for_run"))
        return self


class Route(Strict):
    name: str = Field(pattern=NAME)
    valid: bool
    family: str = Field(min_length=1)
    why: str = Field(min_length=1)
    seed: int | None = None
    variant: str | None = None
    steps: list[Step]
    expect: dict[str, Verdict]


class RouteFile(Strict):
    scenario: str
    seed: int = 7
    routes: list[Route] = Field(min_length=1)


def routes_path(loaded: Loaded) -> Path:
    return loaded.path.parent / ROUTES_DIR / f"{loaded.scenario.id}.yaml"


def load_routes(path: Path, loaded: Loaded) -> RouteFile:
    """The routes of `loaded`'s scenario, checked against it; ScenarioError (file:line) if wrong."""
    located = load_located(path)
    rf = validate_located(RouteFile, located)
    assert isinstance(rf, RouteFile)
    sc = loaded.scenario
    problems: list[str] = []

    def err(loc: tuple[str | int, ...], key: str, **kw: object) -> None:
        problems.append(f"{located.where(loc)}: {tr(key, **kw)}")

    if rf.scenario != sc.id:
        err(("scenario",), N_("routes.wrong_scenario"), found=rf.scenario, id=sc.id)
    criteria = [c.id for c in sc.criteria]
    seen: set[str] = set()
    for i, route in enumerate(rf.routes):
        where = ("routes", i)
        if route.name in seen:
            err(where + ("name",), N_("routes.duplicate"), name=route.name)
        seen.add(route.name)
        if route.variant is not None and route.variant not in sc.variants:
            err(
                where + ("variant",),
                N_("routes.unknown_variant"),
                variant=route.variant,
                known=", ".join(sorted(sc.variants)) or "aucune",
            )
        missing = [c for c in criteria if c not in route.expect]
        unknown = [c for c in route.expect if c not in criteria]
        if missing:
            err(where + ("expect",), N_("routes.missing_criteria"), ids=", ".join(missing))
        if unknown:
            err(where + ("expect",), N_("routes.unknown_criteria"), ids=", ".join(unknown))
        for j, step in enumerate(route.steps):
            if step.host is not None and step.host not in sc.hosts:
                err(where + ("steps", j, "host"), N_("routes.unknown_host"), host=step.host, hosts=", ".join(sc.hosts))
            if step.cable is not None and step.cable.host not in sc.hosts:
                err(
                    where + ("steps", j, "cable", "host"),
                    N_("routes.unknown_host"),
                    host=step.cable.host,
                    hosts=", ".join(sc.hosts),
                )
    if problems:
        raise ScenarioError(problems)
    return rf


@dataclass
class StepReport:
    host: str
    command: str
    rc: int
    output: str
    ok: bool  # the exit code is the one the route asserts (always True if it asserts none)


@dataclass
class RouteReport:
    scenario: str
    route: str
    valid: bool
    seed: int
    variant: str | None
    verdicts: dict[str, str] = field(default_factory=dict)
    expected: dict[str, str] = field(default_factory=dict)
    steps: list[StepReport] = field(default_factory=list)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def wrong(self) -> dict[str, tuple[str, str]]:
        """criterion → (expected, given) where they differ."""
        return {c: (v, self.verdicts.get(c, "?")) for c, v in self.expected.items() if self.verdicts.get(c) != v}

    @property
    def failed_steps(self) -> list[StepReport]:
        return [s for s in self.steps if not s.ok]

    @property
    def ok(self) -> bool:
        return not self.wrong and not self.failed_steps

    def explain(self) -> str:
        """What went wrong, in French, with each differing criterion's evidence."""
        lines = [
            tr(
                "routes.report_head",
                scenario=self.scenario,
                route=self.route,
                seed=self.seed,
                variant=self.variant or "—",
            )
        ]
        for s in self.failed_steps:
            lines.append(tr("routes.step_failed", host=s.host, command=s.command, rc=s.rc))
            lines += ["    | " + line for line in s.output.splitlines()[-15:]]
        for crit, (want, got) in self.wrong.items():
            lines.append(tr("routes.verdict_differs", id=crit, want=want, got=got))
            lines += ["    · " + e for e in self.evidence.get(crit, [])]
        return "\n".join(lines)


def _substitute(text: str, values: dict[str, str]) -> str:
    if not values:
        return text
    names = "|".join(re.escape(k) for k in sorted(values, key=len, reverse=True))
    return re.sub(r"\{(" + names + r")\}", lambda m: values[m.group(1)], text)


def run_route(
    loaded: Loaded,
    rf: RouteFile,
    route: Route,
    base: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> RouteReport:
    """Start the scenario as a trainee's attempt, take the route, check, stop; the report."""
    t0 = time.monotonic()
    seed = route.seed if route.seed is not None else rf.seed
    started = run.start(loaded.scenario.id, seed, base=base, variant=route.variant)
    lab, scenario, attempt = started.lab, started.scenario, started.attempt
    report = RouteReport(loaded.scenario.id, route.name, route.valid, seed, route.variant, expected=dict(route.expect))
    try:
        values = dict(lab.state.params)
        default_host = lab.state.default_host or scenario.hosts[0]
        for step in route.steps:
            if step.qualify is not None:
                attempt.qualify(step.qualify.impact, step.qualify.urgency)
            elif step.escalate is not None:
                attempt.escalate(step.escalate.to, step.escalate.reason, step.escalate.done)
            elif step.cable is not None:
                c = step.cable
                if c.unplug:
                    cabling.unplug(lab, attempt.journal, c.host, c.iface)
                elif c.plug is not None:
                    cabling.plug(lab, attempt.journal, c.host, c.iface, c.plug)
                else:
                    cabling.look(lab, attempt.journal, c.host, c.iface)
            else:
                assert step.run is not None
                host, text = step.host or default_host, _substitute(step.run, values)
                progress(f"{host}# {text}")
                with tempfile.TemporaryFile() as out:
                    rc = run.exec_command(lab, host, [text], attempt.journal, output=out.fileno())
                    out.seek(0)
                    output = out.read().decode(errors="replace")[-OUTPUT_KEPT:]
                report.steps.append(StepReport(host, text, rc, output, step.rc is None or rc == step.rc))
        result = evaluate(scenario, lab, attempt.journal.entries(), attempt.qualification(), attempt.escalation())
        attempt.save_result(result)
        report.verdicts = {c.id: c.verdict for c in result.criteria}
        report.evidence = {c.id: list(c.evidence) for c in result.criteria}
    finally:
        lab.stop()
    report.seconds = time.monotonic() - t0
    return report


def matrix_gaps(
    loaded: Loaded, rf: RouteFile, min_valid: int = 4, min_wrong: int = 4, min_other_family: int = 2
) -> list[str]:
    """What a scenario's matrix lacks (French): at least `min_valid` valid and `min_wrong` wrong
    routes, `min_other_family` of the valid ones in a tool family other than the reference's
    (the family of the route named `reference`)."""
    valid = [r for r in rf.routes if r.valid]
    wrong = [r for r in rf.routes if not r.valid]
    gaps = []
    if len(valid) < min_valid:
        gaps.append(trn("routes.gap_valid", len(valid), min=min_valid))
    if len(wrong) < min_wrong:
        gaps.append(trn("routes.gap_wrong", len(wrong), min=min_wrong))
    ref = next((r for r in rf.routes if r.name == "reference"), None)
    if ref is None:
        gaps.append(tr("routes.gap_reference"))
    else:
        other = [r for r in valid if r.family != ref.family]
        if len(other) < min_other_family:
            gaps.append(trn("routes.gap_family", len(other), min=min_other_family, family=ref.family))
    return gaps
