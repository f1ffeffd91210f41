"""SSH: the OpenSSH server of a host (sshd, from openssh-server) and the client side of another
(root's key pair and known hosts), for remote interventions between the hosts of a lab.

Server (`{type: sshd, name: ssh, authorized: [technicien]}`):
  - /etc/ssh is the host's own (the machine's host keys and configuration never show through);
    its Ed25519 host key is drawn from the lab's seed (simulateur.lab.sshkeys), like every key;
  - root logs in with the key of the hosts listed in `authorized` (their root's key pair); with a
    `root_password`, by password too (the host's /etc/shadow then holds its hash);
  - every session goes through /usr/local/lib/simulateur/ssh-session (ForceCommand), which sends
    the commands typed in it to the attempt's journal, outside the host (simulateur.journal.remote);
  - sshd's log (« Accepted publickey for root from ADDRESS … »): with an attempt, kept outside the
    host — the host's collector binds its /dev/log from the machine and writes /run/simulateur/sshd-log
    (SSHD_LOG empty: sshd logs to syslog), keeps the lines of the host's genuine sshd in
    ATTEMPT/sshd-HOST.log and copies them to the unit's log (/var/log/sysd/NAME.log, what
    `journalctl -u NAME` shows) (simulateur.journal.sshlog). Without one (self-test, benchmark),
    /etc/simulateur/sshd-log's `SSHD_LOG=-e` sends it to the unit's log directly.
Client (`{type: sshclient, name: cles-ssh, known: [poste], domain: "{domaine}"}`): no daemon;
/root/.ssh/id_ed25519(.pub) and a known_hosts naming the listed hosts' host keys, so that a plain
`ssh poste` works with no question asked.
"""

from __future__ import annotations

import random
import subprocess
import warnings
from typing import ClassVar, Literal

from pydantic import Field

from simulateur.lab import sshkeys
from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit
from simulateur.paths import HOSTFILES_DIR

SESSION = "/usr/local/lib/simulateur/ssh-session"
HOST_KEY = "/etc/ssh/ssh_host_ed25519_key"
# Where sshd logs (its unit's $SSHD_LOG): -e, its stderr, i.e. the unit's log in the host — unless
# LOG_OUTSIDE, written from the machine by the attempt's collector, empties it (syslog, /dev/log,
# read outside the host: simulateur.journal.sshlog).
LOG_DEFAULT = "/etc/simulateur/sshd-log"
LOG_OUTSIDE = "/run/simulateur/sshd-log"
LOG_DEFAULT_TEXT = (
    "# Journal de sshd : sur sa sortie d'erreur (journalctl -u ssh), sauf quand l'intervention le\n"
    "# tient hors de ce poste (/run/simulateur/sshd-log, écrit depuis la machine).\nSSHD_LOG=-e\n"
)

SSHD_CONFIG = """\
# /etc/ssh/sshd_config — serveur SSH de {host} (OpenSSH). Voir « man sshd_config ».
# Après une modification : sshd -t (vérifie), puis systemctl restart {name}
Port {port}
HostKey {host_key}
PidFile /run/sshd.pid
LogLevel INFO

PermitRootLogin {root_login}
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication {password}
KbdInteractiveAuthentication no
PermitEmptyPasswords no
UsePAM no

X11Forwarding no
PrintMotd no
PrintLastLog no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server

# Chaque session est enregistrée dans le journal de l'intervention (tenu hors de ce poste).
ForceCommand {session}
"""

# sshd writes its pid file once it listens (a probe connection would leave a line in its log).
WAIT_READY = "/bin/sh -c 'i=0; while [ ! -s /run/sshd.pid ] && [ $i -lt 300 ]; do sleep 0.01; i=$((i+1)); done; [ -s /run/sshd.pid ]'"


def _sha512_crypt(password: str, salt: str) -> str:
    """The $6$ hash of /etc/shadow (crypt(3) of the machine's libc)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt  # Python 3.11/3.12: a thin layer over libc's crypt(3)

        return crypt.crypt(password, f"$6${salt}$")
    except ImportError:  # pragma: no cover - Python ≥ 3.13
        return subprocess.run(
            ["openssl", "passwd", "-6", "-salt", salt, "-stdin"],
            input=password,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()


class Sshd(ServiceBase):
    type: Literal["sshd"]
    name: str = Field("ssh", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    port: int = Field(22, ge=1, le=65535)
    authorized: list[str] = Field(
        default_factory=list, description="Hôtes dont la clé de root ouvre une session root ici (authorized_keys)."
    )
    root_password: str | None = Field(
        None,
        min_length=4,
        pattern=r"^[^\s:]+$",
        description="Mot de passe de root ({param} accepté) : permet aussi la connexion par mot de passe.",
    )
    binary: ClassVar[str] = "/usr/sbin/sshd"

    def ports(self) -> list[tuple[str, int]]:
        return [("tcp", self.port)]

    def files(self, ctx: ServiceContext) -> Files:
        key = sshkeys.host_key(ctx.seed, ctx.host)
        config = SSHD_CONFIG.format(
            host=ctx.host,
            name=self.name,
            port=self.port,
            host_key=HOST_KEY,
            session=SESSION,
            root_login="yes" if self.root_password else "prohibit-password",
            password="yes" if self.root_password else "no",
        )
        files: Files = {
            "/etc/ssh/": ("", 0o755),
            "/etc/ssh/sshd_config": (config, 0o644),
            HOST_KEY: (key.private_file(), 0o600),
            f"{HOST_KEY}.pub": (key.public_line() + "\n", 0o644),
            SESSION: ((HOSTFILES_DIR / "sshsession.py").read_text(), 0o755),
            LOG_DEFAULT: (LOG_DEFAULT_TEXT, 0o644),
            f"/etc/systemd/system/{self.name}.service": (
                unit(
                    "OpenBSD Secure Shell server",
                    "/usr/sbin/sshd -D $SSHD_LOG",
                    extra=[
                        f"EnvironmentFile=-{LOG_DEFAULT}",
                        f"EnvironmentFile=-{LOG_OUTSIDE}",
                        "ExecStartPre=/bin/mkdir -p -m 0755 /run/sshd /run/simulateur",
                        "ExecStartPre=/usr/sbin/sshd -t",
                        "ExecStartPre=/bin/rm -f /run/sshd.pid",
                        f"ExecStartPost={WAIT_READY}",
                    ],
                    aliases=["sshd"] if self.name == "ssh" else [],
                ),
                0o644,
            ),
        }
        if self.authorized:
            keys = [sshkeys.user_key(ctx.seed, h).public_line() for h in self.authorized]
            files["/root/.ssh/"] = ("", 0o700)
            files["/root/.ssh/authorized_keys"] = ("\n".join(keys) + "\n", 0o600)
        if self.root_password:
            salt = "".join(
                random.Random(f"{ctx.seed}/shadow/{ctx.host}").choice(
                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./"
                )
                for _ in range(16)
            )
            from simulateur.lab.hostfs import locked_shadow

            files["/etc/shadow"] = (locked_shadow(_sha512_crypt(self.root_password, salt)), 0o640)
        return files


class SshClient(ServiceBase):
    type: Literal["sshclient"]
    name: str = Field("cles-ssh", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    known: list[str] = Field(
        default_factory=list, description="Hôtes (avec sshd) dont la clé d'hôte est déjà connue (known_hosts)."
    )
    domain: str | None = Field(None, description="Domaine du site : NOM.domaine est connu aussi ({param} accepté).")
    daemon: ClassVar[bool] = False

    def files(self, ctx: ServiceContext) -> Files:
        mine = sshkeys.user_key(ctx.seed, ctx.host)
        known = []
        for host in self.known:
            names = [host] + ([f"{host}.{self.domain}"] if self.domain else [])
            if host in ctx.hosts_addr:
                names.append(ctx.hosts_addr[host])
            key = sshkeys.host_key(ctx.seed, host).public_line().rsplit(" ", 1)[0]
            known.append(f"{','.join(names)} {key}")
        return {
            "/root/.ssh/": ("", 0o700),
            "/root/.ssh/id_ed25519": (mine.private_file(), 0o600),
            "/root/.ssh/id_ed25519.pub": (mine.public_line() + "\n", 0o644),
            "/root/.ssh/known_hosts": ("\n".join(known) + ("\n" if known else ""), 0o644),
        }


__all__ = ["SESSION", "SshClient", "Sshd"]
