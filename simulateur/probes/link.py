"""Probes of the physical and boot-time attachment of a host to its network: is its cable in the
right switch with a live link, and will ifupdown bring its interface up at boot?"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.i18n import tr
from simulateur.lab import cable
from simulateur.lab.cable import SWITCH_RE
from simulateur.lab.fields import Iface
from simulateur.probes.base import ProbeBase
from simulateur.probes.netconfig import boot_started

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab


class NetLink(ProbeBase):
    probe: Literal["net.link"]
    iface: Iface = "eth0"
    switch: str = Field(pattern=SWITCH_RE, max_length=12, description="Commutateur où le câble doit être branché.")
    summary: ClassVar[str] = (
        "Le câble de l'interface est branché sur le bon commutateur et la liaison est établie "
        "(porteuse vue par l'hôte, interface active)."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        c = cable.inspect_cable(lab, self.host, self.iface)
        where = f"{self.host}:{self.iface}"
        if c.switch is None:
            return False, tr("probe.link.unplugged", where=where)
        if c.switch != self.switch:
            return False, tr("probe.link.wrong_switch", where=where, switch=c.switch, want=self.switch)
        if not c.carrier:
            return False, tr("probe.link.no_carrier", where=where, switch=c.switch, host=self.host)
        return True, tr("probe.link.ok", where=where, switch=c.switch)

    def expected(self, lab: Lab) -> str:
        return tr("probe.link.expected", host=self.host, iface=self.iface, switch=self.switch)


class NetBoot(ProbeBase):
    probe: Literal["net.boot"]
    iface: Iface = "eth0"
    summary: ClassVar[str] = (
        "Au démarrage, ifupdown active l'interface (déclarée « auto », ou « allow-hotplug » comme l'écrit "
        "l'installateur de Debian, dans /etc/network/interfaces, lue par ifquery)."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        path = host.path("/etc/network/interfaces")
        if not path.is_file():
            return False, tr("probe.boot.no_file", host=self.host)
        started = boot_started(host)
        if self.iface not in started:
            return False, tr("probe.boot.not_auto", iface=self.iface, auto=", ".join(started) or tr("probe.none_f"))
        return True, tr("probe.boot.ok", iface=self.iface, how=started[self.iface])

    def expected(self, lab: Lab) -> str:
        return tr("probe.boot.expected", host=self.host, iface=self.iface)
