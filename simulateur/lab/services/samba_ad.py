"""Samba Active Directory: the site's domain controller (`samba_ad`) and the configuration of a
workstation that administers it (`ad_client`).

The DC (Debian's samba 4.17, `samba` binary, unit samba-ad-dc) runs from a copy of a domain
template (simulateur.lab.adtemplate: provisioned once per domain name, cached): every lab has its
own /var/lib/samba, never shared. At its first start in a lab the Administrator password becomes
the lab's (drawn from the seed). Internal DNS is off: the site's DNS is srv's dnsmasq, which
already names every host of the LAN (dc.<domain>); Kerberos clients name their KDC in krb5.conf.

The client (`ad_client`, no daemon): /etc/krb5.conf (realm, KDC dc.<domain>), /etc/samba/smb.conf
(workgroup, realm) and /etc/ldap/ldap.conf (URI, base DN), so that `kinit`, `samba-tool … -H
ldap://dc.<domain>`, `smbclient` and `ldapsearch` work from that host as on an admin workstation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from simulateur.lab import adtemplate
from simulateur.lab.names import HOST_RE
from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit
from simulateur.paths import HOSTFILES_DIR

DOMAIN_RE = r"^[a-z][a-z0-9-]{0,14}(\.[a-z][a-z0-9-]{0,30}){1,3}$"
ADCTL = "/usr/local/lib/simulateur/adctl.py"
INIT = "/etc/simulateur/ad-init.json"
LDAP_PORT, KDC_PORT = 389, 88

# First start in a lab: the lab's Administrator password, once (then the file goes).
FIRST_START = (
    f"/bin/sh -c 'if [ -e {INIT} ]; then /usr/bin/python3 -I {ADCTL} user < {INIT} >/dev/null && rm -f {INIT}; fi'"
)
WAIT_READY = (
    "/bin/bash -c 'for i in $(seq 1500); do (exec 3<>/dev/tcp/127.0.0.1/389) 2>/dev/null "
    "&& (exec 3<>/dev/tcp/127.0.0.1/88) 2>/dev/null && exit 0; sleep 0.01; done; exit 1'"
)


def base_dn(domain: str) -> str:
    return ",".join(f"DC={part}" for part in domain.split("."))


def krb5_conf(domain: str, host: str) -> str:
    realm = adtemplate.realm_of(domain)
    return (
        f"# /etc/krb5.conf — Kerberos du domaine {realm} (contrôleur : {adtemplate.HOST_NAME}.{domain})\n"
        "[libdefaults]\n"
        f"\tdefault_realm = {realm}\n"
        "\tdns_lookup_realm = false\n"
        "\tdns_lookup_kdc = false\n"
        "\trdns = false\n\n"
        "[realms]\n"
        f"\t{realm} = {{\n"
        f"\t\tkdc = {host}.{domain}\n"
        f"\t\tadmin_server = {host}.{domain}\n"
        "\t}\n\n"
        "[domain_realm]\n"
        f"\t.{domain} = {realm}\n"
        f"\t{domain} = {realm}\n"
    )


class SambaAD(ServiceBase):
    type: Literal["samba_ad"]
    name: str = Field("samba-ad-dc", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    domain: str = Field(description="Domaine DNS de l'annuaire (le royaume Kerberos en majuscules) ; {param} accepté.")
    admin_password: str = Field(
        min_length=8,
        pattern=r"^[^\s'\"\\]+$",
        description="Mot de passe du compte Administrator du domaine ({param} accepté).",
    )
    binary: ClassVar[str] = "/usr/sbin/samba"

    def ports(self) -> list[tuple[str, int]]:
        return [("tcp", LDAP_PORT), ("tcp", KDC_PORT)]

    def files(self, ctx: ServiceContext) -> Files:
        return {
            "/etc/samba/": ("", 0o755),
            "/etc/samba/smb.conf": (adtemplate.smb_conf(self.domain), 0o644),
            "/var/lib/samba/": ("", 0o755),  # filled from the domain's template (prepare)
            "/var/cache/samba/": ("", 0o755),
            "/var/log/samba/": ("", 0o755),
            "/etc/krb5.conf": (krb5_conf(self.domain, ctx.host), 0o644),
            ADCTL: ((HOSTFILES_DIR / "adctl.py").read_text(), 0o700),
            INIT: (json.dumps({"login": "Administrator", "password": self.admin_password}) + "\n", 0o600),
            f"/etc/systemd/system/{self.name}.service": (
                unit(
                    "Samba AD Daemon (contrôleur de domaine Active Directory)",
                    "/usr/sbin/samba --foreground --no-process-group",
                    extra=[
                        f"ExecStartPre={FIRST_START}",
                        "ExecStartPre=/bin/mkdir -p /run/samba",
                        f"ExecStartPost={WAIT_READY}",
                    ],
                ),
                0o644,
            ),
        }

    def prepare(self, ctx: ServiceContext, upper: Path) -> None:
        dest = upper / "var/lib/samba"
        adtemplate.copy_into(self.domain, dest)
        os.setxattr(dest, "trusted.overlay.opaque", b"y")


class AdClient(ServiceBase):
    type: Literal["ad_client"]
    name: str = Field("ad-client", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    domain: str = Field(description="Domaine de l'annuaire ({param} accepté).")
    dc: str = Field("dc", pattern=HOST_RE, description="Hôte du contrôleur de domaine.")
    daemon: ClassVar[bool] = False

    def files(self, ctx: ServiceContext) -> Files:
        realm = adtemplate.realm_of(self.domain)
        smb = (
            "# /etc/samba/smb.conf — poste d'administration du domaine (client Samba)\n[global]\n"
            f"\tworkgroup = {adtemplate.workgroup_of(self.domain)}\n\trealm = {realm}\n"
            "\tsecurity = user\n\tclient min protocol = SMB2\n"
        )
        ldap = (
            f"# /etc/ldap/ldap.conf — annuaire du domaine {self.domain}\n"
            f"BASE\t{base_dn(self.domain)}\nURI\tldap://{self.dc}.{self.domain}\n"
        )
        return {
            "/etc/samba/": ("", 0o755),
            "/etc/samba/smb.conf": (smb, 0o644),
            "/etc/krb5.conf": (krb5_conf(self.domain, self.dc), 0o644),
            "/etc/ldap/ldap.conf": (ldap, 0o644),
        }
