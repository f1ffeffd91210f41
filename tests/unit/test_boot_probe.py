"""net.boot (and net.persisted): an interface comes up at boot when /etc/network/interfaces declares it « auto » or
« allow-hotplug » (what Debian's installer writes: udev brings the card up when it appears, at
coldplug for a card present at boot) — read by the machine's own ifquery."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from simulateur.probes.link import NetBoot
from simulateur.probes.netconfig import NetPersisted

pytestmark = pytest.mark.skipif(shutil.which("ifquery") is None, reason="ifupdown absent")

HEAD = "auto lo\niface lo inet loopback\n\n"


class Host:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, inside: str) -> Path:
        return self.root / inside.lstrip("/")

    def read_text(self, inside: str) -> str | None:
        p = self.path(inside)
        return p.read_text() if p.is_file() else None

    def run_in_netns(self, argv: list[str], *, timeout: float = 10) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


class Lab:
    def __init__(self, root: Path) -> None:
        self._host = Host(root)

    def host(self, name: str) -> Host:
        return self._host


def _observe(tmp_path: Path, text: str) -> tuple[bool, str]:
    (tmp_path / "etc" / "network").mkdir(parents=True)
    (tmp_path / "etc" / "network" / "interfaces").write_text(text)
    probe = NetBoot(id="demarrage", probe="net.boot", host="poste", iface="eth0")
    return probe.observe(Lab(tmp_path))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "stanza",
    [
        "auto eth0\niface eth0 inet dhcp\n",
        "allow-hotplug eth0\niface eth0 inet dhcp\n",
        "iface eth0 inet dhcp\nallow-hotplug eth0\n",
        "auto lo eth0\niface eth0 inet dhcp\n",
    ],
)
def test_auto_and_allow_hotplug_come_up_at_boot(tmp_path, stanza):
    ok, text = _observe(tmp_path, HEAD + stanza)
    assert ok, text


@pytest.mark.parametrize(
    "stanza",
    [
        "iface eth0 inet dhcp\n",
        "# auto eth0\niface eth0 inet dhcp\n",
        "allow-ovs eth0\niface eth0 inet dhcp\n",
        "auto eth1\niface eth0 inet dhcp\n",
    ],
)
def test_an_interface_nothing_brings_up_is_not_started(tmp_path, stanza):
    ok, text = _observe(tmp_path, HEAD + stanza)
    assert not ok, text


def test_a_persisted_configuration_nothing_starts_at_boot_is_not_persisted(tmp_path):
    """« iface eth0 inet dhcp » without « auto »/« allow-hotplug »: right method, but at the next boot
    the card stays down — net.persisted says so before looking at the live addresses."""
    (tmp_path / "etc" / "network").mkdir(parents=True)
    (tmp_path / "etc" / "network" / "interfaces").write_text(HEAD + "iface eth0 inet dhcp\n")
    probe = NetPersisted(id="persiste", probe="net.persisted", host="poste", iface="eth0", method="dhcp")
    ok, text = probe.observe(Lab(tmp_path))  # type: ignore[arg-type]
    assert not ok and "démarrage" in text, text
