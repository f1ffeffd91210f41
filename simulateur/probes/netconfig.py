"""Probes of a host's IP configuration: live addresses and gateway, and the configuration the
host would apply at its next boot (/etc/network/interfaces, read with the machine's own
ifupdown parser) compared with what it runs now."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.errors import SimError
from simulateur.i18n import tr, trn
from simulateur.lab.addresses import addresses
from simulateur.lab.fields import Iface
from simulateur.probes import inspect
from simulateur.probes.base import ProbeBase

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind
    from simulateur.lab.lab import Lab


def persisted(host: HostKind, iface: str) -> tuple[str | None, dict[str, str]]:
    """(method, options) of `iface` in the host's /etc/network/interfaces; method None if absent."""
    path = host.path("/etc/network/interfaces")
    text = host.read_text("/etc/network/interfaces")
    if text is None:
        return None, {}
    methods = re.findall(rf"^\s*iface\s+{re.escape(iface)}\s+inet\s+(\w+)", text, re.MULTILINE)
    if not methods:
        return None, {}
    res = host.run_in_netns(["ifquery", "-i", str(path), iface], timeout=5)
    options = dict(line.split(": ", 1) for line in res.stdout.splitlines() if ": " in line)
    return methods[-1], options


def boot_started(host: HostKind) -> dict[str, str]:
    """The interfaces ifupdown brings up at boot, each with the stanza that does it: « auto » (by
    networking.service, ifup -a) or « allow-hotplug » (by udev, ifup@IFACE.service, when the card
    appears — at coldplug for a card present at boot). Read with the machine's ifquery."""
    path = host.path("/etc/network/interfaces")
    started: dict[str, str] = {}
    if not path.is_file():
        return started
    for allow, how in (("auto", "auto"), ("hotplug", "allow-hotplug")):
        res = host.run_in_netns(["ifquery", "-i", str(path), "--list", f"--allow={allow}"], timeout=5)
        for name in res.stdout.split():
            started.setdefault(name, how)
    return started


class NetAddress(ProbeBase):
    probe: Literal["net.address"]
    iface: Iface = "eth0"
    address: str = Field(description="Adresse attendue « a.b.c.d/p » (modèle {param} accepté).")
    summary: ClassVar[str] = "L'interface porte l'adresse et le masque attendus (état réel)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        want = ipaddress.IPv4Interface(lab.render(self.address))
        live = [a for a in addresses(lab.host(self.host)) if a.iface == self.iface]
        shown = ", ".join(a.cidr for a in live) or tr("probe.no_address")
        if any(ipaddress.IPv4Interface(a.cidr) == want for a in live):
            extra = [a.cidr for a in live if ipaddress.IPv4Interface(a.cidr) != want]
            if extra:
                return False, trn(
                    "probe.address.extra", len(extra), iface=self.iface, shown=shown, extra=", ".join(extra)
                )
            return True, tr("probe.address.ok", iface=self.iface, address=want.with_prefixlen, netmask=want.netmask)
        return False, tr(
            "probe.address.ko", iface=self.iface, shown=shown, address=want.with_prefixlen, netmask=want.netmask
        )

    def expected(self, lab: Lab) -> str:
        want = ipaddress.IPv4Interface(lab.render(self.address))
        return tr(
            "probe.address.expected",
            host=self.host,
            iface=self.iface,
            address=want.with_prefixlen,
            netmask=want.netmask,
        )


class NetGateway(ProbeBase):
    probe: Literal["net.gateway"]
    gateway: str = Field(description="Passerelle attendue (modèle {param} accepté).")
    summary: ClassVar[str] = "La route par défaut de l'hôte passe par la passerelle attendue (état réel)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        want = lab.render(self.gateway)
        gws = inspect.default_gateways(lab.host(self.host))
        if not gws:
            return False, tr("probe.gateway.none", host=self.host)
        if gws != [want]:
            return False, tr("probe.gateway.ko", host=self.host, gateways=", ".join(gws), want=want)
        return True, tr("probe.gateway.ok", host=self.host, gateway=want)

    def expected(self, lab: Lab) -> str:
        return tr("probe.gateway.expected", host=self.host, gateway=lab.render(self.gateway))


class NetPersisted(ProbeBase):
    probe: Literal["net.persisted"]
    iface: Iface = "eth0"
    method: Literal["dhcp", "static"] = Field(description="dhcp : adresse dynamique ; static : adresse fixe.")
    address: str | None = Field(None, description="Pour static : « a.b.c.d/p » attendu ({param} accepté).")
    gateway: str | None = Field(None, description="Pour static : passerelle attendue ({param} accepté).")
    summary: ClassVar[str] = (
        "La configuration que l'hôte appliquera au prochain démarrage (/etc/network/interfaces, lue par "
        "ifquery : interface activée au démarrage, « auto » ou « allow-hotplug ») est la bonne, et c'est bien "
        "celle qui tourne."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        method, opts = persisted(host, self.iface)
        if method is None:
            return False, tr("probe.persisted.missing", iface=self.iface, host=self.host)
        if method != self.method:
            return False, tr("probe.persisted.method", iface=self.iface, method=method, want=self.method)
        if self.iface not in boot_started(host):
            return False, tr("probe.persisted.not_at_boot", iface=self.iface, method=method)
        if self.method == "dhcp":
            live = [a for a in addresses(host) if a.iface == self.iface]
            fixed = [a.cidr for a in live if not inspect.dhcp_given(lab, self.host, a)]
            if fixed or not live:
                now = inspect.shown_addresses(lab, self.host, live) or tr("probe.no_address")
                return False, tr("probe.persisted.dhcp_unapplied", now=now)
            return True, tr("probe.persisted.dhcp_ok", iface=self.iface)
        try:
            conf = ipaddress.IPv4Interface(
                f"{opts['address'].split('/')[0]}/{opts.get('netmask') or opts['address'].split('/')[1]}"
            )
        except (KeyError, IndexError, ValueError):
            return False, tr("probe.persisted.unreadable", iface=self.iface, options=opts or tr("probe.none_f"))
        if self.address:
            want = ipaddress.IPv4Interface(lab.render(self.address))
            if conf != want:
                return False, tr("probe.persisted.address", address=conf.with_prefixlen, want=want.with_prefixlen)
        gw = opts.get("gateway")
        if self.gateway and gw != lab.render(self.gateway):
            return False, tr(
                "probe.persisted.gateway", gateway=gw or tr("probe.absent_f"), want=lab.render(self.gateway)
            )
        live_ifaces = [ipaddress.IPv4Interface(a.cidr) for a in addresses(host) if a.iface == self.iface]
        if conf not in live_ifaces:
            return False, tr(
                "probe.persisted.unapplied",
                address=conf.with_prefixlen,
                now=", ".join(str(x) for x in live_ifaces) or tr("probe.no_address"),
            )
        return True, tr("probe.persisted.ok", address=conf.with_prefixlen, gateway=gw or "—")

    def expected(self, lab: Lab) -> str:
        if self.method == "dhcp":
            return tr("probe.persisted.exp_dhcp", host=self.host)
        target = lab.render(self.address) if self.address else tr("probe.persisted.exp_right_address")
        return tr("probe.persisted.exp_static", host=self.host, address=target)


__all__ = ["NetAddress", "NetGateway", "NetPersisted", "SimError"]
