"""Probes of a Samba file server (a `samba_fs` service): real access over SMB, real folder rights.

- smb.access: a user of the site, with his own password, lists a share then saves a file in it
  (and removes it), from a host's network (the machine's smbclient and a configuration of our
  own: nothing of the host's client setup is used). Expected: write, read (list only) or denied;
- smb.folder: the share's folder on the server belongs to the department's group, which has
  full rights, and nobody else has any (stat through the host's root, from outside).
"""

from __future__ import annotations

import grp
import os
import secrets
import stat
import subprocess
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.errors import SimError
from simulateur.i18n import N_, tr
from simulateur.lab import nsutil
from simulateur.lab.names import HOST_RE
from simulateur.lab.services.samba_fs import SambaFs, Share
from simulateur.lab.state import scratch_dir
from simulateur.probes.base import ProbeBase

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab

Access = Literal["write", "read", "denied"]


def file_server(lab: Lab, host: str) -> SambaFs:
    for service in lab.topology.hosts[host].services if host in lab.topology.hosts else []:
        if isinstance(service, SambaFs):
            return service
    raise SimError(tr("smb.no_server", host=host))


def share_spec(server: SambaFs, name: str) -> Share:
    for share in server.shares:
        if share.name == name:
            return share
    raise SimError(tr("smb.no_share", share=name))


def _status(text: str) -> str:
    for word in text.split():
        if word.startswith("NT_STATUS_"):
            return word
    return ""


def smb_try(lab: Lab, client: str, server: str, share: str, login: str, password: str) -> tuple[Access, str]:
    """What `login` can really do on the share: (access, the server's answer)."""
    address = lab.address_of(server)
    netns = f"--net={nsutil.netns_path(lab.host(client).netns)}"
    name = f"essai-{secrets.token_hex(4)}.txt"
    with scratch_dir(lab.id, "sim-smb-") as tmp:
        conf, auth, local = (os.path.join(tmp, n) for n in ("smb.conf", "auth", "doc.txt"))
        with open(conf, "w") as f:
            f.write("[global]\n\tclient min protocol = SMB2\n\tclient max protocol = SMB3\n")
        with open(auth, "w") as f:
            f.write(f"username = {login}\npassword = {password}\n")
        os.chmod(auth, 0o600)
        with open(local, "w") as f:
            f.write(tr("smb.probe_document"))

        def smbclient(command: str) -> subprocess.CompletedProcess[str]:
            argv = [
                "nsenter",
                netns,
                "smbclient",
                f"//{address}/{share}",
                "--configfile",
                conf,
                "-A",
                auth,
                "-c",
                command,
            ]
            try:
                return subprocess.run(
                    argv,
                    capture_output=True,
                    text=True,
                    timeout=20,
                    errors="replace",
                    env={"PATH": "/usr/bin:/bin", "LANG": "C", "HOME": tmp},
                )
            except subprocess.TimeoutExpired:
                return subprocess.CompletedProcess(argv, 124, "", "NT_STATUS_IO_TIMEOUT")

        listing = smbclient("ls")
        status = _status(listing.stdout + listing.stderr)
        if listing.returncode != 0 or status:
            return "denied", status or f"smbclient {listing.returncode}"
        put = smbclient(f'put "{local}" "{name}"')
        status = _status(put.stdout + put.stderr)
        if put.returncode != 0 or status:
            return "read", status or f"smbclient {put.returncode}"
        smbclient(f'rm "{name}"')
        return "write", "NT_STATUS_OK"


class SmbAccess(ProbeBase):
    probe: Literal["smb.access"]
    server: str = Field(pattern=HOST_RE, description="Hôte du serveur de fichiers (service samba_fs).")
    share: str = Field(description="Partage.")
    login: str = Field(description="Compte de l'utilisateur (son mot de passe : celui du service).")
    expect: Access = Field(description="write : lit et enregistre ; read : lit seulement ; denied : aucun accès.")
    summary: ClassVar[str] = (
        "Accès réel d'un utilisateur à un partage (smbclient avec son mot de passe, depuis un "
        "hôte) : liste le dossier, y enregistre un fichier (puis l'efface)."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        server = file_server(lab, self.server)
        share_spec(server, self.share)
        user = next((u for u in server.users if u.login == self.login), None)
        if user is None:
            raise SimError(tr("smb.no_user", login=self.login))
        access, why = smb_try(lab, self.host, self.server, self.share, self.login, user.password)
        return access == self.expect, tr(f"smb.access_{access}", login=self.login, share=self.share, why=why)

    def expected(self, lab: Lab) -> str:
        return tr(f"smb.exp_{self.expect}", login=self.login, share=self.share)


class SmbFolder(ProbeBase):
    probe: Literal["smb.folder"]
    share: str = Field(description="Partage dont on regarde le dossier, sur l'hôte serveur.")
    summary: ClassVar[str] = (
        "Le dossier d'un partage appartient au groupe du service, qui a tous les droits, et "
        "personne d'autre n'en a (droits réels du dossier sur le serveur)."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        server = file_server(lab, self.host)
        share = share_spec(server, self.share)
        host = lab.host(self.host)
        path = server.path_of(share.name)
        try:
            st = os.stat(host.path(path))
        except FileNotFoundError:
            return False, tr("smb.folder_missing", path=path)
        group = _group_name(host.read_text("/etc/group") or "", host.inside_id(st.st_gid))
        mode = stat.S_IMODE(st.st_mode)
        problems = []
        if group != share.group:
            problems.append(tr("smb.folder_group", group=group))
        if mode & 0o070 != 0o070:
            problems.append(tr("smb.folder_group_rights"))
        if mode & 0o007:
            problems.append(tr("smb.folder_others"))
        desc = tr("smb.folder_desc", path=path, mode=f"{mode:04o}", group=group)
        return not problems, desc + ("" if not problems else " — " + " ; ".join(problems))

    def expected(self, lab: Lab) -> str:
        share = share_spec(file_server(lab, self.host), self.share)
        return tr("smb.exp_folder", group=share.group)


def _group_name(group_file: str, gid: int) -> str:
    """The group's name as the host knows it (its own /etc/group), else the number."""
    for line in group_file.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[2] == str(gid):
            return fields[0]
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("smb.access_denied"),
    N_("smb.access_read"),
    N_("smb.access_write"),
    N_("smb.exp_denied"),
    N_("smb.exp_read"),
    N_("smb.exp_write"),
)
