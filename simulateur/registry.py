"""Discovery of the small classes that make a vocabulary (actions, probes, services).

Every module of a package is imported; every subclass of `base` defined there with a
`Literal[...]` discriminator field is collected, in a stable order (module name, then the order
of definition in the module — its namespace's order, the same as line order for class
statements, without reading the source: `inspect.getsourcelines` cost every command ~0.1–0.5 s).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import TypeVar

T = TypeVar("T")


def discover(package: str, base: type[T], discriminator: str) -> tuple[type[T], ...]:
    pkg = importlib.import_module(package)
    found: list[type[T]] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package}.{info.name}")
        for cls in vars(module).values():
            if (
                inspect.isclass(cls)
                and issubclass(cls, base)
                and cls is not base
                and cls.__module__ == module.__name__
                and discriminator in getattr(cls, "model_fields", {})
            ):
                found.append(cls)
    return tuple(found)
