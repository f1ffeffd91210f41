"""Reading a host's real state from the machine: processes in its PID namespace, its sockets,
its links and routes (netlink in its netns; its addresses: simulateur.lab.addresses). Nothing here
trusts a file the trainee could edit to look right, except where a probe says so.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psutil

from simulateur.i18n import tr
from simulateur.lab import nsutil, sockets

if TYPE_CHECKING:
    from simulateur.lab.addresses import Addr
    from simulateur.lab.kind import HostKind
    from simulateur.lab.lab import Lab


@dataclass
class Proc:
    pid: int  # as the machine sees it
    exe: str  # path inside the host
    cmdline: list[str]


def processes(host: HostKind) -> list[Proc]:
    """Live processes of the host (same PID namespace as its PID 1)."""
    target = host.pid_namespace()
    found = []
    for proc in psutil.process_iter(["pid"]):
        pid = proc.info["pid"]
        try:
            if os.stat(f"/proc/{pid}/ns/pid").st_ino != target or not nsutil.alive(pid):
                continue
            exe = os.readlink(f"/proc/{pid}/exe")
            found.append(Proc(pid, exe, proc.cmdline()))
        except (FileNotFoundError, ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


@dataclass
class Listener:
    proto: str
    address: str
    port: int
    inode: int


def listeners(host: HostKind) -> list[Listener]:
    """TCP sockets in LISTEN and bound UDP sockets (IPv4) of the host's network namespace."""
    if host.state.pid1 is None:  # not running: no socket, as sockets.table says of a process gone
        return []
    return [
        Listener(sock.proto, sock.local.address, sock.local.port, sock.inode)
        for sock in sockets.table(host.state.pid1, ("tcp", "udp"), families="4")
        if sock.proto == "udp" or sock.state == sockets.LISTEN
    ]


def link_mac(host: HostKind, iface: str) -> str | None:
    ipr = nsutil.iproute_in(host.netns)
    try:
        idx = ipr.link_lookup(ifname=iface)
        if not idx:
            return None
        mac = ipr.get_links(idx[0])[0].get_attr("IFLA_ADDRESS")
        return str(mac) if mac is not None else None
    finally:
        ipr.close()


def dhcp_given(lab: Lab, host: str, addr: Addr) -> bool:
    """Was this address given by DHCP? A finite lifetime says so; an infinite one (the kernel
    shows it as `forever`, like an address typed by hand) is a DHCP address when a DHCP client of
    the host runs for the interface and a DHCP server of the lab holds an infinite lease of it for
    the interface's MAC (dnsmasq writes expiry 0) — a reservation with an `infinite` lease is as
    much DHCP as a `24h` one."""
    if addr.dynamic:
        return True
    h = lab.host(host)
    mac = link_mac(h, addr.iface)
    if mac is None or not any(_dhcp_client_for(p.cmdline, addr.iface) for p in processes(h)):
        return False
    ip = addr.cidr.split("/")[0]
    for server in lab.host_names():
        if not any(getattr(svc, "type", None) == "dnsmasq" for svc in lab.topology.hosts[server].services):
            continue
        if any(
            expiry == 0 and lmac.lower() == mac.lower() and lip == ip
            for expiry, lmac, lip, _ in lab.dnsmasq_leases(server)
        ):
            return True
    return False


DHCP_CLIENTS = {"dhclient", "dhcpcd", "udhcpc"}


def _dhcp_client_for(cmdline: list[str], iface: str) -> bool:
    """A DHCP client process serving `iface` (named, or all interfaces when none is named)."""
    if not cmdline or os.path.basename(cmdline[0]) not in DHCP_CLIENTS:
        return False
    names = [a for a in cmdline[1:] if not a.startswith("-") and "/" not in a]
    return "-r" not in cmdline and "-x" not in cmdline and (iface in cmdline[1:] or not names)


def shown_addresses(lab: Lab, host: str, addrs: list[Addr]) -> str:
    """« a.b.c.d/p (dynamique) », « … (fixe) »: as dhcp_given judges each."""
    return ", ".join(
        (tr("probe.addr.dynamic", cidr=a.cidr) if dhcp_given(lab, host, a) else tr("probe.addr.fixed", cidr=a.cidr))
        for a in addrs
    )


def default_gateways(host: HostKind) -> list[str]:
    """The gateways of the default IPv4 routes of the host's main table (netlink in its netns)."""
    ipr = nsutil.iproute_in(host.netns)
    try:
        routes = ipr.get_default_routes(family=socket.AF_INET)
    finally:
        ipr.close()
    return [gw for route in routes if (gw := route.get_attr("RTA_GATEWAY"))]
