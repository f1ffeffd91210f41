"""Base of every probe: it looks at the real lab from outside the trainee's shell and says
what it observed and what was expected."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, Field

from simulateur.errors import SimError
from simulateur.lab.fields import Strict
from simulateur.lab.names import HOST_RE

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind
    from simulateur.lab.lab import Lab


class ProbeResult(BaseModel):
    id: str
    ok: bool
    observed: str
    expected: str


class ProbeBase(Strict):
    summary: ClassVar[str] = ""
    if TYPE_CHECKING:
        probe: str  # each kind's discriminator, a Literal field of its own
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="Identifiant, cité par les critères.")
    host: str = Field(pattern=HOST_RE, description="Hôte observé.")

    def run(self, lab: Lab) -> ProbeResult:
        try:
            ok, observed = self.observe(lab)
        except SimError as exc:
            ok, observed = False, str(exc)
        return ProbeResult(id=self.id, ok=ok, observed=observed, expected=self.expected(lab))

    def observe(self, lab: Lab) -> tuple[bool, str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def expected(self, lab: Lab) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


PING_WAIT = "0.8"  # seconds `ping -W` waits for a reply (a LAN or lab answer takes ms)
RAWNET_WAIT = 0.8  # seconds a DHCP/ARP probe waits for an answer (the request is sent three times)


def is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


# A DNS name as dig may receive it: letters, digits, "_", "-", "." — never an option ("-f FILE"
# would make the machine's dig read a machine file). Names and servers often come from files the
# trainee edits (resolv.conf, a CUPS device URI, a vdirsyncer configuration).
DNS_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$")


def dig_a(host: HostKind, server: str, name: str) -> list[str] | None:
    """IPv4 answers of `server` for `name` (type A), asked with the machine's dig from the host's
    network namespace; [] when it answers without one, None when it does not answer at all (1 s)
    — or when `server` is not an IPv4 address or `name` not a DNS name (nothing is run then)."""
    if not is_ipv4(server) or not DNS_NAME_RE.match(name):
        return None
    res = host.run_in_netns(["dig", "+short", "+time=1", "+tries=1", f"@{server}", name, "A"], timeout=5)
    return [x for x in res.stdout.split() if is_ipv4(x)] if res.returncode == 0 else None
