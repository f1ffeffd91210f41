"""A topology: hosts, their interfaces on switches, and the services they run (data only)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from simulateur.lab.fields import Strict
from simulateur.lab.names import HOST_RE, IFACE_RE
from simulateur.lab.services import Service
from simulateur.params import ParamSpec

__all__ = ["HOST_RE", "IFACE_RE", "HostSpec", "Interface", "Service", "Topology"]


class Interface(Strict):
    name: str = Field("eth0", pattern=IFACE_RE)
    switch: str = Field(pattern=HOST_RE, description="Commutateur (pont) où l'interface est branchée.")
    address: list[str] = Field(default_factory=list, description="Adresses fixes « a.b.c.d/p ».")
    dhcp: bool = Field(False, description="L'interface se configure par DHCP au démarrage.")


class HostSpec(Strict):
    description: str = ""
    kind: Literal["netns", "vm"] = Field(
        "netns", description="netns : espaces de noms (défaut) ; vm : machine virtuelle QEMU (noyau à elle)."
    )
    interfaces: list[Interface] = Field(min_length=1)
    gateway: str | None = Field(None, description="Passerelle par défaut (adresses fixes).")
    dns: list[str] = Field(default_factory=list, description="Résolveurs de /etc/resolv.conf.")
    search: str | None = None
    forwarding: bool = Field(False, description="Routeur : transmet les paquets entre ses interfaces.")
    nat: str | None = Field(None, description="Interface de sortie masquée (NAT).")
    services: list[Service] = Field(default_factory=list)


class Topology(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")
    title: str
    params: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")], ParamSpec] = Field(default_factory=dict)
    switches: list[Annotated[str, Field(pattern=HOST_RE)]] = Field(min_length=1)
    hosts: dict[Annotated[str, Field(pattern=HOST_RE)], HostSpec] = Field(min_length=1)
