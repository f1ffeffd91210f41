"""The first scenario, end to end through the CLI, on real labs."""

from __future__ import annotations

import json
import time
from pathlib import Path

from labhelpers import machine_state, sim


def verdicts(lab: str) -> dict[str, str]:
    result = sim("check", lab, "--json").json()
    return {c["id"]: c["verdict"] for c in result["criteria"]}


def test_right_fix_is_acquis(started):
    lab = started()["lab"]
    sim("exec", lab, "poste", "--", "ip", "-br", "addr")
    sim("exec", lab, "poste", "--", "ping -c1 -W1 8.8.8.8", check=False)
    sim("exec", lab, "srv", "--", "systemctl", "status", "dnsmasq", check=False)
    sim("exec", lab, "srv", "--", "systemctl", "start", "dnsmasq")
    sim("exec", lab, "poste", "--", "dhclient", "eth0")
    sim("exec", lab, "poste", "--", "ping -c1 www.exemple.fr")
    sim("qualify", lab, "--impact", "moyen", "--urgency", "haute")
    assert verdicts(lab) == {
        "TAI.CP14.2": "acquis",
        "TAI.CP14.3": "jury",
        "TAI.CP14.4": "acquis",
        "TAI.CP10.4": "acquis",
    }


def test_second_right_fix_restart_and_release_renew(started):
    lab = started(seed=11)["lab"]
    sim("exec", lab, "poste", "--", "ip a")
    sim("exec", lab, "poste", "--", "ip route")
    sim("exec", lab, "srv", "--", "systemctl restart dnsmasq")
    sim("exec", lab, "poste", "--", "dhclient -r eth0 && dhclient -v eth0")
    sim("exec", lab, "poste", "--", "dig +short www.exemple.fr")
    v = verdicts(lab)
    assert v["TAI.CP14.4"] == "acquis" and v["TAI.CP10.4"] == "acquis"
    assert v["TAI.CP14.2"] == "non_acquis"  # not qualified
    assert v["TAI.CP14.3"] == "jury"  # diagnosed, and the user part is the jury's


def test_nothing_done_is_non_acquis(started):
    lab = started()["lab"]
    assert verdicts(lab) == {
        "TAI.CP14.2": "non_acquis",
        "TAI.CP14.3": "non_acquis",
        "TAI.CP14.4": "non_acquis",
        "TAI.CP10.4": "non_acquis",
    }


def test_static_address_typed_by_hand_is_not_the_solution(started):
    info = started()
    lab, p = info["lab"], info["params"]
    prefix = p["lan"].split("/")[1]
    static = p["lan"].rsplit(".", 1)[0].split("/")[0] + ".50"
    sim("exec", lab, "poste", "--", "ip a")
    sim("exec", lab, "poste", "--", "cat /etc/resolv.conf")
    # (the server left stopped: started, the boot's dhclient — still asking, as on Debian — would
    # bring a lease beside the typed address within seconds)
    sim(
        "exec",
        lab,
        "poste",
        "--",
        f"ip addr add {static}/{prefix} dev eth0 && ip route add default via {p['routeur_ip']}",
    )
    sim("exec", lab, "poste", "--", "ping -c1 203.0.113.80")
    result = sim("check", lab, "--json").json()
    crit = {c["id"]: c for c in result["criteria"]}
    assert crit["TAI.CP14.4"]["verdict"] == "non_acquis"
    probes = {pr["id"]: pr for pr in result["probes"]}
    assert probes["bail"]["ok"] is False and "fixe" in probes["bail"]["observed"]
    assert probes["internet"]["ok"] is True  # the network works, but not the way the ticket asks


def test_server_fixed_the_client_comes_back_by_itself(started):
    """As on Debian 12: the dhclient ifupdown started at boot got no lease and kept asking (every
    `retry` seconds); once the server runs, the PC gets its address back without anyone touching it."""
    from simulateur.session.run import open_attempt

    lab = started()["lab"]
    sim("exec", lab, "srv", "--", "systemctl start dnsmasq")
    poste = open_attempt(lab)[0].host("poste")
    deadline = time.monotonic() + 60
    while " inet " not in poste.run(["ip", "-4", "addr", "show", "eth0"]).stdout:
        assert time.monotonic() < deadline, "poste sans adresse 60 s après le redémarrage du serveur"
        time.sleep(0.5)
    result = sim("check", lab, "--json").json()
    crit = {c["id"]: c["verdict"] for c in result["criteria"]}
    probes = {pr["id"]: pr["ok"] for pr in result["probes"]}
    assert probes["dhcp_actif"] and probes["offre_dhcp"] and probes["bail"]
    assert crit["TAI.CP14.4"] == "acquis"


def test_journal_and_results_are_kept_outside_the_hosts(started):
    info = started()
    lab = info["lab"]
    sim("exec", lab, "poste", "--", "echo bonjour")
    sim("check", lab)
    attempts = Path(__import__("os").environ["SIMULATEUR_DATA"]) / "attempts"
    (attempt,) = [d for d in attempts.iterdir() if d.name == info["attempt"]]
    lines = [json.loads(x) for x in (attempt / "journal.jsonl").read_text().splitlines()]
    assert lines[-1]["cmd"] == "echo bonjour" and lines[-1]["host"] == "poste" and lines[-1]["rc"] == 0
    from simulateur.session.store import Store

    assert Store().result(attempt.name) is not None  # the check's result: in the store, outside the hosts too
    # The host cannot see the journal: the data dir is not visible inside it.
    run = sim("exec", lab, "poste", "--", f"test -e {attempt}/journal.jsonl", check=False)
    assert run.code == 1


def test_machine_untouched_and_stop_leaves_nothing(started):
    before = machine_state()
    info = started()
    lab = info["lab"]
    sim("exec", lab, "srv", "--", "systemctl start dnsmasq")
    sim("exec", lab, "poste", "--", "dhclient eth0")  # writes resolv.conf — the host's own
    sim("exec", lab, "poste", "--", "echo 'nameserver 9.9.9.9' > /etc/resolv.conf; echo x >> /etc/hosts")
    sim("exec", lab, "routeur", "--", "ip route flush all; nft flush ruleset")
    now = machine_state()  # one look: other workers' labs come and go between two
    assert now == before | {"netns": now["netns"]}
    sim("stop", lab)
    after = machine_state()  # other sessions' labs come and go: only ours must be gone
    assert after == before | {"netns": after["netns"]}
    assert not [n for n in after["netns"] if n == f"sim-{lab}" or n.startswith(f"sim-{lab}-")]
    assert not Path(f"/run/simulateur/{lab}").exists()
    ps = __import__("subprocess").run(["ps", "-eo", "stat,args"], capture_output=True, text=True).stdout
    assert not [line for line in ps.splitlines() if f"/run/simulateur/{lab}/" in line and not line.startswith("Z")]
