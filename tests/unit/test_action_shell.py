"""Each action knows the command line(s) a technician would type for it (ActionBase.shell): the
reference solution is shown as commands, not as the engine's terms."""

from __future__ import annotations

import subprocess

import pytest

from simulateur.actions import ACTIONS, ActionBase
from simulateur.actions.core import Exec, FileWrite, RouteDefault, ServiceRestart
from simulateur.actions.netconfig import FileReplace
from simulateur.scenario.loader import load_catalogue


def test_every_action_class_has_its_shell_equivalent():
    missing = [cls.__name__ for cls in ACTIONS if cls.shell is ActionBase.shell]
    assert len(ACTIONS) > 25
    assert missing == []


def _every_shipped_action() -> list[ActionBase]:
    out: list[ActionBase] = []
    for loaded in load_catalogue().scenarios.values():
        sc = loaded.scenario
        out += [*sc.faults, *sc.solution, *(a for v in sc.variants.values() for a in (*v.faults, *v.solution))]
    return out


def test_every_shipped_action_gives_command_lines():
    actions = _every_shipped_action()
    assert len({a.action for a in actions}) >= 20
    for action in actions:
        lines = action.shell()
        assert lines and all(isinstance(x, str) and x.strip() for x in lines), action


def test_the_usual_ones_read_as_typed():
    assert ServiceRestart(action="service.restart", host="srv", service="dnsmasq").shell() == [
        "systemctl restart dnsmasq"
    ]
    assert RouteDefault(action="route.default", host="poste", via="192.168.1.254").shell() == [
        "ip route replace default via 192.168.1.254"
    ]
    assert Exec(action="exec", host="poste", argv=["sh", "-c", "ifdown eth0; ifup eth0"]).shell() == [
        "ifdown eth0; ifup eth0"
    ]
    assert Exec(action="exec", host="poste", argv=["cupsenable", "Mon imprimante"]).shell() == [
        "cupsenable 'Mon imprimante'"
    ]


def _bash(script: str, cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=10)


@pytest.mark.parametrize("content", ["a\nEOF\n$HOME `x` \\n 'q'\n", "", "sans saut de ligne"])
def test_a_written_file_as_a_heredoc_gives_the_same_file(tmp_path, content):
    path = tmp_path / "f.conf"
    w = FileWrite(action="file.write", host="poste", path=str(path), content=content, mode=0o600)
    res = _bash("\n".join(w.shell()), str(tmp_path))
    assert res.returncode == 0, res.stderr
    expected = content if not content or content.endswith("\n") else content + "\n"
    assert path.read_text() == expected
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("old", "new"), [("netmask 255.255.0.0", "netmask 255.255.255.0"), ("a/b.*[x]^$ & \\", "c/d & \\1 'q'")]
)
def test_a_replaced_text_by_sed_gives_the_same_file(tmp_path, old, new):
    path = tmp_path / "interfaces"
    path.write_text(f"debut\n  {old} fin {old}\n{old}\n")
    r = FileReplace(action="file.replace", host="poste", path=str(path), old=old, new=new)
    res = _bash("\n".join(r.shell()), str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert path.read_text() == f"debut\n  {new} fin {new}\n{new}\n"
