"""A lab's life: isolation from the machine, crashes, leftovers, the recorded shell, self-test."""

from __future__ import annotations

import json
import os
import pty
import random
import select
import signal
import string
import subprocess
import sys
import time
from pathlib import Path

import pytest
from labhelpers import lab_processes, leftovers, root_state, sim

from simulateur.lab import nsutil


def _state(lab: str) -> dict:
    return json.loads(Path(f"/run/simulateur/{lab}/state.json").read_text())


def test_hosts_cannot_reach_the_machine_or_the_outside(started):
    lab = started()["lab"]
    machine_addrs = [
        a["local"]
        for link in json.loads(subprocess.run(["ip", "-j", "addr"], capture_output=True, text=True).stdout)
        for a in link.get("addr_info", [])
        if a["family"] == "inet" and not a["local"].startswith("127.")
    ]
    assert machine_addrs
    for host in ("routeur", "internet", "srv"):
        for addr in machine_addrs:
            run = sim("exec", lab, host, "--", f"ping -c1 -W1 {addr}", check=False)
            assert run.code != 0, (host, addr)
    # The lab's own internet answers through the router (NAT).
    assert sim("exec", lab, "srv", "--", "ping -c1 -W1 203.0.113.80", check=False).code == 0


def _mount_types_under(path: Path) -> dict[str, str]:
    root = os.path.realpath(path)
    out = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4]
        if point == root or point.startswith(root + "/"):
            out[point] = line.split(" - ")[1].split()[0]
    return out


def test_hosts_layers_live_on_a_tmpfs_of_the_lab_and_go_with_it(started):
    """The hosts' overlay layers are on a tmpfs mounted for the lab (on this machine kind /run is a
    disk): what a host writes lands there, and stopping the lab detaches it — no mount left."""
    lab = started()["lab"]
    layers = Path(f"/run/simulateur/{lab}/hosts")
    assert _mount_types_under(Path(f"/run/simulateur/{lab}")) == {os.path.realpath(layers): "tmpfs"}
    sim("exec", lab, "poste", "--", "sh -c 'echo marque > /root/temoin'")
    assert (layers / "poste" / "upper" / "root" / "temoin").read_text() == "marque\n"
    sim("stop", lab)
    assert _mount_types_under(Path(f"/run/simulateur/{lab}")) == {}
    assert not Path(f"/run/simulateur/{lab}").exists()


@pytest.mark.alone
def test_clean_reaps_a_lab_whose_host_was_killed(started):
    lab = started()["lab"]
    pid1 = _state(lab)["hosts"]["srv"]["pid1"]
    os.kill(pid1, signal.SIGKILL)
    time.sleep(0.2)
    run = sim("check", lab, check=False)
    assert run.code != 0 and "cassé" in run.err and len(run.err.strip().splitlines()) == 1
    out = sim("clean").out
    assert lab in out
    assert not [n for n in nsutil.list_netns() if n.startswith(f"sim-{lab}")]
    assert not lab_processes(lab) and not Path(f"/run/simulateur/{lab}").exists()


def test_a_namespace_removed_by_hand_is_reaped(started):
    lab = started()["lab"]
    subprocess.run(["ip", "netns", "del", f"sim-{lab}-poste"], check=True)
    sim("clean")
    assert not [n for n in nsutil.list_netns() if n.startswith(f"sim-{lab}")]
    assert not Path(f"/run/simulateur/{lab}").exists()


def test_kill_9_during_build_then_next_start_reaps(monkeypatch):
    # Labs of their own (other sessions start and stop labs at the same time): t + random letters.
    prefix = "t" + "".join(random.choice(string.ascii_lowercase) for _ in range(6))
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", prefix)
    before = root_state()
    for delay in (0.05, 0.15, 0.3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulateur", "start", "dhcp-serveur-arrete", "--json"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.kill()
        proc.wait()
    info = sim("start", "dhcp-serveur-arrete", "--seed", "3", "--json").json()  # reaps at start
    others = [
        n
        for n in nsutil.list_netns()
        if n.startswith(f"sim-{prefix}") and not n.startswith(f"sim-{info['lab']}-") and n != f"sim-{info['lab']}"
    ]
    assert others == []
    sim("stop", info["lab"])
    sim("clean")
    assert leftovers({f"{prefix}{n}" for n in range(1, 5)}) == {
        "cgroups": [],
        "netns": [],
        "state_dirs": [],
        "processes": [],
        "netns_mounts": [],
    }
    assert root_state() == before


PROMPT = b"root@poste"


def _drive_shell(lab: str, lines: list[str]) -> str:
    """Type lines into `simulateur shell LAB poste` through a real pty; every wait is bounded."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(
            sys.executable, [sys.executable, "-m", "simulateur", "shell", lab, "poste"], {**os.environ, "TERM": "dumb"}
        )
    out = b""

    def read_until(token: bytes, start: int, timeout: float = 10) -> None:
        nonlocal out
        end = time.monotonic() + timeout
        while token not in out[start:] and time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return

    read_until(PROMPT, 0)
    for line in lines:
        mark = len(out)
        os.write(fd, line.encode() + b"\n")
        read_until(b"Retour" if line == "exit" else PROMPT, mark)
    os.kill(pid, signal.SIGKILL) if os.waitpid(pid, os.WNOHANG) == (0, 0) else None
    os.close(fd)
    return out.decode(errors="replace")


def test_recorded_shell_journals_every_command(started):
    info = started()
    lab = info["lab"]
    screen = _drive_shell(lab, ["hostname", "false", "ip -br link", "exit"])
    assert "poste" in screen
    attempt = Path(os.environ["SIMULATEUR_DATA"]) / "attempts" / info["attempt"]
    entries = [json.loads(x) for x in (attempt / "journal.jsonl").read_text().splitlines()]
    shell = [(e["cmd"], e["rc"]) for e in entries if e["source"] == "shell"]
    assert shell == [("hostname", 0), ("false", 1), ("ip -br link", 0)]
    assert all(e["host"] == "poste" for e in entries if e["source"] == "shell")


def test_selftest_proves_the_scenario_on_three_seeds():
    run = sim("selftest", "dhcp-serveur-arrete", "--seeds", "1,2,3", timeout=300)
    assert run.out.count("OK") == 3 and "3/3" in run.out


def test_not_root_gets_one_french_line():
    proc = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            sys.executable,
            "-m",
            "simulateur",
            "start",
            "dhcp-serveur-arrete",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": "/tmp"},
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "root" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.alone
def test_hosts_are_found_by_their_overlay_when_state_and_namespaces_are_lost(started):
    lab = started()["lab"]
    pid1s = [h["pid1"] for h in _state(lab)["hosts"].values()]
    for name in [n for n in nsutil.list_netns() if n.startswith(f"sim-{lab}")]:
        subprocess.run(["ip", "netns", "del", name], check=True)
    Path(f"/run/simulateur/{lab}/state.json").unlink()
    assert all(nsutil.alive(p) for p in pid1s)
    out = sim("clean").out
    # Any session's start reaps dead labs too: if another one got there first, ours reports nothing.
    assert lab in out or not any(nsutil.alive(p) for p in pid1s)
    time.sleep(0.1)
    assert not any(nsutil.alive(p) for p in pid1s)
    assert not Path(f"/run/simulateur/{lab}").exists()


def test_arp_probe_sees_layer_two(started):
    from simulateur.probes.network import NetArp
    from simulateur.session.run import open_attempt

    info = started()
    lab, _, _ = open_attempt(info["lab"])
    ok = NetArp(id="a", probe="net.arp", host="srv", target="routeur").run(lab)
    assert ok.ok and "répond" in ok.observed
    absent = info["params"]["lan"].rsplit(".", 1)[0] + ".250"
    ko = NetArp(id="b", probe="net.arp", host="srv", target=absent).run(lab)
    assert not ko.ok and absent in ko.observed


def test_two_labs_at_once_do_not_see_each_other():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(
            lambda s: sim("start", "dhcp-serveur-arrete", "--seed", str(s), "--json", "--formateur").json(), (5, 5)
        )
    try:
        assert a["lab"] != b["lab"] and a["params"] == b["params"]  # same addresses, no collision
        sim("exec", a["lab"], "srv", "--", "systemctl start dnsmasq")
        sim("exec", a["lab"], "poste", "--", "dhclient eth0")
        va = {c["id"]: c["verdict"] for c in sim("check", a["lab"], "--json").json()["criteria"]}
        vb = {c["id"]: c["verdict"] for c in sim("check", b["lab"], "--json").json()["criteria"]}
        assert va["TAI.CP14.4"] == "acquis" and vb["TAI.CP14.4"] == "non_acquis"
    finally:
        sim("stop", a["lab"])
        sim("stop", b["lab"])


def test_service_probe_sees_a_python_daemon_behind_its_symlink(started):
    """web runs /usr/bin/python3, which the kernel shows as the file it links to."""
    from simulateur.probes.network import ServiceRunning
    from simulateur.session.run import open_attempt

    lab, _, _ = open_attempt(started()["lab"])
    res = ServiceRunning(id="w", probe="service.running", host="internet", service="web").run(lab)
    assert res.ok, res.observed
    lab.host("internet").run(["systemctl", "stop", "web"])
    assert not ServiceRunning(id="w", probe="service.running", host="internet", service="web").run(lab).ok
