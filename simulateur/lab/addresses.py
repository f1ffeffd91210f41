"""A host's IPv4 addresses as its network namespace holds them, read by netlink from the machine —
never from a file or a command's output the trainee could change.

The lab needs them itself (at boot: did a DHCP client get its address even if ifup failed? to resolve
a host's name to an address), so they live in the engine; probes use them too (simulateur.probes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulateur.lab import nsutil

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind


@dataclass
class Addr:
    iface: str
    cidr: str
    dynamic: bool  # finite lifetime: set by a DHCP client, not typed by hand
    valid_lft: int


def addresses(host: HostKind) -> list[Addr]:
    ipr = nsutil.iproute_in(host.netns)
    try:
        names = {link["index"]: link.get_attr("IFLA_IFNAME") for link in ipr.get_links()}
        found = []
        for msg in ipr.get_addr(family=2):
            cache = msg.get_attr("IFA_CACHEINFO")
            valid = cache["ifa_valid"] if cache else 0xFFFFFFFF
            found.append(
                Addr(
                    iface=names.get(msg["index"], "?"),
                    cidr=f"{msg.get_attr('IFA_ADDRESS')}/{msg['prefixlen']}",
                    dynamic=valid != 0xFFFFFFFF,
                    valid_lft=valid,
                )
            )
        return found
    finally:
        ipr.close()
