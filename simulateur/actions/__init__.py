"""Fault and solution actions: one vocabulary for both, one small class each.

An action is data in a scenario file (`{action: service.stop, host: srv, service: dnsmasq}`) and
knows how to apply itself to a running lab through the lab's hosts — the same commands a trainee
would type, run inside the host. Each module of this package adds its own; they are discovered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias, Union

from pydantic import Field

from simulateur.actions.base import ActionBase
from simulateur.registry import discover

ACTIONS: tuple[type[ActionBase], ...] = discover(__name__, ActionBase, "action")

if TYPE_CHECKING:  # the registry's kinds are known at run time only: to a type checker, the base
    Action: TypeAlias = ActionBase
else:
    Action = Annotated[Union[ACTIONS], Field(discriminator="action")]  # noqa: UP007 — Union[a tuple] spreads the registry's classes, `|` cannot

__all__ = ["ACTIONS", "Action", "ActionBase"]
