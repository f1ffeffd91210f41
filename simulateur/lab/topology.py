"""A topology: hosts, their interfaces on switches, and the services they run (data only)."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from simulateur.scenario.params import ParamSpec

HOST_RE = r"^[a-z][a-z0-9]{0,11}$"
IFACE_RE = r"^[a-z][a-z0-9]{0,14}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Interface(_Strict):
    name: str = Field("eth0", pattern=IFACE_RE)
    switch: str = Field(pattern=HOST_RE, description="Commutateur (pont) où l'interface est branchée.")
    address: list[str] = Field(default_factory=list, description="Adresses fixes « a.b.c.d/p ».")
    dhcp: bool = Field(False, description="L'interface se configure par DHCP au démarrage.")


class DhcpConf(_Strict):
    range: tuple[str, str] = Field(description="Première et dernière adresse distribuées.")
    netmask: str | None = None
    router: str | None = Field(None, description="Passerelle annoncée (option 3).")
    dns: list[str] = Field(default_factory=list, description="Serveurs DNS annoncés (option 6).")
    domain: str | None = None
    lease: str = "12h"


class DnsConf(_Strict):
    domain: str | None = Field(None, description="Domaine local servi (noms des hôtes du réseau).")
    records: dict[str, str] = Field(default_factory=dict, description="Nom → adresse IPv4.")
    upstream: list[str] = Field(default_factory=list, description="Résolveurs à qui transmettre le reste.")


class Dnsmasq(_Strict):
    type: Literal["dnsmasq"]
    name: str = Field("dnsmasq", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    interface: str = Field("eth0", pattern=IFACE_RE)
    dhcp: DhcpConf | None = None
    dns: DnsConf | None = None


class Web(_Strict):
    type: Literal["web"]
    name: str = Field("web", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    port: int = 80
    title: str = "Bienvenue"
    body: str = ""


Service = Annotated[Union[Dnsmasq, Web], Field(discriminator="type")]


class HostSpec(_Strict):
    description: str = ""
    interfaces: list[Interface] = Field(min_length=1)
    gateway: str | None = Field(None, description="Passerelle par défaut (adresses fixes).")
    dns: list[str] = Field(default_factory=list, description="Résolveurs de /etc/resolv.conf.")
    search: str | None = None
    forwarding: bool = Field(False, description="Routeur : transmet les paquets entre ses interfaces.")
    nat: str | None = Field(None, description="Interface de sortie masquée (NAT).")
    services: list[Service] = Field(default_factory=list)


class Topology(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")
    title: str
    params: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")], ParamSpec] = Field(
        default_factory=dict
    )
    switches: list[Annotated[str, Field(pattern=HOST_RE)]] = Field(min_length=1)
    hosts: dict[Annotated[str, Field(pattern=HOST_RE)], HostSpec] = Field(min_length=1)
