"""Pure parts of issue 9's network incidents: how nft output is read, how a cable action counts in
the journal, which scenarios show the « Câbles » tab, and the scenario files themselves."""

from __future__ import annotations

import pytest

from simulateur.journal.classify import Kind, classify
from simulateur.probes.firewall import parse_chains
from simulateur.scenario.loader import find_scenario
from simulateur.session.cabling import physical

LISTING = """table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept # handle 4
		counter packets 12 bytes 800 comment "entrant refusé" # handle 7
	}

	chain output {
		type filter hook output priority filter; policy accept;
		tcp dport { 80, 443 } drop # handle 9
	}
}
"""


def test_nft_listing_read_by_chain_without_counters_nor_handles():
    assert parse_chains(LISTING) == {
        "input": ["policy drop", "ct state established,related accept", 'counter comment "entrant refusé"'],
        "output": ["policy accept", "tcp dport { 80, 443 } drop"],
    }


def test_cable_actions_are_changes_looking_is_not_journaled_as_one():
    assert classify("câble poste:eth0 branché sur lan") is Kind.CHANGE
    assert classify("câble poste:eth0 débranché") is Kind.CHANGE


@pytest.mark.parametrize(
    "scenario, cables", [("poste-sans-liaison", True), ("dhcp-serveur-arrete", False), ("pare-feu-web-bloque", False)]
)
def test_cables_tab_only_where_cables_matter(scenario, cables):
    assert physical(find_scenario(scenario).scenario) is cables


@pytest.mark.parametrize(
    "scenario", ["nas-reservation-dns", "dns-mauvais-resolveur", "pare-feu-web-bloque", "poste-sans-liaison"]
)
def test_scenario_loads_with_every_variant(scenario):
    sc = find_scenario(scenario).scenario
    assert len(sc.variants) == 3 and sc.hints and sc.also
    probes = {p.id for p in sc.probes}
    for variant in sc.variants.values():
        assert set(variant.unaffected) < probes  # each variant breaks at least one probe
