"""Probes of a host's IP configuration: live addresses and gateway, and the configuration the
host would apply at its next boot (/etc/network/interfaces, read with the machine's own
ifupdown parser) compared with what it runs now."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.errors import SimError
from simulateur.lab.names import IFACE_RE
from simulateur.probes import inspect
from simulateur.probes.base import ProbeBase

if TYPE_CHECKING:
    from simulateur.lab.host import Host
    from simulateur.lab.lab import Lab


def persisted(host: Host, iface: str) -> tuple[str | None, dict[str, str]]:
    """(method, options) of `iface` in the host's /etc/network/interfaces; method None if absent."""
    path = host.path("/etc/network/interfaces")
    text = host.read_text("/etc/network/interfaces")
    if text is None:
        return None, {}
    methods = re.findall(rf"^\s*iface\s+{re.escape(iface)}\s+inet\s+(\w+)", text, re.M)
    if not methods:
        return None, {}
    res = host.run_in_netns(["ifquery", "-i", str(path), iface], timeout=5)
    options = dict(line.split(": ", 1) for line in res.stdout.splitlines() if ": " in line)
    return methods[-1], options


class NetAddress(ProbeBase):
    probe: Literal["net.address"]
    iface: str = Field("eth0", pattern=IFACE_RE, description="Interface réseau de l'hôte.")
    address: str = Field(description="Adresse attendue « a.b.c.d/p » (modèle {param} accepté).")
    summary: ClassVar[str] = "L'interface porte l'adresse et le masque attendus (état réel)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        want = ipaddress.IPv4Interface(lab.render(self.address))
        live = [a for a in inspect.addresses(lab.host(self.host)) if a.iface == self.iface]
        shown = ", ".join(a.cidr for a in live) or "aucune adresse"
        if any(ipaddress.IPv4Interface(a.cidr) == want for a in live):
            extra = [a.cidr for a in live if ipaddress.IPv4Interface(a.cidr) != want]
            if extra:
                return False, f"{self.iface} : {shown} — adresse(s) en trop : {', '.join(extra)}"
            return True, f"{self.iface} : {want.with_prefixlen} ({want.netmask})"
        return False, f"{self.iface} : {shown}, attendu {want.with_prefixlen} ({want.netmask})"

    def expected(self, lab: Lab) -> str:
        want = ipaddress.IPv4Interface(lab.render(self.address))
        return f"{self.host} : {self.iface} en {want.with_prefixlen} (masque {want.netmask})"


class NetGateway(ProbeBase):
    probe: Literal["net.gateway"]
    gateway: str = Field(description="Passerelle attendue (modèle {param} accepté).")
    summary: ClassVar[str] = "La route par défaut de l'hôte passe par la passerelle attendue (état réel)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        want = lab.render(self.gateway)
        gws = inspect.default_gateways(lab.host(self.host))
        if not gws:
            return False, f"{self.host} n'a pas de route par défaut"
        if gws != [want]:
            return False, f"route par défaut de {self.host} : {', '.join(gws)}, attendu {want}"
        return True, f"route par défaut de {self.host} : {want}"

    def expected(self, lab: Lab) -> str:
        return f"{self.host} sort par {lab.render(self.gateway)}"


class NetPersisted(ProbeBase):
    probe: Literal["net.persisted"]
    iface: str = Field("eth0", pattern=IFACE_RE, description="Interface réseau de l'hôte.")
    method: Literal["dhcp", "static"] = Field(description="dhcp : adresse dynamique ; static : adresse fixe.")
    address: str | None = Field(None, description="Pour static : « a.b.c.d/p » attendu ({param} accepté).")
    gateway: str | None = Field(None, description="Pour static : passerelle attendue ({param} accepté).")
    summary: ClassVar[str] = (
        "La configuration que l'hôte appliquera au prochain démarrage (/etc/network/interfaces, lue par "
        "ifquery) est la bonne, et c'est bien celle qui tourne.")

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        method, opts = persisted(host, self.iface)
        if method is None:
            return False, f"{self.iface} n'est pas décrite dans /etc/network/interfaces de {self.host}"
        if method != self.method:
            return False, f"/etc/network/interfaces : {self.iface} en « inet {method} », attendu « inet {self.method} »"
        if self.method == "dhcp":
            live = [a for a in inspect.addresses(host) if a.iface == self.iface]
            fixed = [a.cidr for a in live if not a.dynamic]
            if fixed or not live:
                now = ", ".join(a.cidr + (" (dynamique)" if a.dynamic else " (fixe)") for a in live) or "aucune adresse"
                return False, f"/etc/network/interfaces est en DHCP mais n'est pas appliqué (en service : {now})"
            return True, f"/etc/network/interfaces : {self.iface} en DHCP, appliqué (conservé au redémarrage)"
        try:
            conf = ipaddress.IPv4Interface(
                f"{opts['address'].split('/')[0]}/{opts.get('netmask') or opts['address'].split('/')[1]}")
        except (KeyError, IndexError, ValueError):
            return False, f"/etc/network/interfaces : adresse de {self.iface} illisible ({opts or 'aucune'})"
        if self.address:
            want = ipaddress.IPv4Interface(lab.render(self.address))
            if conf != want:
                return False, f"/etc/network/interfaces : {conf.with_prefixlen}, attendu {want.with_prefixlen}"
        gw = opts.get("gateway")
        if self.gateway and gw != lab.render(self.gateway):
            return False, f"/etc/network/interfaces : passerelle {gw or 'absente'}, attendu {lab.render(self.gateway)}"
        live = [ipaddress.IPv4Interface(a.cidr) for a in inspect.addresses(host) if a.iface == self.iface]
        if conf not in live:
            return False, (f"/etc/network/interfaces est juste ({conf.with_prefixlen}) mais n'est pas appliqué "
                           f"(en service : {', '.join(str(x) for x in live) or 'aucune adresse'})")
        return True, f"/etc/network/interfaces : {conf.with_prefixlen}, passerelle {gw or '—'}, appliqué"

    def expected(self, lab: Lab) -> str:
        if self.method == "dhcp":
            return f"{self.host} reste en DHCP après un redémarrage"
        target = lab.render(self.address) if self.address else "la bonne adresse"
        return f"{self.host} garde {target} après un redémarrage"


__all__ = ["NetAddress", "NetGateway", "NetPersisted", "SimError"]
