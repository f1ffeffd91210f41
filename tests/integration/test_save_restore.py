"""A prepared lab saved, stopped, restored another « day », then the jury's intervention injected
into it (issue 19 item 1): the same probe results after restore as before save, after several kinds
of change by the candidate; an injected scenario's symptom seen, its reference solution applied, its
checker passing; a scenario whose hosts the lab lacks refused in one French line."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from labhelpers import sim
from pydantic import TypeAdapter

pytestmark = pytest.mark.integration

# What a candidate does in the phase préparatoire, one kind of change each: a config file edited
# (and the service restarted), a file of the system deleted (a whiteout), a folder's group and mode
# set, a private file, a user and a group added, a service enabled and another disabled.
PREPARE = (
    "echo 'address=/imprimante.{domaine}/192.0.2.9' >> /etc/dnsmasq.conf && systemctl restart dnsmasq"
    " && rm /etc/motd"
    " && groupadd compta && useradd -m -G compta alice"
    " && mkdir /srv/compta && chgrp compta /srv/compta && chmod 2770 /srv/compta"
    " && echo secret > /root/notes && chmod 600 /root/notes && python3 -c \"import os; os.setxattr('/root/notes', 'user.classement', b'compta')\""
    " && systemctl enable --now smbd && systemctl disable --now radicale"
)
NETWORK = (
    "sed -i '/address 203.0.113.1\\/24/a\\    up ip addr add 203.0.113.99/24 dev eth0' /etc/network/interfaces"
    " && ifdown eth0 && ifup eth0"
)
STATE = (
    "getent passwd alice; getent group compta; stat -c '%n %A %U %G' /srv/compta /root/notes /home/alice;"
    " python3 -c \"import os; print(os.getxattr('/root/notes', 'user.classement'))\"; test -e /etc/motd && echo motd || echo pas-de-motd;"
    " for s in dnsmasq smbd radicale depot; do echo $s $(systemctl is-enabled $s) $(systemctl is-active $s); done;"
    " grep -c imprimante /etc/dnsmasq.conf"
)


def probes(params: dict[str, str]) -> list:
    from simulateur.probes import Probe

    specs = [
        {
            "id": "dns",
            "probe": "dns.query",
            "host": "poste",
            "server": "srv",
            "name": f"imprimante.{params['domaine']}",
            "expect": "192.0.2.9",
        },
        {"id": "bail", "probe": "dhcp.lease", "host": "poste", "iface": "eth0", "server": "srv"},
        {"id": "smbd_on", "probe": "service.enabled", "host": "srv", "service": "smbd"},
        {"id": "radicale_on", "probe": "service.enabled", "host": "srv", "service": "radicale"},
        {"id": "smbd", "probe": "service.running", "host": "srv", "service": "smbd"},
        {"id": "radicale", "probe": "service.running", "host": "srv", "service": "radicale"},
        {"id": "dnsmasq", "probe": "service.running", "host": "srv", "service": "dnsmasq"},
        {"id": "notes", "probe": "file.private", "host": "srv", "path": "/root/notes"},
        {"id": "motd", "probe": "file.private", "host": "srv", "path": "/etc/motd"},
        {"id": "passerelle", "probe": "net.ping", "host": "poste", "target": params["routeur_ip"]},
        {"id": "web", "probe": "net.ping", "host": "poste", "target": "203.0.113.80"},
    ]
    return [TypeAdapter(Probe).validate_python(s) for s in specs]


def observe(lab_id: str) -> tuple[dict[str, bool], str, dict[str, str]]:
    from simulateur.lab.lab import Lab
    from simulateur.session import run as _run  # noqa: F401  (registers the host kinds as the CLI does)

    lab = Lab.open(lab_id)
    results = {p.id: p.run(lab) for p in probes(lab.params)}
    state = lab.host("srv").run(["bash", "-c", STATE]).stdout
    state += " ".join(lab.host("internet").run(["ip", "-br", "-4", "addr", "show", "eth0"]).stdout.split()[2:])
    return {k: r.ok for k, r in results.items()}, state, {k: r.observed for k, r in results.items()}


def test_save_restore_same_probes_then_inject(started, tmp_path):
    t0 = time.monotonic()
    info = started("dhcp-serveur-arrete", seed=7)
    lab1 = info["lab"]
    # The candidate's network, healthy (as phase 1 leaves it), then her own changes.
    sim("exec", lab1, "srv", "--", "systemctl start dnsmasq")
    sim("exec", lab1, "poste", "--", "ifdown eth0; ifup eth0")
    from simulateur.lab.lab import Lab

    params = Lab.open(lab1).params
    sim("exec", lab1, "srv", "--", PREPARE.replace("{domaine}", params["domaine"]))
    # A network setting of her own (a boot would apply it; the lab wires the topology's).
    sim("exec", lab1, "internet", "--", NETWORK)
    before, state_before, seen = observe(lab1)
    assert before == {
        "dns": True,
        "bail": True,
        "smbd_on": True,
        "radicale_on": False,
        "smbd": True,
        "radicale": False,
        "dnsmasq": True,
        "notes": True,
        "motd": False,
        "passerelle": True,
        "web": True,
    }, seen
    assert "203.0.113.99/24" in state_before
    archive = tmp_path / "plateau.simlab.tar.gz"
    out = sim("lab", "save", lab1, "--out", str(archive)).out
    assert "sauvegardé" in out and archive.stat().st_mode & 0o077 == 0
    t_saved = time.monotonic()
    sim("stop", lab1)

    restored = sim("lab", "restore", str(archive), "--candidate", "Alice Candidate", timeout=300)
    lab2 = restored.out.split("laboratoire ")[1].split()[0]
    try:
        t_restored = time.monotonic()
        after, state_after, seen = observe(lab2)
        assert after == before, seen
        assert state_after == state_before
        assert Lab.open(lab2).params == params  # the same addresses and passwords

        # Another scenario whose hosts this lab lacks: refused, one French line, nothing changed.
        refused = sim("inject", "nas-reservation-dns", "--lab", lab2, check=False)
        assert refused.code != 0 and "nas" in refused.err and len(refused.err.strip().splitlines()) == 1

        # The jury's intervention: the same scenario's faults, into her network.
        out = sim("inject", "dhcp-serveur-arrete", "--lab", lab2, "--seed", "3").out
        assert "injectée" in out
        lab = Lab.open(lab2)
        assert {k: v for k, v in lab.params.items() if k in params and k != "variante"} == {
            k: v for k, v in params.items() if k != "variante"
        }
        from simulateur.scenario.models import Scenario
        from simulateur.scoring import run_probes

        scenario = Scenario.model_validate_json((lab.state.dir / "scenario.json").read_text())
        symptom = {p.id: p.ok for p in run_probes(scenario, lab)}
        assert symptom["dhcp_actif"] is False and symptom["bail"] is False
        lab.apply(scenario.solution)  # the reference solution, as a candidate would type it
        grid = json.loads(sim("check", lab2, "--json").out)
        probes_seen = {p["id"]: p["ok"] for p in grid["probes"]}
        assert probes_seen and all(probes_seen.values()), probes_seen
        attempt = lab.state.attempt_dir
        assert attempt and Path(attempt).is_dir()
        # Her own work is still there after the intervention.
        _, state_end, _ = observe(lab2)
        assert "alice" in state_end and "pas-de-motd" in state_end
        print(
            f"\nprepare+save {t_saved - t0:.1f} s, restore {t_restored - t_saved:.1f} s, "
            f"inject+check {time.monotonic() - t_restored:.1f} s"
        )
    finally:
        sim("stop", lab2, check=False)


def test_a_damaged_archive_builds_nothing(started, tmp_path):
    """A truncated archive: one French line, no lab left behind."""
    info = started("dhcp-serveur-arrete", seed=7)
    archive = tmp_path / "p.simlab.tar.gz"
    sim("lab", "save", info["lab"], "--out", str(archive))
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    from simulateur.lab.state import list_lab_ids
    from simulateur.paths import lab_id_prefix

    def mine() -> set[str]:  # this test's labs: other workers start theirs meanwhile
        return {lab for lab in list_lab_ids() if lab.startswith(lab_id_prefix())}

    labs = mine()
    res = sim("lab", "restore", str(archive), check=False)
    assert res.code != 0 and "refusée" in res.err and len(res.err.strip().splitlines()) == 1
    assert mine() == labs
    assert os.path.exists(archive)


def test_with_user_namespaces_the_owners_are_the_hosts(tmp_path):
    """Option SIMULATEUR_USERNS: a host's files are saved with its own ids, and restored under the
    new lab's id range — owners, groups and deletions as the candidate left them, root still root."""
    env = {"SIMULATEUR_USERNS": "1"}
    lab1 = sim("start", "dhcp-serveur-arrete", "--seed", "7", "--json", env=env, timeout=300).json()["lab"]
    archive = tmp_path / "u.simlab.tar.gz"
    look = "stat -c '%n %U %G %a' /srv/f /home/alice; test -e /etc/motd || echo pas-de-motd; id -u"
    try:
        sim(
            "exec",
            lab1,
            "srv",
            "--",
            "groupadd compta && useradd -m alice && echo x > /srv/f"
            " && chown alice:compta /srv/f && chmod 640 /srv/f && rm /etc/motd",
        )
        from simulateur.lab.lab import Lab

        before = Lab.open(lab1).host("srv").run(["bash", "-c", look]).stdout
        sim("lab", "save", lab1, "--out", str(archive), env=env)
    finally:
        sim("stop", lab1, check=False)
    lab2 = sim("lab", "restore", str(archive), env=env, timeout=300).out.split("laboratoire ")[1].split()[0]
    try:
        lab = Lab.open(lab2)
        assert lab.state.hosts["srv"].uid_base is not None
        assert (
            lab.host("srv").run(["bash", "-c", look]).stdout
            == before
            == "/srv/f alice compta 640\n/home/alice alice alice 755\npas-de-motd\n0\n"
        )
        assert lab.host("srv").run(["bash", "-c", "touch /etc/x /srv/y"]).returncode == 0
    finally:
        sim("stop", lab2, check=False)
