"""Loading scenarios and topologies from YAML, with every mistake reported as file:line + fix."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulateur import params as P
from simulateur import referentiel
from simulateur.errors import ScenarioError, UsageError
from simulateur.i18n import N_, tr
from simulateur.lab.names import HOST_RE
from simulateur.lab.topology import Topology
from simulateur.paths import scenarios_dir, user_scenarios_dir
from simulateur.scenario import rendered
from simulateur.scenario.models import JournalEvidence, ProbeEvidence, Scenario, TicketEvidence
from simulateur.scenario.yamlload import Located, load_located, validate_located

if TYPE_CHECKING:
    from simulateur.actions import ActionBase
    from simulateur.probes import ProbeBase


@dataclass
class Loaded:
    scenario: Scenario
    topology: Topology
    path: Path
    user: bool = False  # from the trainer's own folder, not shipped


def topology_path(topology_id: str, base: Path | None = None) -> Path:
    return (base or scenarios_dir()) / "topologies" / f"{topology_id}.yaml"


def _topology_bases(base: Path) -> list[Path]:
    """Where a scenario of `base` finds its topology: its own folder's topologies/ first, then the
    shipped ones (a trainer's scenario uses the shipped topologies)."""
    bases = [base]
    if base.resolve() != scenarios_dir().resolve():
        bases.append(scenarios_dir())
    return bases


# Every scenario names its topology: `list` used to parse and validate `bureau` once per scenario
# (~0.5 s of a 0.7 s command). A loaded topology is reused while its file is unchanged (same
# path, size and mtime); callers get their own copy.
_TOPOLOGIES: dict[tuple[str, int, int], tuple[Topology, Located]] = {}


def load_topology(topology_id: str, base: Path | None = None) -> tuple[Topology, Located]:
    path = topology_path(topology_id, base)
    try:
        st = path.stat()
        key: tuple[str, int, int] | None = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    except OSError:
        key = None  # load_located says what is wrong with the file
    if key is not None and key in _TOPOLOGIES:
        topo, located = _TOPOLOGIES[key]
        return topo.model_copy(deep=True), located
    located = load_located(path)
    topo = validate_located(Topology, located)
    assert isinstance(topo, Topology)
    problems = _check_topology(topo, located)
    if problems:
        raise ScenarioError(problems)
    if key is not None:
        _TOPOLOGIES[key] = (topo, located)
    return topo.model_copy(deep=True), located


def _check_topology(topo: Topology, loc: Located) -> list[str]:
    problems = []
    if topo.id != loc.path.stem:
        problems.append(f"{loc.where(('id',))}: {tr('check.topology_id', id=topo.id, stem=loc.path.stem)}")
    for name, host in topo.hosts.items():
        for i, iface in enumerate(host.interfaces):
            if iface.switch not in topo.switches:
                problems.append(
                    f"{loc.where(('hosts', name, 'interfaces', i, 'switch'))}: "
                    + tr("check.unknown_switch", switch=iface.switch, switches=", ".join(topo.switches))
                )
        names = [s.name for s in host.services]
        if len(names) != len(set(names)):
            problems.append(f"{loc.where(('hosts', name, 'services'))}: {tr('check.dup_service', host=name)}")
    problems += _check_templates(loc, list(topo.params), skip=("params",))
    problems += _check_params(topo.params, loc, ("params",), [])
    if not problems:  # its values once rendered (seed 0): addresses, names (scenario/rendered.py)
        try:
            drawn = _render_topology(topo, P.draw(topo.params, 0))
        except UsageError as exc:
            problems.append(f"{loc.where(())}: {exc}")
        else:
            problems += [f"{loc.where(where)}: {msg}" for where, msg in rendered.problems(drawn)]
    return problems


def _strings(data: Any, loc: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    if isinstance(data, str):
        return [(loc, data)]
    if isinstance(data, list):
        return [x for i, item in enumerate(data) for x in _strings(item, loc + (i,))]
    if isinstance(data, dict):
        return [x for k, v in data.items() for x in _strings(v, loc + (k,))]
    return []


def _check_templates(loc: Located, known: list[str], skip: tuple[str, ...] = ()) -> list[str]:
    problems = []
    for path, text in _strings(loc.data, ()):
        if path and path[0] in skip:
            continue
        for match in P.HOLE.finditer(text):
            name, attr = match.group(1), match.group(2)
            if not name:
                continue
            where = f"{loc.path}:{loc.line_in_text(path, match.start())}"  # the hole's own line in a `|` block
            if name not in known:
                problems.append(f"{where}: " + tr("check.unknown_param", name=name, known=", ".join(known) or "aucun"))
            elif attr and attr not in P.NETWORK_ATTRS:
                problems.append(f"{where}: " + tr("check.unknown_attr", attr=attr, attrs=", ".join(P.NETWORK_ATTRS)))
    return problems


def _check_params(specs: dict[str, Any], loc: Located, where: tuple[str, ...], earlier: list[str]) -> list[str]:
    problems = []
    seen = list(earlier)
    for name, spec in specs.items():
        refs: list[str] = []
        if isinstance(spec, P.Address):
            refs = [spec.address.subnet, *spec.address.avoid]
        elif isinstance(spec, P.Value):
            refs = [n for n, _ in P.holes(spec.value)]
        for ref in refs:
            if ref not in seen:
                problems.append(f"{loc.where(where + (name,))}: " + tr("check.param_order", name=name, ref=ref))
        seen.append(name)
    if not problems and not earlier:  # a scenario's params are drawn with its topology's (resolve_params)
        try:
            P.draw(specs, 0)
        except UsageError as exc:
            problems.append(f"{loc.where(where)}: {exc}")
    return problems


def load_scenario(path: Path, base: Path | None = None) -> Loaded:
    located = load_located(path)
    scenario = validate_located(Scenario, located)
    assert isinstance(scenario, Scenario)
    bases = _topology_bases(base or path.parent)
    found = next((b for b in bases if topology_path(scenario.topology, b).exists()), None)
    if found is None:
        available = sorted({p.stem for b in bases for p in topology_path("x", b).parent.glob("*.yaml")})
        raise ScenarioError(
            [
                f"{located.where(('topology',))}: "
                + tr("check.unknown_topology", topology=scenario.topology, available=", ".join(available) or "aucune")
            ]
        )
    topo, _ = load_topology(scenario.topology, found)
    problems = _check_scenario(scenario, topo, located)
    if problems:
        raise ScenarioError(problems)
    return Loaded(scenario, topo, path)


def _check_hosts(wanted: list[str], shell_host: str | None, topo: Topology, err: Any) -> list[str]:
    """A scenario's or a cahier's `hosts` (each the topology's) and `shell_host` (one of them): the
    hosts it builds, the topology's order; `err(where, key, **kw)` says each problem."""
    for i, h in enumerate(wanted):
        if h not in topo.hosts:
            err(("hosts", i), "check.unknown_host", host=h, topology=topo.id, hosts=", ".join(topo.hosts))
    hosts = [h for h in topo.hosts if not wanted or h in wanted]
    if shell_host is not None and shell_host not in hosts:
        err(("shell_host",), "check.unknown_host", host=shell_host, topology=topo.id, hosts=", ".join(hosts))
    return hosts


def _check_scenario(sc: Scenario, topo: Topology, loc: Located) -> list[str]:
    problems: list[str] = []

    def err(where: tuple[Any, ...], key: str, **kw: Any) -> None:
        problems.append(f"{loc.where(where)}: {tr(key, **kw)}")

    if sc.id != loc.path.stem:
        err(("id",), N_("check.scenario_id"), id=sc.id, stem=loc.path.stem)
    hosts = _check_hosts(sc.hosts, sc.shell_host, topo, err)
    competences = referentiel.all_competences()
    criteria = referentiel.all_criteria()
    for i, comp in enumerate(sc.competences):
        if comp not in competences:
            err(("competences", i), N_("check.unknown_competence"), id=comp)
        elif not comp.startswith(sc.referentiel + "."):
            err(("competences", i), N_("check.wrong_referentiel"), id=comp, ref=sc.referentiel)
    for i, comp in enumerate(sc.also):
        if comp not in competences:
            err(("also", i), N_("check.unknown_competence"), id=comp)
        elif comp.startswith(sc.referentiel + "."):
            err(("also", i), N_("check.also_same_referentiel"), id=comp, ref=sc.referentiel)
    probe_ids = [p.id for p in sc.probes]
    used: set[str] = set()
    seen_criteria: set[str] = set()
    for i, crit in enumerate(sc.criteria):
        if crit.id in seen_criteria:
            err(("criteria", i, "id"), N_("check.dup_criterion"), id=crit.id)
        seen_criteria.add(crit.id)
        found = criteria.get(crit.id)
        if found is None:
            err(("criteria", i, "id"), N_("check.unknown_criterion"), id=crit.id)
        else:
            competence = found[1]
            if competence.id not in sc.competences and not competence.transversal:
                err(("criteria", i, "id"), N_("check.criterion_outside"), id=crit.id, comp=competence.id)
        for j, ev in enumerate(crit.evidence):
            if isinstance(ev, ProbeEvidence):
                used.add(ev.probe)
                if ev.probe not in probe_ids:
                    err(
                        ("criteria", i, "evidence", j, "probe"),
                        N_("check.unknown_probe"),
                        id=ev.probe,
                        known=", ".join(probe_ids),
                    )
            elif isinstance(ev, JournalEvidence):
                if ev.journal == "backup_before_edit" and not ev.paths:
                    err(("criteria", i, "evidence", j), N_("check.backup_no_paths"))
                elif ev.journal != "backup_before_edit" and ev.paths:
                    err(("criteria", i, "evidence", j, "paths"), N_("check.paths_unused"), journal=ev.journal)
                for k, h in enumerate(ev.hosts):
                    if h not in hosts:
                        err(
                            ("criteria", i, "evidence", j, "hosts", k),
                            "check.unknown_host",
                            host=h,
                            topology=topo.id,
                            hosts=", ".join(hosts),
                        )
            if isinstance(ev, (JournalEvidence, TicketEvidence)):  # remote sessions, escalation tests
                if isinstance(ev, TicketEvidence):
                    for k, h in enumerate(ev.hosts):
                        if h not in hosts:
                            err(
                                ("criteria", i, "evidence", j, "hosts", k),
                                "check.unknown_host",
                                host=h,
                                topology=topo.id,
                                hosts=", ".join(hosts),
                            )
                origin = getattr(ev, "origin", None)
                if origin is not None and origin not in hosts:
                    err(
                        ("criteria", i, "evidence", j, "origin"),
                        "check.unknown_host",
                        host=origin,
                        topology=topo.id,
                        hosts=", ".join(hosts),
                    )
    for name, variant in sc.variants.items():
        for k, pid in enumerate(variant.unaffected):
            if pid not in probe_ids:
                err(("variants", name, "unaffected", k), N_("check.unknown_probe"), id=pid, known=", ".join(probe_ids))
    if len(set(probe_ids)) != len(probe_ids):
        err(("probes",), N_("check.dup_probe"))
    for i, probe in enumerate(sc.probes):
        if probe.id not in used:
            err(("probes", i, "id"), N_("check.unused_probe"), id=probe.id)
    problems += _check_symptom(sc, probe_ids, loc)
    sections: list[tuple[tuple[Any, ...], Sequence[ActionBase | ProbeBase]]] = [
        (("faults",), sc.faults),
        (("solution",), sc.solution),
        (("probes",), sc.probes),
    ]
    if sc.symptom is not None:
        sections.append((("symptom", "probes"), sc.symptom.probes))
    for name, variant in sc.variants.items():
        sections += [(("variants", name, "faults"), variant.faults), (("variants", name, "solution"), variant.solution)]
    for key, kind in (("faults", N_("check.no_faults")), ("solution", N_("check.no_solution"))):
        if not getattr(sc, key) and (not sc.variants or any(not getattr(v, key) for v in sc.variants.values())):
            err((key,) if not sc.variants else ("variants",), kind)
    for prefix, items in sections:
        for i, item in enumerate(items):
            section = prefix
            for field in _host_fields(type(item)):
                value = getattr(item, field, None)
                if value is not None and value not in hosts:
                    err(
                        (*section, i, field), "check.unknown_host", host=value, topology=topo.id, hosts=", ".join(hosts)
                    )
            service = getattr(item, "service", None)
            if service is not None and item.host in topo.hosts:
                names = [s.name for s in topo.hosts[item.host].services]
                if service not in names:
                    err(
                        (*section, i, "service"),
                        N_("check.unknown_service"),
                        service=service,
                        host=item.host,
                        services=", ".join(names) or "aucun",
                    )
    for i, hint in enumerate(sc.hints):
        if not hint.strip():
            err(("hints", i), N_("check.empty_hint"))
    known = list(topo.params) + [n for n in sc.params if n not in topo.params]
    problems += _check_templates(loc, known, skip=("params",))
    problems += _check_params(sc.params, loc, ("params",), list(topo.params))
    if not problems:
        try:
            values = resolve_params(sc, topo, 0)
            problems += [
                f"{loc.where(('params',))}: {msg} (topologie {topo.id})"
                for _, msg in rendered.problems(_render_topology(topo, values, sc.hosts))
            ]
            variant_names: list[str | None] = [*sorted(sc.variants)] or [None]
            for variant_name in variant_names:
                rendered_scenario(sc, values, variant_name)
        except UsageError as exc:
            err(("params",), N_("check.params_failed"), why=str(exc))
    return problems


def _check_symptom(sc: Scenario, probe_ids: list[str], loc: Located) -> list[str]:
    """The symptom names probes that exist, and no variant may leave untouched what the ticket
    says is broken."""
    sym = sc.symptom
    if sym is None:
        return []
    problems: list[str] = []

    def err(where: tuple[Any, ...], key: str, **kw: Any) -> None:
        problems.append(f"{loc.where(where)}: {tr(key, **kw)}")

    own = [p.id for p in sym.probes]
    for i, pid in enumerate(own):
        if pid in probe_ids or pid in own[:i]:
            err(("symptom", "probes", i, "id"), N_("check.symptom_dup_probe"), id=pid)
    known = probe_ids + own
    for field in ("broken", "working"):
        for k, pid in enumerate(getattr(sym, field)):
            if pid not in known:
                err(("symptom", field, k), N_("check.unknown_probe"), id=pid, known=", ".join(known))
    for k, pid in enumerate(sym.working):
        if pid in sym.broken:
            err(("symptom", "working", k), N_("check.symptom_both"), id=pid)
    for k, pid in enumerate(sym.broken):
        for name, variant in sc.variants.items():
            if pid in variant.unaffected:
                err(("symptom", "broken", k), N_("check.symptom_unaffected"), id=pid, variant=name)
    for i, pid in enumerate(own):
        if pid not in sym.broken and pid not in sym.working:
            err(("symptom", "probes", i, "id"), N_("check.symptom_unused_probe"), id=pid)
    return problems


@cache
def _host_fields(model: type[Any]) -> tuple[str, ...]:
    """Fields of an action or probe that name a host of the lab (host, server, printer…): those
    with the host-name pattern."""
    props = model.model_json_schema().get("properties", {})

    def names_host(schema: dict[str, Any]) -> bool:
        return schema.get("pattern") == HOST_RE or any(names_host(s) for s in schema.get("anyOf", []))

    return tuple(name for name, schema in props.items() if names_host(schema))


def resolve_params(sc: Scenario, topo: Topology, seed: int) -> dict[str, str]:
    specs = dict(topo.params)
    specs.update(sc.params)
    return P.draw(specs, seed)


def rendered_topology(topo: Topology, values: dict[str, str], hosts: list[str] | None = None) -> Topology:
    """The topology with its parameters filled in, reduced to `hosts` if given."""
    return rendered.check_topology(_render_topology(topo, values, hosts))


def _render_topology(topo: Topology, values: dict[str, str], hosts: list[str] | None = None) -> Topology:
    data = topo.model_dump()
    if hosts:
        data["hosts"] = {name: spec for name, spec in data["hosts"].items() if name in hosts}
    data = P.render_tree(data, values)
    if hosts:
        _forget_absent_resolvers(data)
    return rendered.validated(Topology, data, f"topologie {topo.id}")


def _forget_absent_resolvers(data: dict[str, Any]) -> None:
    """A DNS server of the lab forwards only to resolvers that are built: in a lab without the
    « internet » host, srv's dnsmasq has no upstream and answers at once what it does not know
    (REFUSED) — forwarding to an address nobody holds made every lookup it could not answer alone
    (`getent hosts srv` asks AAAA too) wait for the resolver's timeouts, 10 s."""
    held = {
        str(a).split("/")[0]
        for spec in data["hosts"].values()
        for iface in spec.get("interfaces") or []
        for a in iface.get("address") or []
    }
    for spec in data["hosts"].values():
        for service in spec.get("services") or []:
            dns = service.get("dns") if isinstance(service, dict) else None
            if isinstance(dns, dict) and dns.get("upstream"):
                dns["upstream"] = [u for u in dns["upstream"] if str(u) in held]


def choose_variant(sc: Scenario, seed: int) -> str | None:
    """The fault variant a seed draws (None when the scenario has no variants)."""
    if not sc.variants:
        return None
    return random.Random(f"{seed}/variante").choice(sorted(sc.variants))


def rendered_scenario(sc: Scenario, values: dict[str, str], variant: str | None = None) -> Scenario:
    """The scenario as played: parameters filled in, the variant's faults and solution merged in."""
    data = sc.model_dump(by_alias=True, exclude={"params", "variants"})
    if variant is not None:
        chosen = sc.variants[variant].model_dump(by_alias=True)
        data["faults"] = data["faults"] + chosen["faults"]
        data["solution"] = chosen["solution"] + data["solution"]
    return rendered.validated(Scenario, P.render_tree(data, values), tr("check.rendered_scenario", id=sc.id))


@dataclass
class Catalogue:
    scenarios: dict[str, Loaded]
    problems: list[str]


def scenario_files(base: Path | None = None) -> list[Path]:
    root = base or scenarios_dir()
    return sorted(p for p in root.glob("*.yaml") if p.is_file())


def _user_folder(base: Path | None) -> Path | None:
    """The trainer's folder, beside the shipped one (none when a test gives its own `base`)."""
    if base is not None:
        return None
    user = user_scenarios_dir()
    if not user.is_dir() or user.resolve() == scenarios_dir().resolve():
        return None
    return user


def load_catalogue(base: Path | None = None, user: Path | None = None) -> Catalogue:
    """Every shipped scenario, then the trainer's own (`user`, by default the user folder when
    `base` is not given); a broken file is reported and skipped, never fatal; a trainer's scenario
    may not take the id of a shipped one."""
    found: dict[str, Loaded] = {}
    problems: list[str] = []
    user = user if user is not None else _user_folder(base)
    folders = [(base or scenarios_dir(), False)] + ([(user, True)] if user is not None else [])
    for folder, is_user in folders:
        try:
            paths = scenario_files(folder)
        except OSError as exc:
            problems.append(f"{folder}: {tr('yaml.unreadable', why=exc.strerror or exc)}")
            continue
        for path in paths:
            if is_user and path.stem in found:
                problems.append(f"{path}:1: " + tr("check.id_clash", id=path.stem, other=found[path.stem].path))
                continue
            try:
                loaded = load_scenario(path, folder)
            except ScenarioError as exc:
                problems += exc.problems
                continue
            loaded.user = is_user
            found[loaded.scenario.id] = loaded
    return Catalogue(found, problems)


def find_scenario(scenario_id: str, base: Path | None = None) -> Loaded:
    """A scenario by id: shipped (or in `base`), else in the trainer's folder."""
    folders = [base or scenarios_dir()] + [f for f in [_user_folder(base)] if f is not None]
    if re.match(r"^[a-z][a-z0-9-]{0,47}$", scenario_id):
        for folder in folders:
            path = folder / f"{scenario_id}.yaml"
            if path.exists():
                loaded = load_scenario(path, folder)
                loaded.user = folder is not folders[0]
                return loaded
    known = ", ".join(sorted({p.stem for f in folders for p in scenario_files(f)})) or "aucun"
    raise UsageError(tr("scenario.unknown", id=scenario_id, known=known))
