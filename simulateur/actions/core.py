"""The core actions: services, DHCP client, addresses and routes, files, commands."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.actions.base import ActionBase, HostPath, heredoc, q
from simulateur.lab.fields import Iface
from simulateur.lab.names import UNIT_RE

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab


class _Service(ActionBase):
    service: str = Field(pattern=UNIT_RE, description="Nom du service (unité systemd).")
    verb: ClassVar[str]

    def shell(self) -> list[str]:
        return [f"systemctl {self.verb} {q(self.service)}"]

    def apply(self, lab: Lab) -> None:
        self._run(lab, ["systemctl", self.verb, self.service])


class ServiceStart(_Service):
    action: Literal["service.start"]
    verb = "start"
    summary = "Démarre un service de l'hôte (systemctl start)."


class ServiceStop(_Service):
    action: Literal["service.stop"]
    verb = "stop"
    summary = "Arrête un service de l'hôte (systemctl stop)."


class ServiceRestart(_Service):
    action: Literal["service.restart"]
    verb = "restart"
    summary = "Redémarre un service de l'hôte (systemctl restart)."


class ServiceEnable(_Service):
    action: Literal["service.enable"]
    verb = "enable"
    summary = "Active un service au démarrage (systemctl enable)."


class ServiceDisable(_Service):
    action: Literal["service.disable"]
    verb = "disable"
    summary = "Désactive un service au démarrage (systemctl disable)."


class DhcpRelease(ActionBase):
    action: Literal["dhcp.release"]
    iface: Iface = "eth0"
    summary = "Rend le bail DHCP et arrête le client DHCP (dhclient -r)."
    # Every DHCP client of the host is stopped first (by its pidfile, inside the host: the one
    # ifup started and any other): `dhclient -r` would otherwise sleep a second per client it
    # kills. Then the lease is released as `dhclient -r` does (the server frees it).
    SCRIPT: ClassVar[str] = (
        'for f in /run/dhclient*.pid; do [ -f "$f" ] || continue; p=$(cat "$f"); kill "$p" 2>/dev/null; '
        'while kill -0 "$p" 2>/dev/null; do sleep 0.01; done; rm -f "$f"; done; '
        'exec dhclient -r -lf /var/lib/dhcp/dhclient.$1.leases "$1"'
    )

    def shell(self) -> list[str]:
        return [f"dhclient -r {self.iface}"]

    def apply(self, lab: Lab) -> None:
        self._run(lab, ["sh", "-c", self.SCRIPT, "dhcp.release", self.iface])


class DhcpRenew(ActionBase):
    action: Literal["dhcp.renew"]
    iface: Iface = "eth0"
    summary = "Demande un bail DHCP (dhclient), comme au démarrage du poste."

    def shell(self) -> list[str]:
        return [f"dhclient {self.iface}"]

    def apply(self, lab: Lab) -> None:
        # The same pid and lease files as ifupdown: a later `ifdown`/`ifup` manages this client.
        self._run(
            lab,
            [
                "dhclient",
                "-pf",
                f"/run/dhclient.{self.iface}.pid",
                "-lf",
                f"/var/lib/dhcp/dhclient.{self.iface}.leases",
                self.iface,
            ],
            timeout=60,
        )


class IpFlush(ActionBase):
    action: Literal["ip.flush"]
    iface: Iface = "eth0"
    summary = "Retire toutes les adresses IPv4 d'une interface."

    def shell(self) -> list[str]:
        return [f"ip -4 addr flush dev {self.iface}"]

    def apply(self, lab: Lab) -> None:
        self._run(lab, ["ip", "-4", "addr", "flush", "dev", self.iface])


class IpAdd(ActionBase):
    action: Literal["ip.add"]
    iface: Iface = "eth0"
    address: str = Field(description="Adresse « a.b.c.d/p » (modèle {param} accepté).")
    summary = "Ajoute une adresse IPv4 fixe à une interface."

    def shell(self) -> list[str]:
        return [f"ip addr add {q(self.address)} dev {self.iface}"]

    def apply(self, lab: Lab) -> None:
        self._run(lab, ["ip", "addr", "add", self.address, "dev", self.iface])


class RouteDefault(ActionBase):
    action: Literal["route.default"]
    via: str = Field(description="Passerelle par défaut (modèle {param} accepté).")
    summary = "Remplace la route par défaut."

    def shell(self) -> list[str]:
        return [f"ip route replace default via {q(self.via)}"]

    def apply(self, lab: Lab) -> None:
        self._run(lab, ["ip", "route", "replace", "default", "via", self.via])


class FileWrite(ActionBase):
    action: Literal["file.write"]
    path: HostPath
    content: str = Field(description="Contenu complet du fichier ({param} accepté).")
    mode: int = Field(0o644, ge=0, le=0o7777, description="Droits du fichier (ex. 0o644, en octal avec 0o).")
    summary = (
        "Écrit un fichier dans l'hôte (son propre système de fichiers) ; un contenu non vide se termine "
        "par un saut de ligne, comme l'écrit un éditeur."
    )

    def shell(self) -> list[str]:
        return [heredoc(self.path, self.content)] + (
            [] if self.mode == 0o644 else [f"chmod {self.mode:o} {q(self.path)}"]
        )

    def apply(self, lab: Lab) -> None:
        # A text file ends with a newline (POSIX; `echo … >>` would glue its line to the last one).
        content = self.content if not self.content or self.content.endswith("\n") else self.content + "\n"
        lab.host(self.host).write_text(self.path, content, self.mode)


class Exec(ActionBase):
    action: Literal["exec"]
    argv: list[str] = Field(min_length=1, description="Commande et arguments, sans interprétation par un shell.")
    summary = "Exécute une commande dans l'hôte (doit réussir)."

    def shell(self) -> list[str]:
        if len(self.argv) >= 3 and self.argv[0] in ("sh", "bash") and self.argv[1] == "-c":
            return [self.argv[2]]  # the script a technician would type at the prompt
        return [shlex.join(self.argv)]

    def apply(self, lab: Lab) -> None:
        self._run(lab, self.argv)
