"""Probes of remote support: an SSH login accepted from the technician's workstation, a service
that will start at boot, and a fault that lies beyond the site's router (the operator's side)."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.i18n import tr, trn
from simulateur.journal import sshlog
from simulateur.lab.names import HOST_RE, UNIT_RE
from simulateur.lab.services.sshd import Sshd
from simulateur.probes.base import ProbeBase

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab

ACCEPTED = re.compile(r"Accepted (\S+) for (\S+) from (\S+) port \d+")


class SshAccepted(ProbeBase):
    probe: Literal["ssh.accepted"]
    service: str = Field("ssh", pattern=UNIT_RE, description="Service sshd de l'hôte (son journal).")
    origin: str = Field(pattern=HOST_RE, description="Hôte d'où la session doit avoir été ouverte.")
    method: Literal["publickey", "password", "any"] = Field("publickey", description="Authentification attendue.")
    user: str = Field("root", pattern=r"^[a-z_][a-z0-9_-]{0,31}$", description="Compte de la session.")
    summary: ClassVar[str] = (
        "sshd de l'hôte a accepté une session de l'hôte d'origine, avec l'authentification "
        "attendue (journal de sshd, « Accepted publickey for … from … »)."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        spec = lab.service_spec(self.host, self.service)
        if not isinstance(spec, Sshd):
            return False, tr("probe.ssh.not_sshd", service=self.service, host=self.host)
        text = self._log(lab)
        want = lab.address_of(self.origin)
        seen = [(m.group(1), m.group(2), m.group(3)) for m in ACCEPTED.finditer(text)]
        mine = [s for s in seen if s[2] == want and s[1] == self.user]
        good = [s for s in mine if self.method == "any" or s[0] == self.method]
        if good:
            return True, trn(
                "probe.ssh.ok",
                len(good),
                host=self.host,
                user=self.user,
                origin=self.origin,
                address=want,
                method=good[0][0],
            )
        if mine:
            methods = ", ".join(sorted({s[0] for s in mine}))
            return False, tr(
                "probe.ssh.method", origin=self.origin, host=self.host, methods=methods, method=self.method
            )
        if seen:
            others = ", ".join(sorted({s[2] for s in seen}))
            return False, tr("probe.ssh.other_origin", origin=self.origin, address=want, host=self.host, others=others)
        return False, tr("probe.ssh.none", host=self.host)

    def _log(self, lab: Lab) -> str:
        """sshd's log as kept outside the host for the attempt (simulateur.journal.sshlog: only
        lines the host's real sshd sent); the host's own copy — which its root can rewrite — only
        for a lab without attempt (self-test)."""
        attempt = lab.state.attempt_dir
        if attempt:
            try:
                return sshlog.attempt_log(Path(attempt), self.host).read_text(errors="replace")
            except FileNotFoundError:
                return ""
        return lab.host(self.host).read_text(f"/var/log/sysd/{self.service}.log") or ""

    def expected(self, lab: Lab) -> str:
        how = "" if self.method == "any" else tr("probe.ssh.exp_method", method=self.method)
        return tr("probe.ssh.expected", user=self.user, host=self.host, origin=self.origin, how=how)


class ServiceEnabled(ProbeBase):
    probe: Literal["service.enabled"]
    service: str = Field(pattern=UNIT_RE, description="Nom du service (unité systemd).")
    summary: ClassVar[str] = "Le service démarrera au prochain démarrage de l'hôte (systemctl enable)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        units = host.path("/etc/systemd/system")
        # The enablement symlinks point inside the host: seen from the machine they dangle, so
        # only their presence (lexists) counts, as for the host's own systemctl.
        links = sorted(d.name for d in units.glob("*.wants") if os.path.lexists(d / f"{self.service}.service"))
        if links:
            return True, tr("probe.enabled.ok", service=self.service, host=self.host, links=", ".join(links))
        return False, tr("probe.enabled.ko", service=self.service, host=self.host)

    def expected(self, lab: Lab) -> str:
        return tr("probe.enabled.expected", service=self.service, host=self.host)


class NetBeyond(ProbeBase):
    probe: Literal["net.beyond"]
    via: str = Field(description="Ce que l'hôte doit joindre (la passerelle du site ; {param} accepté).")
    target: str = Field(description="Ce qui, au-delà, ne doit pas répondre (côté opérateur ; {param} accepté).")
    summary: ClassVar[str] = (
        "Panne au-delà du routeur du site : l'hôte joint la passerelle (ping réel) mais pas la cible "
        "au-delà. Sert à vérifier qu'une panne de l'opérateur est toujours là et que le site fonctionne."
    )

    def _ping(self, lab: Lab, target: str) -> tuple[str, bool]:
        addr = lab.resolve_target(target)
        res = lab.host(self.host).run_in_netns(["ping", "-n", "-c", "2", "-i", "0.2", "-W", "0.6", addr], timeout=6)
        return addr, res.returncode == 0

    def observe(self, lab: Lab) -> tuple[bool, str]:
        with ThreadPoolExecutor(max_workers=2) as pool:  # both at once: the target's wait is the check's
            (via, via_ok), (target, target_ok) = pool.map(lambda t: self._ping(lab, t), (self.via, self.target))
        if not via_ok:
            return False, tr("probe.beyond.site_down", host=self.host, via=via)
        if target_ok:
            return False, tr("probe.beyond.fixed", target=target, host=self.host)
        return True, tr("probe.beyond.ok", host=self.host, via=via, target=target)

    def expected(self, lab: Lab) -> str:
        return tr("probe.beyond.expected", host=self.host, via=lab.render(self.via), target=lab.render(self.target))
