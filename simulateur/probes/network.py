"""Network and service probes: daemons, DHCP, ping, ARP, DNS."""

from __future__ import annotations

import os
import re
import time
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from simulateur.lab.names import HOST_RE, IFACE_RE, UNIT_RE
from simulateur.probes import inspect
from simulateur.probes.base import PING_WAIT, RAWNET_WAIT, ProbeBase, dig_a, is_ipv4, rawnet_agent

if TYPE_CHECKING:
    from simulateur.lab.host import Host
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
            return False, f"aucun processus {binary.rsplit('/', 1)[-1]} sur {self.host}"
        inodes = set().union(*(inspect.socket_inodes(p.pid) for p in procs))
        listening = {(sock.proto, sock.port) for sock in inspect.listeners(host) if sock.inode in inodes}
        missing = [f"{proto}/{port}" for proto, port in ports if (proto, port) not in listening]
        name = binary.rsplit("/", 1)[-1]
        if missing:
            return False, f"{name} tourne sur {self.host} mais n'écoute pas sur {', '.join(missing)}"
        shown = ", ".join(f"{p}/{n}" for p, n in ports)
        return True, f"{name} tourne sur {self.host} (écoute {shown})"

    def expected(self, lab: Lab) -> str:
        return f"le service {self.service} actif sur {self.host}"


class DhcpLease(ProbeBase):
    probe: Literal["dhcp.lease"]
    iface: str = Field("eth0", pattern=IFACE_RE, description="Interface réseau de l'hôte.")
    server: str = Field(pattern=HOST_RE, description="Hôte qui porte le serveur DHCP (dnsmasq).")
    gateway: str | None = Field(None, description="Passerelle que le bail doit avoir apportée ({param} accepté).")
    summary = "L'interface a une adresse obtenue par DHCP, dont le serveur a le bail en cours (et la bonne passerelle)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        mac = inspect.link_mac(host, self.iface)
        if mac is None:
            return False, f"pas d'interface {self.iface} sur {self.host}"
        addrs = [a for a in inspect.addresses(host) if a.iface == self.iface]
        if not addrs:
            return False, f"{self.host} n'a aucune adresse IPv4 sur {self.iface}"
        leases = lab.dnsmasq_leases(self.server)
        now = time.time()
        lease = next((lz for lz in leases if lz[1].lower() == mac.lower() and (lz[0] == 0 or lz[0] > now)), None)
        shown = ", ".join(a.cidr + (" (dynamique)" if a.dynamic else " (fixe)") for a in addrs)
        if lease is None:
            return False, f"{self.iface} : {shown} — {self.server} n'a aucun bail en cours pour {mac}"
        held = [a for a in addrs if a.cidr.split("/")[0] == lease[2]]
        if not held:
            return False, f"{self.iface} : {shown} — mais le bail de {self.server} est {lease[2]}"
        if not held[0].dynamic:
            return False, f"{self.iface} : {held[0].cidr} saisie à la main (sans durée de bail), pas par DHCP"
        got = f"{self.host} a obtenu {held[0].cidr} par DHCP de {self.server}"
        if self.gateway:
            want, gws = lab.render(self.gateway), inspect.default_gateways(host)
            leased = _leased_router(host, lease[2])
            if leased != want:
                return False, f"{got}, mais le bail annonce la passerelle {leased or 'aucune'} (attendu {want})"
            if gws != [want]:
                return False, f"{got}, mais sa passerelle est {', '.join(gws) or 'absente'} (attendu {want})"
            got += f", passerelle {want}"
        return True, got

    def expected(self, lab: Lab) -> str:
        via = f" avec la passerelle {lab.render(self.gateway)}" if self.gateway else ""
        return f"{self.host} obtient son adresse par DHCP auprès de {self.server}{via}"


def _leased_router(host: Host, address: str) -> str | None:
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
            return True, f"{self.target} ({addr}) répond au ping" + (f" en {rtt.group(1)} ms" if rtt else "")
        why = (result.stderr or "").strip().splitlines()
        reason = why[-1].split(": ", 1)[-1] if why else "aucune réponse"
        return False, f"{self.target} ({addr}) ne répond pas depuis {self.host} : {reason}"

    def expected(self, lab: Lab) -> str:
        return f"{self.host} joint {self.target}"


class DnsResolve(ProbeBase):
    probe: Literal["dns.resolve"]
    name: str = Field(pattern=r"^(?:[A-Za-z0-9.-]|\{[a-z][a-z0-9_]{0,31}\}){1,253}$",
                      description="Nom à résoudre (modèle {param} accepté).")
    expect: str | None = Field(None, description="Adresse attendue (modèle {param} accepté).")
    summary = "Le nom se résout comme pour les applications de l'hôte (/etc/hosts puis DNS de resolv.conf)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        answer, via = resolve_name(lab.host(self.host), self.name)
        if answer is None:
            return False, via
        if self.expect and answer != lab.render(self.expect):
            return False, f"{self.name} → {answer} ({via}), attendu {lab.render(self.expect)}"
        return True, f"{self.name} → {answer} ({via})"

    def expected(self, lab: Lab) -> str:
        target = f" en {lab.render(self.expect)}" if self.expect else ""
        return f"{self.host} résout {self.name}{target}"


def lookup(host: Host, name: str) -> tuple[str | None, str, list[str]]:
    """How the host's applications resolve `name` (glibc's order): its /etc/hosts, then the DNS
    servers of its resolv.conf (queried from its network namespace), with its search domains —
    first for a name without a dot, last for one with. (address or None, "/etc/hosts" or
    "DNS <server>", the servers tried)."""
    if is_ipv4(name):
        return name, "adresse", []
    resolv = host.read_text("/etc/resolv.conf") or ""
    search = [d for line in re.findall(r"^\s*(?:search|domain)\s+(.+)$", resolv, re.M) for d in line.split()]
    servers = re.findall(r"^\s*nameserver\s+(\S+)", resolv, re.M)[:3]
    name = name.rstrip(".")
    qualified = [f"{name}.{d}" for d in search]
    candidates = qualified + [name] if "." not in name else [name] + qualified
    hosts = host.read_text("/etc/hosts") or ""
    for cand in candidates:
        for line in hosts.splitlines():
            fields = line.split("#", 1)[0].split()
            if len(fields) >= 2 and cand in fields[1:] and is_ipv4(fields[0]):
                return fields[0], "/etc/hosts", servers
    for cand in candidates:
        for server in servers:
            found = dig_a(host, server, cand)
            if found:
                return found[-1], f"DNS {server}", servers
    return None, "", servers


def resolve_name(host: Host, name: str) -> tuple[str | None, str]:
    """(address, how) as the host's applications would resolve `name`; (None, why) if it does not."""
    addr, how, servers = lookup(host, name)
    if addr is not None:
        return addr, how
    if not servers:
        return None, f"{host.name} n'a aucun serveur DNS dans /etc/resolv.conf"
    return None, f"{name} ne se résout pas depuis {host.name} (DNS {', '.join(servers)})"


class DhcpOffer(ProbeBase):
    probe: Literal["dhcp.offer"]
    iface: str = Field("eth0", pattern=IFACE_RE, description="Interface réseau de l'hôte.")
    server: str = Field(pattern=HOST_RE, description="Hôte dont on attend l'offre.")
    router: str | None = Field(None, description="Passerelle que l'offre doit annoncer ({param} accepté).")
    summary = "Une vraie requête DHCPDISCOVER (socket brute) depuis l'hôte reçoit une offre du serveur (bonne passerelle)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        res = rawnet_agent(host, "dhcp-offer", self.iface)
        offers = [line.split() for line in res.stdout.splitlines() if line.startswith("OFFER ")]
        if res.returncode not in (0, 1):
            return False, f"sonde DHCP impossible : {(res.stderr.strip().splitlines() or ['?'])[-1]}"
        server_addr = lab.address_of(self.server)
        if not offers:
            return False, f"aucune offre DHCP reçue sur {self.host}:{self.iface} en {str(RAWNET_WAIT).replace('.', ',')} s (3 envois)"
        mine = [o for o in offers if o[1] == server_addr]
        if not mine:
            return False, "offre reçue de " + ", ".join(o[1] for o in offers) + f", pas de {self.server}"
        offer = mine[0] + ["-"] * (4 - len(mine[0]))
        text = f"{self.server} ({server_addr}) offre {offer[2]}"
        if self.router:
            want = lab.render(self.router)
            shown = "aucune passerelle" if offer[3] == "-" else f"la passerelle {offer[3]}"
            if offer[3] != want:
                return False, f"{text} avec {shown} (attendu {want})"
            text += f" avec la passerelle {want}"
        return True, text + " à un client DHCP"

    def expected(self, lab: Lab) -> str:
        via = f" en annonçant la passerelle {lab.render(self.router)}" if self.router else ""
        return f"{self.server} répond aux demandes DHCP sur le réseau de {self.host}{via}"


class NetArp(ProbeBase):
    probe: Literal["net.arp"]
    iface: str = Field("eth0", pattern=IFACE_RE, description="Interface réseau de l'hôte.")
    target: str = Field(description="Nom d'hôte du laboratoire ou adresse IPv4 (modèle {param} accepté).")
    summary = "Une requête ARP (socket brute) depuis l'hôte : la cible répond-elle sur le réseau local ?"

    def observe(self, lab: Lab) -> tuple[bool, str]:
        addr = lab.resolve_target(self.target)
        res = rawnet_agent(lab.host(self.host), "arp", self.iface, addr)
        answers = [line.split() for line in res.stdout.splitlines() if line.startswith("ARP ")]
        if answers:
            return True, f"{addr} répond à l'ARP de {self.host} ({answers[0][2]})"
        if res.returncode not in (0, 1):
            return False, f"sonde ARP impossible : {(res.stderr.strip().splitlines() or ['?'])[-1]}"
        return False, f"{addr} ne répond pas à l'ARP de {self.host} sur {self.iface}"

    def expected(self, lab: Lab) -> str:
        return f"{self.target} joignable au niveau 2 depuis {self.host}"


