"""Real daemons a host runs. Each kind is one module of this package with one ServiceBase
subclass (its topology model, its files, what probes should see); they are discovered here, so
adding a kind is adding a module."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias, Union

from pydantic import Field

from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit
from simulateur.registry import discover

SERVICES: tuple[type[ServiceBase], ...] = discover(__name__, ServiceBase, "type")

if TYPE_CHECKING:  # the registry's kinds are known at run time only: to a type checker, the base
    Service: TypeAlias = ServiceBase
else:
    Service = Annotated[Union[SERVICES], Field(discriminator="type")]  # noqa: UP007 — Union[a tuple] spreads the registry's classes, `|` cannot

__all__ = ["SERVICES", "Files", "Service", "ServiceBase", "ServiceContext", "unit"]
