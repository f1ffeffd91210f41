"""A network namespace's sockets as its kernel lists them, and the sockets a process holds.

The table comes from sock_diag netlink (pyroute2's `DiagSocket`), asked from a socket opened inside
the namespace of a process (`/proc/PID/ns/net`): sock_diag answers for the namespace the asking
socket lives in, so the socket is made there and read from anywhere. Before this module the probes
and the SSH-origin collector each parsed /proc/PID/net/tcp by hand (two parsers, hexadecimal
little-endian words); the kernel's structured answer replaces both. Measured here (one run on a
loaded 2-core machine, 200 calls each, the machine's namespace): tcp+tcp6 through sock_diag 3.7 ms
a call (entering the namespace included), reading and parsing /proc/PID/net/tcp{,6} 7.0 ms.
pyroute2's import (~130 ms) is paid once per process and already by the lab engine.

What a process holds (its socket inodes) is only in /proc/PID/fd: sock_diag gives each socket's
inode, not who holds it. Nothing here trusts a file a host can write: /proc and netlink are the
machine's, answered by the kernel.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import NamedTuple

from simulateur.lab import nsutil

# The kernel's TCP states (include/net/tcp_states.h), as sock_diag gives them.
ESTABLISHED = 1
LISTEN = 10
_PROTOCOLS = {"tcp": socket.IPPROTO_TCP, "udp": socket.IPPROTO_UDP}
_FAMILIES = {"4": socket.AF_INET, "6": socket.AF_INET6}


class Endpoint(NamedTuple):
    address: str
    port: int


class Socket(NamedTuple):
    proto: str  # "tcp" | "udp"
    local: Endpoint
    remote: Endpoint
    state: int  # ESTABLISHED, LISTEN… (UDP: 7, unconnected)
    inode: int


def _address(raw: str) -> str:
    """An address as sock_diag gives it; an IPv4-mapped IPv6 address is the IPv4 one it maps."""
    addr = ipaddress.ip_address(raw)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


def table(pid: int, protos: tuple[str, ...] = ("tcp",), families: str = "46") -> list[Socket]:
    """Every socket of `protos` in the network namespace of `pid` (families "4", "6" or "46");
    [] when the process is gone."""
    from pyroute2 import DiagSocket

    found: list[Socket] = []
    try:
        with nsutil.inside_netns_at(f"/proc/{pid}/ns/net", str(pid)):
            diag = DiagSocket()
    except OSError:
        return found
    try:
        diag.bind()
        for proto in protos:
            for family in families:
                for msg in diag.get_sock_stats(family=_FAMILIES[family], protocol=_PROTOCOLS[proto]):
                    found.append(
                        Socket(
                            proto,
                            Endpoint(_address(msg["idiag_src"]), msg["idiag_sport"]),
                            Endpoint(_address(msg["idiag_dst"]), msg["idiag_dport"]),
                            msg["idiag_state"],
                            msg["idiag_inode"],
                        )
                    )
    finally:
        diag.close()
    return found


def socket_inodes(pid: int) -> set[int]:
    """The inodes of the sockets process `pid` holds open (none when it is gone)."""
    found: set[int] = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return found
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target.endswith("]"):
            found.add(int(target[8:-1]))
    return found
