"""The candidate's app outside root (tui/candidate.py): without a login to a service it says how
to get one, in one French line; the hosts of her lab are read from `exam start`'s own line."""

from __future__ import annotations

import pytest

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.tui import candidate


def test_without_a_login_the_app_says_how(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    with pytest.raises(SimError) as err:
        candidate.run()
    assert "simulateur login URL --code" in str(err.value) and "\n" not in str(err.value)


def test_hosts_from_the_intervention_line() -> None:
    line = tr("exam.intervention_head", index=1, n=2, lab="eb1x", hosts="poste, srv, routeur", left="19 min")
    assert candidate._hosts_in("Reprise…\n" + line + "\nTicket") == ["poste", "srv", "routeur"]
    assert candidate._hosts_in("rien") == []


def test_clock() -> None:
    assert candidate.clock(65) == "1 min 05 s"
    assert candidate.clock(3725) == "1 h 02 min 05 s"
    assert candidate.clock(-3) == "0 min 00 s"
