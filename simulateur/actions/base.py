"""Base of every action: data in a scenario file, applied to a running lab."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab.names import HOST_RE

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab


def _no_parent(path: str) -> str:
    if ".." in path.split("/"):
        raise ValueError(tr("action.no_parent"))
    return path


HostPath = Annotated[str, Field(pattern=r"^(/[A-Za-z0-9._+-]+)+$", description="Chemin absolu dans l'hôte."),
                     AfterValidator(_no_parent)]


class ActionBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: ClassVar[str] = ""
    host: str = Field(pattern=HOST_RE, description="Hôte du laboratoire où agir.")

    def apply(self, lab: Lab) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _run(self, lab: Lab, argv: list[str], timeout: float = 30) -> str:
        result = lab.host(self.host).run(argv, timeout=timeout)
        if result.returncode != 0:
            why = (result.stderr or result.stdout).strip().splitlines()
            raise SimError(tr("action.failed", action=self.action_name(), host=self.host,
                              cmd=" ".join(argv), why=why[-1] if why else result.returncode))
        return result.stdout

    def action_name(self) -> str:
        return str(getattr(self, "action"))
