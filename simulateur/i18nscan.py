"""Babel extraction method for simulateur's Python modules (babel.cfg, `make docs`, tests/unit/test_i18n.py).

Babel's own `python` method reads tokens: on Python 3.11 it does not see a tr() call inside an
f-string (f"{path}: {tr('yaml.empty')}", everywhere in the loaders and reports) and it glues the two
branches of tr("a" if c else "b") into one id. This one walks the syntax tree instead: every call of
one of the keywords whose arguments at the keyword's positions are string literals, wherever it is.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

Extracted = tuple[int, str, str | tuple[str | None, ...] | None, list[str]]


def extract(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[Extracted]:
    """Babel's extraction-method signature: (line, function, its positional arguments (None when not a
    string literal), comments); `keywords` are the function names only."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in keywords:
            args = tuple(
                a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args
            )
            if args:  # Babel picks the arguments its keyword spec names (trn:1,1) and skips a non-literal key
                yield node.lineno, node.func.id, args if len(args) > 1 else args[0], []
