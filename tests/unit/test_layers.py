"""The engine does not reach upward: no module under simulateur/lab/ imports the layers built on it
(scenario, actions, probes, vm…). Data goes one way (DESIGN.md); what the engine needs from above is
given to it — the VM kind registers itself (simulateur.lab.kind), actions reach Lab.apply through a
Protocol. Read from the source (ast), so an import inside a function, under TYPE_CHECKING or through
importlib counts as well."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "simulateur"
ENGINE = PACKAGE / "lab"
ABOVE = ("scenario", "actions", "probes", "vm", "session", "journal", "scoring", "exam", "report", "tui", "cli")


def imported(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import in a module's source, in line order; `package` is the module's
    own package, against which `from . import x` is resolved."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__"))
            )
        ):
            found.append((node.lineno, node.args[0].value))
    return sorted(found)


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])


def upward(module: str) -> bool:
    return any(module == f"simulateur.{layer}" or module.startswith(f"simulateur.{layer}.") for layer in ABOVE)


def test_the_engine_imports_no_layer_above_it():
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) > 20, "simulateur/lab/ not found: the path is wrong"
    bad = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {module}"
        for path in files
        for line, module in imported(path.read_text(), package_of(path))
        if upward(module)
    ]
    assert bad == []


def test_the_check_sees_every_form_of_import():
    """The rule's own check: each form of import is seen, relative ones resolved."""
    source = (
        "import simulateur.vm.host\n"
        "from simulateur.scenario import loader\n"
        "from ...probes import inspect\n"
        "def f():\n    from simulateur.actions.base import ActionBase\n"
        "importlib.import_module('simulateur.vm.backend')\n"
        "from simulateur.lab import nsutil\n"
        "from . import base\n"
    )
    seen = [module for _, module in imported(source, package_of(ENGINE / "services" / "x.py"))]
    assert [m for m in seen if upward(m)] == [
        "simulateur.vm.host",
        "simulateur.scenario.loader",
        "simulateur.probes.inspect",
        "simulateur.actions.base.ActionBase",
        "simulateur.vm.backend",
    ]
    assert [m for m in seen if not upward(m)] == ["simulateur.lab.nsutil", "simulateur.lab.services.base"]
