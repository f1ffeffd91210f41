"""Where an SSH session comes from, as the kernel sees it — never as anything in a host says.

A session's sshd sets SSH_CONNECTION in its environment, but that is the host's word: root in the
host can replace /usr/sbin/sshd (or run a copy of bash under that name) and hand ssh-session any
SSH_CONNECTION it likes. So the collector (simulateur.journal.remote, a process of the machine)
asks the kernel instead, reading the machine's /proc, which no host can write:

  1. the session's sshd processes (the session's parent chain, in the host's PID namespace) and the
     socket inodes they hold (/proc/PID/fd → socket:[INODE]);
  2. the TCP table of the host's network namespace (/proc/PID/net/tcp and tcp6, which the kernel
     renders for the namespace of PID): among those inodes, an ESTABLISHED connection whose local
     port is a port listening in that namespace — an accepted connection, not one the process made;
  3. which lab host holds the other end: the same connection seen from the peer's side (local =
     the session's peer, remote = the session's local end) in the TCP table of each host's network
     namespace. Only when no host holds it (a VM host, whose sockets are in its own kernel; a
     connection through a NAT) is the peer address mapped to the lab host that has it, and failing
     that the address itself is the origin.

No such connection (a session forged inside the host, with no network connection at all), and the
session is refused: the collector records no SSH command of it (what runs there is then the host's
own, local work). The choice of /proc over sock_diag netlink: the same kernel tables, readable for
any namespace from the machine without entering it (sock_diag answers only for the namespace the
asking socket lives in), and the inode→process link that sock_diag does not give.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from typing import NamedTuple

ESTABLISHED, LISTEN = "01", "0A"


class Endpoint(NamedTuple):
    address: str
    port: int


class Connection(NamedTuple):
    local: Endpoint
    peer: Endpoint


class Socket(NamedTuple):
    local: Endpoint
    remote: Endpoint
    state: str
    inode: int


def _address(hexa: str) -> str:
    """An address of /proc/net/tcp{,6}: 32-bit words, each in the machine's (little-endian) order."""
    raw = b"".join(bytes.fromhex(hexa[i:i + 8])[::-1] for i in range(0, len(hexa), 8))
    addr = ipaddress.ip_address(raw)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


def _endpoint(field: str) -> Endpoint:
    addr, port = field.split(":")
    return Endpoint(_address(addr), int(port, 16))


def tcp_table(pid: int) -> list[Socket]:
    """Every TCP socket of the network namespace of `pid`, as the kernel lists them."""
    sockets: list[Socket] = []
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{name}") as table:
                lines = table.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10:
                continue
            try:
                sockets.append(Socket(_endpoint(fields[1]), _endpoint(fields[2]), fields[3], int(fields[9])))
            except ValueError:
                continue
    return sockets


def socket_inodes(pid: int) -> set[int]:
    """The inodes of the sockets process `pid` holds open."""
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


def _listening(sock: Socket, table: list[Socket]) -> bool:
    return any(s.state == LISTEN and s.local.port == sock.local.port
               and s.local.address in (sock.local.address, "0.0.0.0", "::") for s in table)


def accepted_connection(pids: Iterable[int]) -> Connection | None:
    """The TCP connection a listener of their namespace accepted and one of `pids` holds (the first
    process that holds one wins: the session's own sshd before its parents)."""
    for pid in pids:
        inodes = socket_inodes(pid)
        if not inodes:
            continue
        table = tcp_table(pid)
        for sock in table:
            if sock.state == ESTABLISHED and sock.inode in inodes and _listening(sock, table):
                return Connection(sock.local, sock.remote)
    return None


def holder(connection: Connection, namespaces: dict[str, int]) -> str | None:
    """The one host (name → a PID in its network namespace) whose kernel holds the other end of
    `connection`; None when none or several do."""
    mirror = (connection.peer, connection.local)
    owners = [name for name, pid in namespaces.items()
              if any((s.local, s.remote) == mirror and s.state == ESTABLISHED for s in tcp_table(pid))]
    return owners[0] if len(owners) == 1 else None
