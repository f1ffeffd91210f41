"""The app's screens do not import each other in circles: a screen asks the app for the next one
(SimulateurApp.open_briefing, open_results, continue_exam…); a screen module imports another only to
extend its class (the exam's intervention and fiche) or to open a dialog (dialogs.py, which imports
nothing of the app). Widgets never import a screen but the dialogs. Read from the source (ast, as
test_layers.py), an import inside a function counting as well, TYPE_CHECKING ones apart (types only).
Then each screen module is imported alone in a fresh interpreter: none needs another imported first."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "simulateur" / "tui"
SCREENS = "simulateur.tui.screens"
#: What a screen module may import from the other screens: a class it extends, the dialogs.
ALLOWED = {f"{SCREENS}.dialogs", f"{SCREENS}.intervention", f"{SCREENS}.fiche"}


def package_of(path: Path) -> str:
    """The dotted package of a module file, from its `simulateur` folder up."""
    parts = path.with_suffix("").parts
    return ".".join(parts[len(parts) - 1 - parts[::-1].index("simulateur") : -1])


def runtime_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of the imports run at some point (TYPE_CHECKING blocks left out)."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    found = []
    package = package_of(path)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found += [(node.lineno, base)] + [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return sorted(found)


def module_of(path: Path) -> str:
    return f"{package_of(path)}.{path.stem}"


def graph(folder: Path) -> dict[str, set[str]]:
    modules = {module_of(p): p for p in sorted(folder.glob("*.py")) if p.name != "__init__.py"}
    return {m: {imp for _, imp in runtime_imports(p) if imp in modules and imp != m} for m, p in modules.items()}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(edges.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_screens_import_no_other_screen_but_their_bases_and_the_dialogs():
    edges = graph(TUI / "screens")
    assert len(edges) > 10, "simulateur/tui/screens/ not found: the path is wrong"
    bad = sorted(f"{m} → {n}" for m, targets in edges.items() for n in targets if n not in ALLOWED)
    assert bad == [], "navigate through the app (SimulateurApp.open_…) rather than import a screen"
    assert cycle(edges) is None


def test_widgets_import_no_screen_but_the_dialogs():
    bad = [
        f"{p.name}:{line}: {imp}"
        for p in sorted((TUI / "widgets").glob("*.py"))
        for line, imp in runtime_imports(p)
        if imp.startswith(SCREENS + ".") and not imp.startswith(f"{SCREENS}.dialogs")
    ]
    assert bad == []


def test_the_dialogs_import_nothing_of_the_app():
    assert [imp for _, imp in runtime_imports(TUI / "screens" / "dialogs.py") if imp.startswith("simulateur.tui")] == []


def test_the_checks_see_a_cycle_and_skip_type_checking(tmp_path: Path):
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
    src = tmp_path / "simulateur" / "tui" / "screens" / "x.py"
    src.parent.mkdir(parents=True)
    src.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from simulateur.tui.app import A\n"
        "def f():\n    from .briefing import BriefingScreen\n"
    )
    imports = [imp for _, imp in runtime_imports(src)]
    assert "simulateur.tui.app" not in imports and "simulateur.tui.app.A" not in imports
    assert "simulateur.tui.screens.briefing" in imports


def test_each_screen_module_imports_alone():
    modules = [module_of(p) for p in sorted((TUI / "screens").glob("*.py")) if p.name != "__init__.py"]
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n    print(m)\n"
    failed = []
    for m in modules:
        proc = subprocess.run(
            [sys.executable, "-c", code, m], capture_output=True, text=True, timeout=120, cwd=TUI.parents[1]
        )
        if proc.returncode != 0:
            failed.append(f"{m}: {proc.stderr.strip().splitlines()[-1:]}")
    assert failed == []
