"""Actions on an Active Directory domain controller (a `samba_ad` host): accounts and their state.

They act through simulateur's own helper run inside the DC host (hostfiles/adctl.py, on the DC's
sam.ldb, as the system), not through the trainee's tools; a locked-out account is locked the way users do it
(wrong passwords typed at logon, for real, until the domain's lockout threshold).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field

from simulateur.actions.base import ActionBase, comment, q
from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.paths import HOSTFILES_DIR

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab

LOGIN_RE = r"^(\{[a-z][a-z0-9_]*\}|[A-Za-z][A-Za-z0-9._-]{0,19})$"
Login = Annotated[str, Field(pattern=LOGIN_RE, description="Identifiant (sAMAccountName) ; {param} accepté.")]


def adctl(lab: Lab, host: str, op: str, spec: dict[str, Any], what: str) -> dict[str, Any]:
    """Run one adctl operation in the DC host; its JSON answer. The program is simulateur's own
    (its text passed with -c), not the copy in the host, which whoever works there could replace."""
    source = (HOSTFILES_DIR / "adctl.py").read_text()
    res = lab.host(host).run(["/usr/bin/python3", "-I", "-c", source, op], input=json.dumps(spec), timeout=60)
    if res.returncode != 0:
        why = (res.stderr or res.stdout).strip().splitlines()
        raise SimError(
            tr("action.failed", action=what, host=host, cmd=f"adctl {op}", why=why[-1] if why else res.returncode)
        )
    try:
        out: dict[str, Any] = json.loads(res.stdout)
    except ValueError:
        raise SimError(tr("action.failed", action=what, host=host, cmd=f"adctl {op}", why=res.stdout[:200])) from None
    return out


def snapshot_path(lab: Lab, host: str) -> Any:
    return lab.state.dir / f"annuaire-{host}.json"


class AdUser(ActionBase):
    action: Literal["ad.user"]
    login: Login
    password: str | None = Field(
        None, min_length=1, description="Mot de passe (création : obligatoire) ; {param} accepté."
    )
    first: str | None = Field(None, description="Prénom.")
    last: str | None = Field(None, description="Nom.")
    ou: str | None = Field(
        None,
        pattern=r"^(\{[a-z][a-z0-9_]*\}|[A-Za-z][A-Za-z0-9_ -]{0,40})$",
        description="Unité d'organisation (OU=…) sous la racine du domaine ; Users : le conteneur par défaut.",
    )
    groups: list[str] = Field(default_factory=list, description="Groupes dont le compte devient membre.")
    title: str | None = Field(None, description="Fonction.")
    disabled: bool | None = Field(None, description="Compte désactivé (true) ou activé (false).")
    unlock: bool = Field(False, description="Déverrouille le compte (lockoutTime = 0).")
    must_change: bool = Field(False, description="Doit changer son mot de passe à la prochaine connexion.")
    never_expires: bool = Field(False, description="Mot de passe qui n'expire jamais.")
    summary: ClassVar[str] = "Crée ou modifie un compte de l'annuaire Active Directory (contrôleur de domaine)."

    def shell(self) -> list[str]:
        return ad_user_shell(self)

    def apply(self, lab: Lab) -> None:
        spec = self.model_dump(exclude={"action", "host"}, exclude_none=True)
        adctl(lab, self.host, "user", spec, self.action)


class AdExpirePassword(ActionBase):
    action: Literal["ad.expire"]
    login: Login
    days: int = Field(
        120, ge=1, le=3650, description="Âge donné au mot de passe, en jours (> durée maximale : expiré)."
    )
    summary: ClassVar[str] = "Fait expirer le mot de passe d'un compte (dernier changement daté d'il y a N jours)."

    def shell(self) -> list[str]:
        return [comment(tr("action.shell.ad_expire", login=self.login, days=self.days))]

    def apply(self, lab: Lab) -> None:
        adctl(lab, self.host, "expire", {"login": self.login, "days": self.days}, self.action)


class AdLockOut(ActionBase):
    action: Literal["ad.lock"]
    login: Login
    summary: ClassVar[str] = (
        "Verrouille un compte comme le fait un utilisateur : mauvais mots de passe tapés "
        "(vraies tentatives Kerberos) jusqu'au seuil de verrouillage du domaine."
    )

    def shell(self) -> list[str]:
        return [comment(tr("action.shell.ad_lock", login=self.login))]

    def apply(self, lab: Lab) -> None:
        adctl(lab, self.host, "lock", {"login": self.login}, self.action)


class AdSnapshot(ActionBase):
    action: Literal["ad.snapshot"]
    summary: ClassVar[str] = (
        "Photographie l'état de tous les comptes (hors des hôtes) : la sonde ad.unchanged "
        "vérifie ensuite que seuls les bons comptes ont changé."
    )

    def shell(self) -> list[str]:
        return [comment(tr("action.shell.ad_snapshot"))]

    def apply(self, lab: Lab) -> None:
        users = adctl(lab, self.host, "dump", {}, self.action)["users"]
        snapshot_path(lab, self.host).write_text(json.dumps(users, indent=1, sort_keys=True))


def ad_user_shell(user: AdUser) -> list[str]:
    """samba-tool's commands for AdUser, run on the DC: a password is never put on a command line
    (samba-tool asks for it), as the no_password_in_command criterion wants."""
    login = q(user.login)
    out = []
    if user.password is not None and (user.first or user.last or user.ou or user.title):
        names = " ".join(
            f"{opt} {q(v)}"
            for opt, v in (("--given-name", user.first), ("--surname", user.last), ("--job-title", user.title))
            if v
        )
        ou = f" --userou={q('OU=' + user.ou)}" if user.ou and user.ou != "Users" else ""
        out.append(
            f"samba-tool user create {login}"
            + (f" {names}" if names else "")
            + ou
            + (" --must-change-at-next-login" if user.must_change else "")
        )
    elif user.password is not None:
        out.append(
            f"samba-tool user setpassword {login}" + (" --must-change-at-next-login" if user.must_change else "")
        )
    out += [f"samba-tool group addmembers {q(g)} {login}" for g in user.groups]
    if user.disabled is not None:
        out.append(f"samba-tool user {'disable' if user.disabled else 'enable'} {login}")
    if user.unlock:
        out.append(f"samba-tool user unlock {login}")
    if user.never_expires:
        out.append(f"samba-tool user setexpiry {login} --noexpiry")
    return out or [comment(tr("action.shell.ad_unchanged", login=user.login))]
