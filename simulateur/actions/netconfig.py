"""Actions on a host's persistent configuration: edit a file in place, re-apply ifupdown."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.actions.base import ActionBase, HostPath, comment, q, sed_pattern, sed_replacement
from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab.fields import Iface

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab


class FileReplace(ActionBase):
    action: Literal["file.replace"]
    path: HostPath
    old: str = Field(min_length=1, description="Texte à remplacer (doit être présent).")
    new: str = Field(description="Texte de remplacement.")
    summary: ClassVar[str] = "Remplace un texte dans un fichier de l'hôte (le texte doit y être)."

    def shell(self) -> list[str]:
        if "\n" in self.old or "\n" in self.new:
            return [
                f"nano {q(self.path)}",
                comment(tr("action.shell.replace", old=self.old.strip(), new=self.new.strip())),
            ]
        return [f"sed -i {q(f's/{sed_pattern(self.old)}/{sed_replacement(self.new)}/g')} {q(self.path)}"]

    def apply(self, lab: Lab) -> None:
        host = lab.host(self.host)
        text = host.read_text(self.path)
        if text is None or self.old not in text:
            raise SimError(tr("action.replace_missing", path=self.path, host=self.host, old=self.old[:60]))
        host.write_text(self.path, text.replace(self.old, self.new))


class NetReapply(ActionBase):
    action: Literal["net.reapply"]
    iface: Iface = "eth0"
    summary: ClassVar[str] = "Réapplique la configuration réseau de l'interface (ifdown puis ifup)."

    def shell(self) -> list[str]:
        return [f"ifdown --force {self.iface}; ifup {self.iface}"]

    def apply(self, lab: Lab) -> None:
        self._run(
            lab,
            [
                "sh",
                "-c",
                'ifdown --force "$1" >/dev/null 2>&1; ip -4 addr flush dev "$1"; ifup "$1"',
                "net.reapply",
                self.iface,
            ],
            timeout=60,
        )
