"""Where an SSH session comes from is the kernel's word, never the host's (issue 15, item 4), and
sshd's log is kept outside the host. Real labs: intervention-distance (`poste` runs sshd; its root
logs in with technicien's key, or with its password from any host)."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest
from labhelpers import sim

REMOTE = "intervention-distance"
REFUSED = "aucune connexion réseau acceptée"


def ex(lab: str, host: str, cmd: str, check: bool = True):
    return sim("exec", lab, host, "--", cmd, check=check)


def attempt(info: dict) -> Path:
    return Path(os.environ["SIMULATEUR_DATA"]) / "attempts" / info["attempt"]


def journal(info: dict) -> list[dict]:
    return [json.loads(line) for line in (attempt(info) / "journal.jsonl").read_text().splitlines()]


def params(lab: str) -> dict[str, str]:
    from simulateur.lab.lab import Lab

    return dict(Lab.open(lab).state.params)


def address(lab: str, host: str) -> str:
    from simulateur.lab.lab import Lab

    return str(Lab.open(lab).address_of(host))


def test_each_sessions_origin_is_the_host_at_the_other_end_of_its_connection(started):
    info = started(REMOTE, seed=2, variant="arrete")
    lab = info["lab"]
    ex(lab, "technicien", "ssh poste 'systemctl start cups'")
    # From srv, with poste's root password (sshpass reads it from the environment).
    password = params(lab)["poste_mdp"]
    ex(lab, "srv", f"SSHPASS={shlex.quote(password)} sshpass -e ssh -o StrictHostKeyChecking=no poste 'lpstat -r'")
    entries = journal(info)
    ssh = [(e["cmd"], e["origin"]) for e in entries if e["source"] == "ssh"]
    assert ssh == [("systemctl start cups", "technicien"), ("lpstat -r", "srv")], ssh
    opened = [e for e in entries if e["source"] == "event" and e["cmd"].startswith("session SSH ouverte")]
    assert [e["origin"] for e in opened] == ["technicien", "srv"]
    assert f"depuis technicien ({address(lab, 'technicien')} port " in opened[0]["cmd"]
    assert "connexion vue par le noyau" in opened[0]["cmd"]
    # sshd's own words, kept in the attempt: both sessions, each from its host's address.
    log = (attempt(info) / "sshd-poste.log").read_text()
    assert f"Accepted publickey for root from {address(lab, 'technicien')} port " in log, log
    assert f"Accepted password for root from {address(lab, 'srv')} port " in log, log


FORGED_ENV = (
    "SSH_CONNECTION='{tech} 40000 {poste} 22' SSH_CLIENT='{tech} 40000 22' USER=root "
    "SSH_ORIGINAL_COMMAND='systemctl start cups' /usr/local/lib/simulateur/ssh-session"
)


@pytest.mark.parametrize("how", ["no-sshd", "bash-as-sshd", "bash-as-sshd-with-a-connection-out"])
def test_a_forged_ssh_connection_never_yields_an_origin(started, how):
    info = started(REMOTE, seed=2, variant="arrete")
    lab = info["lab"]
    forged = FORGED_ENV.format(tech=address(lab, "technicien"), poste=address(lab, "poste"))
    if how == "no-sshd":  # a session started by hand in the host: no sshd, no connection
        script = f"env {forged}; true"
    else:  # the host's root puts bash in sshd's place and runs the session under it
        # ... holding, in the last case, a real TCP connection it made itself (to the printer).
        out = f"exec 3<>/dev/tcp/{address(lab, 'imprimante')}/8631; " if how.endswith("out") else ""
        script = f"cp --remove-destination /bin/bash /usr/sbin/sshd && /usr/sbin/sshd -c {shlex.quote(out + 'env ' + forged + '; true')}"
    run = ex(lab, "poste", script, check=False)
    assert run.code == 0, run.out + run.err
    if how != "no-sshd":
        assert REFUSED in run.err, run.err
    entries = journal(info)
    assert not [e for e in entries if e["host"] == "poste" and (e["source"] == "ssh" or e["origin"])], entries
    assert "technicien" not in (attempt(info) / "sshd-poste.log").read_text()


def test_sshds_log_is_out_of_the_hosts_reach(started):
    info = started(REMOTE, seed=2, variant="arrete")
    lab = info["lab"]
    ex(lab, "technicien", "ssh poste true")
    log = attempt(info) / "sshd-poste.log"
    before = log.read_text()
    assert "Accepted publickey for root from" in before
    # The host sees no such file; its own copy of the log still shows sshd's lines.
    assert ex(lab, "poste", f"test -e {shlex.quote(str(log))}", check=False).code != 0
    assert "Accepted publickey for root from" in ex(lab, "poste", "journalctl -u ssh --no-pager").out
    # Lines sent to /dev/log by anything but the host's genuine sshd — logger, or logger copied
    # in sshd's place — never reach the attempt's log.
    lie = "Accepted publickey for root from 10.9.9.9 port 1 ssh2"
    ex(lab, "poste", f"logger -t sshd {shlex.quote(lie)}", check=False)
    ex(
        lab,
        "poste",
        f"cp --remove-destination /usr/bin/logger /usr/sbin/sshd && /usr/sbin/sshd -t sshd {shlex.quote(lie)}",
        check=False,
    )
    ex(lab, "poste", f"echo {shlex.quote(lie)} >> /var/log/sysd/ssh.log")  # its own copy is the host's
    assert "10.9.9.9" not in log.read_text()
    assert log.read_text().startswith(before)
