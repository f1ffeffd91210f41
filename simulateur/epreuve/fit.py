"""Which scenarios fit the network a candidate built from a cahier des charges (the interventions
of an épreuve are injected into it: the RC has the jury select them among the DTE's propositions).

A scenario fits a cahier when it is played on the cahier's topology, on hosts the cahier builds,
and uses no service the cahier leaves stopped. A cahier leaves a service stopped when its starting
state (`setup`) stops or disables it and no requirement's reference build starts or enables it
again: nothing in the cahier asks the candidate to run it (serveur-services-reseau stops the site's
package depot, which the compta-* scenarios install Compta Pro from).

A scenario uses, in its faults, solution (common and per variant) and probes:
- a service it names (`service.*` actions and probes: their `host` and `service`);
- the service of its kind behind what it does (SERVED_BY): a package (apt.*, pkg.*, compta.*) comes
  from the apt-repo the host's apt-sources names (its `server`); a CardDAV/CalDAV account (dav.*)
  from the radicale of the item's `server`. Without a `server` to follow, every service of that
  type in the topology counts (never fewer than it may use).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Kinds of actions and probes (by prefix) that rely on a service of this type elsewhere.
SERVED_BY: dict[str, str] = {"apt.": "apt-repo", "pkg.": "apt-repo", "compta.": "apt-repo", "dav.": "radicale"}
#: Actions of a cahier's setup that leave a service down, and of its reference build that bring it up.
DOWN = ("service.stop", "service.disable")
UP = ("service.start", "service.enable", "service.restart")


def _items(node: Any) -> Iterator[dict[str, Any]]:
    """Every action or probe (as dicts) in a dumped model, however deep (variants' faults too)."""
    if isinstance(node, dict):
        if "host" in node and ("action" in node or "probe" in node):
            yield node
        for value in node.values():
            yield from _items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _items(value)


def _kind(item: dict[str, Any]) -> str:
    return str(item.get("action") or item.get("probe") or "")


def left_stopped(cahier: Any) -> set[tuple[str, str]]:
    """(host, service) the cahier's starting state stops and none of its reference builds starts."""
    down = {
        (i["host"], i["service"])
        for i in _items([a.model_dump() for a in cahier.setup])
        if _kind(i) in DOWN and "service" in i
    }
    built = [a.model_dump() for actions in cahier.reference.values() for a in actions]
    up = {(i["host"], i["service"]) for i in _items(built) if _kind(i) in UP and "service" in i}
    return down - up


def _of_type(topology: Any, host: str, stype: str) -> set[tuple[str, str]]:
    spec = topology.hosts.get(host)
    return {(host, s.name) for s in spec.services if s.type == stype} if spec is not None else set()


def _serving(topology: Any, item: dict[str, Any], stype: str) -> set[tuple[str, str]]:
    """The services of type `stype` this item relies on (see the module's docstring)."""
    server = item.get("server")
    if not server:
        spec = topology.hosts.get(item["host"])
        server = next(
            (getattr(s, "server", None) for s in (spec.services if spec else []) if getattr(s, "server", None)), None
        )
    if server:
        return _of_type(topology, str(server), stype)
    return {hs for h in topology.hosts for hs in _of_type(topology, h, stype)}


def services_used(scenario: Any, topology: Any) -> set[tuple[str, str]]:
    """(host, service) the scenario's faults, solution and probes rely on."""
    used: set[tuple[str, str]] = set()
    dumped = scenario.model_dump(include={"faults", "solution", "variants", "probes"})
    for item in _items(dumped):
        kind = _kind(item)
        if kind.startswith("service.") and item.get("service"):
            used.add((item["host"], str(item["service"])))
        for prefix, stype in SERVED_BY.items():
            if kind.startswith(prefix):
                used |= _serving(topology, item, stype)
    return used


def misfit(scenario: Any, topology: Any, cahier: Any, stopped: set[tuple[str, str]] | None = None) -> str | None:
    """Why the scenario does not fit the cahier's network (a French phrase), None when it does."""
    from simulateur.i18n import tr

    if scenario.topology != cahier.topology:
        return tr("epreuve.fit.topology", topology=scenario.topology, cahier=cahier.topology)
    hosts = set(cahier.hosts) or set(topology.hosts)
    missing = sorted(set(scenario.hosts or topology.hosts) - hosts)
    if missing:
        return tr("epreuve.fit.hosts", hosts=", ".join(missing))
    stopped = left_stopped(cahier) if stopped is None else stopped
    needs = sorted(services_used(scenario, topology) & stopped)
    if needs:
        return tr("epreuve.fit.stopped", services=", ".join(f"{s} ({h})" for h, s in needs))
    return None


def fitting(catalogue: dict[str, Any], cahier: Any) -> dict[str, Any]:
    """The catalogue's scenarios (id → loaded) that fit the cahier's network."""
    stopped = left_stopped(cahier)
    return {sid: ld for sid, ld in catalogue.items() if misfit(ld.scenario, ld.topology, cahier, stopped) is None}
