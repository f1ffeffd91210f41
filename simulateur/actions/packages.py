"""Software actions: packages from the site's repository (apt-get, apt-mark, dpkg run inside the
host, against the host's own dpkg database), a setting in an INI configuration file, a small
filesystem of its own mounted in a host, and the data of the accounting application (Compta Pro)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.actions.base import ActionBase, HostPath, comment, q
from simulateur.depot import data
from simulateur.errors import SimError
from simulateur.i18n import N_, tr

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab

PACKAGE_RE = r"^[a-z0-9][a-z0-9+.-]{1,63}$"
VERSION_RE = r"^(\{[a-z_]+\}|[0-9][A-Za-z0-9.+~-]{0,31})$"
APT_ENV = ["env", "DEBIAN_FRONTEND=noninteractive"]


class AptInstall(ActionBase):
    action: Literal["apt.install"]
    package: str = Field(pattern=PACKAGE_RE, description="Paquet du dépôt du site.")
    version: str | None = Field(None, pattern=VERSION_RE, description="Version exacte ({param} accepté).")
    downgrade: bool = Field(False, description="Autoriser le retour à une version plus ancienne (--allow-downgrades).")
    update: bool = Field(True, description="Mettre à jour la liste des paquets d'abord (apt-get update).")
    summary = "Installe un paquet du dépôt du site (apt-get install PAQUET[=VERSION])."

    def shell(self) -> list[str]:
        target = self.package + (f"={self.version}" if self.version else "")
        return (["apt-get update"] if self.update else []) + [
            "apt-get install " + ("--allow-downgrades " if self.downgrade else "") + target
        ]

    def apply(self, lab: Lab) -> None:
        if self.update:
            self._run(lab, [*APT_ENV, "apt-get", "update", "-q"], timeout=120)
        target = self.package + (f"={lab.render(self.version)}" if self.version else "")
        self._run(
            lab,
            [
                *APT_ENV,
                "apt-get",
                "install",
                "-y",
                "-q",
                "--no-install-recommends",
                *(["--allow-downgrades"] if self.downgrade else []),
                target,
            ],
            timeout=180,
        )


class AptHold(ActionBase):
    action: Literal["apt.hold"]
    package: str = Field(pattern=PACKAGE_RE, description="Paquet installé.")
    hold: bool = Field(True, description="true : bloquer la version (apt-mark hold) ; false : débloquer.")
    summary = "Bloque (ou débloque) la version installée d'un paquet (apt-mark hold/unhold)."

    def shell(self) -> list[str]:
        return [f"apt-mark {'hold' if self.hold else 'unhold'} {self.package}"]

    def apply(self, lab: Lab) -> None:
        self._run(lab, ["apt-mark", "hold" if self.hold else "unhold", self.package])


class AptRemove(ActionBase):
    action: Literal["apt.remove"]
    package: str = Field(pattern=PACKAGE_RE, description="Paquet installé.")
    purge: bool = Field(False, description="Supprimer aussi la configuration (purge).")
    summary = "Désinstalle un paquet (apt-get remove / purge)."

    def shell(self) -> list[str]:
        return [f"apt-get {'purge' if self.purge else 'remove'} {self.package}"]

    def apply(self, lab: Lab) -> None:
        self._run(
            lab, [*APT_ENV, "apt-get", "purge" if self.purge else "remove", "-y", "-q", self.package], timeout=120
        )


class IniSet(ActionBase):
    action: Literal["ini.set"]
    path: HostPath
    section: str = Field(pattern=r"^[A-Za-z0-9_. -]{1,40}$", description="Section [NOM] du fichier.")
    key: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$", description="Nom du réglage (clé = valeur).")
    value: str = Field(description="Valeur ({param} accepté).")
    summary = "Règle « clé = valeur » dans une section d'un fichier INI de l'hôte (droits du fichier conservés)."

    def shell(self) -> list[str]:
        return [
            f"nano {q(self.path)}",
            comment(tr("action.shell.ini", section=self.section, key=self.key, value=self.value)),
        ]

    def apply(self, lab: Lab) -> None:
        host = lab.host(self.host)
        text = host.read_text(self.path)
        if text is None:
            raise SimError(tr("action.no_file", path=self.path, host=self.host))
        mode = host.path(self.path).stat().st_mode & 0o7777
        host.write_text(self.path, set_ini(text, self.section, self.key, lab.render(self.value)), mode)


def set_ini(text: str, section: str, key: str, value: str) -> str:
    """The text with `key = value` in [section]: the key's line replaced, or added to the section
    (created at the end if missing). Comments and layout are kept."""
    lines = text.splitlines()
    current, end = None, None
    header = re.compile(r"^\s*\[([^\]]+)\]\s*$")
    for i, line in enumerate(lines):
        m = header.match(line)
        if m:
            if current == section:
                break
            current = m.group(1).strip()
            end = i + 1 if current == section else end
            continue
        if current == section:
            if re.match(rf"^\s*{re.escape(key)}\s*[=:]", line):
                lines[i] = f"{key} = {value}"
                return "\n".join(lines) + "\n"
            if line.strip():
                end = i + 1
    if end is None:
        lines += ["", f"[{section}]", f"{key} = {value}"]
    else:
        lines.insert(end, f"{key} = {value}")
    return "\n".join(lines) + "\n"


class FsTmpfs(ActionBase):
    action: Literal["fs.tmpfs"]
    path: HostPath
    size_mb: int = Field(ge=1, le=512, description="Taille du système de fichiers (Mo).")
    summary = (
        "Monte un petit système de fichiers à soi (tmpfs de taille fixe) sur un dossier de l'hôte, "
        "en y recopiant son contenu : il peut se remplir sans toucher au reste."
    )
    # No process of a host may mount anything (simulateur.lab.profile): the host's own tools keep the
    # content aside and put it back, the mount itself is the engine's (Host.mount_tmpfs).
    SAVE: ClassVar[str] = (
        'set -e; d=$1; t=$(mktemp -d /run/fs.XXXXXX); [ -d "$d" ] && cp -a "$d/." "$t/"; mkdir -p "$d"; echo "$t"'
    )
    RESTORE: ClassVar[str] = 'set -e; cp -a "$2/." "$1/"; rm -rf "$2"'

    def shell(self) -> list[str]:
        d = q(self.path)
        return [
            f"cp -a {d} /root/sauvegarde",
            f"mount -t tmpfs -o size={self.size_mb}m tmpfs {d}",
            f"cp -a /root/sauvegarde/. {d}/",
        ]

    def apply(self, lab: Lab) -> None:
        kept = self._run(lab, ["sh", "-c", self.SAVE, "fs.tmpfs", self.path]).strip()
        lab.host(self.host).mount_tmpfs(self.path, self.size_mb)
        self._run(lab, ["sh", "-c", self.RESTORE, "fs.tmpfs", self.path, kept])


class ComptaData(ActionBase):
    action: Literal["compta.data"]
    kind: Literal["dossiers", "rotated_logs", "debug_log", "export_cache"] = Field(
        description="dossiers : les dossiers des sociétés clientes (données de l'utilisateur) ; rotated_logs : "
        "vieux journaux compta-pro.log.N ; debug_log : journal en cours gonflé par le niveau debug ; "
        "export_cache : exports temporaires jamais nettoyés."
    )
    size_mb: int = Field(0, ge=0, le=400, description="Volume à écrire (journaux, cache).")
    summary = "Écrit les données de Compta Pro tirées de la graine (dossiers clients, journaux, cache)."

    def shell(self) -> list[str]:
        return [comment(tr(f"action.shell.compta_data.{self.kind}", size=self.size_mb))]

    def apply(self, lab: Lab) -> None:
        seed = lab.state.seed
        size = self.size_mb * 1024 * 1024
        if self.kind == "dossiers":
            files = {f"{data.DOSSIERS}/{p}": d for p, d in data.dossiers(seed).items()}
        elif self.kind == "rotated_logs":
            count = 8
            files = {f"{data.JOURNAUX}/{p}": d for p, d in data.rotated_logs(seed, count, size // count).items()}
        elif self.kind == "debug_log":
            start = dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=12)
            files = {f"{data.JOURNAUX}/compta-pro.log": data.log_lines(seed, "debug", size, start)}
        else:
            count = max(1, size // (4 * 1024 * 1024))
            files = {f"{data.CACHE}/{p}": d for p, d in data.export_cache(seed, count, size // count).items()}
        host = lab.host(self.host)
        for path, content in files.items():
            target = host.path(path)
            try:
                with host.writing():  # as the host's root (a host with a user namespace: NetnsHost.writing)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with open(target, "ab" if self.kind == "debug_log" else "wb") as f:
                        f.write(content)
            except OSError as exc:
                raise SimError(
                    tr(
                        "action.failed",
                        action=self.action,
                        host=self.host,
                        cmd=tr("action.write_cmd", path=path),
                        why=exc.strerror,
                    )
                ) from None


class ComptaLicence(ActionBase):
    action: Literal["compta.licence"]
    societe: str = Field(min_length=1, description="Raison sociale de la licence ({param} accepté).")
    mail: HostPath | None = Field(
        None,
        description="Écrire le courriel de l'éditeur (avec la clé) dans ce fichier au lieu de configurer le logiciel.",
    )
    summary = "Configure la licence de Compta Pro (société et clé), ou dépose le courriel de l'éditeur qui la donne."

    def shell(self) -> list[str]:
        if self.mail:
            return [comment(tr("action.shell.licence_mail", path=self.mail))]
        return ["nano /etc/compta-pro/compta-pro.conf", comment(tr("action.shell.licence", societe=self.societe))]

    def apply(self, lab: Lab) -> None:
        from simulateur.depot.licence import licence_key

        societe = lab.render(self.societe)
        cle = licence_key(societe)
        if self.mail:
            mail = tr("action.compta.licence_mail", societe=societe, cle=cle)
            lab.host(self.host).write_text(self.mail, mail, 0o600)
            return
        for key, value in (("societe", societe), ("cle", cle)):
            IniSet(
                action="ini.set",
                host=self.host,
                path="/etc/compta-pro/compta-pro.conf",
                section="licence",
                key=key,
                value=value,
            ).apply(lab)


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("action.shell.compta_data.debug_log"),
    N_("action.shell.compta_data.dossiers"),
    N_("action.shell.compta_data.export_cache"),
    N_("action.shell.compta_data.rotated_logs"),
)
