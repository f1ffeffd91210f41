"""What every service kind provides: its model (in the topology), its files, and what a probe
should see when it runs (its binary, its listening ports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from simulateur.lab.fields import Strict
from simulateur.lab.names import UNIT_RE

Files = dict[str, tuple[str | bytes, int]]  # path inside the host → (content, mode); bytes: a binary file
# A path ending in "/" is a directory of the service's own: created empty (content ignored), and the
# machine's directory of the same name does not show through it (private config, spool, cache).


@dataclass
class ServiceContext:
    host: str  # the host that runs the service
    hosts_addr: dict[str, str]  # every host's first fixed address
    local_net: str | None = None  # "a.b.c.d/p" of the interface the service serves
    params: dict[str, str] = field(default_factory=dict)
    seed: int = 0  # the lab's seed: data a service draws is reproducible


class ServiceBase(Strict):
    if TYPE_CHECKING:
        type: str  # each kind's discriminator, a Literal field of its own
    name: str = Field(pattern=UNIT_RE, description="Nom de l'unité (systemctl start NOM).")
    enabled: bool = Field(
        True,
        description="Activé au démarrage de l'hôte ; false : installé mais arrêté, "
        "seuls les scénarios qui le démarrent (service.enable/start) l'ont.",
    )
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


def unit(
    description: str,
    exec_start: str,
    *,
    forking_pidfile: str | None = None,
    extra: list[str] | None = None,
    aliases: list[str] | None = None,
) -> str:
    """A systemd-style unit for the in-host systemctl (`aliases`: other names it answers to, as
    Debian's ssh.service answers to sshd)."""
    lines = ["[Unit]", f"Description={description}", "", "[Service]"]
    if forking_pidfile:
        lines += ["Type=forking", f"PIDFile={forking_pidfile}"]
    else:
        lines += ["Type=simple"]
    lines += [*(extra or []), f"ExecStart={exec_start}", "", "[Install]", "WantedBy=multi-user.target"]
    lines += [f"Alias={alias}.service" for alias in aliases or []] + [""]
    return "\n".join(lines)


def init_script(name: str) -> str:
    """/etc/init.d/NAME for a unit whose Debian package ships one but the machine's view lacks it
    (dnsmasq-base has none, the dnsmasq package has): an LSB script that, like every init script on a
    Debian 12 with systemd, hands the verb to systemctl (/lib/lsb/init-functions, « via systemctl »)."""
    return f"""#!/bin/sh
### BEGIN INIT INFO
# Provides:          {name}
# Required-Start:    $network $remote_fs $syslog
# Required-Stop:     $network $remote_fs $syslog
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: {name} (systemd unit {name}.service)
### END INIT INFO

. /lib/lsb/init-functions

# Reached only when init-functions does not redirect (SYSTEMCTL_SKIP_REDIRECT set).
case "$1" in
    start|stop|restart|reload|force-reload|try-restart|status)
        exec systemctl "$1" {name}.service
        ;;
    *)
        echo "Usage: /etc/init.d/{name} {{start|stop|restart|reload|force-reload|try-restart|status}}" >&2
        exit 3
        ;;
esac
"""
