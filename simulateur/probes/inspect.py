"""Reading a host's real state from the machine: processes in its PID namespace, its sockets,
its links and routes (netlink in its netns; its addresses: simulateur.lab.addresses). Nothing here
trusts a file the trainee could edit to look right, except where a probe says so.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from simulateur.lab import nsutil

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind


@dataclass
class Proc:
    pid: int          # as the machine sees it
    exe: str          # path inside the host
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


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        for fd in os.scandir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(fd.path)
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(int(link[8:-1]))
    except (FileNotFoundError, PermissionError):
        pass
    return inodes


@dataclass
class Listener:
    proto: str
    address: str
    port: int
    inode: int


def listeners(host: HostKind) -> list[Listener]:
    """TCP sockets in LISTEN and bound UDP sockets of the host's network namespace."""
    found = []
    for proto in ("tcp", "udp"):
        path = Path(f"/proc/{host.state.pid1}/net/{proto}")
        try:
            lines = path.read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], int(fields[9])
            if proto == "tcp" and state != "0A":
                continue
            hex_ip, hex_port = local.split(":")
            ip = str(ipaddress.IPv4Address(bytes.fromhex(hex_ip)[::-1]))
            found.append(Listener(proto, ip, int(hex_port, 16), inode))
    return found


def link_mac(host: HostKind, iface: str) -> str | None:
    ipr = nsutil.iproute_in(host.netns)
    try:
        idx = ipr.link_lookup(ifname=iface)
        if not idx:
            return None
        return ipr.get_links(idx[0])[0].get_attr("IFLA_ADDRESS")
    finally:
        ipr.close()


def default_gateways(host: HostKind) -> list[str]:
    """Default gateways as netifaces reports them, inside the host's network namespace."""
    import netifaces

    with nsutil.inside_netns(host.netns):
        gws = netifaces.gateways()
    return [gw[0] for gw in gws.get(netifaces.AF_INET, [])] if isinstance(gws, dict) else []
