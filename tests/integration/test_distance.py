"""Remote support end to end, on real labs: intervention-distance (a fix made over SSH from the
technician's workstation, with its key, every command of the session journaled outside the
host) and panne-operateur-escalade (nothing to fix on site: diagnose, qualify, escalate)."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest
from labhelpers import sim, verdicts

REMOTE = "intervention-distance"
ISP = "panne-operateur-escalade"
REMOTE_ALL_RIGHT = {
    "TAI.CP8.1": "acquis",
    "TAI.CP8.3": "acquis",
    "TAI.CP8.5": "acquis",
    "TAI.CP4.3": "acquis",
    "TAI.CP4.5": "acquis",
    "TAI.CP4.7": "jury",
    "TAI.CT3.1": "acquis",
    "TAI.CT1.2": "jury",
    "TAI.CT2.1": "jury",
}
ISP_ALL_RIGHT = {
    "TAI.CP8.1": "acquis",
    "TAI.CP8.4": "acquis",
    "TAI.CP8.3": "acquis",
    "TAI.CP14.3": "jury",
    "TAI.CP14.5": "jury",
    "TAI.CT1.2": "jury",
    "TAI.CT2.1": "jury",
}


def ex(lab: str, host: str, cmd: str, check: bool = True) -> int:
    return sim("exec", lab, host, "--", cmd, check=check).code


def journal(info: dict) -> list[dict]:
    path = Path(os.environ["SIMULATEUR_DATA"]) / "attempts" / info["attempt"] / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("scenario", [REMOTE, ISP])
def test_selftest_every_variant_on_three_seeds(scenario):
    run = sim("selftest", scenario, "--seeds", "1,2,3", timeout=300)
    assert "ÉCHEC" not in run.out and run.out.count("OK ") >= 3, run.out


# --- intervention-distance: right fixes --------------------------------------------------------
def test_remote_one_shot_commands_with_the_key(started):
    info = started(REMOTE, seed=3, variant="desactive")
    lab = info["lab"]
    assert ex(lab, "technicien", "ssh poste 'lpstat -p'", check=False) != 0  # the scheduler is down
    ex(lab, "technicien", "ssh poste 'systemctl status cups'", check=False)
    ex(lab, "technicien", "ssh poste 'journalctl -u cups -n 5'")
    ex(lab, "technicien", "ssh poste 'systemctl enable --now cups'")
    ex(lab, "technicien", "ssh poste 'lp -d Couloir /etc/hostname'")
    sim("qualify", lab, "--impact", "bas", "--urgency", "haute")
    assert verdicts(lab) == REMOTE_ALL_RIGHT
    # Each command typed over SSH is in the attempt's journal, as run on poste, from technicien.
    remote = [e for e in journal(info) if e["source"] == "ssh"]
    assert [e["cmd"] for e in remote][-2:] == ["systemctl enable --now cups", "lp -d Couloir /etc/hostname"]
    assert {e["host"] for e in remote} == {"poste"} and {e["origin"] for e in remote} == {"technicien"}
    assert remote[0]["rc"] != 0 and remote[-1]["rc"] == 0


def test_remote_interactive_session(started):
    info = started(REMOTE, seed=1, variant="arrete")
    lab = info["lab"]
    session = (
        "systemctl status cups\\njournalctl -u cups -n 5\\nsystemctl start cups\\nlp -d Couloir /etc/hostname\\nexit\\n"
    )
    ex(lab, "technicien", f"printf '{session}' | ssh -tt poste")
    sim("qualify", lab, "--impact", "bas", "--urgency", "haute")
    assert verdicts(lab) == REMOTE_ALL_RIGHT
    from simulateur.lab.lab import Lab

    assert Lab.open(lab).default_host() == "technicien"  # where `simulateur shell LAB` opens (shell_host)
    entries = journal(info)
    assert any(
        e["source"] == "event" and e["cmd"].startswith("session SSH ouverte sur poste depuis technicien")
        for e in entries
    )
    typed = [(e["cmd"], e["rc"]) for e in entries if e["source"] == "ssh"]
    assert ("systemctl start cups", 0) in typed and ("lp -d Couloir /etc/hostname", 0) in typed


# --- intervention-distance: wrong fixes --------------------------------------------------------
def test_remote_fix_made_on_site_instead(started):
    info = started(REMOTE, seed=3, variant="desactive")
    lab = info["lab"]
    ex(lab, "poste", "systemctl status cups", check=False)
    ex(lab, "poste", "journalctl -u cups -n 5")
    ex(lab, "poste", "systemctl enable --now cups")
    ex(lab, "poste", "lp -d Couloir /etc/hostname")
    sim("qualify", lab, "--impact", "bas", "--urgency", "haute")
    v = verdicts(lab)
    assert v["TAI.CP8.3"] == v["TAI.CP4.5"] == v["TAI.CT3.1"] == "acquis"  # it works…
    assert v["TAI.CP8.5"] == "non_acquis"  # …but not remotely
    # Writing to the journal's socket from a local shell does not make a remote session of it:
    # the collector only listens to children of the host's sshd.
    fake = json.dumps({"cmd": "systemctl enable --now cups", "rc": 0})
    script = (
        f"import socket\ntry:\n s = socket.socket(socket.AF_UNIX); s.connect('/run/simulateur/journal.sock'); "
        f"s.sendall({fake!r}.encode() + b'\\n'); s.close()\n"
        "except OSError:\n pass  # the collector may close on us first: it is refusing the sender anyway"
    )
    ex(lab, "poste", "python3 -c " + shlex.quote(script))
    assert not [e for e in journal(info) if e["source"] == "ssh"]
    assert verdicts(lab)["TAI.CP8.5"] == "non_acquis"


def test_remote_password_typed_on_the_command_line(started):
    info = started(REMOTE, seed=3, variant="desactive")
    lab, password = info["lab"], info["params"]["poste_mdp"]
    login = f"sshpass -p {password} ssh -o PubkeyAuthentication=no poste"
    ex(lab, "technicien", f"{login} 'systemctl status cups'", check=False)
    ex(lab, "technicien", f"{login} 'journalctl -u cups -n 5'")
    ex(lab, "technicien", f"{login} 'systemctl enable --now cups'")
    ex(lab, "technicien", f"{login} 'lp -d Couloir /etc/hostname'")
    v = verdicts(lab)
    assert v["TAI.CP8.3"] == v["TAI.CP4.5"] == "acquis"  # fixed, remotely…
    assert v["TAI.CT3.1"] == "non_acquis"  # …with the password in clear
    assert v["TAI.CP8.5"] == "non_acquis"  # and no key-based session
    result = sim("check", lab, "--json").json()
    ct31 = next(c for c in result["criteria"] if c["id"] == "TAI.CT3.1")
    assert "sshpass -p ••••••" in ct31["evidence"][0] and password not in ct31["evidence"][0]


def test_remote_half_fix_started_not_enabled(started):
    lab = started(REMOTE, seed=3, variant="desactive")["lab"]
    ex(lab, "technicien", "ssh poste 'systemctl status cups'", check=False)
    ex(lab, "technicien", "ssh poste 'systemctl start cups'")
    v = verdicts(lab)
    assert v["TAI.CP8.3"] == "acquis" and v["TAI.CP4.5"] == "non_acquis"  # back until the next boot only
    assert v["TAI.CP8.5"] == "acquis"


# --- panne-operateur-escalade ------------------------------------------------------------------
def _diagnose(lab: str, routeur_ip: str) -> None:
    ex(lab, "poste", f"ping -c1 -W1 {routeur_ip}")
    assert ex(lab, "poste", "ping -c1 -W1 203.0.113.80", check=False) != 0
    ex(lab, "poste", "traceroute -n -w1 -q1 -m3 203.0.113.80", check=False)
    ex(lab, "routeur", "ip -br addr; ip route")
    assert ex(lab, "routeur", "ping -c1 -W1 203.0.113.1", check=False) != 0


def _escalate(lab: str, done: str = "ping passerelle agence OK ; ping 203.0.113.1 depuis le routeur KO") -> None:
    sim("escalate", lab, "--to", "prestataire", "--reason", "passerelle de l'opérateur injoignable", "--done", done)


@pytest.mark.parametrize("variant", ["lien_coupe", "routage_operateur"])
def test_isp_diagnose_qualify_escalate(started, variant):
    info = started(ISP, seed=4, variant=variant)
    lab = info["lab"]
    _diagnose(lab, info["params"]["routeur_ip"])
    sim("qualify", lab, "--impact", "haut", "--urgency", "haute")
    _escalate(lab)
    assert verdicts(lab) == ISP_ALL_RIGHT


def test_isp_router_config_changed(started):
    info = started(ISP, seed=4, variant="lien_coupe")
    lab = info["lab"]
    _diagnose(lab, info["params"]["routeur_ip"])
    ex(lab, "routeur", "ip route replace default via 203.0.113.254", check=False)  # « essayer autre chose »
    sim("qualify", lab, "--impact", "haut", "--urgency", "haute")
    _escalate(lab)
    v = verdicts(lab)
    assert v["TAI.CP8.4"] == "non_acquis"
    assert v["TAI.CP8.3"] == "acquis" and v["TAI.CP8.1"] == "acquis"


def test_isp_poste_dns_changed_no_escalation(started):
    info = started(ISP, seed=4, variant="routage_operateur")
    lab = info["lab"]
    _diagnose(lab, info["params"]["routeur_ip"])
    ex(lab, "poste", "echo 'nameserver 203.0.113.53' > /etc/resolv.conf")
    v = verdicts(lab)
    assert v["TAI.CP8.4"] == "non_acquis"  # the site's resolver was changed
    assert v["TAI.CP8.3"] == v["TAI.CP14.5"] == "non_acquis"  # and nothing was escalated


def test_isp_escalated_without_tests(started):
    lab = started(ISP, seed=4, variant="lien_coupe")["lab"]
    run = sim("escalate", lab, "--to", "moi", "--reason", "x", check=False)
    assert run.code == 2 and "destinataire d'escalade « moi » inconnu" in run.err
    sim("qualify", lab, "--impact", "haut", "--urgency", "haute")
    _escalate(lab, done="")
    v = verdicts(lab)
    assert v["TAI.CP14.3"] == "non_acquis" and v["TAI.CP14.5"] == "non_acquis"
    assert v["TAI.CP8.3"] == "acquis" and v["TAI.CP8.4"] == "acquis"


def collectors(lab: str) -> list[int]:
    """The lab's SSH journal collector (found by its command line, only to check it ends with the lab)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"simulateur.journal.remote" in argv and lab.encode() in argv:
            found.append(int(proc.name))
    return found


def test_isp_fixed_on_the_operator_side(started):
    lab = started(ISP, seed=4, variant="lien_coupe")["lab"]
    ex(lab, "internet", "ip link set eth0 up")  # out of the technician's reach in real life
    assert verdicts(lab)["TAI.CP8.4"] == "non_acquis"
    assert collectors(lab)  # poste runs sshd: its sessions are journaled…
    sim("stop", lab)
    assert not collectors(lab)  # …until the lab stops, collector included
