"""Discovery of the small classes that make a vocabulary (actions, probes, services).

Every module of a package is imported; every subclass of `base` defined there with a
`Literal[...]` discriminator field is collected, in a stable order (module name, then line).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import TypeVar

T = TypeVar("T")


def discover(package: str, base: type[T], discriminator: str) -> tuple[type[T], ...]:
    pkg = importlib.import_module(package)
    found: list[tuple[str, int, type[T]]] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, base) and cls is not base and cls.__module__ == module.__name__
                    and discriminator in getattr(cls, "model_fields", {})):
                found.append((module.__name__, inspect.getsourcelines(cls)[1], cls))
    return tuple(cls for _, _, cls in sorted(found, key=lambda f: (f[0], f[1])))
