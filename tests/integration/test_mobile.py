"""mobile-synchro end to end: every fault variant proved by the self-test, right fixes by different
routes pass, wrong or partial ones fail — on real labs (Radicale on srv, vdirsyncer on mobile)."""

from __future__ import annotations

from labhelpers import sim, verdicts

SCENARIO = "mobile-synchro"
CONFIG = "~/.config/vdirsyncer/config"
KEYSTORE = "~/.local/share/coffre/mmartin"
SYNC = "timeout 30 vdirsyncer discover && timeout 30 vdirsyncer sync"
ALL_RIGHT = {
    "TAI.CP8.1": "acquis",
    "TAI.CP4.3": "acquis",
    "TAI.CP7.2": "acquis",
    "TAI.CP7.3": "acquis",
    "TAI.CP7.1": "acquis",
    "TAI.CP7.4": "jury",
    "TAI.CT1.1": "jury",
}


def ex(lab: str, host: str, cmd: str, check: bool = True) -> int:
    return sim("exec", lab, host, "--", cmd, check=check).code


def probes(lab: str) -> dict[str, tuple[bool, str]]:
    return {p["id"]: (p["ok"], p["observed"]) for p in sim("check", lab, "--json").json()["probes"]}


def diagnose(lab: str) -> None:
    """What a technician looks at first: the sync's own error, the configuration, the server's log."""
    assert ex(lab, "mobile", "vdirsyncer discover; vdirsyncer sync", check=False) != 0
    ex(lab, "mobile", f"cat {CONFIG}")
    ex(lab, "srv", "journalctl -u radicale -n 20")


def test_selftest_every_variant():
    run = sim("selftest", SCENARIO, "--seeds", "1,2,3", timeout=300)
    assert "4/4" in run.out, run.out
    for variant in ("ancien_mot_de_passe", "dns_prive", "mauvais_chemin", "mauvais_port"):
        assert f"variante {variant}" in run.out


# --- right fixes -----------------------------------------------------------------------------
def test_new_password_put_in_the_keystore(started):
    info = started(SCENARIO, seed=1, variant="ancien_mot_de_passe")
    lab, p = info["lab"], info["params"]
    diagnose(lab)
    assert ex(lab, "srv", "systemctl is-active radicale") == 0
    ex(lab, "mobile", f"echo '{p['agenda_mdp']}' > {KEYSTORE}")  # the file keeps its mode 600
    ex(lab, "mobile", SYNC)
    sim("qualify", lab, "--impact", "bas", "--urgency", "moyenne")
    assert verdicts(lab) == ALL_RIGHT
    # The server side is a real, running service, as service.running sees it.
    from simulateur.lab.lab import Lab
    from simulateur.probes.network import ServiceRunning

    result = ServiceRunning(id="r", probe="service.running", host="srv", service="radicale").run(Lab.open(lab))
    assert result.ok, result.observed


def test_wrong_path_config_rewritten_whole(started):
    info = started(SCENARIO, seed=3, variant="mauvais_chemin")
    lab, p = info["lab"], info["params"]
    diagnose(lab)
    pairs = "".join(
        f"""
[pair {c}]
a = "tel_{c}"
b = "srv_{c}"
collections = null

[storage tel_{c}]
type = "filesystem"
path = "/root/.local/share/telephone/{c}/"
fileext = "{ext}"

[storage srv_{c}]
type = "{kind}"
url = "http://srv.{p["domaine"]}:5232/mmartin/{c}"
username = "mmartin"
password.fetch = ["command", "cat", "/root/.local/share/coffre/mmartin"]
"""
        for c, ext, kind in (("contacts", ".vcf", "carddav"), ("agenda", ".ics", "caldav"))
    )
    config = f'[general]\nstatus_path = "~/.local/share/vdirsyncer/etat/"\n{pairs}'
    ex(lab, "mobile", f"cp {CONFIG} /root/config.avant && cat > {CONFIG} <<'FIN'\n{config}FIN")
    ex(lab, "mobile", SYNC)
    sim("qualify", lab, "--impact", "bas", "--urgency", "moyenne")
    assert verdicts(lab) == ALL_RIGHT


def test_private_dns_removed_and_network_renewed(started):
    info = started(SCENARIO, seed=2, variant="dns_prive")
    lab, p = info["lab"], info["params"]
    diagnose(lab)
    ex(lab, "mobile", "cat /etc/resolv.conf")
    assert ex(lab, "mobile", f"getent hosts srv.{p['domaine']}", check=False) != 0
    ex(lab, "mobile", "sed -i '/supersede domain-name-servers/d' /etc/dhcp/dhclient.conf")
    ex(lab, "mobile", "ifdown eth0; ifup eth0")
    ex(lab, "mobile", f"getent hosts srv.{p['domaine']}")
    ex(lab, "mobile", SYNC)
    v = verdicts(lab)
    assert v == ALL_RIGHT | {"TAI.CP8.1": "non_acquis"}  # not qualified


# --- wrong or partial fixes --------------------------------------------------------------------
def test_right_address_but_mistyped_password(started):
    info = started(SCENARIO, seed=1, variant="ancien_mot_de_passe")
    lab, p = info["lab"], info["params"]
    diagnose(lab)
    ex(lab, "mobile", f"echo '{p['agenda_mdp'].lower()}' > {KEYSTORE}")
    assert ex(lab, "mobile", SYNC, check=False) != 0
    got = probes(lab)
    assert not got["compte"][0] and "401" in got["compte"][1]
    assert not got["contacts_recus"][0] and not got["contact_envoye"][0]
    assert verdicts(lab) == {
        "TAI.CP8.1": "non_acquis",
        "TAI.CP4.3": "acquis",
        "TAI.CP7.2": "non_acquis",
        "TAI.CP7.3": "non_acquis",
        "TAI.CP7.1": "acquis",
        "TAI.CP7.4": "jury",
        "TAI.CT1.1": "jury",
    }


def test_config_fixed_but_never_synchronised(started):
    info = started(SCENARIO, seed=1, variant="mauvais_port")
    lab, p = info["lab"], info["params"]
    ex(lab, "mobile", f"cat {CONFIG}")
    ex(lab, "mobile", f"grep -n url {CONFIG}")
    ex(lab, "mobile", f"sed -i 's/:{p['port_faux']}\\//:5232\\//' {CONFIG}")
    got = probes(lab)
    assert got["compte"][0], got["compte"][1]  # the phone can reach the account now…
    assert not got["contacts_recus"][0] and not got["agenda_recu"][0] and not got["contact_envoye"][0]
    assert verdicts(lab) == {  # … but nothing was synchronised, nor tested
        "TAI.CP8.1": "non_acquis",
        "TAI.CP4.3": "acquis",
        "TAI.CP7.2": "acquis",
        "TAI.CP7.3": "non_acquis",
        "TAI.CP7.1": "acquis",
        "TAI.CP7.4": "jury",
        "TAI.CT1.1": "jury",
    }


def test_password_written_in_clear_breaks_the_security_rule(started):
    info = started(SCENARIO, seed=1, variant="ancien_mot_de_passe")
    lab, p = info["lab"], info["params"]
    diagnose(lab)
    ex(lab, "mobile", f"sed -i 's|^password.fetch = .*|password = \"{p['agenda_mdp']}\"|' {CONFIG}")
    ex(lab, "mobile", SYNC)
    got = probes(lab)
    assert not got["secret"][0] and "/root/.config/vdirsyncer/config" in got["secret"][1]
    v = verdicts(lab)
    assert v["TAI.CP7.3"] == "acquis" and v["TAI.CP7.2"] == "acquis"  # it works…
    assert v["TAI.CP7.1"] == "non_acquis"  # … against the site's rule


def test_one_way_sync_server_read_only(started):
    info = started(SCENARIO, seed=3, variant="mauvais_port")
    lab, p = info["lab"], info["params"]
    diagnose(lab)
    ex(lab, "mobile", f"sed -i 's/:{p['port_faux']}\\//:5232\\//' {CONFIG}")
    ex(lab, "mobile", f'sed -i \'s/^type = "carddav"/type = "carddav"\\nread_only = true/\' {CONFIG}')
    ex(lab, "mobile", SYNC)
    got = probes(lab)
    assert got["contacts_recus"][0] and got["agenda_recu"][0] and got["compte"][0]
    assert not got["contact_envoye"][0] and "n'est pas arrivé" in got["contact_envoye"][1]
    assert verdicts(lab)["TAI.CP7.3"] == "non_acquis"


def test_dns_worked_around_with_the_ip_address(started):
    info = started(SCENARIO, seed=2, variant="dns_prive")
    lab, p = info["lab"], info["params"]
    diagnose(lab)
    ex(lab, "mobile", f"sed -i 's/srv\\.{p['domaine']}/{p['srv_ip']}/' {CONFIG}")
    ex(lab, "mobile", SYNC)
    got = probes(lab)
    assert got["compte"][0] and got["contacts_recus"][0] and got["contact_envoye"][0]
    assert not got["dns_srv"][0]  # the phone still cannot find the site's names
    v = verdicts(lab)
    assert v["TAI.CP7.3"] == "acquis" and v["TAI.CP7.2"] == "non_acquis"


def test_contacts_copied_by_hand_are_not_a_synchronisation(started):
    info = started(SCENARIO, seed=3, variant="mauvais_chemin")
    lab, p = info["lab"], info["params"]
    diagnose(lab)
    url = f"http://{p['srv_ip']}:5232/mmartin/contacts/"
    ex(lab, "mobile", f"curl -sf -u 'mmartin:{p['agenda_mdp']}' {url} > ~/.local/share/telephone/contacts/tous.vcf")
    got = probes(lab)
    assert not got["compte"][0] and not got["contacts_recus"][0]
    assert verdicts(lab)["TAI.CP7.3"] == "non_acquis"
