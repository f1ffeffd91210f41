"""Network and service probes: daemons, DHCP, ping, ARP, DNS."""

from __future__ import annotations

import ipaddress
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from simulateur.i18n import tr
from simulateur.lab import sockets
from simulateur.lab.addresses import addresses
from simulateur.lab.fields import Iface
from simulateur.lab.names import HOST_RE, UNIT_RE
from simulateur.probes import inspect, rawnet
from simulateur.probes.base import PING_WAIT, RAWNET_WAIT, ProbeBase, dig_a, is_ipv4

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind
    from simulateur.lab.lab import Lab


class ServiceRunning(ProbeBase):
    probe: Literal["service.running"]
    service: str = Field(pattern=UNIT_RE, description="Nom du service de l'hôte (voir la topologie).")
    summary = "Le démon du service tourne dans l'hôte et écoute sur ses ports."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        spec = lab.service_spec(self.host, self.service)
        binary, ports = spec.binary, spec.ports()
        # /proc/PID/exe shows the resolved file (/usr/bin/python3 → /usr/bin/python3.11): compare
        # with the binary resolved the same way (the host's lower layer is the machine's root).
        real = os.path.realpath(binary)
        procs = [p for p in inspect.processes(host) if p.exe in (binary, real)]
        if not procs:
            return False, tr("probe.service.no_process", name=binary.rsplit("/", 1)[-1], host=self.host)
        inodes = set().union(*(sockets.socket_inodes(p.pid) for p in procs))
        listening = {(sock.proto, sock.port) for sock in inspect.listeners(host) if sock.inode in inodes}
        missing = [f"{proto}/{port}" for proto, port in ports if (proto, port) not in listening]
        name = binary.rsplit("/", 1)[-1]
        if missing:
            return False, tr("probe.service.not_listening", name=name, host=self.host, ports=", ".join(missing))
        shown = ", ".join(f"{p}/{n}" for p, n in ports)
        return True, tr("probe.service.ok", name=name, host=self.host, ports=shown)

    def expected(self, lab: Lab) -> str:
        return tr("probe.service.expected", service=self.service, host=self.host)


class DhcpLease(ProbeBase):
    probe: Literal["dhcp.lease"]
    iface: Iface = "eth0"
    server: str = Field(pattern=HOST_RE, description="Hôte qui porte le serveur DHCP (dnsmasq).")
    gateway: str | None = Field(None, description="Passerelle que le bail doit avoir apportée ({param} accepté).")
    within: tuple[str, str] | None = Field(
        None, description="Plage où l'adresse du bail doit se trouver : première et dernière adresse ({param} accepté)."
    )
    summary = (
        "L'interface a une adresse obtenue par DHCP, dont le serveur a le bail en cours (dans la plage, avec la "
        "bonne passerelle)."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        mac = inspect.link_mac(host, self.iface)
        if mac is None:
            return False, tr("probe.dhcp_lease.no_iface", iface=self.iface, host=self.host)
        addrs = [a for a in addresses(host) if a.iface == self.iface]
        if not addrs:
            return False, tr("probe.dhcp_lease.no_address", host=self.host, iface=self.iface)
        leases = lab.dnsmasq_leases(self.server)
        now = time.time()
        lease = next((lz for lz in leases if lz[1].lower() == mac.lower() and (lz[0] == 0 or lz[0] > now)), None)
        shown = inspect.shown_addresses(lab, self.host, addrs)
        if lease is None:
            return False, tr("probe.dhcp_lease.no_lease", iface=self.iface, shown=shown, server=self.server, mac=mac)
        held = [a for a in addrs if a.cidr.split("/")[0] == lease[2]]
        if not held:
            return False, tr(
                "probe.dhcp_lease.other_lease", iface=self.iface, shown=shown, server=self.server, address=lease[2]
            )
        if not inspect.dhcp_given(lab, self.host, held[0]):
            return False, tr("probe.dhcp_lease.static", iface=self.iface, cidr=held[0].cidr)
        got = tr("probe.dhcp_lease.ok", host=self.host, cidr=held[0].cidr, server=self.server)
        if self.within:
            first, last = (ipaddress.IPv4Address(lab.render(a)) for a in self.within)
            if not first <= ipaddress.IPv4Address(lease[2]) <= last:
                return False, tr("probe.dhcp_lease.outside", got=got, first=first, last=last)
        if self.gateway:
            want, gws = lab.render(self.gateway), inspect.default_gateways(host)
            leased = _leased_router(host, lease[2])
            if leased != want:
                return False, tr(
                    "probe.dhcp_lease.lease_gateway", got=got, gateway=leased or tr("probe.none_f"), want=want
                )
            if gws != [want]:
                return False, tr(
                    "probe.dhcp_lease.host_gateway", got=got, gateway=", ".join(gws) or tr("probe.absent_f"), want=want
                )
            got = tr("probe.dhcp_lease.with_gateway", got=got, gateway=want)
        return True, got

    def expected(self, lab: Lab) -> str:
        via = tr("probe.dhcp_lease.expected_via", gateway=lab.render(self.gateway)) if self.gateway else ""
        if self.within:
            via = (
                tr(
                    "probe.dhcp_lease.expected_within",
                    first=lab.render(self.within[0]),
                    last=lab.render(self.within[1]),
                )
                + via
            )
        return tr("probe.dhcp_lease.expected", host=self.host, server=self.server, via=via)


def _leased_router(host: HostKind, address: str) -> str | None:
    """The router option of the newest lease (latest expiry) the host's DHCP clients hold for
    `address` — several clients may have written lease files (ifup's and a bare dhclient's)."""
    newest: tuple[str, str | None] = ("", None)
    for path in host.path("/var/lib/dhcp").glob("dhclient*.leases"):
        # Read through the host's root: a lease file may be a link the trainee made (confine.py).
        for block in (host.read_text(f"/var/lib/dhcp/{path.name}") or "").split("lease {")[1:]:
            if not re.search(rf"fixed-address\s+{re.escape(address)};", block):
                continue
            expire = re.search(r"expire \d (\S+ \S+);", block)
            router = re.search(r"option routers\s+([\d.]+)", block)
            key = expire.group(1) if expire else ""
            if key >= newest[0]:
                newest = (key, router.group(1) if router else None)
    return newest[1]


class NetPing(ProbeBase):
    probe: Literal["net.ping"]
    target: str = Field(description="Nom d'hôte du laboratoire ou adresse IPv4 (modèle {param} accepté).")
    summary = "L'hôte joint la cible en ICMP (ping réel depuis son espace réseau)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        addr = lab.resolve_target(self.target)
        result = lab.host(self.host).run_in_netns(["ping", "-n", "-c", "1", "-W", PING_WAIT, addr], timeout=5)
        if result.returncode == 0:
            rtt = re.search(r"time=([\d.]+) ms", result.stdout)
            return True, tr(
                "probe.ping.ok",
                target=self.target,
                addr=addr,
                time=tr("probe.ping.time", ms=rtt.group(1)) if rtt else "",
            )
        why = (result.stderr or "").strip().splitlines()
        reason = why[-1].split(": ", 1)[-1] if why else tr("probe.ping.no_reply")
        return False, tr("probe.ping.ko", target=self.target, addr=addr, host=self.host, reason=reason)

    def expected(self, lab: Lab) -> str:
        return tr("probe.ping.expected", host=self.host, target=self.target)


class DnsResolve(ProbeBase):
    probe: Literal["dns.resolve"]
    name: str = Field(
        pattern=r"^(?:[A-Za-z0-9.-]|\{[a-z][a-z0-9_]{0,31}\}){1,253}$",
        description="Nom à résoudre (modèle {param} accepté).",
    )
    expect: str | None = Field(None, description="Adresse attendue (modèle {param} accepté).")
    from_dns: bool = Field(
        False,
        description=(
            "Le nom doit venir du DNS, pas d'une ligne figée de /etc/hosts (site où « rien n'est figé sur un "
            "poste » : une adresse épinglée ne suit pas le serveur quand il change)."
        ),
    )
    summary = "Le nom se résout comme pour les applications de l'hôte (/etc/hosts puis DNS de resolv.conf)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        answer, via = resolve_name(host, self.name)
        if answer is None:
            return False, via
        name = lab.render(self.name)
        if self.expect and answer != lab.render(self.expect):
            return False, tr("probe.dns.wrong", name=name, answer=answer, via=via, want=lab.render(self.expect))
        if self.from_dns and pinned_in_hosts(host, name):
            return False, tr("probe.dns.pinned_in_hosts", name=name, answer=answer)
        return True, tr("probe.dns.ok", name=name, answer=answer, via=via)

    def expected(self, lab: Lab) -> str:
        target = tr("probe.dns.expected_target", address=lab.render(self.expect)) if self.expect else ""
        return tr("probe.dns.expected", host=self.host, name=self.name, target=target)


def lookup(host: HostKind, name: str, hosts_file: bool = True) -> tuple[str | None, str, list[str]]:
    """How the host's applications resolve `name` (glibc's order): its /etc/hosts, then the DNS
    servers of its resolv.conf (queried from its network namespace), with its search domains —
    first for a name without a dot, last for one with. (address or None, "/etc/hosts" or
    "DNS <server>", the servers tried)."""
    if is_ipv4(name):
        return name, tr("probe.dns.via_address"), []
    resolv = host.read_text("/etc/resolv.conf") or ""
    search = [d for line in re.findall(r"^\s*(?:search|domain)\s+(.+)$", resolv, re.MULTILINE) for d in line.split()]
    servers = re.findall(r"^\s*nameserver\s+(\S+)", resolv, re.MULTILINE)[:3]
    name = name.rstrip(".")
    qualified = [f"{name}.{d}" for d in search]
    candidates = qualified + [name] if "." not in name else [name] + qualified
    hosts = (host.read_text("/etc/hosts") or "") if hosts_file else ""
    for cand in candidates:
        for line in hosts.splitlines():
            fields = line.split("#", 1)[0].split()
            if len(fields) >= 2 and cand in fields[1:] and is_ipv4(fields[0]):
                return fields[0], "/etc/hosts", servers
    # glibc asks the servers in order and gives up on one that does not answer: they are asked
    # side by side here (a dead resolver costs its 1 s once, not once per server and name), and
    # the first server in order that has the name wins.
    alive = list(servers)
    for cand in candidates:
        if not alive:
            break
        with ThreadPoolExecutor(max_workers=len(alive)) as pool:
            answers = list(pool.map(lambda server, cand=cand: dig_a(host, server, cand), alive))
        for server, found in zip(alive, answers, strict=True):
            if found:
                return found[-1], tr("probe.dns.via_dns", server=server), servers
        alive = [server for server, found in zip(alive, answers, strict=True) if found is not None]
    return None, "", servers


def _own_name(host: HostKind, name: str) -> bool:
    """The host's own name (Debian writes it in /etc/hosts, 127.0.1.1), or localhost."""
    first = name.split(".")[0]
    return first in (host.name, "localhost")


def pinned_in_hosts(host: HostKind, name: str) -> bool:
    """Does the host's /etc/hosts give `name` (or the same name qualified by, or stripped of,
    one of its search domains) an IPv4 address — whatever its resolver then asks the DNS?"""
    resolv = host.read_text("/etc/resolv.conf") or ""
    search = [d for line in re.findall(r"^\s*(?:search|domain)\s+(.+)$", resolv, re.MULTILINE) for d in line.split()]
    name = name.rstrip(".").lower()
    forms = {name} | {f"{name}.{d}".lower() for d in search}
    forms |= {name[: -len(d) - 1] for d in search if name.endswith("." + d.lower())}
    for line in (host.read_text("/etc/hosts") or "").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and is_ipv4(fields[0]) and forms & {f.lower() for f in fields[1:]}:
            return True
    return False


def resolve_name(host: HostKind, name: str) -> tuple[str | None, str]:
    """(address, how) as the host's applications would resolve `name`; (None, why) if it does not."""
    addr, how, servers = lookup(host, name)
    if addr is not None and how == "/etc/hosts" and not _own_name(host, name):
        # A name pinned in /etc/hosts: the host's DNS must give the same answer, or the pin is a
        # local workaround that hides a name service still broken (for this host's other names,
        # for every other host) — not a resolution a jury signs.
        dns, _, _ = lookup(host, name, hosts_file=False)
        if dns != addr:
            return None, tr(
                "probe.dns.pinned", name=name, host=host.name, addr=addr, dns=dns or tr("probe.dns.pinned_nothing")
            )
    if addr is not None:
        return addr, how
    if not servers:
        return None, tr("probe.dns.no_server", host=host.name)
    return None, tr("probe.dns.unresolved", name=name, host=host.name, servers=", ".join(servers))


class DhcpOffer(ProbeBase):
    probe: Literal["dhcp.offer"]
    iface: Iface = "eth0"
    server: str = Field(pattern=HOST_RE, description="Hôte dont on attend l'offre.")
    router: str | None = Field(None, description="Passerelle que l'offre doit annoncer ({param} accepté).")
    summary = (
        "Une vraie requête DHCPDISCOVER (socket brute) depuis l'hôte reçoit une offre du serveur (bonne passerelle)."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        try:
            offers = rawnet.dhcp_offer(lab.host(self.host), self.iface, RAWNET_WAIT)
        except OSError as exc:
            return False, tr("probe.dhcp_offer.failed", why=f"{type(exc).__name__}: {exc}")
        server_addr = lab.address_of(self.server)
        if not offers:
            return False, tr(
                "probe.dhcp_offer.none", host=self.host, iface=self.iface, wait=str(RAWNET_WAIT).replace(".", ",")
            )
        mine = [o for o in offers if o.server == server_addr]
        if not mine:
            return False, tr("probe.dhcp_offer.other", senders=", ".join(o.server for o in offers), server=self.server)
        offer = mine[0]
        text = tr("probe.dhcp_offer.offer", server=self.server, addr=server_addr, address=offer.address)
        if self.router:
            want = lab.render(self.router)
            shown = (
                tr("probe.dhcp_offer.no_router")
                if offer.router is None
                else tr("probe.dhcp_offer.router", router=offer.router)
            )
            if offer.router != want:
                return False, tr("probe.dhcp_offer.wrong_router", offer=text, router=shown, want=want)
            text = tr("probe.dhcp_offer.with_router", offer=text, router=want)
        return True, tr("probe.dhcp_offer.ok", offer=text)

    def expected(self, lab: Lab) -> str:
        via = tr("probe.dhcp_offer.expected_via", router=lab.render(self.router)) if self.router else ""
        return tr("probe.dhcp_offer.expected", server=self.server, host=self.host, via=via)


class NetArp(ProbeBase):
    probe: Literal["net.arp"]
    iface: Iface = "eth0"
    target: str = Field(description="Nom d'hôte du laboratoire ou adresse IPv4 (modèle {param} accepté).")
    summary = "Une requête ARP (socket brute) depuis l'hôte : la cible répond-elle sur le réseau local ?"

    def observe(self, lab: Lab) -> tuple[bool, str]:
        addr = lab.resolve_target(self.target)
        try:
            mac = rawnet.arp(lab.host(self.host), self.iface, addr, RAWNET_WAIT)
        except OSError as exc:
            return False, tr("probe.arp.failed", why=f"{type(exc).__name__}: {exc}")
        if mac:
            return True, tr("probe.arp.ok", addr=addr, host=self.host, mac=mac)
        return False, tr("probe.arp.ko", addr=addr, host=self.host, iface=self.iface)

    def expected(self, lab: Lab) -> str:
        return tr("probe.arp.expected", target=self.target, host=self.host)
