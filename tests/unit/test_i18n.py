"""Every text key the code asks for exists in the French catalogue (a missing one would only
crash at the moment a trainee hits it)."""

import re
from pathlib import Path

from simulateur.i18n import FR

PACKAGE = Path(__file__).resolve().parents[2] / "simulateur"
KEY = re.compile(r"""\btr\(\s*['"]([a-z_]+\.[a-z_.]+)['"]""")


def test_every_key_used_is_defined():
    used = {k for f in PACKAGE.rglob("*.py") for k in KEY.findall(f.read_text())}
    assert used, "no tr() call found: the pattern is wrong"
    assert sorted(k for k in used if k not in FR) == []


def test_no_key_is_written_twice() -> None:
    """A dict literal keeps the last of two equal keys, silently: two modules' texts under one key
    (two helpers once both wrote « probe.dns.pinned ») would show one of them in the other's place."""
    import ast
    from collections import Counter

    source = (PACKAGE / "i18n.py").read_text()
    keys = [
        k.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Dict)
        for k in node.keys
        if isinstance(k, ast.Constant)
    ]
    twice = [k for k, n in Counter(keys).items() if n > 1]
    assert not twice, twice
