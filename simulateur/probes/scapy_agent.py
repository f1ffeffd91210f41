"""Active probes with scapy, run inside a lab host's network namespace only.

    python -m simulateur.probes.scapy_agent dhcp-offer IFACE     → "OFFER <server> <address> <router|->"
    python -m simulateur.probes.scapy_agent arp IFACE TARGET     → "ARP <target> <mac>"

The probe starts this with `nsenter --net=…`: scapy then sees the host's interfaces only (the
machine's are out of its reach). Exit 0 when an answer came, 1 when none did.
"""

from __future__ import annotations

import random
import sys


def _scapy():
    from scapy.config import conf

    conf.verb = 0
    conf.checkIPaddr = False
    return conf


def dhcp_offer(iface: str) -> int:
    """One DHCPDISCOVER from a random client MAC (so no lease is taken); first offer wins."""
    _scapy()
    from scapy.layers.dhcp import BOOTP, DHCP
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.sendrecv import srp

    mac = bytes([0x02] + [random.randrange(256) for _ in range(5)])
    xid = random.randrange(1, 2**31)
    params = [1, 3, 6, 15]  # subnet mask, router, DNS, domain: what a real client asks for
    discover = (
        Ether(dst="ff:ff:ff:ff:ff:ff", src=mac)
        / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67)
        / BOOTP(chaddr=mac + b"\0" * 10, xid=xid, flags=0x8000)
        / DHCP(options=[("message-type", "discover"), ("param_req_list", params), "end"])
    )
    answered, _ = srp(discover, iface=iface, timeout=1.5)
    seen = 0
    for _, reply in answered:
        if BOOTP in reply and reply[BOOTP].xid == xid:
            opts = {o[0]: o[1] for o in reply[DHCP].options if isinstance(o, tuple)}
            if opts.get("message-type") == 2:
                router = opts.get("router") or "-"
                print(f"OFFER {opts.get('server_id', reply[IP].src)} {reply[BOOTP].yiaddr} {router}")
                seen += 1
    return 0 if seen else 1


def arp(iface: str, target: str) -> int:
    """ARP who-has TARGET from the interface's own address: does it answer at layer 2?"""
    _scapy()
    from scapy.arch import get_if_addr
    from scapy.layers.l2 import ARP, Ether
    from scapy.sendrecv import srp

    src = get_if_addr(iface)
    answered, _ = srp(Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, pdst=target, psrc=src), iface=iface, timeout=1)
    for _, reply in answered:
        print(f"ARP {reply[ARP].psrc} {reply[ARP].hwsrc}")
        return 0
    return 1


def main(argv: list[str]) -> int:
    if argv[:1] == ["dhcp-offer"] and len(argv) == 2:
        return dhcp_offer(argv[1])
    if argv[:1] == ["arp"] and len(argv) == 3:
        return arp(argv[1], argv[2])
    print("usage: scapy_agent dhcp-offer IFACE | arp IFACE TARGET", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
