"""Loading cahiers des charges from YAML (cahiers/*.yaml), every mistake as file:line + fix —
with the scenario loader's machinery: the same YAML reader, topologies, params and checks of
hosts, services and {param} holes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulateur import params as P
from simulateur import referentiel
from simulateur.cahier.models import Cahier
from simulateur.errors import ScenarioError, UsageError
from simulateur.i18n import N_, tr
from simulateur.lab.topology import Topology
from simulateur.paths import cahiers_dir, scenarios_dir
from simulateur.scenario import rendered
from simulateur.scenario.loader import (
    _check_hosts,
    _check_params,
    _check_templates,
    _host_fields,
    _render_topology,
    load_topology,
    topology_path,
)
from simulateur.scenario.yamlload import Located, load_located, validate_located

if TYPE_CHECKING:
    from simulateur.actions import ActionBase
    from simulateur.probes import ProbeBase


def cahier_files(base: Path | None = None) -> list[Path]:
    root = base or cahiers_dir()
    return sorted(p for p in root.glob("*.yaml") if p.is_file()) if root.is_dir() else []


def load_cahier_file(path: Path) -> Cahier:
    """A cahier from its file, checked against its topology and the referentiel."""
    located = load_located(path)
    cahier = validate_located(Cahier, located)
    assert isinstance(cahier, Cahier)
    if not topology_path(cahier.topology).exists():
        available = sorted(p.stem for p in (scenarios_dir() / "topologies").glob("*.yaml"))
        raise ScenarioError(
            [
                f"{located.where(('topology',))}: "
                + tr("check.unknown_topology", topology=cahier.topology, available=", ".join(available) or "aucune")
            ]
        )
    topo, _ = load_topology(cahier.topology)
    problems = check_cahier(cahier, topo, located)
    if problems:
        raise ScenarioError(problems)
    return cahier


def load_cahier(ref: str, base: Path | None = None) -> Cahier:
    """A cahier by id (shipped, or in `base`) or by the path of its file."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        return load_cahier_file(Path(ref))
    path = (base or cahiers_dir()) / f"{ref}.yaml"
    if re.match(r"^[a-z][a-z0-9-]{0,47}$", ref) and path.exists():
        return load_cahier_file(path)
    known = ", ".join(p.stem for p in cahier_files(base)) or "aucun"
    raise UsageError(tr("cahier.unknown", id=ref, known=known))


def list_cahiers(base: Path | None = None) -> list[Cahier]:
    """Every shipped cahier (a broken file raises its located error: shipped files must load)."""
    return [load_cahier_file(p) for p in cahier_files(base)]


def topology_of(cahier: Cahier) -> Topology:
    topo, _ = load_topology(cahier.topology)
    return topo


def resolve_params(cahier: Cahier, topo: Topology, seed: int) -> dict[str, str]:
    specs = dict(topo.params)
    specs.update(cahier.params)
    return P.draw(specs, seed)


def check_cahier(ca: Cahier, topo: Topology, loc: Located) -> list[str]:
    problems: list[str] = []

    def err(where: tuple[Any, ...], key: str, **kw: Any) -> None:
        problems.append(f"{loc.where(where)}: {tr(key, **kw)}")

    if ca.id != loc.path.stem:
        err(("id",), N_("cahier.check.id"), id=ca.id, stem=loc.path.stem)
    hosts = _check_hosts(ca.hosts, ca.shell_host, topo, err)
    probe_ids = [p.id for p in ca.probes]
    for i, pid in enumerate(probe_ids):
        if pid in probe_ids[:i]:
            err(("probes", i, "id"), N_("cahier.check.dup_probe"), id=pid)
    req_ids = [r.id for r in ca.requirements]
    criteria = referentiel.all_criteria()
    used: set[str] = set()
    for i, req in enumerate(ca.requirements):
        if req.id in req_ids[:i]:
            err(("requirements", i, "id"), N_("cahier.check.dup_requirement"), id=req.id)
        for j, crit in enumerate(req.criteria):
            if crit not in criteria:
                err(("requirements", i, "criteria", j), N_("check.unknown_criterion"), id=crit)
            elif not crit.startswith(ca.referentiel + "."):
                err(
                    ("requirements", i, "criteria", j),
                    N_("cahier.check.criterion_referentiel"),
                    id=crit,
                    ref=ca.referentiel,
                )
        for j, pid in enumerate(req.probes):
            used.add(pid)
            if pid not in probe_ids:
                err(
                    ("requirements", i, "probes", j),
                    N_("cahier.check.unknown_probe"),
                    id=pid,
                    known=", ".join(probe_ids),
                )
        for j, pid in enumerate(req.gate):
            if pid not in req.probes:
                err(("requirements", i, "gate", j), N_("cahier.check.gate_outside"), id=pid, req=req.id)
        for j, need in enumerate(req.needs):
            if need == req.id:
                err(("requirements", i, "needs", j), N_("cahier.check.self_need"), id=need)
            elif need not in req_ids:
                err(
                    ("requirements", i, "needs", j),
                    "cahier.check.unknown_requirement",
                    id=need,
                    known=", ".join(req_ids),
                )
        if req.id not in ca.reference:
            err(("requirements", i, "id"), N_("cahier.check.no_reference"), id=req.id)
    for i, probe in enumerate(ca.probes):
        if probe.id not in used:
            err(("probes", i, "id"), N_("cahier.check.unused_probe"), id=probe.id)
    for rid in ca.reference:
        if rid not in req_ids:
            err(("reference", rid), "cahier.check.unknown_requirement", id=rid, known=", ".join(req_ids))
    if not problems:
        cycle = _cycle(ca)
        if cycle:
            err(("requirements",), N_("cahier.check.need_cycle"), cycle=" → ".join(cycle))
    sections: list[tuple[tuple[Any, ...], Sequence[ActionBase | ProbeBase]]] = [
        (("setup",), ca.setup),
        (("probes",), ca.probes),
    ]
    sections += [(("reference", rid), actions) for rid, actions in ca.reference.items()]
    for prefix, items in sections:
        for i, item in enumerate(items):
            for field in _host_fields(type(item)):
                value = getattr(item, field, None)
                if value is not None and value not in hosts:
                    err((*prefix, i, field), "check.unknown_host", host=value, topology=topo.id, hosts=", ".join(hosts))
            service = getattr(item, "service", None)
            if service is not None and getattr(item, "host", None) in topo.hosts:
                names = [s.name for s in topo.hosts[item.host].services]
                if service not in names:
                    err(
                        (*prefix, i, "service"),
                        N_("check.unknown_service"),
                        service=service,
                        host=item.host,
                        services=", ".join(names) or "aucun",
                    )
    known = list(topo.params) + [n for n in ca.params if n not in topo.params]
    problems += _check_templates(loc, known, skip=("params",))
    problems += _check_params(ca.params, loc, ("params",), list(topo.params))
    if not problems:
        try:
            values = resolve_params(ca, topo, 0)
            problems += [
                f"{loc.where(('params',))}: {msg} (topologie {topo.id})"
                for _, msg in rendered.problems(_render_topology(topo, values, ca.hosts))
            ]
            rendered_cahier(ca, values)
        except UsageError as exc:
            err(("params",), N_("check.params_failed"), why=str(exc))
    return problems


def _cycle(ca: Cahier) -> list[str]:
    """A cycle of `needs` (the ids around it), or []."""
    needs = {r.id: r.needs for r in ca.requirements}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(rid: str) -> list[str]:
        state[rid] = 1
        stack.append(rid)
        for n in needs.get(rid, []):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[rid] = 2
        return []

    for rid in needs:
        if rid not in state:
            found = visit(rid)
            if found:
                return found
    return []


def rendered_cahier(ca: Cahier, values: dict[str, str]) -> Cahier:
    """The cahier as given to a candidate: its parameters filled in."""
    data = ca.model_dump(by_alias=True, exclude={"params"})
    return rendered.validated(Cahier, P.render_tree(data, values), f"cahier {ca.id}")
