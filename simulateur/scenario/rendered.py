"""What a topology must hold once its {param} holes are filled: real IPv4 addresses, interface
and DNS names, no line breaks in what lands in a configuration file.

A topology is validated with its holes still in (« {srv_ip}/{lan.prefixlen} »), so these checks run
on the rendered one: by `validate` (parameters of seed 0) and again at each start (the seed's own
draw), so that a wrong value is one French line, never a traceback in the middle of a build nor a
line injected into a host's dnsmasq.conf or resolv.conf.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from simulateur.errors import UsageError
from simulateur.i18n import N_, tr
from simulateur.lab.names import IFACE_RE
from simulateur.lab.topology import Topology

Loc = tuple[str | int, ...]
DNS_NAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$")
LEASE = re.compile(r"^(?:\d{1,7}[smhdw]?|infinite)$")


def _ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def _cidr(value: str) -> bool:
    try:
        ipaddress.IPv4Interface(value)
    except ValueError:
        return False
    return "/" in value


def _search(value: str) -> bool:
    return all(DNS_NAME.match(d) for d in value.split()) and bool(value.split()) and "\n" not in value


KINDS: dict[str, Callable[[str], bool]] = {
    "ipv4": _ipv4,
    "cidr": _cidr,
    "iface": lambda v: bool(re.match(IFACE_RE, v)),
    "dns_name": lambda v: bool(DNS_NAME.match(v)),
    "search": _search,
    "lease": lambda v: bool(LEASE.match(v)),
}


def _fields(topo: Topology) -> list[tuple[Loc, str, str]]:
    """(location in the topology file, value, kind) of every value that must be of a kind."""
    out: list[tuple[Loc, str, str]] = []
    for name, host in topo.hosts.items():
        at: Loc = ("hosts", name)
        for i, iface in enumerate(host.interfaces):
            out += [((*at, "interfaces", i, "address", j), a, "cidr") for j, a in enumerate(iface.address)]
        if host.gateway is not None:
            out.append(((*at, "gateway"), host.gateway, "ipv4"))
        out += [((*at, "dns", j), d, "ipv4") for j, d in enumerate(host.dns)]
        if host.search is not None:
            out.append(((*at, "search"), host.search, "search"))
        if host.nat is not None:
            out.append(((*at, "nat"), host.nat, "iface"))
        for k, service in enumerate(host.services):
            out += [((*at, "services", k, *loc), value, kind) for loc, value, kind in _service_fields(service)]
    return out


def _service_fields(service: BaseModel) -> list[tuple[Loc, str, str]]:
    out: list[tuple[Loc, str, str]] = []
    dhcp = getattr(service, "dhcp", None)
    if isinstance(dhcp, BaseModel):
        out += [(("dhcp", "range", j), v, "ipv4") for j, v in enumerate(getattr(dhcp, "range", ()))]
        for key in ("netmask", "router"):
            if getattr(dhcp, key, None) is not None:
                out.append((("dhcp", key), getattr(dhcp, key), "ipv4"))
        out += [(("dhcp", "dns", j), v, "ipv4") for j, v in enumerate(getattr(dhcp, "dns", []))]
        if (domain := getattr(dhcp, "domain", None)) is not None:
            out.append((("dhcp", "domain"), domain, "dns_name"))
        if (lease := getattr(dhcp, "lease", None)) is not None:
            out.append((("dhcp", "lease"), lease, "lease"))
    dns = getattr(service, "dns", None)
    if isinstance(dns, BaseModel):
        if (domain := getattr(dns, "domain", None)) is not None:
            out.append((("dns", "domain"), domain, "dns_name"))
        for rname, addr in getattr(dns, "records", {}).items():
            out += [(("dns", "records", rname), rname, "dns_name"), (("dns", "records", rname), addr, "ipv4")]
        out += [(("dns", "upstream", j), v, "ipv4") for j, v in enumerate(getattr(dns, "upstream", []))]
    return out


def problems(topo: Topology) -> list[tuple[Loc, str]]:
    """(location, French sentence) of every rendered value that is not of its kind."""
    found = []
    for loc, value, kind in _fields(topo):
        if not isinstance(value, str) or not KINDS[kind](value):
            field = ".".join(str(p) for p in loc)
            found.append(
                (loc, tr("check.rendered_value", field=field, value=_short(value), expected=tr(f"check.expect.{kind}")))
            )
    return found


def _short(value: Any) -> str:
    text = repr(value)[1:-1] if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], data: Any, what: str) -> M:
    """`model` from rendered data; a value a parameter made invalid is a UsageError (French)."""
    from simulateur.scenario.yamlload import explain

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [explain(err) for err in exc.errors(include_url=False)]
        raise UsageError(tr("check.rendered_invalid", what=what, why="; ".join(dict.fromkeys(lines)))) from None


def check_topology(topo: Topology) -> Topology:
    """The rendered topology, or UsageError naming every value a parameter made wrong."""
    found = problems(topo)
    if found:
        raise UsageError(
            tr("check.rendered_invalid", what=f"topologie {topo.id}", why="; ".join(msg for _, msg in found))
        )
    return topo


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("check.expect.cidr"),
    N_("check.expect.dns_name"),
    N_("check.expect.iface"),
    N_("check.expect.ipv4"),
    N_("check.expect.lease"),
    N_("check.expect.search"),
)
