"""Real daemons a host runs. Each kind is one module of this package with one ServiceBase
subclass (its topology model, its files, what probes should see); they are discovered here, so
adding a kind is adding a module."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit
from simulateur.registry import discover

SERVICES: tuple[type[ServiceBase], ...] = discover(__name__, ServiceBase, "type")

Service = Annotated[Union[SERVICES], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007 — Union[a tuple] spreads the registry's classes, `|` cannot

__all__ = ["SERVICES", "Files", "Service", "ServiceBase", "ServiceContext", "unit"]
