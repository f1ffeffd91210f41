"""Sends one DHCPDISCOVER on an interface and prints the offers: `OFFER <server> <address>`.

Run only inside a lab host's network namespace (the probe does `nsenter --net=…`): scapy then
sees the host's interfaces only. A random client MAC is used so the probe takes no lease.
It returns at the first offer (the lab's servers answer within milliseconds).
Exit 0 when an offer came, 1 when none did.
"""

from __future__ import annotations

import random
import sys


def main(iface: str) -> int:
    from scapy.config import conf

    conf.verb = 0
    conf.checkIPaddr = False
    from scapy.layers.dhcp import BOOTP, DHCP
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.sendrecv import srp

    mac = bytes([0x02] + [random.randrange(256) for _ in range(5)])
    xid = random.randrange(1, 2**31)
    discover = (
        Ether(dst="ff:ff:ff:ff:ff:ff", src=mac)
        / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67)
        / BOOTP(chaddr=mac + b"\0" * 10, xid=xid, flags=0x8000)
        / DHCP(options=[("message-type", "discover"), "end"])
    )
    answered, _ = srp(discover, iface=iface, timeout=1.5)
    seen = 0
    for _, reply in answered:
        if BOOTP in reply and reply[BOOTP].xid == xid:
            opts = {o[0]: o[1] for o in reply[DHCP].options if isinstance(o, tuple)}
            if opts.get("message-type") == 2:
                server = opts.get("server_id", reply[IP].src)
                print(f"OFFER {server} {reply[BOOTP].yiaddr}")
                seen += 1
    return 0 if seen else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "eth0"))
