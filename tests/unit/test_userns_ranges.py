"""Id ranges of the SIMULATEUR_USERNS option: parsing the kernel's maps, picking free slots."""

from __future__ import annotations

import pytest

from simulateur.lab import userns
from simulateur.lab.userns import USERNS_FIRST, USERNS_SIZE


def test_maps_are_read_and_the_identity_map_ignored() -> None:
    assert userns._map_ranges("         0          0 4294967295\n") == []
    assert userns._map_ranges("         0    1065536      65536\n      1000       1000          1\n") == [
        (1065536, 65536),
        (1000, 1),
    ]


def test_free_bases_skip_every_overlap() -> None:
    used = [(USERNS_FIRST, USERNS_SIZE), (USERNS_FIRST + 2 * USERNS_SIZE + 10, 1)]
    assert userns.free_bases(2, used) == [USERNS_FIRST + USERNS_SIZE, USERNS_FIRST + 3 * USERNS_SIZE]
    assert userns.free_bases(1, []) == [USERNS_FIRST]


def test_wanted_reads_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(userns.ENV, raising=False)
    assert not userns.wanted()
    monkeypatch.setenv(userns.ENV, "1")
    assert userns.wanted()
    monkeypatch.setenv(userns.ENV, "0")
    assert not userns.wanted()
