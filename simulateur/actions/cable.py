"""Physical actions: pull a host's network cable out of its switch, or plug it into a switch."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.actions.base import ActionBase, comment
from simulateur.i18n import tr
from simulateur.lab import cable
from simulateur.lab.cable import SWITCH_RE
from simulateur.lab.fields import Iface

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab


class CableUnplug(ActionBase):
    action: Literal["cable.unplug"]
    iface: Iface = "eth0"
    summary: ClassVar[str] = "Débranche le câble de l'interface côté commutateur (l'hôte voit NO-CARRIER)."

    def shell(self) -> list[str]:
        return [
            comment(tr("action.shell.unplug", host=self.host, iface=self.iface)),
            f"simulateur cable LAB {self.host} --iface {self.iface} --unplug",
        ]

    def apply(self, lab: Lab) -> None:
        cable.unplug(lab, self.host, self.iface)


class CablePlug(ActionBase):
    action: Literal["cable.plug"]
    iface: Iface = "eth0"
    switch: str = Field(
        pattern=SWITCH_RE, max_length=12, description="Commutateur où brancher le câble (le bon ou un autre)."
    )
    summary: ClassVar[str] = "Branche le câble de l'interface sur un commutateur (le bon, ou un autre : panne)."

    def shell(self) -> list[str]:
        return [
            comment(tr("action.shell.plug", host=self.host, iface=self.iface, switch=self.switch)),
            f"simulateur cable LAB {self.host} --iface {self.iface} --plug {self.switch}",
        ]

    def apply(self, lab: Lab) -> None:
        cable.plug(lab, self.host, self.iface, self.switch)
