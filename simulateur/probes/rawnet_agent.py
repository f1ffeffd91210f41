"""Active layer-2 probes on raw packet sockets, run inside a lab host's network namespace only.

    python3 -I rawnet_agent.py dhcp-offer IFACE [WAIT]     → "OFFER <server> <address> <router|->"
    python3 -I rawnet_agent.py arp IFACE TARGET [WAIT]     → "ARP <target> <mac>"

The probe starts this file with `nsenter --net=…`: the socket then sees the host's interfaces
only (the machine's are out of its reach). Standard library only, run by path, so a probe costs a
bare Python start (no scapy: its import alone took ~0.4 s). Exit 0 when an answer came, 1 when
none did in WAIT seconds, 2 on bad use or a socket error (message on stderr).

Like a real client, the request is sent again if nothing answered (at 30 % and 60 % of WAIT).
"""

from __future__ import annotations

import fcntl
import random
import socket
import struct
import sys
import time

ETH_P_IP, ETH_P_ARP = 0x0800, 0x0806
PACKET_OUTGOING = 4
SIOCGIFADDR = 0x8915
BROADCAST = b"\xff" * 6
DHCP_MAGIC = b"\x63\x82\x53\x63"
DEFAULT_WAIT = 0.8


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ipv4_udp(src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload  # UDP checksum 0: none (IPv4)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), random.randrange(65536), 0, 64,
                         socket.IPPROTO_UDP, 0, socket.inet_aton(src), socket.inet_aton(dst))
    header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
    return header + udp


def _dhcp_options(raw: bytes) -> dict[int, bytes]:
    opts: dict[int, bytes] = {}
    i = 0
    while i < len(raw):
        code = raw[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        if i + 1 >= len(raw):
            break
        size = raw[i + 1]
        opts[code] = raw[i + 2:i + 2 + size]
        i += 2 + size
    return opts


def _exchange(sock: socket.socket, frame: bytes, wait: float, answer) -> list[str]:  # type: ignore[no-untyped-def]
    """Send `frame` (again at 30 % and 60 % of `wait` while nothing answered); collect the lines
    `answer(frame_received)` returns until the first answer, or `wait` seconds."""
    start = time.monotonic()
    resend = [start + wait * 0.3, start + wait * 0.6]
    sock.send(frame)
    found: list[str] = []
    while not found:
        now = time.monotonic()
        if now >= start + wait:
            break
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
        line = answer(data)
        if line:
            found.append(line)
    return found


def dhcp_offer(iface: str, wait: float) -> int:
    """A DHCPDISCOVER from a random client MAC (so no lease is taken); the first offer wins."""
    mac = bytes([0x02] + [random.randrange(256) for _ in range(5)])
    xid = random.randrange(1, 2**31)
    options = bytes([53, 1, 1, 55, 4, 1, 3, 6, 15, 255])  # discover; mask, router, DNS, domain: a real client's
    bootp = (struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, xid, 0, 0x8000, *([b"\0" * 4] * 4))
             + mac + b"\0" * 10 + b"\0" * 192 + DHCP_MAGIC + options)
    frame = BROADCAST + mac + struct.pack("!H", ETH_P_IP) + _ipv4_udp("0.0.0.0", "255.255.255.255", 68, 67, bootp)

    def answer(data: bytes) -> str | None:
        ip = data[14:]
        if len(ip) < 20 or ip[9] != socket.IPPROTO_UDP:
            return None
        udp = ip[(ip[0] & 0x0F) * 4:]
        if len(udp) < 8 or struct.unpack("!HH", udp[:4]) != (67, 68):
            return None
        msg = udp[8:]
        if len(msg) < 240 or msg[0] != 2 or struct.unpack("!I", msg[4:8])[0] != xid or msg[236:240] != DHCP_MAGIC:
            return None
        opts = _dhcp_options(msg[240:])
        if opts.get(53) != b"\x02":
            return None
        server = socket.inet_ntoa(opts[54][:4]) if len(opts.get(54, b"")) >= 4 else socket.inet_ntoa(ip[12:16])
        router = socket.inet_ntoa(opts[3][:4]) if len(opts.get(3, b"")) >= 4 else "-"
        return f"OFFER {server} {socket.inet_ntoa(msg[16:20])} {router}"

    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP)) as sock:
        sock.bind((iface, 0))
        found = _exchange(sock, frame, wait, answer)
    for line in found:
        print(line)
    return 0 if found else 1


def _iface_ipv4(iface: str) -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            res = fcntl.ioctl(s.fileno(), SIOCGIFADDR, struct.pack("256s", iface.encode()[:15]))
        except OSError:
            return "0.0.0.0"  # no address: an ARP probe (RFC 5227) still gets its answer
    return socket.inet_ntoa(res[20:24])


def arp(iface: str, target: str, wait: float) -> int:
    """ARP who-has TARGET from the interface's own address: does it answer at layer 2?"""
    tpa = socket.inet_aton(target)
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP)) as sock:
        sock.bind((iface, 0))
        mac = sock.getsockname()[4]
        request = struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 1, mac,
                              socket.inet_aton(_iface_ipv4(iface)), b"\0" * 6, tpa)
        frame = BROADCAST + mac + struct.pack("!H", ETH_P_ARP) + request

        def answer(data: bytes) -> str | None:
            body = data[14:42]
            if len(body) < 28:
                return None
            op, sha, spa = struct.unpack("!H", body[6:8])[0], body[8:14], body[14:18]
            if op != 2 or spa != tpa:
                return None
            return f"ARP {target} {':'.join(f'{b:02x}' for b in sha)}"

        found = _exchange(sock, frame, wait, answer)
    for line in found:
        print(line)
    return 0 if found else 1


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["dhcp-offer"] and len(argv) in (2, 3):
            return dhcp_offer(argv[1], float(argv[2]) if len(argv) == 3 else DEFAULT_WAIT)
        if argv[:1] == ["arp"] and len(argv) in (3, 4):
            return arp(argv[1], argv[2], float(argv[3]) if len(argv) == 4 else DEFAULT_WAIT)
    except (OSError, ValueError) as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 2
    print("usage: rawnet_agent dhcp-offer IFACE [WAIT] | arp IFACE TARGET [WAIT]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
