"""`simulateur serve` for real: the service started by the test (root), real unprivileged Unix
accounts made by the fixture (system accounts with no home, removed afterwards with their groups),
the CLI run as them with setpriv. Every refusal is a test: a candidate cannot mark, read a grid or
a report, act for another, reach another's lab, outlive her deadline; the jury cannot create a
session. Then the deadline held by the service (an exec and a shell running at that moment are
ended, the lab scored and stopped, a later exec refused), a client killed during `exam start`
resumed, and a service restarted while a deadline passed."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import pytest
from servehelpers import (  # noqa: F401 — fixtures, and names other test modules import from here
    ROOT,
    Accounts,
    Service,
    _ask_until,
    _can_freeze,
    _client_python,
    _lab_gone,
    _read_until,
    _run,
    _session,
    _set_deadline,
    _start,
    _wait,
    accounts,
    as_user,
    end_labs,
    forget_service_files,
    listening_url,
    quick,
    refused,
    service,
)

from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.lab import cgroups


def test_no_service_one_french_line(accounts: Accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", "svnone")
    proc = as_user(accounts, "alice", "exam", "status", "eb1")
    assert proc.returncode == 4 and "n'est pas lancé" in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_roles_every_refusal(service: Service, accounts: Accounts, tmp_path: Path) -> None:
    refused(as_user(accounts, "jury", "exam", "new", "--count", "1"), "n'est pas permis à votre rôle (jury)")
    sid = _session(accounts)
    refused(as_user(accounts, "stranger", "exam", "start", sid), "pas sur la liste des candidats")
    refused(as_user(accounts, "alice", "exam", "start", sid, "--candidate", "Bruno Petit"), "que pour vous-même")
    a = _start(accounts, "alice", sid)
    lab = a["lab"]
    assert a["candidate"] == "Alice Martin" and a["intervention"] == 1

    # Her own lab: exec (output on her own stdout), qualification, fiche from a file of hers.
    proc = as_user(accounts, "alice", "exec", lab, "poste", "--", "ip -br addr")
    assert proc.returncode == 0 and "eth0" in proc.stdout, proc.stderr
    assert as_user(accounts, "alice", "qualify", lab, "--impact", "moyen", "--urgency", "haute").returncode == 0
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:  # pytest's own tmp is root's only
        os.chmod(folder, 0o755)
        fiche = Path(folder) / "fiche.txt"
        fiche.write_text("cause: le serveur DHCP était arrêté\n")
        fiche.chmod(0o644)
        proc = as_user(accounts, "alice", "exam", "fiche", sid, "--file", str(fiche))
        assert proc.returncode == 0, proc.stderr
    assert ExamDB().store.fiche(a["attempt"])["cause"] == "le serveur DHCP était arrêté"
    # A file she cannot read is not read for her by the service.
    proc = as_user(accounts, "alice", "exam", "fiche", sid, "--file", "/etc/shadow")
    assert proc.returncode == 2 and "impossible d'ouvrir /etc/shadow" in proc.stderr

    # What is not hers: the jury's sheet and marks, the session, reports, another's lab, the grid.
    refused(
        as_user(
            accounts,
            "alice",
            "exam",
            "jury",
            sid,
            "--candidate",
            "Alice Martin",
            "--intervention",
            "1",
            "--criterion",
            "TAI.CP14.4",
            "--verdict",
            "acquis",
        ),
        "(candidat)",
    )
    refused(as_user(accounts, "alice", "exam", "jury", sid, "--candidate", "Alice Martin"), "(candidat)")
    refused(as_user(accounts, "alice", "exam", "show", sid), "(candidat)")
    refused(as_user(accounts, "alice", "report", sid, "--candidate", "Alice Martin", "--format", "json"), "(candidat)")
    refused(as_user(accounts, "alice", "attempts"), "(candidat)")
    refused(as_user(accounts, "alice", "exam", "roster", sid, "--add", "Zoé Test"), "(candidat)")
    refused(as_user(accounts, "alice", "check", lab), "(candidat)")
    refused(
        as_user(accounts, "alice", "exam", "fiche", sid, "--candidate", "Bruno Petit", "--set", "cause=x"),
        "que pour vous-même",
    )
    refused(as_user(accounts, "bruno", "exec", lab, "poste", "--", "id"), f"{lab} n'est pas celui")
    refused(as_user(accounts, "bruno", "qualify", lab, "--impact", "bas", "--urgency", "basse"), "n'est pas celui")
    refused(as_user(accounts, "jury", "exec", lab, "poste", "--", "id"), "n'est pas celui")
    refused(as_user(accounts, "trainer", "exam", "jury", sid, "--candidate", "Alice Martin"), "(formateur)")
    # She cannot stop the service, her deadline's keeper.
    kill = subprocess.run(
        [
            "setpriv",
            f"--reuid={accounts.users['alice']}",
            "--regid=nogroup",
            "--init-groups",
            "--",
            "kill",
            "-9",
            str(service.proc.pid),
        ],
        capture_output=True,
    )
    assert kill.returncode != 0 and service.proc.poll() is None

    # The jury's own work: the sheet, a mark; the trainer's: the roster, the audit.
    proc = as_user(accounts, "jury", "exam", "jury", sid, "--candidate", "Alice Martin", "--json")
    assert proc.returncode == 0, proc.stderr
    crit = json.loads(proc.stdout)[0]["criteria"][0]["id"]
    proc = as_user(
        accounts,
        "jury",
        "exam",
        "jury",
        sid,
        "--candidate",
        "Alice Martin",
        "--intervention",
        "1",
        "--criterion",
        crit,
        "--verdict",
        "acquis",
    )
    assert proc.returncode == 0, proc.stderr
    assert [m.criterion for m in ExamDB().jury(sid, "Alice Martin")] == [crit]
    assert as_user(accounts, "trainer", "exam", "roster", sid, "--add", "Chloé Sans Compte").returncode == 0

    # Every request audited: who (the kernel's uid), what, the outcome.
    log = ExamDB().audit_log()
    alice = [r for r in log if r.uid == accounts.uid("alice")]
    assert {r.verb for r in alice if r.outcome.startswith("refusé")} >= {
        "exam start",
        "exam jury",
        "exam show",
        "report",
        "attempts",
        "exam roster",
        "check",
        "exam fiche",
    }
    assert {r.verb for r in alice if r.outcome == "ok"} >= {"exam start", "exec", "qualify", "exam fiche"}
    assert any(r.uid == accounts.uid("jury") and r.verb == "exam jury" and r.outcome == "ok" for r in log)
    assert all(r.login and r.role and r.t > 0 for r in log)


def test_deadline_held_by_the_service(service: Service, accounts: Accounts) -> None:
    sid = _session(accounts)
    a = _start(accounts, "alice", sid)
    lab = a["lab"]
    run = core.get_run(ExamDB(), sid, "Alice Martin")
    assert run.watchdog_pid == service.proc.pid  # the service holds the deadline, no watchdog of hers

    # Her shell: the service's recorded relay on her own terminal.
    master, slave = os.openpty()
    shell = as_user(
        accounts, "alice", "shell", lab, "poste", stdin=slave, stdout=slave, stderr=slave, start_new_session=True
    )
    os.close(slave)
    _read_until(master, b"#", 60)
    os.write(master, b"echo bonjour-$((6*7))\r")
    _read_until(master, b"bonjour-42", 30)
    # Her window resized: the new size reaches the host's terminal.
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
    os.kill(shell.pid, signal.SIGWINCH)  # what the kernel sends her terminal's foreground
    _ask_until(master, b"stty size\r", b"33 111", 30, "la nouvelle taille de la fenêtre n'est pas arrivée")
    # A long command, and the deadline in 3 s.
    long = as_user(
        accounts,
        "alice",
        "exec",
        lab,
        "poste",
        "--",
        "sleep 120",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)
    deadline = time.time() + 3
    _set_deadline(sid, "Alice Martin", deadline)

    _out, err = long.communicate(timeout=deadline - time.time() + 10)
    ended_exec = time.time()
    assert "temps écoulé" in err, err
    shell.wait(timeout=deadline - time.time() + 10)
    ended_shell = time.time()
    with pytest.raises(OSError):  # her terminal is closed on the relay's side
        while os.read(master, 4096):
            pass
    os.close(master)
    print(f"\nexec arrêté à échéance +{ended_exec - deadline:.2f} s, shell fermé à +{ended_shell - deadline:.2f} s")
    assert ended_exec - deadline < 2 and ended_shell - deadline < 2

    time.sleep(max(0.0, deadline + 2 - time.time()))
    refused(as_user(accounts, "alice", "exec", lab, "poste", "--", "systemctl start dnsmasq"), "temps écoulé")
    refused(as_user(accounts, "alice", "shell", lab), "temps écoulé")
    db = ExamDB()
    _wait(lambda: core.get_run(db, sid, "Alice Martin").finished is not None, 30, "examen terminé")
    item = core.get_run(db, sid, "Alice Martin").items[0]
    assert item.status == "temps_ecoule" and item.ended is not None and item.ended - deadline < 2
    if _can_freeze():  # kept as it was for the jury, nothing of it running
        assert not _lab_gone(lab, a["attempt"]) and cgroups.frozen(lab) and "figé" in item.note
        proc = subprocess.run(
            [sys.executable, "-m", "simulateur", "exec", lab, "poste", "--", "true"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert proc.returncode != 0 and "figé" in proc.stderr  # not even root enters it by mistake
        refused(as_user(accounts, "alice", "exam", "release", sid), "(candidat)")
        proc = as_user(accounts, "jury", "exam", "release", sid, "--candidate", "Alice Martin")
        assert proc.returncode == 0 and lab in proc.stdout, proc.stderr
    assert _lab_gone(lab, a["attempt"])
    rec = db.store.attempt(a["attempt"])
    assert rec is not None and rec.score is not None and rec.submitted is not None  # scored as it was
    held = [r for r in db.audit_log(sid) if r.verb == "échéance"]
    assert len(held) == 1 and held[0].candidate == "Alice Martin", held
    print(held[0].detail)
    recordings = list((Path(rec.attempt_dir) / "terminals").glob("*-poste.cast"))
    assert recordings and b"bonjour-42" in recordings[0].read_bytes()  # recorded machine-side


def test_resume_after_the_client_is_killed(service: Service, accounts: Accounts) -> None:
    sid = _session(accounts)
    client = as_user(accounts, "bruno", "exam", "start", sid, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = ExamDB()
    _wait(lambda: db.run(sid, "Bruno Petit") is not None, 60, "examen commencé")
    client.send_signal(signal.SIGKILL)  # during the build
    client.wait()
    b = _start(accounts, "bruno", sid)  # the build went on in the service; resumed, not started twice
    assert b["intervention"] == 1 and b["lab"]
    run = core.get_run(db, sid, "Bruno Petit")
    assert [i.status for i in run.items] == ["en_cours"] and run.items[0].lab == b["lab"]
    again = _start(accounts, "bruno", sid)
    assert again["resumed"] and again["lab"] == b["lab"] and abs(again["deadline"] - run.deadline) < 1e-6
    proc = as_user(accounts, "bruno", "exam", "status", sid, "--json")
    assert json.loads(proc.stdout)["lab"] == b["lab"]


def test_service_restarted_mid_run(service: Service, accounts: Accounts) -> None:
    sid = _session(accounts)
    a = _start(accounts, "alice", sid)
    b = _start(accounts, "bruno", sid)
    service.stop(crash=True)  # kill -9: no goodbye, the heartbeat is its last word
    stopped = time.time()
    _set_deadline(sid, "Alice Martin", stopped + 1)  # passes while the service is down
    time.sleep(1.5)
    service.start()
    db = ExamDB()
    alice = core.get_run(db, sid, "Alice Martin")
    assert alice.finished is not None and alice.items[0].status == "temps_ecoule"
    assert "redémarrage" in alice.items[0].note, alice.items[0].note
    assert _lab_gone(a["lab"], a["attempt"]) or cgroups.frozen(a["lab"])
    assert any(r.verb == "échéance" and "redémarrage" in r.outcome for r in db.audit_log(sid))
    assert "évaluée au redémarrage" in service.log.read_text()
    # Bruno's run goes on under the new service: its timer, his lab.
    bruno = core.get_run(db, sid, "Bruno Petit")
    assert bruno.finished is None and bruno.watchdog_pid == service.proc.pid
    assert db.store.attempt(b["attempt"]).owner_pid == service.proc.pid
    from simulateur.session.store import reap_orphans

    assert reap_orphans(db.store) == []  # the app opened now takes none of the running labs
    proc = as_user(accounts, "bruno", "exec", b["lab"], "poste", "--", "true")
    assert proc.returncode == 0, proc.stderr
    refused(as_user(accounts, "alice", "exec", a["lab"], "poste", "--", "true"), "temps écoulé")
    proc = as_user(accounts, "alice", "exam", "fiche", sid, "--set", "cause=trop tard")
    assert proc.returncode == 2 and "fiche" in proc.stderr, proc.stderr
