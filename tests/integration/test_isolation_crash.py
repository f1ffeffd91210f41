"""Crash recovery: a `simulateur start` (or the app, which runs the same core in its own process)
killed with SIGKILL at every step of a build, a `check` killed half-way, a lab's daemon killed, a
namespace removed by hand. Afterwards `simulateur clean` removes every leftover and says what it
removed (in French), nothing of the lab remains, the machine is as it was, and the next start works.

Each test uses a lab-id prefix of its own (random) so that it only ever looks at its own labs.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid

import pytest
from labhelpers import leftovers, netns_inodes, root_state, sim

from simulateur.lab import nsutil
from simulateur.paths import state_root

NOTHING = {"cgroups": [], "netns": [], "state_dirs": [], "processes": [], "netns_mounts": []}


@pytest.fixture
def prefix(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """(lab-id prefix of this test, token every process it starts carries in its environment)."""
    value = "s" + secrets.token_hex(3).translate(str.maketrans("0123456789", "ghijklmnop"))
    token = uuid.uuid4().hex
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", value)
    monkeypatch.setenv("SIMULATEUR_SAFETY_TOKEN", token)
    return value, f"SIMULATEUR_SAFETY_TOKEN={token}"


def _state(lab: str) -> dict | None:
    try:
        return json.loads((state_root() / lab / "state.json").read_text())
    except (OSError, ValueError):
        return None


def _built(lab: str) -> bool:
    """Every host's PID 1 is recorded: the build is past the boot of the hosts."""
    st = _state(lab)
    return bool(st and st["hosts"] and all(h.get("pid1") for h in st["hosts"].values()))


def _injecting(lab: str) -> bool:
    """scenario.json is written just before the faults are applied."""
    return (state_root() / lab / "scenario.json").exists()


MOMENTS = {
    "allocated": lambda lab: (state_root() / lab).is_dir(),
    "namespaces": lambda lab: nsutil.netns_path(f"sim-{lab}").exists(),
    "hosts_booted": _built,
    "faults": _injecting,
}

CLI = [sys.executable, "-m", "simulateur", "start", "dhcp-serveur-arrete", "--seed", "4", "--json"]
# The app (simulateur.tui) builds its lab by calling session.run.start in its own process: killing
# this process is killing the app at the same moment.
APP = [sys.executable, "-c", "from simulateur.session.run import start; start('dhcp-serveur-arrete', 4)"]


def _kill_when(argv: list[str], lab: str, moment: str, timeout: float = 60) -> bool:
    """Start argv, SIGKILL it as soon as `moment` is reached for `lab`; False if it ended first."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    reached = False
    while proc.poll() is None and time.monotonic() < deadline:
        if MOMENTS[moment](lab):
            reached = True
            break
        time.sleep(0.001)
    proc.kill()
    proc.wait()
    return reached and proc.returncode == -signal.SIGKILL


@pytest.mark.alone
@pytest.mark.parametrize("who", ["cli", "app"])
def test_kill_9_at_every_step_of_a_start_then_clean_removes_everything(prefix, who):
    pre, token = prefix
    lab = f"{pre}1"  # every start reaps the dead labs first: each new one takes this id again
    before = root_state()
    argv = CLI if who == "cli" else APP
    for moment in MOMENTS:
        # Another session's start also reaps dead labs (ours too) and may get there before our
        # clean: then try again — our clean must report the lab at least once in three tries.
        for _ in range(3):
            assert _kill_when(argv, lab, moment), f"{moment} not reached before the start ended"
            out = sim("clean").out
            if f"Restes du laboratoire {lab} supprimés" in out:  # one French line saying what went
                break
        else:
            pytest.fail(f"clean never reported {lab} killed at {moment}: {out}")
        assert leftovers({lab}, token) == NOTHING, moment
        assert root_state() == before, moment
    # The next start works (same id, nothing stale in its way) and stops cleanly.
    info = sim("start", "dhcp-serveur-arrete", "--seed", "4", "--json").json()
    assert info["lab"] == lab
    sim("stop", lab)
    assert pre not in sim("clean").out
    assert leftovers({lab}, token) == NOTHING
    assert root_state() == before


def test_a_start_reaps_what_a_killed_start_left(prefix):
    pre, token = prefix
    before = root_state()
    assert _kill_when(CLI, f"{pre}1", "hosts_booted")
    stale = netns_inodes(f"{pre}1")
    info = sim("start", "dhcp-serveur-arrete", "--seed", "4", "--json").json()  # reaps at start
    assert info["lab"] == f"{pre}1"  # the dead one was reaped, its id is free again
    sim("stop", info["lab"])
    assert leftovers({f"{pre}1", f"{pre}2"}, token, stale) == NOTHING
    assert root_state() == before


def test_kill_9_during_check_leaves_a_working_lab(prefix):
    _pre, token = prefix
    info = sim("start", "dhcp-serveur-arrete", "--seed", "4", "--json").json()
    lab = info["lab"]
    try:
        for delay in (0.3, 0.8, 1.5):
            proc = subprocess.Popen(
                [sys.executable, "-m", "simulateur", "check", lab, "--json"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(delay)
            proc.kill()
            proc.wait()
        assert f"{lab} " not in sim("clean").out + " "  # a living lab is not a leftover
        grid = sim("check", lab, "--json").json()
        assert {c["id"] for c in grid["criteria"]} >= {"TAI.CP14.4"}
    finally:
        sim("stop", lab)
    assert leftovers({lab}, token) == NOTHING


def test_a_killed_daemon_is_a_fault_the_check_reports(prefix):
    """dnsmasq killed with SIGKILL in srv: check answers with a grid (the service is down), no crash."""
    _pre, token = prefix
    info = sim("start", "dhcp-serveur-arrete", "--seed", "4", "--json").json()
    lab = info["lab"]
    try:
        sim("exec", lab, "srv", "--", "systemctl start dnsmasq")
        sim("exec", lab, "poste", "--", "dhclient eth0")
        probes = {p["id"]: p["ok"] for p in sim("check", lab, "--json").json()["probes"]}
        assert probes["dhcp_actif"]
        # The daemon is found by what it runs (its executable) among the processes of OUR lab's srv.
        pids = [
            p
            for p in nsutil.pids_in_netns(f"sim-{lab}-srv")
            if os.path.realpath(f"/proc/{p}/exe") == "/usr/sbin/dnsmasq"
        ]
        assert pids
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        run = sim("check", lab, "--json")
        grid = run.json()
        probes = {p["id"]: (p["ok"], p["observed"]) for p in grid["probes"]}
        assert probes["dhcp_actif"][0] is False and "dnsmasq" in probes["dhcp_actif"][1]
        verdicts = {c["id"]: c["verdict"] for c in grid["criteria"]}
        assert verdicts["TAI.CP14.4"] == "non_acquis"
        status = sim("exec", lab, "srv", "--", "systemctl is-active dnsmasq", check=False)
        assert status.code != 0
    finally:
        sim("stop", lab)
    assert leftovers({lab}, token) == NOTHING


def _reported_once(break_lab, act, expect: str, token: str) -> None:
    """break_lab() -> lab: a lab made dead; act(lab) -> output that must contain expect(lab).

    Every session's `start` reaps the dead labs of the machine — ours too — and may get there
    before our own stop/clean: then everything must already be gone, and we try again (three times
    at most: our own command must report the lab at least once)."""
    for _ in range(3):
        lab, inodes = break_lab()
        out = act(lab)
        assert leftovers({lab}, token, inodes) == NOTHING
        if expect.format(lab=lab) in out:
            return
    pytest.fail(f"never reported: {expect} ({out})")


@pytest.mark.alone
@pytest.mark.parametrize("how", ["stop", "clean"])
def test_namespaces_removed_by_hand_are_still_cleaned(prefix, how):
    _pre, token = prefix
    before = root_state()

    def break_lab() -> tuple[str, set[int]]:
        lab = sim("start", "dhcp-serveur-arrete", "--seed", "4", "--json").json()["lab"]
        inodes = netns_inodes(lab)
        for name in (f"sim-{lab}-poste", f"sim-{lab}"):  # a host's and the switch's
            subprocess.run(["ip", "netns", "del", name], check=True)
        return lab, inodes

    if how == "stop":
        _reported_once(break_lab, lambda lab: sim("stop", lab, check=False).out, "Laboratoire {lab} arrêté", token)
    else:  # the lab is broken (a host lost its network): clean treats it as dead and says so
        _reported_once(break_lab, lambda lab: sim("clean").out, "Restes du laboratoire {lab} supprimés", token)
    assert root_state() == before


@pytest.mark.alone
def test_a_host_whose_pid1_was_killed_is_reported_then_stopped(prefix):
    _pre, token = prefix

    def break_lab() -> tuple[str, set[int]]:
        lab = sim("start", "dhcp-serveur-arrete", "--seed", "4", "--json").json()["lab"]
        inodes = netns_inodes(lab)
        os.kill(_state(lab)["hosts"]["srv"]["pid1"], signal.SIGKILL)
        return lab, inodes

    def check_then_stop(lab: str) -> str:
        run = sim("check", lab, check=False)
        assert run.code in (1, 2) and len(run.err.strip().splitlines()) == 1, run.err
        if run.code == 2:  # already reaped by another session's start: « inconnu »
            return ""
        assert "simulateur stop" in run.err  # the one French line says what to do
        return sim("stop", lab, check=False).out

    _reported_once(break_lab, check_then_stop, "Laboratoire {lab} arrêté", token)
