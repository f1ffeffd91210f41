"""The lab runs as root on a trainee's machine: it must leave the machine exactly as it found it.

Measured, for every shipped scenario: the machine's own network (links, addresses, routes, rules,
nftables/iptables rulesets, sysctls), its resolver files, its mounts are strictly identical before,
while and after a lab runs — even after a trainee wrecks every host from inside (routes, addresses,
services, /etc, symbolic links pointing at the machine's files). Other sessions may run labs at the
same time: namespaces and processes are compared for our own labs only (labhelpers.leftovers).
"""

from __future__ import annotations

import secrets
import subprocess
import uuid
from pathlib import Path

import pytest
from labhelpers import leftovers, netns_inodes, root_state, sim
from labprefix import lab_prefix

from simulateur.paths import scenarios_dir
from simulateur.scenario.loader import load_catalogue

SHIPPED = sorted(load_catalogue(scenarios_dir()).scenarios)
NOTHING = {"cgroups": [], "netns": [], "state_dirs": [], "processes": [], "netns_mounts": []}


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every process this test starts carries this in its environment: one left running is ours."""
    value = uuid.uuid4().hex
    monkeypatch.setenv("SIMULATEUR_SAFETY_TOKEN", value)
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", lab_prefix("s"))
    return f"SIMULATEUR_SAFETY_TOKEN={value}"


# What a trainee may do inside a host, at worst: break the network, stop every service, edit /etc,
# kill everything, and plant links to the machine's own files (/etc/hosts, a canary) for the engine
# (probes, the recorded shell) to follow.
WRECK = r"""
for u in /etc/systemd/system/*.service; do [ -e "$u" ] && systemctl stop "$(basename "$u" .service)"; done
for u in /etc/systemd/system/*.service; do [ -e "$u" ] && systemctl disable "$(basename "$u" .service)"; done
nft flush ruleset
sysctl -qw net.ipv4.ip_forward=1
hostname pirate
echo "6.6.6.6 www.exemple.fr" >> /etc/hosts
rm -f /etc/network/interfaces
echo 'pirate:x:0:0::/root:/bin/sh' >> /etc/passwd
ln -sf {canary} /etc/resolv.conf
ln -sf / /etc/racine
mkdir -p /var/lib/dhcp && ln -sf {canary} /var/lib/dhcp/dhclient.eth0.leases
ln -sf /etc/hosts /var/lib/misc/dnsmasq.leases 2>/dev/null
ip link add fantome type dummy 2>/dev/null
ip route flush table main
for i in $(ls /sys/class/net); do ip addr flush dev "$i"; ip link set "$i" down; done
for i in $(ls /sys/class/net); do [ "$i" = lo ] || ip link del "$i" 2>/dev/null; done
mount -t tmpfs none /mnt
exit 0
"""
KILL_ALL = "kill -9 -1"  # every process of the host but its PID 1 (and this shell)


@pytest.mark.parametrize("scenario", SHIPPED)
def test_every_scenario_starts_and_stops_without_touching_the_machine(scenario, token):
    before = root_state()
    info = sim("start", scenario, "--seed", "11", "--json").json()
    lab = info["lab"]
    inodes = netns_inodes(lab)
    try:
        assert root_state() == before  # a running lab has nothing in the machine's namespace
    finally:
        sim("stop", lab)
    assert leftovers({lab}, token, inodes) == NOTHING
    assert root_state() == before


# One scenario per family of probes (network, printing, phone): what the engine reads in a host
# differs between them. Those present in the catalogue are used.
WRECKED = [s for s in ("dhcp-serveur-arrete", "imprimante-pilote-manquant", "mobile-synchro") if s in SHIPPED]


@pytest.mark.parametrize("scenario", WRECKED)
def test_a_wrecked_lab_leaves_the_machine_as_it_was(scenario, token):
    canary = Path(f"/tmp/simulateur-canari-{secrets.token_hex(4)}")
    canary.write_text("fichier de la machine\n")
    before = root_state()
    info = sim("start", scenario, "--seed", "11", "--json").json()
    lab = info["lab"]
    inodes = netns_inodes(lab)
    try:
        for host in info["hosts"]:
            run = sim("exec", lab, host, "--", WRECK.format(canary=canary), check=False, timeout=60)
            assert run.code == 0, (host, run.err)
            sim("exec", lab, host, "--", KILL_ALL, check=False)
        # Hosts survive it (PID 1 of a host ignores the loss of its children): the lab is still alive.
        assert sim("exec", lab, info["hosts"][0], "--", "true").code == 0
        # The engine reads the wrecked hosts (resolv.conf → the canary, leases, /etc/hosts…): the check
        # still ends with a grid, never a traceback, and nothing it reads or writes leaves the host.
        grid = sim("check", lab, "--json").json()
        assert grid["criteria"] and grid["probes"]
        assert root_state() == before
        assert canary.read_text() == "fichier de la machine\n"
    finally:
        canary.unlink()
        sim("stop", lab)
    assert leftovers({lab}, token, inodes) == NOTHING
    assert root_state() == before


def test_a_selftest_run_leaves_nothing(token, monkeypatch):
    prefix = "s" + secrets.token_hex(2).translate(str.maketrans("0123456789", "ghijklmnop"))
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", prefix)
    before = root_state()
    light = "dhcp-serveur-arrete" if "dhcp-serveur-arrete" in SHIPPED else SHIPPED[0]
    run = sim("selftest", light, "--seeds", "2", timeout=300)
    assert "ÉCHEC" not in run.out
    labs = {f"{prefix}{n}" for n in range(1, 20)}  # every id the selftest could have taken
    assert leftovers(labs, token) == NOTHING
    assert root_state() == before


def test_writes_into_a_host_never_follow_its_links_out(started, tmp_path):
    """file.write / file.replace (faults, solutions) and every probe read go through the host's own
    root: a link planted in the host towards a machine file leads to the host's file of that name."""
    from simulateur.actions.core import FileWrite
    from simulateur.actions.netconfig import FileReplace
    from simulateur.session.run import open_attempt

    canary = Path(f"/tmp/simulateur-canari-{secrets.token_hex(4)}")
    canary.write_text("original\n")
    try:
        lab, _, _ = open_attempt(started()["lab"])
        host = lab.host("srv")
        res = host.run(
            [
                "sh",
                "-c",
                (
                    f"ln -s {canary} /etc/absolu; ln -s ../../../../../..{canary} /etc/relatif; "
                    f"ln -s / /etc/racine; mkdir -p /root/d; ln -s /tmp /root/d/lien"
                ),
            ]
        )
        assert res.returncode == 0, res.stderr
        lab.apply(
            [
                FileWrite(action="file.write", host="srv", path="/etc/absolu", content="écrit 1\n"),
                FileWrite(action="file.write", host="srv", path="/etc/relatif", content="écrit 2\n"),
                FileWrite(action="file.write", host="srv", path="/root/d/lien/sous/f", content="x\n"),
                FileReplace(action="file.replace", host="srv", path="/etc/absolu", old="écrit", new="remplacé"),
            ]
        )
        assert canary.read_text() == "original\n"
        inside = host.run(["cat", str(canary), "/tmp/sous/f"]).stdout
        assert "remplacé 2\n" in inside and inside.endswith("x\n")
        assert host.read_text(f"/etc/racine{canary}") == "remplacé 2\n"  # the host's /, not the machine's
        assert host.path("/etc/racine/etc/hostname") == host.root() / "etc/hostname"
        assert not Path("/tmp/sous").exists()
    finally:
        canary.unlink()


def test_probes_never_hand_an_option_to_the_machines_tools(started):
    """Names the trainee controls (a CUPS device URI, a vdirsyncer url, resolv.conf) reach dig, run
    on the machine: « -f FILE » would make it read a machine file. Such a name is never asked."""
    from simulateur.probes.network import resolve_name
    from simulateur.session.run import open_attempt

    lab, _, _ = open_attempt(started()["lab"])
    host = lab.host("srv")
    secret = Path(f"/tmp/simulateur-canari-{secrets.token_hex(4)}")
    secret.write_text("www.exemple.fr\n")
    try:
        host.write_text("/etc/resolv.conf", "nameserver -f/etc/passwd\nnameserver 203.0.113.53\n")
        # Were the name handed to dig, `dig -f SECRET` would resolve the name the file holds.
        assert resolve_name(host, f"-f{secret}")[0] is None
        assert resolve_name(host, "www.exemple.fr")[0] == "203.0.113.80"  # a real name still resolves
    finally:
        secret.unlink()


def test_the_machine_is_unreachable_from_every_host_of_the_office(monkeypatch):
    """From every host of the whole `bureau` topology: the machine's own addresses (ping and TCP to
    its listening ports) and the outside world do not answer; the lab's internet does."""
    import ipaddress
    import json
    from concurrent.futures import ThreadPoolExecutor

    from simulateur import params as P
    from simulateur.lab.lab import Lab
    from simulateur.scenario.loader import load_topology, rendered_topology

    addrs = [
        a["local"]
        for link in json.loads(subprocess.run(["ip", "-j", "addr"], capture_output=True, text=True).stdout)
        for a in link.get("addr_info", [])
        if a["family"] == "inet" and not a["local"].startswith("127.")
    ]
    ports = sorted(
        {
            int(line.split()[3].rsplit(":", 1)[1])
            for line in subprocess.run(["ss", "-Hltn4"], capture_output=True, text=True).stdout.splitlines()
            if line.strip()
        }
        | {22}
    )
    outside = ["1.1.1.1", "8.8.8.8", "151.101.2.132"]  # a public resolver, deb.debian.org's CDN
    assert addrs
    topo, _ = load_topology("bureau", scenarios_dir())
    for seed in range(1, 50):  # a draw whose LAN does not contain one of the machine's addresses
        values = P.draw(topo.params, seed)
        if not any(ipaddress.IPv4Address(a) in ipaddress.IPv4Network(values["lan"]) for a in addrs):
            break
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", lab_prefix("s"))
    lab = Lab.build(rendered_topology(topo, values), seed=seed, params=values)
    try:
        targets = addrs + outside
        script = " ".join(
            [f"(ping -n -c1 -W1 {a} >/dev/null 2>&1 && echo PING {a}) &" for a in targets]
            + [
                f"(timeout 2 bash -c 'exec 3<>/dev/tcp/{a}/{p}' 2>/dev/null && echo TCP {a}:{p}) &"
                for a in addrs
                for p in ports
            ]
            + [
                f"(timeout 2 bash -c 'exec 3<>/dev/tcp/{a}/{p}' 2>/dev/null && echo TCP {a}:{p}) &"
                for a in outside
                for p in (53, 80, 443)
            ]
            + [
                "(ping -n -c1 -W2 203.0.113.80 >/dev/null 2>&1 && echo LAB ping) &",
                "(timeout 3 bash -c 'exec 3<>/dev/tcp/203.0.113.80/80' 2>/dev/null && echo LAB tcp) &",
                "wait",
            ]
        )

        def probe(host: str) -> tuple[str, str]:
            return host, lab.host(host).run(["bash", "-c", script], timeout=30).stdout

        with ThreadPoolExecutor(4) as pool:
            seen = dict(pool.map(probe, lab.host_names()))
        for host, out in seen.items():
            leaks = [line for line in out.splitlines() if not line.startswith("LAB")]
            assert leaks == [], (host, leaks)
        for host in ("srv", "poste", "routeur", "imprimante"):  # correctly configured hosts
            assert "LAB ping" in seen[host] and "LAB tcp" in seen[host], (host, seen[host])
    finally:
        lab.stop()
