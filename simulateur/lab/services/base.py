"""What every service kind provides: its model (in the topology), its files, and what a probe
should see when it runs (its binary, its listening ports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from simulateur.lab.names import UNIT_RE

Files = dict[str, tuple[str | bytes, int]]  # path inside the host → (content, mode); bytes: a binary file
# A path ending in "/" is a directory of the service's own: created empty (content ignored), and the
# machine's directory of the same name does not show through it (private config, spool, cache).


@dataclass
class ServiceContext:
    host: str                                   # the host that runs the service
    hosts_addr: dict[str, str]                  # every host's first fixed address
    local_net: str | None = None                # "a.b.c.d/p" of the interface the service serves
    params: dict[str, str] = field(default_factory=dict)
    seed: int = 0                               # the lab's seed: data a service draws is reproducible


class ServiceBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=UNIT_RE, description="Nom de l'unité (systemctl start NOM).")
    enabled: bool = Field(True, description="Activé au démarrage de l'hôte ; false : installé mais arrêté, "
                                            "seuls les scénarios qui le démarrent (service.enable/start) l'ont.")
    binary: ClassVar[str] = ""  # absolute path of the daemon, as a probe sees it in /proc/PID/exe
    # False: a client's set of files (configuration, local data) with no daemon and no unit —
    # nothing is enabled nor started at boot for it.
    daemon: ClassVar[bool] = True

    def files(self, ctx: ServiceContext) -> Files:  # pragma: no cover - abstract
        raise NotImplementedError

    def ports(self) -> list[tuple[str, int]]:
        """(proto, port) the running daemon must listen on."""
        return []

    def prepare(self, ctx: ServiceContext, upper: Path) -> None:
        """Lay what files() cannot carry — a whole directory tree, such as a database copied from a
        template — into the host's overlay upper dir `upper`, before the host boots. Default: nothing."""


def unit(description: str, exec_start: str, *, forking_pidfile: str | None = None,
         extra: list[str] | None = None) -> str:
    """A systemd-style unit for the in-host systemctl."""
    lines = ["[Unit]", f"Description={description}", "", "[Service]"]
    if forking_pidfile:
        lines += ["Type=forking", f"PIDFile={forking_pidfile}"]
    else:
        lines += ["Type=simple"]
    lines += [*(extra or []), f"ExecStart={exec_start}", "", "[Install]", "WantedBy=multi-user.target", ""]
    return "\n".join(lines)
