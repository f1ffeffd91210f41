"""Probes of an Active Directory domain (a `samba_ad` host): the real state of accounts and real logons.

- ad.account: one account as the DC's database holds it (read by simulateur's helper on the
  DC's sam.ldb, never through the trainee's tools): where it is (OU), its groups, enabled,
  locked out, password expired or to be changed at next logon, "password never expires";
- ad.login: a real Kerberos logon as the user (the machine's kinit, in a host's network
  namespace, against the DC's KDC by address). It is only tried when the DC's database says the
  password is the expected one: a probe never types a wrong password (that would count towards
  the account's lockout);
- ad.unchanged: every other account is as it was when the faults were made (ad.snapshot):
  "the right account only".
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import ConfigDict, Field

from simulateur.actions.directory import LOGIN_RE, adctl, snapshot_path
from simulateur.errors import SimError
from simulateur.i18n import N_, tr
from simulateur.lab import adtemplate, nsutil
from simulateur.lab.names import HOST_RE
from simulateur.lab.services.samba_ad import SambaAD
from simulateur.lab.state import scratch_dir
from simulateur.probes.base import ProbeBase

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab

UF_ACCOUNTDISABLE = 0x2
UF_DONT_EXPIRE_PASSWD = 0x10000
UF_LOCKOUT = 0x10
UF_PASSWORD_EXPIRED = 0x800000
# What "unchanged" compares (badPwdCount and logon times change by themselves).
COMPARED = ("dn", "uac", "pwdLastSet", "lockoutTime", "accountExpires", "memberOf", "primaryGroupID")


def samba_ad(lab: Lab, host: str) -> SambaAD:
    for service in lab.topology.hosts[host].services if host in lab.topology.hosts else []:
        if isinstance(service, SambaAD):
            return service
    raise SimError(tr("ad.no_dc", host=host))


def dump(lab: Lab, host: str, passwords: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return adctl(lab, host, "dump", {"passwords": passwords or {}}, tr("ad.probe_name"))


def group_names(member_of: list[str]) -> list[str]:
    return sorted(dn.split(",", 1)[0].split("=", 1)[1] for dn in member_of)


def ou_of(dn: str) -> str:
    """CN=x,OU=Compta,DC=a,DC=b → "Compta"; CN=x,CN=Users,DC=… → "Users"."""
    parent = dn.split(",", 1)[1] if "," in dn else ""
    return parent.split(",", 1)[0].split("=", 1)[-1]


def state_words(user: dict[str, Any]) -> list[str]:
    words = []
    uac, computed = user["uac"], user["uac_computed"]
    words.append(tr("ad.w_disabled") if uac & UF_ACCOUNTDISABLE else tr("ad.w_enabled"))
    if computed & UF_LOCKOUT:
        words.append(tr("ad.w_locked"))
    if user["pwdLastSet"] == 0:
        words.append(tr("ad.w_must_change"))
    elif computed & UF_PASSWORD_EXPIRED:
        words.append(tr("ad.w_expired"))
    if uac & UF_DONT_EXPIRE_PASSWD:
        words.append(tr("ad.w_never_expires"))
    return words


class AdAccount(ProbeBase):
    probe: Literal["ad.account"]
    login: str = Field(pattern=LOGIN_RE, description="Identifiant (sAMAccountName) du compte.")
    ou: str | None = Field(None, description="Unité d'organisation attendue (Users : le conteneur par défaut).")
    groups: list[str] | None = Field(None, description="Groupes attendus, exactement (hors groupe principal).")
    enabled: bool | None = Field(None, description="Compte activé (true) ou désactivé (false).")
    unlocked: bool | None = Field(None, description="true : le compte n'est pas verrouillé.")
    usable_password: bool | None = Field(
        None, description="true : mot de passe ni expiré ni à changer (l'utilisateur ouvre sa session tel quel)."
    )
    must_change: bool | None = Field(None, description="Doit changer son mot de passe à la prochaine connexion.")
    expiring_password: bool | None = Field(
        None,
        description="true : le mot de passe expire comme la stratégie du domaine le veut (pas « n'expire jamais »).",
    )
    first: str | None = Field(None, description="Prénom attendu (givenName).")
    last: str | None = Field(None, description="Nom attendu (sn).")
    summary: ClassVar[str] = (
        "Un compte de l'annuaire tel que la base du contrôleur de domaine le contient : OU, "
        "groupes, activé, verrouillé, mot de passe expiré / à changer / qui n'expire jamais."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        users = dump(lab, self.host)["users"]
        user = next((u for name, u in users.items() if name.lower() == self.login.lower()), None)
        if user is None:
            return False, tr("ad.no_account", login=self.login)
        problems = []
        if self.ou is not None and ou_of(user["dn"]).lower() != self.ou.lower():
            problems.append(tr("ad.bad_ou", ou=ou_of(user["dn"])))
        if self.groups is not None:
            have = {g.lower() for g in group_names(user["memberOf"])}
            want = {g.lower() for g in self.groups}
            if want - have:
                problems.append(tr("ad.missing_groups", groups=", ".join(sorted(want - have))))
            if have - want:
                problems.append(tr("ad.extra_groups", groups=", ".join(sorted(have - want))))
        disabled = bool(user["uac"] & UF_ACCOUNTDISABLE)
        if self.enabled is not None and disabled == self.enabled:
            problems.append(tr("ad.w_disabled") if disabled else tr("ad.w_enabled"))
        if self.unlocked and user["uac_computed"] & UF_LOCKOUT:
            problems.append(tr("ad.w_locked"))
        must = user["pwdLastSet"] == 0
        expired = bool(user["uac_computed"] & UF_PASSWORD_EXPIRED) and not must
        if self.usable_password and (must or expired):
            problems.append(tr("ad.w_must_change") if must else tr("ad.w_expired"))
        if self.must_change is not None and must != self.must_change:
            problems.append(tr("ad.w_must_change") if must else tr("ad.w_no_must_change"))
        if self.expiring_password and user["uac"] & UF_DONT_EXPIRE_PASSWD:
            problems.append(tr("ad.w_never_expires"))
        for attr, want_name in (("givenName", self.first), ("sn", self.last)):
            if want_name is not None and (user[attr] or "") != want_name:
                problems.append(tr("ad.bad_name", attr=attr, value=user[attr] or "—"))
        desc = tr(
            "ad.account_desc",
            dn=user["dn"],
            state=", ".join(state_words(user)),
            groups=", ".join(group_names(user["memberOf"])) or "—",
        )
        return not problems, desc + ("" if not problems else " — " + " ; ".join(problems))

    def expected(self, lab: Lab) -> str:
        parts = [tr("ad.exp_account", login=self.login)]
        if self.ou is not None:
            parts.append(tr("ad.exp_ou", ou=self.ou))
        if self.groups is not None:
            parts.append(tr("ad.exp_groups", groups=", ".join(self.groups) or "—"))
        if self.enabled is not None:
            parts.append(tr("ad.w_enabled") if self.enabled else tr("ad.w_disabled"))
        if self.unlocked:
            parts.append(tr("ad.exp_unlocked"))
        if self.usable_password:
            parts.append(tr("ad.exp_usable"))
        if self.must_change is not None:
            parts.append(tr("ad.w_must_change") if self.must_change else tr("ad.w_no_must_change"))
        if self.expiring_password:
            parts.append(tr("ad.exp_expiring"))
        return ", ".join(parts)


def kinit(lab: Lab, host: str, dc_host: str, login: str, password: str) -> subprocess.CompletedProcess[str]:
    """A real Kerberos logon (the machine's kinit) from `host`'s network to the DC's KDC by address."""
    realm = adtemplate.realm_of(samba_ad(lab, dc_host).domain)
    kdc = lab.address_of(dc_host)
    with scratch_dir(lab.id, "sim-krb5-") as tmp:
        conf = os.path.join(tmp, "krb5.conf")
        with open(conf, "w") as f:
            f.write(
                f"[libdefaults]\n default_realm = {realm}\n dns_lookup_kdc = false\n dns_lookup_realm = false\n"
                f" rdns = false\n udp_preference_limit = 1\n[realms]\n {realm} = {{\n  kdc = {kdc}\n }}\n"
            )
        env = {"PATH": "/usr/bin:/bin", "KRB5_CONFIG": conf, "KRB5CCNAME": "MEMORY:", "LANG": "C"}
        try:
            return subprocess.run(
                ["nsenter", f"--net={nsutil.netns_path(lab.host(host).netns)}", "kinit", f"{login}@{realm}"],
                input=password + "\n",
                capture_output=True,
                text=True,
                timeout=15,
                env=env,
                errors="replace",
            )
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(["kinit"], 124, "", "timeout")


class AdLogin(ProbeBase):
    probe: Literal["ad.login"]
    dc: str = Field("dc", pattern=HOST_RE, description="Hôte du contrôleur de domaine.")
    login: str = Field(pattern=LOGIN_RE, description="Compte qui ouvre sa session.")
    password: str = Field(min_length=1, description="Son mot de passe ({param} accepté).")
    temporary: str | None = Field(
        None, description="Mot de passe provisoire également accepté, s'il doit être changé à l'ouverture de session."
    )
    summary: ClassVar[str] = (
        "Ouverture de session réelle (Kerberos, kinit) depuis un hôte : le contrôleur de "
        "domaine délivre un ticket ; avec « temporary », un mot de passe provisoire qu'il "
        "accepte en demandant de le changer compte aussi."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        candidates = [self.password] + ([self.temporary] if self.temporary else [])
        users = dump(lab, self.dc, {self.login: candidates})["users"]
        user = users.get(self.login)
        if user is None:
            return False, tr("ad.no_account", login=self.login)
        matches = user["password_matches"]
        if not matches:
            return False, tr("ad.login_other_password")
        pw = matches[0]
        if pw != self.password and user["pwdLastSet"] != 0:
            return False, tr("ad.login_temporary_kept")
        res = kinit(lab, self.host, self.dc, self.login, pw)
        out = " ".join((res.stderr + " " + res.stdout).split())
        if res.returncode == 0:
            return True, tr("ad.login_ok", login=self.login, host=self.host)
        if pw == self.temporary and user["pwdLastSet"] == 0 and "expired" in out.lower():
            return True, tr("ad.login_temporary", login=self.login)
        return False, tr("ad.login_refused", why=out[-200:] or res.returncode)

    def expected(self, lab: Lab) -> str:
        if self.temporary:
            return tr("ad.exp_login_temporary", login=self.login)
        return tr("ad.exp_login", login=self.login, host=self.host)


class AdUnchanged(ProbeBase):
    probe: Literal["ad.unchanged"]
    except_: list[str] = Field(
        default_factory=list,
        alias="except",
        description="Comptes que l'intervention doit modifier ou créer (les autres : inchangés).",
    )
    summary: ClassVar[str] = (
        "Tous les autres comptes sont tels qu'au moment de la panne (emplacement, état, mot "
        "de passe, verrouillage, groupes) et aucun autre compte n'a été créé."
    )
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def observe(self, lab: Lab) -> tuple[bool, str]:
        path = snapshot_path(lab, self.host)
        try:
            before: dict[str, dict[str, Any]] = json.loads(path.read_text())
        except (OSError, ValueError):
            return False, tr("ad.no_snapshot", host=self.host)
        now = dump(lab, self.host)["users"]
        skip = {x.lower() for x in self.except_}
        changes = []
        for login, old in sorted(before.items()):
            if login.lower() in skip:
                continue
            new = now.get(login)
            if new is None:
                changes.append(tr("ad.deleted", login=login))
                continue
            diff = [tr(f"ad.field.{k}") for k in COMPARED if old.get(k) != new.get(k)]
            if diff:
                changes.append(f"{login} ({', '.join(diff)})")
        for login in sorted(set(now) - set(before)):
            if login.lower() not in skip:
                changes.append(tr("ad.created", login=login))
        if changes:
            return False, tr("ad.changed", changes="; ".join(changes))
        return True, tr("ad.unchanged_ok", n=len(before) - len(skip & {b.lower() for b in before}))

    def expected(self, lab: Lab) -> str:
        return tr("ad.exp_unchanged", accounts=", ".join(self.except_) or "—")


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("ad.field.accountExpires"),
    N_("ad.field.dn"),
    N_("ad.field.lockoutTime"),
    N_("ad.field.memberOf"),
    N_("ad.field.primaryGroupID"),
    N_("ad.field.pwdLastSet"),
    N_("ad.field.uac"),
)
