"""Where an SSH session comes from, as the kernel sees it — never as anything in a host says.

A session's sshd sets SSH_CONNECTION in its environment, but that is the host's word: root in the
host can replace /usr/sbin/sshd (or run a copy of bash under that name) and hand ssh-session any
SSH_CONNECTION it likes. So the collector (simulateur.journal.remote, a process of the machine)
asks the kernel instead, reading the machine's /proc, which no host can write:

  1. the session's sshd processes (the session's parent chain, in the host's PID namespace) and the
     socket inodes they hold (/proc/PID/fd → socket:[INODE]);
  2. the TCP table of the host's network namespace (sock_diag asked from a socket made in the
     namespace of PID: simulateur.lab.sockets): among those inodes, an ESTABLISHED connection whose
     local port is a port listening in that namespace — an accepted connection, not one it made;
  3. which lab host holds the other end: the same connection seen from the peer's side (local =
     the session's peer, remote = the session's local end) in the TCP table of each host's network
     namespace. Only when no host holds it (a VM host, whose sockets are in its own kernel; a
     connection through a NAT) is the peer address mapped to the lab host that has it, and failing
     that the address itself is the origin.

No such connection (a session forged inside the host, with no network connection at all), and the
session is refused: the collector records no SSH command of it (what runs there is then the host's
own, local work). The inode→process link is /proc/PID/fd's (sock_diag gives inodes, not holders).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from simulateur.lab import sockets
from simulateur.lab.sockets import ESTABLISHED, LISTEN, Endpoint, Socket, socket_inodes


class Connection(NamedTuple):
    local: Endpoint
    peer: Endpoint


def tcp_table(pid: int) -> list[Socket]:
    """Every TCP socket (IPv4 and IPv6) of the network namespace of `pid`."""
    return sockets.table(pid, ("tcp",))


def _listening(sock: Socket, table: list[Socket]) -> bool:
    return any(
        s.state == LISTEN
        and s.local.port == sock.local.port
        and s.local.address in (sock.local.address, "0.0.0.0", "::")
        for s in table
    )


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
    owners = [
        name
        for name, pid in namespaces.items()
        if any((s.local, s.remote) == mirror and s.state == ESTABLISHED for s in tcp_table(pid))
    ]
    return owners[0] if len(owners) == 1 else None
