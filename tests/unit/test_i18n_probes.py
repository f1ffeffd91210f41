"""Probes and actions keep no French sentence of their own: what a trainee or trainer reads is in
the catalogue (simulateur/locale/fr/LC_MESSAGES/simulateur.po), called with tr("key", …), so that
English can follow.

Left where they are, on purpose: the pydantic Field(description=…) texts and the class `summary`
strings (the documentation `make docs` generates from the models), and docstrings."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from simulateur.i18n import CATALOG, tr
from simulateur.paths import PACKAGE_DIR

MODULES = sorted(p for d in ("probes", "actions") for p in (PACKAGE_DIR / d).glob("*.py"))
# Letters and signs that do not occur in English text or in code.
FRENCH = re.compile(r"[éèêëàâçîïôûùüœÉÈÊÀÂÇÎÔÛŒ«»]")


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _documentation(tree: ast.Module) -> set[int]:
    """Constants under Field(description=…) and under a class's `summary = …`."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Field":
            roots += [kw.value for kw in node.keywords if kw.arg == "description"]
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                targets = (
                    stmt.targets
                    if isinstance(stmt, ast.Assign)
                    else [stmt.target]
                    if isinstance(stmt, ast.AnnAssign) and stmt.value
                    else []
                )
                if any(isinstance(t, ast.Name) and t.id == "summary" for t in targets):
                    roots.append(stmt.value)  # type: ignore[arg-type]
    return {id(n) for root in roots for n in ast.walk(root)}


def french_strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the string constants and f-string parts of a module that hold French,
    outside docstrings and documentation."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = _docstrings(tree) | _documentation(tree)
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in allowed
        and FRENCH.search(node.value)
    )


def _keys(key: ast.expr) -> list[tuple[str, bool]]:
    """(key or key prefix, exact?) that a tr() first argument can be: a constant, either branch of
    « "a" if … else "b" », or the constant head of an f-string ("" when nothing is known)."""
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return [(key.value, True)]
    if isinstance(key, ast.IfExp):
        return _keys(key.body) + _keys(key.orelse)
    if isinstance(key, ast.JoinedStr) and key.values:
        head = key.values[0]
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            return [(head.value, False)]
    return [("", False)]


def _tr_calls(path: Path) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args
    ]


def tr_keys(path: Path) -> list[tuple[int, str, bool]]:
    """(line, key or key prefix, exact?) of every tr(…) call of a module."""
    return sorted((call.lineno, key, exact) for call in _tr_calls(path) for key, exact in _keys(call.args[0]))


def placeholders(text: str) -> set[str]:
    """The names a format string needs ("{n} {x.y} {z!r:>3}" → n, x, z)."""
    return {re.split(r"[.\[]", name, maxsplit=1)[0] for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_inline_french(path: Path) -> None:
    inline = french_strings(path)
    assert not inline, (
        f"{path.name} : phrases françaises hors du catalogue (mettez-les dans simulateur.po, "
        f"appelez tr()) : " + "; ".join(f"ligne {n} {t!r}" for n, t in inline)
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_tr_calls_give_every_placeholder(path: Path) -> None:
    """A missing value would only raise (KeyError) when the lab takes that branch. Keys computed
    from an f-string are left out: their prefix also matches unrelated keys."""
    for call in _tr_calls(path):
        given = {kw.arg for kw in call.keywords}
        if None in given:  # tr(key, **values): not known here
            continue
        for key, exact in _keys(call.args[0]):
            if exact and key in CATALOG:
                missing = placeholders(CATALOG[key]) - given
                assert not missing, f"{path.name}:{call.lineno} : tr(« {key} ») sans {sorted(missing)}"


def test_placeholders() -> None:
    assert placeholders("{n} {x.y} {z!r:>3} {{lit}} {free:.1f}") == {"n", "x", "z", "free"}


def test_the_scan_sees_french_and_leaves_documentation(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Module aéré."""\n'
        "from pydantic import BaseModel, Field\n"
        "class P(BaseModel):\n"
        '    """Sonde vérifiée."""\n'
        '    x: str = Field(description="Hôte observé.")\n'
        '    summary = "Résumé de la sonde."\n'
        "    def observe(self, host: str) -> str:\n"
        '        ok = "ignored"\n'
        '        return f"{host} répond" + ok\n'
        'ERROR = "réponse tronquée"\n',
        encoding="utf-8",
    )
    assert french_strings(sample) == [(9, " répond"), (10, "réponse tronquée")]


def test_computed_keys_are_checked_by_prefix(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'tr("ad.no_dc", host="dc")\ntr(f"smb.access_{x}")\ntr(f"{x}.y")\n'
        'tr("probe.addr.dynamic" if d else "probe.addr.fixed", cidr=c)\ntr(key)\n',
        encoding="utf-8",
    )
    assert tr_keys(sample) == [
        (1, "ad.no_dc", True),
        (2, "smb.access_", False),
        (3, "", False),
        (4, "probe.addr.dynamic", True),
        (4, "probe.addr.fixed", True),
        (5, "", False),
    ]
    assert tr("ad.no_dc", host="dc").startswith("l'hôte dc ")
