"""Base of every probe: it looks at the real lab from outside the trainee's shell and says
what it observed and what was expected."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from simulateur.errors import SimError
from simulateur.lab.names import HOST_RE

if TYPE_CHECKING:
    from simulateur.lab.host import Host
    from simulateur.lab.lab import Lab


class ProbeResult(BaseModel):
    id: str
    ok: bool
    observed: str
    expected: str


class ProbeBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: ClassVar[str] = ""
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


def scapy_agent(host: Host, *args: str) -> subprocess.CompletedProcess[str]:
    """Run simulateur.probes.scapy_agent in the host's network namespace only."""
    return host.run_in_netns([sys.executable, "-m", "simulateur.probes.scapy_agent", *args], timeout=15)


def is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True
