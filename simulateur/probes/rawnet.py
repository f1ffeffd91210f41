"""Active layer-2 probes — a DHCP offer, an ARP answer — on raw packet sockets of a lab host's network
namespace, their packets built and read by scapy.

The socket is made inside the host's network namespace (nsutil.inside_netns: only the calling
thread enters it, and comes back) and used from the checking process: bound to an interface of that
namespace, it sees the host's interfaces only, never the machine's. scapy builds the request and
reads the answers as bytes; its own sending and sniffing (conf.iface, its routes: the machine's) are
never used.

Cost (bench/bench.py --only probes, 07/12/2026, 2 shared cores, load 5 at start, median of 5;
compare ratios): a bare Python start 0.022 s; `import scapy.all` 0.44 s; the three modules used
here (scapy.layers.l2, inet, dhcp) 0.14 s — 0.29 s before 07/12/2026, when scapy's cache directory
had no parent yet: scapy creates only the last level of $XDG_CACHE_HOME, so it kept no cache and
parsed its manufacturer database (Wireshark's manuf, ~50 000 lines) at every import; layers() now
creates them. The first DHCP probe of a fresh process (`simulateur check` from a shell) took 0.17 s,
the next ones 0.024 s, the first one in a worker forked by the service's zygote (which imports this
module's layers before it forks) 0.025 s; ARP 0.28 / 0.024 / 0.030 s (its first also imports
pyroute2, to read the interface's address). It is paid once per process, never per check; the app
and the service pay it at their first network check or before their workers fork.
Why not cheaper: the 0.14 s left is scapy's own module-level imports, which any of its layers
brings — scapy.layers.inet imports inet6, and both build scapy's route tables (reading the
machine's, never used here), scapy.arch/sendrecv/ansmachine come with the layers, and the
manufacturer database is unpickled (2.7 MB). Narrower would mean packing the packets by hand again
(the previous agent did, with struct, in a fresh `python3 -I` per probe: a bare start at each probe).
scapy writes its caches under $XDG_CACHE_HOME and $XDG_CONFIG_HOME at import: they are pointed at
simulateur's cache for that import, so nothing lands in the machine's home directories.

What comes back from a host is an adversary's in exam mode (root in a host can send anything): a frame
scapy cannot read is skipped, never an error of the check.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from simulateur.lab import nsutil
from simulateur.paths import cache_dir

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind

ETH_P_IP, ETH_P_ARP = 0x0800, 0x0806
PACKET_OUTGOING = 4
BROADCAST = "ff:ff:ff:ff:ff:ff"

_lock = threading.Lock()
_layers: dict[str, Any] = {}


def layers() -> dict[str, Any]:
    """scapy's layers used here, imported once per process (with its caches in simulateur's)."""
    with _lock:
        if not _layers:
            where = cache_dir() / "scapy"
            saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME")}
            try:  # scapy makes only the last level of these: if their parent is missing, it keeps
                # no cache and parses its manufacturer database again at each import (see above)
                for sub in ("cache", "config"):
                    (where / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError:
                pass  # no cache: slower, not wrong
            os.environ["XDG_CACHE_HOME"] = str(where / "cache")
            os.environ["XDG_CONFIG_HOME"] = str(where / "config")
            try:
                from scapy.layers.dhcp import BOOTP, DHCP
                from scapy.layers.inet import IP, UDP
                from scapy.layers.l2 import ARP, Ether
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            _layers.update(Ether=Ether, ARP=ARP, IP=IP, UDP=UDP, BOOTP=BOOTP, DHCP=DHCP)
        return _layers


class Offer(NamedTuple):
    server: str  # the server identifier (option 54), else the packet's source
    address: str  # yiaddr: the address offered
    router: str | None  # option 3, if any


def _packet_socket(host: HostKind, iface: str, proto: int) -> socket.socket:
    with nsutil.inside_netns(host.netns):
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    try:
        sock.bind((iface, 0))
    except OSError:
        sock.close()
        raise
    return sock


T = TypeVar("T")


def _exchange(sock: socket.socket, frame: bytes, wait: float, answer: Callable[[bytes], T | None]) -> T | None:
    """Send `frame` (again at 30 % and 60 % of `wait` while nothing answered, as a real client);
    the first `answer(received)` that is not None, or None after `wait` seconds."""
    start = time.monotonic()
    resend = [start + wait * 0.3, start + wait * 0.6]
    sock.send(frame)
    while True:
        now = time.monotonic()
        if now >= start + wait:
            return None
        if resend and now >= resend[0]:
            resend.pop(0)
            sock.send(frame)
        sock.settimeout(max(0.001, min([start + wait, *resend]) - now))
        try:
            data, addr = sock.recvfrom(2048)
        except TimeoutError:
            continue
        if addr[2] == PACKET_OUTGOING:
            continue
        try:
            found = answer(data)
        except Exception:  # noqa: BLE001 - a frame scapy cannot read is not an answer
            found = None
        if found is not None:
            return found


def _option(options: list[Any], name: str) -> Any:
    return next((o[1] for o in options if isinstance(o, tuple) and len(o) > 1 and o[0] == name), None)


def dhcp_offer(host: HostKind, iface: str, wait: float) -> list[Offer]:
    """A DHCPDISCOVER from a random client MAC (so no lease is taken); the first offer, as a list."""
    L = layers()
    mac = "02:" + ":".join(f"{random.randrange(256):02x}" for _ in range(5))
    xid = random.randrange(1, 2**31)
    frame = bytes(
        L["Ether"](src=mac, dst=BROADCAST)
        / L["IP"](src="0.0.0.0", dst="255.255.255.255")
        / L["UDP"](sport=68, dport=67)
        / L["BOOTP"](chaddr=bytes.fromhex(mac.replace(":", "")), xid=xid, flags=0x8000)
        / L["DHCP"](options=[("message-type", "discover"), ("param_req_list", [1, 3, 6, 15]), "end"])
    )  # a real client's

    def answer(data: bytes) -> Offer | None:
        pkt = L["Ether"](data)
        if not (pkt.haslayer(L["UDP"]) and pkt.haslayer(L["DHCP"])):
            return None
        udp, bootp = pkt[L["UDP"]], pkt[L["BOOTP"]]
        options = pkt[L["DHCP"]].options
        if (
            (udp.sport, udp.dport) != (67, 68)
            or bootp.op != 2
            or bootp.xid != xid
            or _option(options, "message-type") != 2
        ):
            return None
        server = _option(options, "server_id") or pkt[L["IP"]].src
        router = _option(options, "router")
        return Offer(str(server), str(bootp.yiaddr), str(router) if router else None)

    with _packet_socket(host, iface, ETH_P_IP) as sock:
        found = _exchange(sock, frame, wait, answer)
    return [found] if found else []


def _iface_ipv4(host: HostKind, iface: str) -> str:
    """The interface's first IPv4 address, or 0.0.0.0 (an ARP probe, RFC 5227, still gets its answer)."""
    from simulateur.lab.addresses import addresses

    found = [a.cidr.split("/")[0] for a in addresses(host) if a.iface == iface]  # IPv4 only
    return found[0] if found else "0.0.0.0"


def arp(host: HostKind, iface: str, target: str, wait: float) -> str | None:
    """ARP who-has `target` from the interface's own address: the MAC that answers, else None."""
    L = layers()
    with _packet_socket(host, iface, ETH_P_ARP) as sock:
        mac = ":".join(f"{b:02x}" for b in sock.getsockname()[4])
        frame = bytes(
            L["Ether"](src=mac, dst=BROADCAST)
            / L["ARP"](op=1, hwsrc=mac, psrc=_iface_ipv4(host, iface), hwdst="00:00:00:00:00:00", pdst=target)
        )

        def answer(data: bytes) -> str | None:
            pkt = L["Ether"](data)
            if not pkt.haslayer(L["ARP"]):
                return None
            reply = pkt[L["ARP"]]
            return str(reply.hwsrc) if reply.op == 2 and reply.psrc == target else None

        return _exchange(sock, frame, wait, answer)
