"""Security tests: a trainee is root in a lab host; what can they reach of the machine?

Each test checks one property of the confinement, whatever the engine does to provide it (namespaces,
capabilities, seccomp, user namespaces, cgroups…): labs are started through the CLI, commands run in
a host through `simulateur exec` as a trainee's would, and the machine's side is read from its /proc.
The probes never harm the machine, even where a protection is missing: nothing is written to a kernel
setting (an open for append that writes nothing, or access(W_OK)), reboot is called with a wrong magic
number, mknod and fills happen in the host's own tmpfs, TIOCSTI only on ptys these tests open."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))  # labhelpers

from labprefix import lab_prefix
from sechelpers import PREFIX_BASE, StartedLab, running


@pytest.fixture(autouse=True)
def _own_lab_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Security-test labs get ids of their own (c1, c2…; ca1… under xdist)."""
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", lab_prefix(PREFIX_BASE))


@pytest.fixture(scope="module")
def bureau(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartedLab]:
    """One office lab (dhcp-serveur-arrete: a workstation, a server, a router, an "internet" host) for
    the whole module; its attempt lives in a data dir of the session's temporary folder."""
    with running("dhcp-serveur-arrete", 7, tmp_path_factory.mktemp("secdata")) as lab:
        yield lab
