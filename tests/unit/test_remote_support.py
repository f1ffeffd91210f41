"""Remote support without a lab: lab SSH keys in OpenSSH's formats, ssh command lines in the
journal, and the facts scored from the journal and the escalation."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from simulateur.errors import ScenarioError
from simulateur.journal.classify import Kind, classify
from simulateur.journal.store import Entry
from simulateur.lab import sshkeys
from simulateur.scenario.loader import load_scenario
from simulateur.scenario.models import JournalEvidence, TicketEvidence
from simulateur.scoring import remote
from simulateur.session.attempt import Escalation

ROOT = Path(__file__).resolve().parents[2]


# --- keys --------------------------------------------------------------------------------------
@pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="openssh-client (make deps) absent")
def test_keys_are_real_openssh_keys(tmp_path):
    key = sshkeys.user_key(7, "technicien")
    private, public = tmp_path / "id", tmp_path / "id.pub"
    private.write_text(key.private_file())
    private.chmod(0o600)
    public.write_text(key.public_line() + "\n")
    derived = subprocess.run(["ssh-keygen", "-y", "-f", str(private)], capture_output=True, text=True, check=True)
    assert derived.stdout.split()[:2] == key.public_line().split()[:2]
    shown = subprocess.run(["ssh-keygen", "-lf", str(public)], capture_output=True, text=True, check=True)
    assert key.fingerprint() in shown.stdout
    # The secret really is the public key's: a signature made with it verifies against it.
    (tmp_path / "msg").write_text("bonjour")
    subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-f", str(private), "-n", "file", str(tmp_path / "msg")],
        capture_output=True,
        check=True,
    )
    (tmp_path / "allowed").write_text(f"technicien {key.public_line()}\n")
    with open(tmp_path / "msg") as msg:
        ok = subprocess.run(
            [
                "ssh-keygen",
                "-Y",
                "verify",
                "-f",
                str(tmp_path / "allowed"),
                "-I",
                "technicien",
                "-n",
                "file",
                "-s",
                str(tmp_path / "msg.sig"),
            ],
            stdin=msg,
            capture_output=True,
        )
    assert ok.returncode == 0


def test_keys_depend_on_seed_host_and_role():
    assert sshkeys.user_key(1, "poste") == sshkeys.user_key(1, "poste")
    lines = {
        sshkeys.user_key(1, "poste").public_line(),
        sshkeys.user_key(2, "poste").public_line(),
        sshkeys.host_key(1, "poste").public_line(),
        sshkeys.user_key(1, "technicien").public_line(),
    }
    assert len({line.split()[1] for line in lines}) == 4


# --- classification of ssh lines ---------------------------------------------------------------
@pytest.mark.parametrize(
    "line,kind",
    [
        ("ssh poste", Kind.OTHER),  # a session: its commands count there
        ("ssh -tt poste", Kind.OTHER),
        ("ssh poste 'systemctl status cups'", Kind.DIAGNOSTIC),
        ("ssh -o BatchMode=yes -p 22 poste 'systemctl start cups'", Kind.CHANGE),
        ("ssh root@poste lp -d Couloir /etc/hostname", Kind.TEST),
        ("sshpass -p secret ssh poste 'systemctl enable --now cups'", Kind.CHANGE),
    ],
)
def test_ssh_lines_are_classified_by_their_remote_command(line, kind):
    assert classify(line) is kind


# --- journal facts -----------------------------------------------------------------------------
def entry(host: str, cmd: str, source: str = "ssh", origin: str | None = "technicien", t: float = 0.0) -> Entry:
    return Entry(t=t or time.time(), host=host, cmd=cmd, rc=0, source=source, origin=origin)  # type: ignore[arg-type]


REMOTE = JournalEvidence(journal="remote_changes", hosts=["poste"], origin="technicien")


def test_remote_changes_all_over_ssh():
    ok, text = remote.remote_changes(
        REMOTE,
        [
            entry("poste", "systemctl status cups"),
            entry("poste", "systemctl start cups"),
            entry("technicien", "ssh poste", source="shell", origin=None),
        ],
    )
    assert ok and "1 modification" in text


def test_remote_changes_one_local_command_fails():
    ok, text = remote.remote_changes(
        REMOTE, [entry("poste", "systemctl start cups"), entry("poste", "lpstat -p", source="shell", origin=None)]
    )
    assert not ok and "en local" in text


def test_remote_changes_from_another_host_or_nothing_changed_fails():
    assert not remote.remote_changes(REMOTE, [entry("poste", "systemctl start cups", origin="srv")])[0]
    ok, text = remote.remote_changes(REMOTE, [entry("poste", "systemctl status cups")])
    assert not ok and "aucune modification" in text


def test_no_password_in_commands():
    ev = JournalEvidence(journal="no_password_in_command", secrets=["Galet.123"])
    assert remote.no_password(ev, [entry("technicien", "ssh poste", source="shell")])[0]
    ok, text = remote.no_password(ev, [entry("technicien", "echo Galet.123 | sudo -S true", source="shell")])
    assert not ok and "Galet.123" not in text and "••••••" in text
    assert not remote.no_password(ev, [entry("technicien", "sshpass -p autre ssh poste", source="shell")])[0]
    assert not remote.no_password(ev, [entry("technicien", "SSHPASS=x sshpass -e ssh poste", source="shell")])[0]


# --- escalation --------------------------------------------------------------------------------
def test_escalation_facts():
    t0 = time.time()
    tests = [
        entry("poste", "ping -c1 192.0.2.1", source="exec", origin=None, t=t0 - 20),
        entry("routeur", "ping -c1 203.0.113.1", source="exec", origin=None, t=t0 - 10),
    ]
    esc = Escalation(to="prestataire", reason="passerelle opérateur muette", done="ping OK / KO", t=t0)
    full = TicketEvidence(ticket="escalation", to=["prestataire"], min=2, hosts=["poste", "routeur"])
    assert remote.escalation(full, esc, tests)[0]
    assert not remote.escalation(full, None, tests)[0]
    assert not remote.escalation(full, esc.model_copy(update={"to": "niveau2"}), tests)[0]
    assert not remote.escalation(full, esc.model_copy(update={"done": ""}), tests)[0]
    assert not remote.escalation(full, esc, tests[:1])[0]  # too few tests, none on routeur
    late = [e.model_copy(update={"t": t0 + 5}) for e in tests]  # tests typed after escalating
    assert not remote.escalation(full, esc, late)[0]
    routed = TicketEvidence(ticket="escalation", to=["prestataire"])
    assert remote.escalation(routed, esc.model_copy(update={"done": ""}), [])[0]


# --- scenario files ----------------------------------------------------------------------------
def test_shell_host_must_be_a_host_of_the_lab(tmp_path):
    shutil.copytree(ROOT / "scenarios" / "topologies", tmp_path / "topologies")
    text = (ROOT / "scenarios" / "intervention-distance.yaml").read_text()
    path = tmp_path / "intervention-distance.yaml"
    path.write_text(text.replace("shell_host: technicien", "shell_host: routeur"))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    line = next(i for i, l in enumerate(path.read_text().splitlines(), 1) if l.startswith("shell_host"))
    assert any(f":{line}:" in p and "routeur" in p for p in exc.value.problems), exc.value.problems
