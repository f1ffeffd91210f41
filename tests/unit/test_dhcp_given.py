"""An address with an infinite lifetime is a DHCP address when a DHCP client serves its interface
(and the lab's DHCP server holds its infinite lease): simulateur.probes.inspect.dhcp_given."""

from __future__ import annotations

import pytest

from simulateur.probes.inspect import _dhcp_client_for

IFUP = [
    "dhclient",
    "-4",
    "-v",
    "-i",
    "-pf",
    "/run/dhclient.eth0.pid",
    "-lf",
    "/var/lib/dhcp/dhclient.eth0.leases",
    "-I",
    "-df",
    "/var/lib/dhcp/dhclient6.eth0.leases",
    "eth0",
]


@pytest.mark.parametrize(
    ("cmdline", "iface", "serves"),
    [
        (IFUP, "eth0", True),  # as Debian's ifup runs it
        (["/sbin/dhclient", "eth0"], "eth0", True),
        (["dhclient"], "eth0", True),  # every interface
        (["dhclient", "-v"], "eth0", True),
        (IFUP, "eth1", False),  # another interface's client
        (["dhclient", "-r", "eth0"], "eth0", False),  # a release is no client
        (["dhclient", "-x"], "eth0", False),
        (["dhcpcd", "eth0"], "eth0", True),
        (["udhcpc", "-i", "eth0"], "eth0", True),
        (["dnsmasq", "--conf-file=/etc/dnsmasq.conf"], "eth0", False),
        ([], "eth0", False),
    ],
)
def test_a_dhcp_client_serving_an_interface(cmdline, iface, serves):
    assert _dhcp_client_for(cmdline, iface) is serves
