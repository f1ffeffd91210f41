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
