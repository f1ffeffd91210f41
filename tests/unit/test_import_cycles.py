"""No new import cycle between modules: each module's imports (every form, read from the source as
test_layers reads them) make a graph whose cycles are only the ones listed below — which are the
ones left to cut (issue 21). A cycle cut stays cut: vm.image↔vm.qemu (the image's build entry is
vm.backend's) and cli↔exam.cli↔entretien.cli (their shared helpers are simulateur.clitools and
exam.clicommon)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_layers import PACKAGE, imported, package_of

# Left to cut, each a strongly connected set of modules (a cycle may only shrink).
KNOWN = [
    {"simulateur.journal.kernel", "simulateur.journal.store"},
    {"simulateur.session.attempt", "simulateur.session.run", "simulateur.session.store"},
    {"simulateur.exam.db", "simulateur.exam.machines", "simulateur.exam.models"},
    {"simulateur.tui.*"},  # the app and its screens reach each other
    {"simulateur.cli", "simulateur.serve.*", "simulateur.web.*"},  # the service runs the CLI's verbs
]


def graph() -> dict[str, set[str]]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for _, target in imported(path.read_text(), package_of(path)):
            parts = target.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts and ".".join(parts) != name:
                edges[name].add(".".join(parts))
    return edges


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected sets of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[set[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = set()
                while True:
                    top = stack.pop()
                    on.discard(top)
                    comp.add(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    found.append(comp)
    return found


def allowed(module: str, known: set[str]) -> bool:
    return any(module == k or (k.endswith(".*") and module.startswith(k[:-1])) for k in known)


def test_no_new_import_cycle():
    new = [sorted(c) for c in cycles(graph()) if not any(all(allowed(m, k) for m in c) for k in KNOWN)]
    assert new == [], "cycle(s) d'imports nouveaux : " + " ; ".join(" ↔ ".join(c) for c in new)


def test_the_check_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert [sorted(c) for c in cycles(edges)] == [["a", "b", "c"]]
