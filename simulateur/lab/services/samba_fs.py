"""Samba file server (smbd, standalone): the site's shared folders, one share per department.

A small office's file server: local accounts (Unix users of the host, with their Samba password in
tdbsam, as `smbpasswd -a` makes them), one Unix group per department, one share per department:
  [Comptabilite]  path = /srv/partages/Comptabilite  (root:comptabilite, 2770)
                  valid users = @comptabilite, read only = no, create mask 0660, directory mask 2770
Our own configuration and databases (/etc/samba, /var/lib/samba, /var/cache/samba are the host's
own; the machine's never show through). Accounts, groups and folders are made by the host itself at
the service's first start (useradd, groupadd, smbpasswd, mkdir, chgrp, chmod: the host's own tools
and files), so the trainee finds them as a technician would.
"""

from __future__ import annotations

import shlex
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from simulateur.lab.fields import Strict
from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit

UNIX_NAME = r"^[a-z][a-z0-9_-]{0,30}$"
SETUP = "/usr/local/lib/simulateur/partages-setup.sh"
DONE = "/var/lib/samba/.partages-prets"
ROOT = "/srv/partages"


class ShareUser(Strict):
    login: str = Field(pattern=UNIX_NAME, description="Compte Unix et Samba.")
    name: str = Field("", description="Nom complet (champ GECOS).")
    password: str = Field(min_length=1, description="Mot de passe Samba ({param} accepté).")
    groups: list[str] = Field(default_factory=list, description="Groupes de services du compte.")


class Share(Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,30}$", description="Nom du partage (et du dossier).")
    group: str = Field(pattern=UNIX_NAME, description="Groupe Unix du service : seul à y accéder, en écriture.")
    comment: str = ""
    documents: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,60}$")]] = Field(
        default_factory=list, description="Documents déjà dans le dossier (noms de fichiers)."
    )


class SambaFs(ServiceBase):
    type: Literal["samba_fs"]
    name: str = Field("smbd", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    workgroup: str = Field("BUREAU", pattern=r"^[A-Z][A-Z0-9-]{0,14}$")
    users: list[ShareUser] = Field(default_factory=list)
    shares: list[Share] = Field(min_length=1)
    binary: ClassVar[str] = "/usr/sbin/smbd"

    def ports(self) -> list[tuple[str, int]]:
        return [("tcp", 445)]

    def path_of(self, share: str) -> str:
        return f"{ROOT}/{share}"

    def smb_conf(self, host: str) -> str:
        lines = [
            f"# /etc/samba/smb.conf — serveur de fichiers de {host} (Samba, serveur autonome)",
            "# Vérifier : testparm -s ; après une modification : systemctl restart " + self.name,
            "# Comptes Samba : pdbedit -L -v ; mot de passe : smbpasswd COMPTE",
            "[global]",
            f"\tworkgroup = {self.workgroup}",
            "\tserver string = Serveur de fichiers %h",
            "\tserver role = standalone server",
            "\tsecurity = user",
            "\tpassdb backend = tdbsam",
            "\tmap to guest = never",
            "\tsmb ports = 445",
            "\tdisable netbios = yes",
            "\tload printers = no",
            "\tprinting = bsd",
            "\tprintcap name = /dev/null",
            "\tdisable spoolss = yes",
            "\tlogging = file",
            "\tlog file = /var/log/samba/log.%m",
            "\tmax log size = 1000",
            "\tpid directory = /run/samba",
        ]
        for share in self.shares:
            lines += ["", f"[{share.name}]"]
            if share.comment:
                lines.append(f"\tcomment = {share.comment}")
            lines += [
                f"\tpath = {self.path_of(share.name)}",
                f"\tvalid users = @{share.group}",
                "\tread only = no",
                "\tcreate mask = 0660",
                "\tdirectory mask = 2770",
            ]
        return "\n".join(lines) + "\n"

    def setup_script(self) -> str:
        q = shlex.quote
        groups = sorted({s.group for s in self.shares} | {g for u in self.users for g in u.groups})
        out = [
            "#!/bin/sh",
            "# Comptes, groupes et dossiers partagés du serveur de fichiers (premier démarrage)",
            "set -e",
            f"mkdir -p {ROOT} /var/lib/samba/private /var/cache/samba /run/samba /var/log/samba",
        ]
        out += [f"getent group {g} >/dev/null || groupadd {g}" for g in groups]
        for u in self.users:
            extra = f" -G {','.join(u.groups)}" if u.groups else ""
            out.append(
                f"id {u.login} >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin "
                f"-c {q(u.name)}{extra} {u.login}"
            )
            out.append(f"printf '%s\\n%s\\n' {q(u.password)} {q(u.password)} | smbpasswd -a -s {u.login} >/dev/null")
        for s in self.shares:
            path = self.path_of(s.name)
            out += [f"mkdir -p {path}", f"chown root:{s.group} {path}", f"chmod 2770 {path}"]
            for doc in s.documents:
                target = q(f"{path}/{doc}")
                out += [
                    f"echo {q(f'{doc} — document du service {s.name}')} > {target}",
                    f"chown root:{s.group} {target}",
                    f"chmod 0660 {target}",
                ]
        out += [f"touch {DONE}", 'rm -f "$0"   # the passwords it held go with it']
        return "\n".join(out) + "\n"

    def files(self, ctx: ServiceContext) -> Files:
        return {
            "/etc/samba/": ("", 0o755),
            "/etc/samba/smb.conf": (self.smb_conf(ctx.host), 0o644),
            "/var/lib/samba/": ("", 0o755),
            "/var/cache/samba/": ("", 0o755),
            "/var/log/samba/": ("", 0o755),
            SETUP: (self.setup_script(), 0o700),
            f"/etc/systemd/system/{self.name}.service": (
                unit(
                    "Samba SMB Daemon (serveur de fichiers)",
                    "/usr/sbin/smbd --foreground --no-process-group",
                    extra=[
                        f"ExecStartPre=/bin/sh -c '[ -e {DONE} ] || {SETUP}'",
                        "ExecStartPre=/bin/mkdir -p /run/samba",
                        (
                            "ExecStartPost=/bin/bash -c 'for i in $(seq 500); do (exec 3<>/dev/tcp/127.0.0.1/445) "
                            "2>/dev/null && exit 0; sleep 0.01; done; exit 1'"
                        ),
                    ],
                ),
                0o644,
            ),
        }
