"""Option SIMULATEUR_USERNS=1 (simulateur/lab/userns.py): root in a host is root of a user namespace
whose ids are an unprivileged range of the machine's. Each test skips with the kernel's own words
when it refuses (no user namespaces, no idmapped mounts)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from labhelpers import sim
from labprefix import lab_prefix

from simulateur.lab import profile
from simulateur.lab.lab import Lab
from simulateur.lab.userns import OVERFLOW_ID, USERNS_FIRST, USERNS_SIZE

USERNS = {"SIMULATEUR_USERNS": "1"}


def _max_userns() -> int:
    try:
        return int(Path("/proc/sys/user/max_user_namespaces").read_text())
    except OSError:
        return 0


@pytest.fixture(scope="module")
def lab():
    """dhcp-serveur-arrete (4 hosts: poste, srv, routeur, internet) built once with the option (the
    tests below change nothing another one looks at)."""
    if _max_userns() == 0:
        pytest.skip("user namespaces disabled on this kernel (user.max_user_namespaces = 0)")
    run = sim(
        "start",
        "dhcp-serveur-arrete",
        "--seed",
        "7",
        "--json",
        check=False,
        env={**USERNS, "SIMULATEUR_LAB_PREFIX": lab_prefix("t")},
    )
    if run.code != 0:
        why = (run.err.strip().splitlines() or ["?"])[-1]
        if "espaces de noms utilisateur" in why or "idmap" in why or "open_tree" in why:
            pytest.skip(f"the kernel refuses: {why}")
        pytest.fail(why)
    lab_id = run.json()["lab"]
    yield Lab.open(lab_id)
    sim("stop", lab_id, check=False)


def _inside(lab: Lab, host: str, script: str) -> str:
    res = lab.host(host).run(["sh", "-c", script])
    assert res.returncode == 0, res.stderr
    return res.stdout


def _status(text: str, key: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(key + ":"))


def test_root_is_an_unprivileged_range_with_the_profile_caps(lab: Lab) -> None:
    bases = []
    for name in lab.host_names():
        host = lab.host(name)
        base = host.state.uid_base
        assert base is not None and base >= USERNS_FIRST
        bases.append(base)
        assert _inside(lab, name, "cat /proc/self/uid_map").split() == ["0", str(base), str(USERNS_SIZE)]
        assert _inside(lab, name, "id -u").strip() == "0"
        status = _inside(lab, name, "cat /proc/self/status")
        caps = sum(1 << n for n in profile.kept_cap_numbers())
        assert int(_status(status, "CapEff"), 16) == caps  # bounding set and sets as without the option
        assert int(_status(status, "CapBnd"), 16) == caps
        assert _status(status, "Seccomp") == "2"
        # seen from the machine, the host's PID 1 is the range's first id, not root
        machine = Path(f"/proc/{host.state.pid1}/status").read_text()
        assert _status(machine, "Uid").split()[0] == str(base)
    ranges = sorted(bases)  # one range per host, none overlapping
    assert all(b - a >= USERNS_SIZE for a, b in itertools.pairwise(ranges))


def test_machine_files_keep_their_owners_and_engine_files_are_roots(lab: Lab) -> None:
    poste = lab.host("poste")
    # the machine's files (idmapped lower layers): su is root's and set-uid, as on the machine
    su = os.stat("/usr/bin/su")
    assert (
        _inside(lab, "poste", "stat -c %u:%g:%a /usr/bin/su").strip()
        == f"{su.st_uid}:{su.st_gid}:{su.st_mode & 0o7777:o}"
    )
    # written by the engine before boot (hostfs.write_upper, as the machine's uid 0) and after
    # (Host.write_text): root's inside, uid 0 on disk
    poste.write_text("/etc/ecrit-par-le-moteur", "x\n")
    poste.write_text("/run/ecrit-par-le-moteur", "x\n")
    out = _inside(
        lab, "poste", "stat -c %u:%g /etc/hostname /etc/ecrit-par-le-moteur /run/ecrit-par-le-moteur / /tmp /dev/null"
    )
    assert out.split() == ["0:0"] * 6
    assert os.stat(lab.state.dir / "hosts/poste/upper/etc/ecrit-par-le-moteur").st_uid == 0
    # and written by root in the host: uid 0 on disk too, its own range as the machine's process sees it
    _inside(lab, "poste", "echo y > /etc/ecrit-dans-l-hote && chown 100:100 /etc/ecrit-dans-l-hote")
    st = os.stat(lab.state.dir / "hosts/poste/upper/etc/ecrit-dans-l-hote")
    assert (st.st_uid, st.st_gid) == (100, 100)
    assert poste.inside_id(os.stat(poste.path("/etc/ecrit-dans-l-hote")).st_gid) == 100
    assert poste.inside_id(0) == OVERFLOW_ID


def test_network_namespace_is_the_hosts_own(lab: Lab) -> None:
    # root of the user namespace configures its interfaces (the netns is owned by its user namespace)
    _inside(lab, "poste", "ip addr add 198.51.100.7/32 dev lo && sysctl -qw net.ipv4.ip_forward=1")
    assert "198.51.100.7" in _inside(lab, "poste", "ip -br addr show dev lo")
    # and nothing else: no mount, no new namespace, no hostname (seccomp and the machine's user
    # namespace owning the mount and UTS namespaces)
    res = lab.host("poste").run(["sh", "-c", "mount -t tmpfs none /mnt || unshare -U true || hostname x"])
    assert res.returncode != 0


def test_a_service_drops_to_its_own_user(lab: Lab) -> None:
    srv = lab.host("srv")
    _inside(lab, "srv", "systemctl start dnsmasq")
    pid = _inside(
        lab, "srv", "for i in 1 2 3 4 5 6 7 8 9 10; do p=$(pidof dnsmasq) && break; sleep 0.2; done; echo $p"
    ).split()[0]
    status = _inside(lab, "srv", f"cat /proc/{pid}/status")
    uid = int(_status(status, "Uid").split()[1])
    assert uid != 0 and uid == int(_inside(lab, "srv", "id -u nobody"))  # Debian's dnsmasq runs as nobody
    assert int(_status(status, "CapEff"), 16) & ~(1 << 12) == 0  # CAP_NET_ADMIN at most (DHCP)
    # seen from the machine: its id is inside the host's range
    machine_pid = next(
        int(p) for p in os.listdir("/proc") if p.isdigit() and _machine_pid_matches(int(p), srv.state.pid1, pid)
    )
    assert _status(Path(f"/proc/{machine_pid}/status").read_text(), "Uid").split()[1] == str(srv.state.uid_base + uid)


def _machine_pid_matches(pid: int, pid1: int | None, inside: str) -> bool:
    """`pid` (the machine's) is the process numbered `inside` in the PID namespace of `pid1`."""
    try:
        if os.stat(f"/proc/{pid}/ns/pid").st_ino != os.stat(f"/proc/{pid1}/ns/pid").st_ino:
            return False
        nspid = _status(Path(f"/proc/{pid}/status").read_text(), "NSpid").split()
        return nspid[-1] == inside
    except (OSError, StopIteration):
        return False
