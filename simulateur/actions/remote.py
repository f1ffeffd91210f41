"""Remote actions: a command run on another host through SSH, as a technician does from their
workstation (the session is a real one: sshd authenticates the key and logs the login)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.actions.base import ActionBase, q
from simulateur.lab.names import HOST_RE

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab


class SshRun(ActionBase):
    action: Literal["ssh.run"]
    to: str = Field(pattern=HOST_RE, description="Hôte où la commande s'exécute (il fait tourner sshd).")
    command: str = Field(min_length=1, description="Commande à exécuter là-bas (interprétée par son shell).")
    summary: ClassVar[str] = (
        "Exécute une commande sur un autre hôte par SSH, avec la clé de root de l'hôte "
        "(ssh -o BatchMode=yes HOTE 'COMMANDE') : doit réussir."
    )

    def shell(self) -> list[str]:
        return [f"ssh {self.to} {q(self.command)}"]

    def apply(self, lab: Lab) -> None:
        self._run(lab, ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", self.to, self.command], timeout=60)
