"""dnsmasq: DHCP and DNS server (Debian's dnsmasq-base; our own config and unit)."""

from __future__ import annotations

import ipaddress
from typing import ClassVar, Literal

from pydantic import Field

from simulateur.lab.fields import Strict
from simulateur.lab.names import IFACE_RE
from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit


class DhcpConf(Strict):
    range: tuple[str, str] = Field(description="Première et dernière adresse distribuées.")
    netmask: str | None = None
    router: str | None = Field(None, description="Passerelle annoncée (option 3).")
    dns: list[str] = Field(default_factory=list, description="Serveurs DNS annoncés (option 6).")
    domain: str | None = None
    lease: str = "12h"


class DnsConf(Strict):
    domain: str | None = Field(None, description="Domaine local servi (noms des hôtes du réseau).")
    records: dict[str, str] = Field(default_factory=dict, description="Nom → adresse IPv4.")
    upstream: list[str] = Field(default_factory=list, description="Résolveurs à qui transmettre le reste.")


class Dnsmasq(ServiceBase):
    type: Literal["dnsmasq"]
    name: str = Field("dnsmasq", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    interface: str = Field("eth0", pattern=IFACE_RE)
    dhcp: DhcpConf | None = None
    dns: DnsConf | None = None
    binary: ClassVar[str] = "/usr/sbin/dnsmasq"

    def ports(self) -> list[tuple[str, int]]:
        return ([("udp", 67)] if self.dhcp else []) + ([("udp", 53)] if self.dns else [])

    def files(self, ctx: ServiceContext) -> Files:
        conf = [
            f"# /etc/dnsmasq.conf — serveur DHCP/DNS de {ctx.host}",
            f"interface={self.interface}",
            "bind-interfaces",
            "no-resolv",
            "no-hosts",
            "no-poll",
            "pid-file=/run/dnsmasq.pid",
            f"log-facility=/var/log/sysd/{self.name}.log",
            "dhcp-leasefile=/var/lib/misc/dnsmasq.leases",
        ]
        if self.dns:
            if self.dns.domain:
                conf += [f"domain={self.dns.domain}", f"local=/{self.dns.domain}/"]
                net = ipaddress.IPv4Network(ctx.local_net, strict=False) if ctx.local_net else None
                for name, addr in sorted(ctx.hosts_addr.items()):
                    if net is None or ipaddress.IPv4Address(addr) not in net:
                        continue  # only the hosts of the local network have a name in its domain
                    conf.append(f"host-record={name}.{self.dns.domain},{name},{addr}")
            for name, addr in self.dns.records.items():
                conf.append(f"host-record={name},{addr}")
                zone = name.split(".", 1)[1] if "." in name else name
                conf.append(f"local=/{zone}/")
            conf += [f"server={server}" for server in self.dns.upstream]
            conf.append("log-queries")
        else:
            conf.append("port=0")
        if self.dhcp:
            d = self.dhcp
            mask = f",{d.netmask}" if d.netmask else ""
            conf += [
                f"dhcp-range={d.range[0]},{d.range[1]}{mask},{d.lease}",
                "dhcp-authoritative",
                "no-ping",
                "log-dhcp",
            ]
            if d.router:
                conf.append(f"dhcp-option=option:router,{d.router}")
            if d.dns:
                conf.append(f"dhcp-option=option:dns-server,{','.join(d.dns)}")
            if d.domain:
                conf.append(f"dhcp-option=option:domain-name,{d.domain}")
        return {
            "/etc/dnsmasq.conf": ("\n".join(conf) + "\n", 0o644),
            f"/etc/systemd/system/{self.name}.service": (
                unit(
                    "dnsmasq - A lightweight DHCP and caching DNS server",
                    "/usr/sbin/dnsmasq --conf-file=/etc/dnsmasq.conf",
                    forking_pidfile="/run/dnsmasq.pid",
                ),
                0o644,
            ),
        }
