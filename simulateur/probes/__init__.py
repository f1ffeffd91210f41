"""State probes: each looks at the real lab from outside the trainee's shell and says what it
observed and what was expected. One small class each; every module of this package adds its
own and they are discovered (`PROBES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias, Union

from pydantic import Field

from simulateur.probes.base import ProbeBase, ProbeResult
from simulateur.registry import discover

PROBES: tuple[type[ProbeBase], ...] = discover(__name__, ProbeBase, "probe")

if TYPE_CHECKING:  # the registry's kinds are known at run time only: to a type checker, the base
    Probe: TypeAlias = ProbeBase
else:
    Probe = Annotated[Union[PROBES], Field(discriminator="probe")]  # noqa: UP007 — Union[a tuple] spreads the registry's classes, `|` cannot

__all__ = ["PROBES", "Probe", "ProbeBase", "ProbeResult"]
