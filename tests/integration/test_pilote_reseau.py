"""pilote-reseau-manquant: a VM host (QEMU) whose NIC driver is missing. Variants, a healthy control
boot, right and wrong fixes, and the VM's lifecycle (stop, clean after kill -9: no qemu, tap,
socket or disk left)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from labhelpers import sim, verdicts

from simulateur.lab import nsutil
from simulateur.paths import state_root

SCENARIO = "pilote-reseau-manquant"


def ex(lab: str, cmd: str, check: bool = True) -> int:
    return sim("exec", lab, "pc", "--", cmd, check=check).code


def probes(lab: str) -> dict[str, bool]:
    return {p["id"]: p["ok"] for p in sim("check", lab, "--json").json()["probes"]}


def test_selftest_every_variant():
    run = sim("selftest", SCENARIO, "--seeds", "1", timeout=600)
    assert "ÉCHEC" not in run.out and run.out.count("OK ") == 4, run.out


def test_healthy_control_boot_passes_every_probe():
    """The same VM with no fault: the driver autoloads (mdev + coldplug) and DHCP works — so each
    variant's failure is its fault's doing, not the image's."""
    from simulateur.lab.lab import Lab
    from simulateur.scenario.loader import find_scenario, rendered_topology
    from simulateur.scoring import run_probes
    from simulateur.session.run import played

    loaded = find_scenario(SCENARIO)
    values, scenario = played(loaded.scenario, loaded.topology, 5, "liste_noire")
    lab = Lab.build(rendered_topology(loaded.topology, values, loaded.scenario.hosts), seed=5, params=values)
    try:
        deadline = time.monotonic() + 30  # the guest's DHCP client runs in the background at boot
        while True:
            results = {p.id: (p.ok, p.observed) for p in run_probes(scenario, lab)}
            if all(ok for ok, _ in results.values()) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert all(ok for ok, _ in results.values()), results
    finally:
        lab.stop()


def test_blacklist_wrong_then_partial_then_right_fix(started):
    info = started(SCENARIO, seed=2, variant="liste_noire")
    lab = info["lab"]
    assert info["vm_accel"]["pc"] in ("kvm", "tcg")
    # diagnosis: the NIC is there, no driver bound, no eth0
    out = sim("exec", lab, "pc", "--", "lspci -k").out
    assert "Virtio network device" in out and "virtio_net" not in out.split("Virtio network device")[1]
    ex(lab, "lsmod")
    ex(lab, "ip link")
    # wrong: a static address on a NIC that has no driver — the error path
    assert ex(lab, f"ip addr add {info['params']['dhcp_debut']}/24 dev eth0", check=False) != 0
    got = probes(lab)
    assert not got["pilote"] and not got["bail"]
    # partial: driver loaded, no lease asked
    ex(lab, "modprobe virtio_net")
    got = probes(lab)
    assert got["pilote"] and not got["bail"] and not got["persistance"]
    # partial: lease, but the blacklist is still there (lost at the next boot)
    ex(lab, "udhcpc -n -q -i eth0 -t 5 -T 1")
    got = probes(lab)
    assert got["pilote"] and got["bail"] and got["passerelle"] and got["internet"] and not got["persistance"]
    assert verdicts(lab)["TAI.CP14.4"] != "acquis"
    # right: the blacklist line removed, then tests
    ex(lab, "cat /etc/modprobe.d/atelier.conf")
    ex(lab, "sed -i '/blacklist virtio_net/d' /etc/modprobe.d/atelier.conf")
    ex(lab, f"ping -c 1 {info['params']['routeur_ip']}")
    ex(lab, "ping -c 1 www.exemple.fr")
    assert all(probes(lab).values())
    v = verdicts(lab)
    assert v["TAI.CP14.4"] == "acquis" and v["TAI.CP10.4"] == "acquis"


def test_driver_absent_modprobe_alone_fails(started):
    lab = started(SCENARIO, seed=3, variant="module_absent")["lab"]
    assert ex(lab, "modprobe virtio_net", check=False) != 0
    assert not probes(lab)["pilote"]
    ex(lab, "dpkg -i /root/pilotes/virtio-net-module_1.0_amd64.deb && depmod -a && modprobe virtio_net")
    ex(lab, "udhcpc -n -q -i eth0 -t 5 -T 1")
    assert all(probes(lab).values())


def _qemu_pids(lab: str) -> list[int]:
    return (
        [p for p in nsutil.pids_in_netns(f"sim-{lab}") if "qemu" in Path(f"/proc/{p}/comm").read_text()]
        if nsutil.netns_path(f"sim-{lab}").exists()
        else []
    )


def _traces(lab: str) -> tuple[int, float]:
    """(switch namespace inode, creation time in the state) — what identifies this very lab: other
    test runs use the same "t" prefix and may get the same id right after it is freed."""
    state = json.loads((state_root() / lab / "state.json").read_text())
    return os.stat(f"/run/netns/sim-{lab}").st_ino, state["created"]


def _gone(lab: str, qemu: list[int], traces: tuple[int, float]) -> None:
    ns = Path(f"/run/netns/sim-{lab}")
    assert not ns.exists() or os.stat(ns).st_ino != traces[0]
    state = state_root() / lab / "state.json"
    assert not state.exists() or json.loads(state.read_text())["created"] != traces[1]  # disk, sockets, log
    assert not any(nsutil.alive(p) for p in qemu)


def test_stop_and_clean_after_kill9_leave_no_qemu_tap_socket_or_disk(started):
    lab = started(SCENARIO, seed=4, variant="jamais_charge")["lab"]
    qemu, traces = _qemu_pids(lab), _traces(lab)
    assert len(qemu) == 1
    assert "pc-0" in subprocess.run(["ip", "-n", f"sim-{lab}", "link"], capture_output=True, text=True).stdout
    sim("stop", lab)
    _gone(lab, qemu, traces)
    # a killed qemu makes a dead lab: clean removes the rest
    lab = started(SCENARIO, seed=4, variant="jamais_charge")["lab"]
    qemu, traces = _qemu_pids(lab), _traces(lab)
    os.kill(qemu[0], signal.SIGKILL)
    time.sleep(0.2)
    sim("clean")
    _gone(lab, qemu, traces)


def test_clean_after_start_killed_while_the_vm_boots():
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulateur", "start", SCENARIO, "--seed", "6", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    lab, qemu, traces = None, [], (0, 0.0)
    prefix = os.environ["SIMULATEUR_LAB_PREFIX"]  # this process's labs only (xdist workers run others)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not qemu:
        labs = [
            d.name
            for d in state_root().glob(f"{prefix}*")
            if re.fullmatch(rf"{prefix}\d+", d.name) and (d / "hosts" / "pc" / "qmp.sock").exists()
        ]
        for cand in labs:
            qemu = _qemu_pids(cand)
            if qemu:
                lab = cand
                break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    assert lab is not None, "qemu never started"
    sim("clean")
    _gone(lab, qemu, traces)


def _console_session(lab: str, lines: list[str]) -> str:
    """Type lines on `simulateur shell LAB pc` through a pseudo-terminal, as a trainee would."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execvp(sys.executable, [sys.executable, "-m", "simulateur", "shell", lab, "pc"])
    out = b""

    def pump(seconds: float, until: bytes | None = None) -> None:
        nonlocal out
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (until and until in out):
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    return

    pump(5, b"pc:")
    for line in lines:
        before = out.count(b"pc:~#")
        os.write(fd, line.encode() + b"\r")
        end = time.monotonic() + 20
        while time.monotonic() < end and out.count(b"pc:~#") <= before:
            pump(0.2)
        pump(0.3)
    os.write(fd, b"exit\r")  # back to the machine, as on the other hosts
    end = time.monotonic() + 10
    done = 0
    while time.monotonic() < end and not done:
        pump(0.2)
        done, _ = os.waitpid(pid, os.WNOHANG)
    if not done:
        os.write(fd, b"\x1d")  # Ctrl-]: leave anyway, and fail below
        os.waitpid(pid, 0)
    assert done, "« exit » did not bring the trainee back"
    return out.decode(errors="replace")


def test_console_shell_is_journaled_with_exit_codes(started):
    info = started(SCENARIO, seed=8, variant="jamais_charge")
    lab = info["lab"]
    screen = _console_session(
        lab,
        [
            "lspci -k",
            "lsmod",
            "ip link show eth0",
            "modprobe virtio_net",
            "udhcpc -n -q -i eth0 -t 5 -T 1",
            "ping -c 1 www.exemple.fr",
        ],
    )
    assert "Virtio network device" in screen and "7770" not in screen
    attempt = next(p for p in (Path(os.environ["SIMULATEUR_DATA"]) / "attempts").iterdir() if p.name.endswith(lab))
    entries = [json.loads(line) for line in (attempt / "journal.jsonl").read_text().splitlines()]
    shell = [(e["cmd"], e["rc"]) for e in entries if e["source"] == "shell" and e["host"] == "pc"]
    assert [c for c, _ in shell] == [
        "lspci -k",
        "lsmod",
        "ip link show eth0",
        "modprobe virtio_net",
        "udhcpc -n -q -i eth0 -t 5 -T 1",
        "ping -c 1 www.exemple.fr",
    ], shell
    assert [rc == 0 for _, rc in shell] == [True, True, False, True, True, True], shell  # no eth0 yet
    v = verdicts(lab)
    # tested after the fix; the network works now, but nothing loads the driver at the next boot (no
    # $MODALIAS rule restored): not solved for a PC about to be delivered
    assert v["TAI.CP10.4"] == "acquis" and v["TAI.CP14.4"] == "non_acquis", v
