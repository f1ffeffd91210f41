"""The SSH journal collector is a helper of ours that must never straddle a host and the machine
(issue 14): it lives entirely outside every host, binds its socket in the host without following
a link the host's root made, and ends with the host — by PID and start time, never by name.

Run on intervention-distance (its `poste` runs sshd, so it has a collector)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from labhelpers import sim

REMOTE = "intervention-distance"
NAMESPACES = ("mnt", "net", "pid", "ipc", "uts", "cgroup", "user")


def namespaces(pid: int | str) -> dict[str, tuple[int, int]]:
    """(device, inode) of each namespace of a process: equal pairs are the same namespace."""
    out = {}
    for kind in NAMESPACES:
        st = os.stat(f"/proc/{pid}/ns/{kind}")
        out[kind] = (st.st_dev, st.st_ino)
    return out


def members(pid_ns: tuple[int, int]) -> list[int]:
    """Every live process whose PID namespace is `pid_ns`, as the machine numbers them."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            st = os.stat(f"/proc/{entry.name}/ns/pid")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == pid_ns:
            found.append(int(entry.name))
    return found


def describe(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def collectors(lab: str) -> list[int]:
    """Collector processes of a lab, found by their command line — only to observe that none is
    left (the engine itself finds them by their record, never by name)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            argv = describe(int(entry.name)).split()
            if "simulateur.journal.remote" in argv and lab in argv:
                found.append(int(entry.name))
    return found


def host_pid1(lab: str, host: str) -> int:
    from simulateur.lab.state import load_state

    pid1 = load_state(lab).hosts[host].pid1
    assert pid1 is not None
    return pid1


def test_no_process_of_a_host_keeps_a_namespace_of_the_machine(started):
    """Every process in the host's PID namespace — its PID 1, sshd, an SSH session being journaled
    — is entirely in the host: each of its namespaces is the host PID 1's, and the host's own
    namespaces are not the machine's. (Hosts have no user or cgroup namespace of their own yet:
    for those, "the host's" is the machine's, and this test tightens by itself once they do.)"""
    lab = started(REMOTE, seed=3, variant="desactive")["lab"]
    # A session held open while we look, so that its processes (ssh-session, bash) are counted too.
    session = subprocess.Popen(
        [sys.executable, "-m", "simulateur", "exec", lab, "technicien", "--", "ssh poste 'sleep 60'"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        pid1 = host_pid1(lab, "poste")
        machine, host = namespaces("self"), namespaces(pid1)
        own = {kind for kind in NAMESPACES if host[kind] != machine[kind]}
        assert own >= {"mnt", "net", "pid", "ipc", "uts"}, own
        deadline = time.monotonic() + 30  # a shared machine under load: ssh can take seconds
        while not any(describe(p) == "sleep 60" for p in members(host["pid"])) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(describe(p) == "sleep 60" for p in members(host["pid"])), "la session SSH n'a pas démarré"
        straddling = {}
        for pid in members(host["pid"]):
            try:
                ns = namespaces(pid)
            except OSError:  # ended while we looked
                continue
            wrong = {
                kind: ("machine" if ns[kind] == machine[kind] else "elsewhere")
                for kind in NAMESPACES
                if ns[kind] != host[kind]
            }
            if wrong:
                straddling[f"{pid} {describe(pid)}"] = wrong
        assert not straddling, "\n".join(f"{who}: {wrong}" for who, wrong in straddling.items())
    finally:  # the client's side; what is left of the session in poste goes with the lab
        with contextlib.suppress(ProcessLookupError):
            os.killpg(session.pid, signal.SIGKILL)
        session.wait()


# --- the socket is bound in the host, never through a link the host's root made ----------------
def _in_host(lab: str, cmd: str) -> None:
    sim("exec", lab, "poste", "--", cmd)


def _journal(lab: str) -> list[dict]:
    from simulateur.lab.state import load_state

    path = Path(str(load_state(lab).attempt_dir)) / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def trap() -> Iterator[Path]:
    """A directory of the machine a host's root would like the collector to write in. Under /var/tmp:
    not a tmpfs in the hosts, so the same path names a directory there too (their overlay's)."""
    path = Path(tempfile.mkdtemp(prefix="sc-piege-", dir="/var/tmp"))
    yield path
    shutil.rmtree(path)


@pytest.mark.parametrize("link", ["directory", "socket"])
def test_a_link_made_by_the_hosts_root_is_never_followed_out_of_the_host(started, trap, link):
    """The host's root replaces /run/simulateur (or the socket's own name) by a link to a directory
    of the machine, then a collector binds (the lab's own is ended first, by its record): the
    socket is made in the host — SSH sessions are still journaled through the link — and nothing
    appears in the machine's directory."""
    from simulateur.journal import remote
    from simulateur.lab import outside
    from simulateur.lab.lab import Lab

    lab_id = started(REMOTE, seed=3, variant="desactive")["lab"]
    lab = Lab.open(lab_id)
    assert outside.kill_helpers(lab.state, auditor=False) == 1
    if link == "directory":
        _in_host(lab_id, f"mkdir -p {trap} && rm -rf /run/simulateur && ln -s {trap} /run/simulateur")
    else:
        _in_host(lab_id, f"mkdir -p {trap} && ln -sfn {trap}/journal.sock /run/simulateur/journal.sock")
    remote.start_collector(lab, Path(str(lab.state.attempt_dir)))
    assert list(trap.iterdir()) == []
    sim("exec", lab_id, "technicien", "--", "ssh poste 'echo par le lien'")
    assert [e["cmd"] for e in _journal(lab_id) if e["source"] == "ssh"] == ["echo par le lien"]
    assert list(trap.iterdir()) == []


def test_a_link_swapped_in_while_binding_is_never_followed_out_of_the_host(started, trap):
    """Race: inside the host, /run/simulateur flips between a directory and a link to a machine
    directory as fast as a shell can, while sockets are bound there from outside again and again.
    Whatever the timing, nothing is created in the machine's directory (resolving the path first
    and binding it after — the link could come in between — fails this)."""
    from simulateur.errors import SimError
    from simulateur.journal import remote

    lab = started(REMOTE, seed=3, variant="desactive")["lab"]
    pid1 = host_pid1(lab, "poste")
    flip = (
        f"mkdir -p {trap}; end=$((SECONDS + 6)); while [ $SECONDS -lt $end ]; do "
        f"rm -rf /run/simulateur; mkdir /run/simulateur; rm -rf /run/simulateur; ln -s {trap} /run/simulateur; done"
    )
    flipper = subprocess.Popen(
        [sys.executable, "-m", "simulateur", "exec", lab, "poste", "--", flip],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    bound = refused = 0
    try:
        time.sleep(0.5)
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            try:
                remote.bind_in_host(Path(f"/proc/{pid1}/root")).close()
                bound += 1
            except (OSError, SimError):
                refused += 1
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(flipper.pid, signal.SIGKILL)
        flipper.wait()
    assert bound > 0, (bound, refused)
    assert list(trap.iterdir()) == [], (bound, refused)


# --- the collector ends with its host ----------------------------------------------------------
def _collector(lab: str, host: str = "poste") -> tuple[int, int]:
    from simulateur.lab import nsutil
    from simulateur.lab.state import load_state

    state = load_state(lab).hosts[host]
    assert state.collector_pid is not None and state.collector_start is not None
    assert nsutil.same_process(state.collector_pid, state.collector_start)
    return state.collector_pid, state.collector_start


def test_the_collector_is_entirely_the_machines(started):
    lab = started(REMOTE, seed=3, variant="desactive")["lab"]
    pid, _ = _collector(lab)
    assert namespaces(pid) == namespaces("self")


def test_the_collector_ends_when_its_hosts_pid1_is_killed(started):
    """A crash: the host's PID 1 killed from the machine, nothing else done (no stop, no reaper)."""
    from simulateur.lab import nsutil

    lab = started(REMOTE, seed=3, variant="desactive")["lab"]
    pid, start = _collector(lab)
    os.kill(host_pid1(lab, "poste"), signal.SIGKILL)
    deadline = time.monotonic() + 1.0
    while nsutil.same_process(pid, start) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not nsutil.same_process(pid, start)


def test_no_collector_remains_after_a_stop(started):
    from simulateur.lab import nsutil

    lab = started(REMOTE, seed=3, variant="desactive")["lab"]
    pid, start = _collector(lab)
    run = sim("stop", lab)
    assert not nsutil.same_process(pid, start), run.out
    assert not [p for p in collectors(lab) if nsutil.alive(p)]


def test_a_collector_that_cannot_bind_fails_with_a_french_error(started):
    """/run/simulateur made a plain file in the host: the collector cannot bind there, says why,
    and is gone; the error names the host and the lab."""
    from simulateur.errors import SimError
    from simulateur.journal import remote
    from simulateur.lab import nsutil, outside
    from simulateur.lab.lab import Lab
    from simulateur.lab.state import load_state

    lab_id = started(REMOTE, seed=3, variant="desactive")["lab"]
    lab = Lab.open(lab_id)
    outside.kill_helpers(lab.state, auditor=False)
    _in_host(lab_id, "rm -rf /run/simulateur && touch /run/simulateur")
    with pytest.raises(SimError) as failure:
        remote.start_collector(lab, Path(str(lab.state.attempt_dir)))
    assert str(failure.value).startswith(
        f"le journal des sessions SSH de l'hôte poste du laboratoire {lab_id} n'a pas démarré"
    ), str(failure.value)
    assert "Not a directory" in str(failure.value)
    # Nothing recorded (the record of the one we ended is the only one) and nothing left running.
    assert not outside.recorded(load_state(lab_id), auditor=False)
    assert not [p for p in collectors(lab_id) if nsutil.alive(p)]


def test_the_record_kills_the_collector_and_nothing_else(started):
    """kill_helpers ends the recorded collector while its host lives on (so it is the record that
    did it, not the host's death), and leaves alone a recorded PID whose start time is not the
    one recorded (a PID since reused by another process of the machine)."""
    from simulateur.lab import nsutil, outside
    from simulateur.lab.state import load_state

    lab = started(REMOTE, seed=3, variant="desactive")["lab"]
    pid, start = _collector(lab)
    state = load_state(lab)
    assert outside.kill_helpers(state, auditor=False) == 1
    assert not nsutil.same_process(pid, start)
    assert nsutil.same_process(host_pid1(lab, "poste"), state.hosts["poste"].pid1_start)
    stranger = subprocess.Popen(["sleep", "30"])
    try:
        outside.record(state.hosts["poste"], stranger.pid, nsutil.start_time(stranger.pid) + 1)
        assert outside.kill_helpers(state, auditor=False) == 0
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_the_reaper_leaves_no_collector_of_a_dead_lab(started):
    """Another host of the lab dies (srv): the lab is dead, `clean` reaps it (or another session's
    start does first) — poste's collector goes with it."""
    from simulateur.lab import nsutil

    lab = started(REMOTE, seed=3, variant="desactive")["lab"]
    pid, start = _collector(lab)
    os.kill(host_pid1(lab, "srv"), signal.SIGKILL)
    time.sleep(0.2)
    sim("clean")
    assert not nsutil.same_process(pid, start)
    assert not [p for p in collectors(lab) if nsutil.alive(p)]
