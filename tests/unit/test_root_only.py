"""Commands that build, change or stop labs are root's: marked once (clitools.root_only) and checked
once by cli.dispatch for the command line and the service's workers alike."""

from __future__ import annotations

import pytest

from simulateur import cli, clitools

ROOT = [
    ["start", "dhcp-serveur-arrete"],
    ["stop", "x"],
    ["shell", "x"],
    ["exec", "x", "srv", "--", "true"],
    ["check", "x"],
    ["clean"],
    ["selftest", "dhcp-serveur-arrete"],
    ["cahier", "start", "serveur-services-reseau"],
    ["cahier", "recette", "x"],
    ["lab", "save", "x"],
    ["lab", "restore", "f"],
    ["inject", "dhcp-serveur-arrete"],
    ["exam", "start", "s", "--candidate", "c"],
    ["exam", "submit", "s", "--candidate", "c"],
]


@pytest.mark.parametrize("argv", ROOT, ids=" ".join)
def test_a_lab_command_refused_to_a_user_before_it_runs(argv, monkeypatch, capsys):
    args = cli.build_parser().parse_args(argv)
    assert getattr(args.func, "root_only", False), argv
    ran = []
    monkeypatch.setattr(args, "func", _spy(args.func, ran))
    monkeypatch.setattr(clitools.os, "geteuid", lambda: 1000)
    assert cli.dispatch(args) == 2 and ran == []
    assert "root" in capsys.readouterr().err


def test_a_reading_command_is_not_marked():
    for argv in (["list"], ["cahier", "list"], ["epreuve", "formats"]):
        assert not getattr(cli.build_parser().parse_args(argv).func, "root_only", False), argv


def _spy(func, ran):  # type: ignore[no-untyped-def]
    def spy(args):  # type: ignore[no-untyped-def]
        ran.append(args)
        return 0

    spy.root_only = func.root_only  # type: ignore[attr-defined]
    return spy
