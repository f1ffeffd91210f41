"""The raw-packet probes' packets (simulateur.probes.rawnet): scapy is imported once per process and
writes nothing in the machine's home directories; the frames it builds are what a real client sends."""

from __future__ import annotations

import os
import subprocess
import sys

from simulateur.probes import rawnet


def test_scapy_import_leaves_nothing_in_home(tmp_path):
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    (home / ".config").mkdir()
    env = {**os.environ, "HOME": str(home), "SIMULATEUR_CACHE": str(tmp_path / "cache")}
    env.pop("XDG_CACHE_HOME", None)
    env.pop("XDG_CONFIG_HOME", None)
    code = "from simulateur.probes import rawnet; rawnet.layers(); import os; print(os.environ.get('XDG_CACHE_HOME'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "None"  # the process's environment is given back
    assert list((home / ".cache").iterdir()) == [] and list((home / ".config").iterdir()) == []


def test_scapy_keeps_its_cache_in_simulateurs(tmp_path):
    # scapy creates only the last level of $XDG_CACHE_HOME: with a cache dir not made yet, it kept
    # no cache and parsed its manufacturer database (~0.1 s) again at every import
    cache = tmp_path / "not-yet" / "cache"
    env = {**os.environ, "SIMULATEUR_CACHE": str(cache)}
    code = "from simulateur.probes import rawnet; rawnet.layers()"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert (cache / "scapy" / "cache" / "scapy" / "manufdb.pickle").is_file()


def test_layers_are_imported_once():
    assert rawnet.layers() is rawnet.layers()


def test_a_discover_and_an_offer_read_back():
    L = rawnet.layers()
    offer = (
        L["Ether"](src="02:00:00:00:00:02", dst="ff:ff:ff:ff:ff:ff")
        / L["IP"](src="10.0.0.2", dst="255.255.255.255")
        / L["UDP"](sport=67, dport=68)
        / L["BOOTP"](op=2, xid=42, yiaddr="10.0.0.150")
        / L["DHCP"](options=[("message-type", "offer"), ("server_id", "10.0.0.2"), ("router", "10.0.0.1"), "end"])
    )
    pkt = L["Ether"](bytes(offer))
    options = pkt[L["DHCP"]].options
    assert rawnet._option(options, "message-type") == 2
    assert rawnet._option(options, "server_id") == "10.0.0.2" and rawnet._option(options, "router") == "10.0.0.1"
    assert pkt[L["BOOTP"]].yiaddr == "10.0.0.150"
    # garbage from a host never raises out of the parser's caller (a frame scapy cannot read is skipped)
    assert rawnet._option([b"\x00", ("x",)], "router") is None
