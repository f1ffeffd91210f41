"""Probes of the physical and boot-time attachment of a host to its network: is its cable in the
right switch with a live link, and will ifupdown bring its interface up at boot?"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.lab import cable
from simulateur.lab.cable import SWITCH_RE
from simulateur.lab.names import IFACE_RE
from simulateur.probes.base import ProbeBase

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab


class NetLink(ProbeBase):
    probe: Literal["net.link"]
    iface: str = Field("eth0", pattern=IFACE_RE, description="Interface de l'hôte (eth0 par défaut).")
    switch: str = Field(pattern=SWITCH_RE, max_length=12, description="Commutateur où le câble doit être branché.")
    summary: ClassVar[str] = (
        "Le câble de l'interface est branché sur le bon commutateur et la liaison est établie "
        "(porteuse vue par l'hôte, interface active).")

    def observe(self, lab: Lab) -> tuple[bool, str]:
        c = cable.inspect_cable(lab, self.host, self.iface)
        where = f"{self.host}:{self.iface}"
        if c.switch is None:
            return False, f"{where} : câble débranché côté commutateur (NO-CARRIER)"
        if c.switch != self.switch:
            return False, f"{where} : câble branché sur le commutateur « {c.switch} », pas sur « {self.switch} »"
        if not c.carrier:
            return False, (f"{where} : branché sur « {c.switch} » mais pas de liaison "
                           f"(interface désactivée sur {self.host})")
        return True, f"{where} : branché sur « {c.switch} », liaison établie"

    def expected(self, lab: Lab) -> str:
        return f"{self.host}:{self.iface} relié au commutateur « {self.switch} », liaison établie"


class NetBoot(ProbeBase):
    probe: Literal["net.boot"]
    iface: str = Field("eth0", pattern=IFACE_RE, description="Interface de l'hôte (eth0 par défaut).")
    summary: ClassVar[str] = (
        "Au démarrage, ifupdown active l'interface (déclarée « auto » dans /etc/network/interfaces, lue par "
        "ifquery).")

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        path = host.path("/etc/network/interfaces")
        if not path.is_file():
            return False, f"/etc/network/interfaces absent sur {self.host}"
        res = host.run_in_netns(["ifquery", "-i", str(path), "--list", "--allow=auto"], timeout=5)
        auto = res.stdout.split()
        if self.iface not in auto:
            return False, (f"/etc/network/interfaces : {self.iface} n'est pas activée au démarrage "
                           f"(« auto » : {', '.join(auto) or 'aucune'})")
        return True, f"/etc/network/interfaces : {self.iface} activée au démarrage (auto)"

    def expected(self, lab: Lab) -> str:
        return f"{self.host} active {self.iface} à chaque démarrage"
