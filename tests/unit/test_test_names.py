"""pytest imports test modules by their base name (rootdir-relative packages are not used here): two
test files of one name in two folders stop `make test` at collection. Caught here, by name."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_name_is_unique() -> None:
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert [n for n, k in names.items() if k > 1] == []
