"""The journal's source of truth is the kernel: every program started in a host is recorded from
the machine (simulateur.lab.audit, seccomp user notification) and what the shells report is only
kept where that record bears it out (simulateur.journal.kernel). Tried as a candidate who wants a
better score would: silence the shell's report, forge reports, replace binaries, kill everything."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from labhelpers import sim
from test_terminal_relay import Tmux, _simulateur, tmux  # noqa: F401  (the fixture, shared)

from simulateur.journal.store import Journal
from simulateur.lab.state import load_state

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux absent"),
]


def _attempt(info: dict) -> Path:
    return Path(os.environ["SIMULATEUR_DATA"]) / "attempts" / info["attempt"]


def _records(attempt: Path) -> list[dict]:
    return [json.loads(line) for line in (attempt / "exec.jsonl").read_text().splitlines()]


def _wait_for(predicate, timeout: float = 15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("délai dépassé")


def test_silenced_shell_and_forged_reports_leave_the_journal_true(started, tmux: Tmux) -> None:
    info = started()
    lab, attempt = info["lab"], _attempt(info)
    tmux.type(_simulateur("shell", lab, "poste"))
    tmux.wait("root@poste")
    tmux.type("ip -br addr show dev lo")
    tmux.wait("127.0.0.1")
    tmux.type("unset PROMPT_COMMAND; echo silence-$((1+1))")
    tmux.wait("silence-2")
    # unreported from now on: a failing test, then a change
    tmux.type("ping -c1 -W1 203.0.113.99; echo ping-fini")
    tmux.wait("ping-fini")
    tmux.type("touch /etc/marqueur-change")
    # forged reports: a diagnostic never run, and the failed ping claimed successful
    now = int(time.time())
    tmux.type(f"printf '0\\t{now}\\tcat /etc/resolv.conf\\0' >&$SIMULATEUR_JOURNAL_FD")
    tmux.type(f"printf '0\\t{now}\\tping -c1 -W1 203.0.113.99\\0' >&$SIMULATEUR_JOURNAL_FD; echo forge-$((2+2))")
    tmux.wait("forge-4")
    tmux.type("exit")
    tmux.wait("dehors$")

    reported = Journal(attempt / "journal.jsonl").reported()
    assert any(e.cmd == "cat /etc/resolv.conf" for e in reported)  # the forgery did reach the file…
    entries = Journal(attempt / "journal.jsonl").entries()
    texts = [e.cmd for e in entries]
    assert "cat /etc/resolv.conf" not in texts, texts  # …and counts for nothing
    assert "ip -br addr show dev lo" in texts
    ip = next(e for e in entries if e.cmd == "ip -br addr show dev lo")
    assert ip.verified and ip.rc == 0
    pings = [e for e in entries if e.cmd.startswith("ping ")]  # once, failed: the kernel's exit code
    assert len(pings) == 1 and pings[0].rc not in (0, None), pings
    touch = [e for e in entries if e.cmd == "touch /etc/marqueur-change"]
    assert len(touch) == 1 and touch[0].source == "kernel" and touch[0].rc == 0


def test_what_a_script_ran_is_seen_and_sh_c_is_borne_out(started, tmux: Tmux) -> None:
    info = started()
    lab, attempt = info["lab"], _attempt(info)
    tmux.type(_simulateur("shell", lab, "poste"))
    tmux.wait("root@poste")
    tmux.type(
        "printf 'cp /etc/hosts /etc/hosts.bak\\nsed -i s/localhost/localhost/ /etc/hosts\\n' > /root/fix.sh;"
        " chmod +x /root/fix.sh; unset PROMPT_COMMAND; /root/fix.sh; echo script-$((3*3))"
    )
    tmux.wait("script-9")
    tmux.type("exit")
    tmux.wait("dehors$")
    entries = Journal(attempt / "journal.jsonl").entries()
    script = next(e for e in entries if e.cmd == "/root/fix.sh")
    assert script.source == "kernel" and script.ran == [
        "cp /etc/hosts /etc/hosts.bak",
        "sed -i s/localhost/localhost/ /etc/hosts",
    ], script


def test_every_program_of_a_host_is_recorded_even_after_its_binaries_are_replaced(started) -> None:
    info = started()
    lab, attempt = info["lab"], _attempt(info)
    # root replaces a binary and runs it through another program: each exec is still recorded,
    # with what was asked (argv) — the record never comes from a file of the host
    sim("exec", lab, "poste", "--", "cp /bin/true /usr/bin/lpq && sh -c 'lpq -a; /usr/bin/env ls /' >/dev/null")
    execs = [r for r in _records(attempt) if r["k"] == "exec"]
    argvs = [r["argv"] for r in execs]
    assert ["sh", "-c", "lpq -a; /usr/bin/env ls /"] in argvs
    assert ["lpq", "-a"] in argvs and ["/usr/bin/env", "ls", "/"] in argvs and ["ls", "/"] in argvs
    # killing every process of the host changes nothing for the record, which is not in it
    sim("exec", lab, "poste", "--", "kill -9 -1", check=False)
    state = load_state(lab)
    assert state.audit_pid is not None and os.path.exists(f"/proc/{state.audit_pid}")
    sim("exec", lab, "poste", "--", "hostname")
    assert ["hostname"] in [r["argv"] for r in _records(attempt) if r["k"] == "exec"]


def test_the_record_and_its_socket_are_out_of_every_host(started) -> None:
    info = started()
    lab, attempt = info["lab"], _attempt(info)
    state = load_state(lab)
    sock = state.dir / "audit.sock"
    assert sock.exists()
    out = sim(
        "exec", lab, "poste", "--", f"ls -d {sock} {attempt} /proc/{state.audit_pid} 2>&1; echo fin", check=False
    ).out
    assert "No such file" in out and out.count("No such file") == 3, out
    # the auditor is a process of the machine: in none of the lab's namespaces
    pid1 = state.hosts["poste"].pid1
    for ns in ("pid", "net", "mnt"):
        assert os.readlink(f"/proc/{state.audit_pid}/ns/{ns}") == os.readlink(f"/proc/self/ns/{ns}")
        assert os.readlink(f"/proc/{state.audit_pid}/ns/{ns}") != os.readlink(f"/proc/{pid1}/ns/{ns}")


def test_a_dead_auditor_stops_the_lab_it_does_not_blind_it(started) -> None:
    info = started()
    lab = info["lab"]
    state = load_state(lab)
    os.kill(state.audit_pid, 9)
    _wait_for(lambda: not os.path.exists(f"/proc/{state.audit_pid}"))
    run = sim("exec", lab, "poste", "--", "hostname", check=False)
    assert run.code != 0 and "enregistreur" in run.err, (run.code, run.err)


def test_a_replaced_bash_that_reports_nothing_is_still_journaled(started, tmux: Tmux) -> None:
    """Root replaces the host's bash by a shell that reports nothing (no PROMPT_COMMAND at all): the
    next terminal's commands are in the journal all the same, from the kernel."""
    info = started()
    lab, attempt = info["lab"], _attempt(info)
    sim(
        "exec",
        lab,
        "poste",
        "--",
        "printf '#!/bin/sh\\nexec /bin/dash -i\\n' > /usr/local/bin/bash && chmod +x /usr/local/bin/bash",
    )
    tmux.type(_simulateur("shell", lab, "poste"))
    time.sleep(1)
    tmux.type("ping -c1 -W1 203.0.113.98; echo dash-$((5*5))")
    tmux.wait("dash-25")
    tmux.type("cat /etc/hostname")
    tmux.type("exit")
    tmux.wait("dehors$")
    entries = Journal(attempt / "journal.jsonl").entries()
    kernel = [(e.cmd, e.source) for e in entries if e.source == "kernel"]
    assert ("ping -c1 -W1 203.0.113.98", "kernel") in kernel and ("cat /etc/hostname", "kernel") in kernel, kernel
