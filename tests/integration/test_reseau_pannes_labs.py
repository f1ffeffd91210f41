"""Issue 9, network incidents: a NAS to declare on srv (DHCP reservation + DNS), names that do not
resolve, a local firewall rule that blocks the web, a PC with no link. For each: two right fixes by
different routes pass, two wrong or partial ones fail, verdict by verdict."""

from __future__ import annotations

import pytest
from labhelpers import sim, verdicts

A, N, J = "acquis", "non_acquis", "jury"


def ex(lab: str, host: str, cmd: str, check: bool = True) -> None:
    sim("exec", lab, host, "--", cmd, check=check)


@pytest.mark.parametrize(
    "scenario", ["nas-reservation-dns", "dns-mauvais-resolveur", "pare-feu-web-bloque", "poste-sans-liaison"]
)
def test_selftest_every_variant_on_three_seeds(scenario):
    run = sim("selftest", scenario, "--seeds", "1,2,3", timeout=400)
    assert "ÉCHEC" not in run.out and run.out.count("OK ") >= 3


# --- pare-feu-web-bloque ---------------------------------------------------------------------
FW = ("TAI.CP14.4", "TAI.CP14.3", "TAI.CP14.2", "TAI.CT3.1", "TAI.CT3.2")


def test_firewall_delete_by_handle_and_fix_the_file(started):
    lab = started("pare-feu-web-bloque", seed=5, variant="sortie_jete")["lab"]
    ex(lab, "poste", "curl -sS -m 3 http://www.exemple.fr/", check=False)
    ex(lab, "poste", "nft list ruleset")
    ex(lab, "poste", "cp /etc/nftables.conf /root/nftables.conf.bak")
    ex(
        lab,
        "poste",
        "nft delete rule inet filter output handle $(nft -a list chain inet filter output | awk '/dport/ {print $NF}')",
    )
    ex(lab, "poste", "sed -i '/tcp dport { 80, 443 } drop/d' /etc/nftables.conf")
    ex(lab, "poste", "curl -sS -m 3 -o /dev/null http://www.exemple.fr/")
    sim("qualify", lab, "--impact", "bas", "--urgency", "moyenne")
    assert verdicts(lab) == {"TAI.CP14.4": A, "TAI.CP14.3": J, "TAI.CP14.2": A, "TAI.CT3.1": A, "TAI.CT3.2": A}


def test_firewall_edit_the_file_then_reload_the_service(started):
    lab = started("pare-feu-web-bloque", seed=5, variant="entree_reponses")["lab"]
    ex(lab, "poste", "wget -q -T 3 -t 1 -O- http://www.exemple.fr/", check=False)
    ex(lab, "poste", "systemctl status nftables")
    ex(lab, "poste", "cp /etc/nftables.conf /etc/nftables.conf.orig")
    ex(lab, "poste", "sed -i '/sport { 80, 443 } drop/d' /etc/nftables.conf")
    ex(lab, "poste", "systemctl restart nftables")
    ex(lab, "poste", "wget -q -T 3 -t 1 -O /dev/null http://www.exemple.fr/")
    assert verdicts(lab) == {"TAI.CP14.4": A, "TAI.CP14.3": J, "TAI.CP14.2": N, "TAI.CT3.1": A, "TAI.CT3.2": A}


def test_firewall_flushed_whole_ruleset(started):
    lab = started("pare-feu-web-bloque", seed=5, variant="sortie_refus")["lab"]
    ex(lab, "poste", "nft list ruleset")
    ex(lab, "poste", "curl -sS -m 3 http://www.exemple.fr/", check=False)
    ex(lab, "poste", "nft flush ruleset && : > /etc/nftables.conf")  # the web works again…
    ex(lab, "poste", "curl -sS -m 3 -o /dev/null http://www.exemple.fr/")
    v = verdicts(lab)
    assert v["TAI.CP14.4"] == N and v["TAI.CT3.1"] == N  # …but the legitimate rules are gone
    assert v["TAI.CT3.2"] == N  # and the file was emptied without a copy


def test_firewall_rule_removed_live_only_comes_back_at_boot(started):
    lab = started("pare-feu-web-bloque", seed=5, variant="sortie_jete")["lab"]
    ex(lab, "poste", "nft -a list ruleset")
    ex(lab, "poste", "curl -sS -m 3 http://www.exemple.fr/", check=False)
    ex(
        lab,
        "poste",
        "nft delete rule inet filter output handle $(nft -a list chain inet filter output | awk '/dport/ {print $NF}')",
    )
    ex(lab, "poste", "curl -sS -m 3 -o /dev/null http://www.exemple.fr/")
    v = verdicts(lab)
    assert {k: v[k] for k in ("TAI.CP14.4", "TAI.CT3.1", "TAI.CP14.3")} == {
        "TAI.CP14.4": N,
        "TAI.CT3.1": N,
        "TAI.CP14.3": J,
    }


# --- dns-mauvais-resolveur -------------------------------------------------------------------
def test_resolver_supersede_removed_and_lease_renewed(started):
    info = started("dns-mauvais-resolveur", seed=5, variant="ancien_dns")
    lab, p = info["lab"], info["params"]
    ex(lab, "poste", f"ping -c1 -W1 {p['srv_ip']}")
    ex(lab, "poste", "cat /etc/resolv.conf")
    ex(lab, "poste", f"dig +time=1 +tries=1 srv.{p['domaine']}", check=False)
    ex(lab, "poste", "sed -i '/supersede domain-name-servers/d' /etc/dhcp/dhclient.conf")
    ex(lab, "poste", "ifdown eth0; ifup eth0")
    ex(lab, "poste", f"ping -c1 -W1 srv.{p['domaine']}")
    sim("qualify", lab, "--impact", "bas", "--urgency", "moyenne")  # one poste: bas (guide-auteur)
    assert verdicts(lab) == {"TAI.CP14.4": A, "TAI.CP14.3": J, "TAI.CP14.2": A}


def test_resolver_stale_hosts_line_deleted(started):
    info = started("dns-mauvais-resolveur", seed=5, variant="hosts_perime")
    lab, p = info["lab"], info["params"]
    ex(lab, "poste", f"getent hosts srv.{p['domaine']}")
    ex(lab, "poste", f"dig +short srv.{p['domaine']}")
    ex(lab, "poste", "sed -i '/ne pas modifier/d' /etc/hosts")
    ex(lab, "poste", f"getent hosts srv.{p['domaine']}")
    assert verdicts(lab) == {"TAI.CP14.4": A, "TAI.CP14.3": J, "TAI.CP14.2": N}


def test_resolver_resolv_conf_edited_by_hand_is_undone_by_the_next_renewal(started):
    info = started("dns-mauvais-resolveur", seed=5, variant="ancien_dns")
    lab, p = info["lab"], info["params"]
    ex(lab, "poste", "cat /etc/resolv.conf")
    ex(lab, "poste", f"dig +time=1 +tries=1 srv.{p['domaine']}", check=False)
    ex(lab, "poste", f"sed -i 's/^nameserver .*/nameserver {p['srv_ip']}/' /etc/resolv.conf")
    ex(lab, "poste", f"ping -c1 -W1 srv.{p['domaine']}")  # works until the next renewal
    v = verdicts(lab)
    assert v["TAI.CP14.4"] == N and v["TAI.CP14.3"] == J


def test_resolver_public_dns_worked_around_with_hosts(started):
    info = started("dns-mauvais-resolveur", seed=5, variant="dns_public")
    lab, p = info["lab"], info["params"]
    ex(lab, "poste", "cat /etc/resolv.conf")
    ex(lab, "poste", f"dig +time=1 +tries=1 srv.{p['domaine']}", check=False)
    ex(lab, "poste", f"echo '{p['srv_ip']} srv.{p['domaine']} srv' >> /etc/hosts")
    ex(lab, "poste", f"ping -c1 -W1 srv.{p['domaine']}")
    assert verdicts(lab)["TAI.CP14.4"] == N  # the public DNS is still imposed by dhclient.conf


# --- nas-reservation-dns ---------------------------------------------------------------------
def test_nas_reservation_with_name_then_nas_renews(started):
    info = started("nas-reservation-dns", seed=5, variant="rien_declare")
    lab, p = info["lab"], info["params"]
    ex(lab, "poste", f"dig +short nas.{p['domaine']}")
    ex(lab, "srv", "cat /var/lib/misc/dnsmasq.leases")
    ex(lab, "srv", "cp /etc/dnsmasq.conf /etc/dnsmasq.conf.bak")
    ex(lab, "srv", f"echo 'dhcp-host={p['nas_mac']},{p['nas_ip']},nas' >> /etc/dnsmasq.conf")
    ex(lab, "srv", "systemctl restart dnsmasq")
    ex(lab, "nas", "ifdown eth0; ifup eth0")
    ex(lab, "poste", f"curl -sS -m 3 -o /dev/null http://nas.{p['domaine']}/")
    assert verdicts(lab) == {"TAI.CP10.3": A, "TAI.CP10.4": A, "TAI.CP10.1": A}


def test_nas_name_declared_as_host_record(started):
    info = started("nas-reservation-dns", seed=5, variant="nom_manquant")
    lab, p = info["lab"], info["params"]
    ex(lab, "poste", f"ping -c1 -W1 {p['nas_ip']}")
    ex(lab, "srv", "grep dhcp-host /etc/dnsmasq.conf")
    ex(lab, "srv", "cp -a /etc/dnsmasq.conf /root/")
    ex(lab, "srv", f"sed -i '$a host-record=nas.{p['domaine']},nas,{p['nas_ip']}' /etc/dnsmasq.conf")
    ex(lab, "srv", "systemctl restart dnsmasq")
    ex(lab, "poste", f"dig +short nas.{p['domaine']} | grep -qx {p['nas_ip']}")
    assert verdicts(lab) == {"TAI.CP10.3": A, "TAI.CP10.4": A, "TAI.CP10.1": A}


def test_nas_fixed_address_on_the_nas_against_the_procedure(started):
    info = started("nas-reservation-dns", seed=5, variant="ancienne_mac")
    lab, p = info["lab"], info["params"]
    prefix = p["lan"].split("/")[1]
    ex(lab, "nas", "ip -br a")
    static = (
        f"auto lo\\niface lo inet loopback\\n\\nauto eth0\\niface eth0 inet static\\n"
        f"    address {p['nas_ip']}/{prefix}\\n    gateway {p['routeur_ip']}\\n"
    )
    ex(
        lab,
        "nas",
        f"printf '{static}' > /etc/network/interfaces.new && ifdown eth0 "
        "&& mv /etc/network/interfaces.new /etc/network/interfaces && ifup eth0",
    )
    ex(lab, "srv", "cp /etc/dnsmasq.conf /etc/dnsmasq.conf.bak")
    ex(
        lab,
        "srv",
        f"echo 'host-record=nas.{p['domaine']},nas,{p['nas_ip']}' >> /etc/dnsmasq.conf && systemctl restart dnsmasq",
    )
    ex(lab, "poste", f"curl -sS -m 3 -o /dev/null http://nas.{p['domaine']}/")  # reachable by name…
    assert verdicts(lab) == {
        "TAI.CP10.3": N,
        "TAI.CP10.4": A,  # …but no reservation: the NAS is not on DHCP
        "TAI.CP10.1": N,
    }  # and its DHCP setting was changed


def test_nas_reservation_added_but_nas_never_renews(started):
    info = started("nas-reservation-dns", seed=5, variant="rien_declare")
    lab, p = info["lab"], info["params"]
    ex(lab, "srv", "cat /etc/dnsmasq.conf")
    ex(lab, "srv", "cp /etc/dnsmasq.conf /etc/dnsmasq.conf.bak")
    ex(lab, "srv", f"echo 'dhcp-host={p['nas_mac']},{p['nas_ip']},nas' >> /etc/dnsmasq.conf")
    ex(lab, "srv", "systemctl restart dnsmasq")
    ex(lab, "poste", f"curl -sS -m 3 -o /dev/null http://nas.{p['domaine']}/", check=False)
    v = verdicts(lab)
    assert v["TAI.CP10.3"] == N and v["TAI.CP10.4"] == N and v["TAI.CP10.1"] == A


# --- poste-sans-liaison ----------------------------------------------------------------------
def test_link_cable_plugged_back_then_ifup(started):
    lab = started("poste-sans-liaison", seed=5, variant="cable_debranche")["lab"]
    ex(lab, "poste", "ip link show eth0")
    ex(lab, "poste", "cat /etc/network/interfaces")
    assert "câble débranché" in sim("cable", lab, "poste").out
    sim("cable", lab, "poste", "--plug", "lan")
    ex(lab, "poste", "ifdown eth0; ifup eth0")  # ifup alone: « already configured » (boot's dhclient still asks)
    ex(lab, "poste", "ping -c1 -W1 www.exemple.fr")
    sim("qualify", lab, "--impact", "bas", "--urgency", "haute")
    assert verdicts(lab) == {"TAI.CP14.4": A, "TAI.CP14.3": J, "TAI.CP14.2": A, "TAI.CP9.5": J, "TAI.CP9.4": A}


def test_link_card_enabled_again_and_made_auto(started):
    lab = started("poste-sans-liaison", seed=5, variant="carte_desactivee")["lab"]
    ex(lab, "poste", "ip -br link")
    ex(lab, "poste", "cat /etc/network/interfaces")
    ex(lab, "poste", "cp /etc/network/interfaces /root/interfaces.bak")
    ex(lab, "poste", "sed -i 's/^iface eth0 inet dhcp/auto eth0\\n&/' /etc/network/interfaces")
    ex(lab, "poste", "ifup eth0")
    ex(lab, "poste", "ping -c1 -W1 203.0.113.80")
    assert verdicts(lab) == {"TAI.CP14.4": A, "TAI.CP14.3": J, "TAI.CP14.2": N, "TAI.CP9.5": J, "TAI.CP9.4": A}


def test_link_fixed_address_on_the_box_network(started):
    lab = started("poste-sans-liaison", seed=5, variant="mauvais_commutateur")["lab"]
    ex(lab, "poste", "ip -br link")
    ex(lab, "poste", "ip -br addr")
    ex(lab, "poste", "ip addr add 203.0.113.50/24 dev eth0 && ip route add default via 203.0.113.1")
    ex(lab, "poste", "ping -c1 -W1 203.0.113.80")  # internet answers: the PC sits on the box's network
    assert verdicts(lab) == {"TAI.CP14.4": N, "TAI.CP14.3": J, "TAI.CP14.2": N, "TAI.CP9.5": N, "TAI.CP9.4": A}


def test_link_card_up_by_hand_only(started):
    lab = started("poste-sans-liaison", seed=5, variant="carte_desactivee")["lab"]
    ex(lab, "poste", "ip link")
    ex(lab, "poste", "ip a")
    ex(lab, "poste", "ip link set eth0 up && dhclient eth0")
    ex(lab, "poste", "ping -c1 -W1 203.0.113.80")  # works until the next boot
    v = verdicts(lab)
    assert v["TAI.CP14.4"] == N and v["TAI.CP9.5"] == J and v["TAI.CP9.4"] == A
