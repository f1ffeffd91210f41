"""Probes of a host's local firewall (nftables) and of what it lets through.

`firewall.rules` reads the ruleset with the machine's own `nft`: the live one in the host's network
namespace, or the one the host loads at boot (its /etc/nftables.conf, loaded into a throwaway
network namespace of our own). Rules are compared as nft itself prints them: the rules the
scenario names are loaded the same way first, so `{80,443}` and `{ 80, 443 }` are the same rule.
`web.get` makes a real HTTP request from the host's network namespace.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.i18n import tr, trn
from simulateur.probes.base import ProbeBase, is_ipv4
from simulateur.probes.network import resolve_name

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind
    from simulateur.lab.lab import Lab

Chains = dict[str, list[str]]
_COUNTER = re.compile(r"\bcounter packets \d+ bytes \d+")
_HANDLE = re.compile(r"\s*# handle \d+\s*$")


def _scratch(script: str, listing: list[str]) -> subprocess.CompletedProcess[str]:
    """Load an nft script in a network namespace of our own that dies with the command, and list it.
    Nothing of the machine's or of any host's network is touched."""
    return subprocess.run(
        ["unshare", "--net", "sh", "-c", 'nft -f - && exec nft "$@"', "scratch", *listing],
        input=script,
        capture_output=True,
        text=True,
        timeout=10,
        errors="replace",
    )


def parse_chains(text: str) -> Chains:
    """Rule lines by chain name of an `nft list table` output, counters and handles stripped; a base
    chain's policy comes first, as « policy drop »."""
    chains: Chains = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = _HANDLE.sub("", raw).strip()
        head = re.match(r"chain (\S+) \{$", line)
        if head:
            current = chains.setdefault(head.group(1), [])
        elif line == "}":
            current = None
        elif current is not None and line.startswith("type "):
            policy = re.search(r"policy (\w+);", line)
            if policy:
                current.insert(0, f"policy {policy.group(1)}")
        elif current is not None and line:
            current.append(_COUNTER.sub("counter", line))
    return chains


def normalised(family: str, table: str, rules: Chains) -> Chains:
    """The scenario's rules as nft prints them (loaded in a scratch namespace, listed back)."""
    body = "".join(
        f"\tchain {chain} {{\n" + "".join(f"\t\t{r}\n" for r in lines) + "\t}\n" for chain, lines in rules.items()
    )
    res = _scratch(f"table {family} {table} {{\n{body}}}\n", ["list", "table", family, table])
    if res.returncode != 0:
        why = (res.stderr.strip().splitlines() or ["?"])[0]
        raise ValueError(tr("probe.firewall.bad_rule", why=why))
    return parse_chains(res.stdout)


def host_chains(host: HostKind, family: str, table: str, boot: bool) -> tuple[Chains | None, str]:
    """(rules by chain, where they were read); None when the table does not exist there."""
    if boot:
        text = host.read_text("/etc/nftables.conf")
        if text is None:
            return None, tr("probe.firewall.no_conf")
        res = _scratch(text, ["list", "table", family, table])
        where = tr("probe.firewall.where_boot")
        if res.returncode != 0 and "No such file" not in res.stderr:
            why = (res.stderr.strip().splitlines() or ["?"])[0]
            return None, tr("probe.firewall.conf_broken", why=why)
    else:
        res = host.run_in_netns(["nft", "list", "table", family, table], timeout=10)
        where = tr("probe.firewall.where_live")
    if res.returncode != 0:
        return None, where
    return parse_chains(res.stdout), where


class FirewallRules(ProbeBase):
    probe: Literal["firewall.rules"]
    table: str = Field(
        "inet filter",
        pattern=r"^(ip|ip6|inet|arp|bridge|netdev) [A-Za-z0-9_-]{1,32}$",
        description="Famille et nom de la table nftables (« inet filter »).",
    )
    keep: Chains = Field(
        default_factory=dict, description="Règles (par chaîne) qui doivent rester, écrites comme nft les affiche."
    )
    absent: Chains = Field(default_factory=dict, description="Règles (par chaîne) qui ne doivent plus y être.")
    policies: dict[str, Literal["accept", "drop"]] = Field(
        default_factory=dict, description="Politique par défaut attendue par chaîne de base (« input: drop »)."
    )
    boot: bool = Field(
        False,
        description="Vrai : le jeu de règles chargé au démarrage (/etc/nftables.conf) ; faux : les règles en service.",
    )
    summary: ClassVar[str] = (
        "Le pare-feu local (nftables, lu par nft) garde ses règles légitimes et n'a plus la règle fautive "
        "— en service, ou tel que chargé au démarrage."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        family, table = self.table.split()

        def rendered(rules: Chains) -> Chains:
            return {chain: [lab.render(r) for r in lines] for chain, lines in rules.items()}

        try:
            keep = normalised(family, table, rendered(self.keep)) if self.keep else {}
            absent = normalised(family, table, rendered(self.absent)) if self.absent else {}
        except ValueError as exc:
            return False, str(exc)
        chains, where = host_chains(lab.host(self.host), family, table, self.boot)
        if chains is None:
            if keep:
                return False, tr("probe.firewall.table_gone", table=self.table, where=where)
            return True, tr("probe.firewall.no_table", table=self.table, where=where)
        lost = [
            tr("probe.firewall.rule", chain=c, rule=r)
            for c, rules in keep.items()
            for r in rules
            if r not in chains.get(c, [])
        ]
        for chain, policy in self.policies.items():
            found = [r[len("policy ") :] for r in chains.get(chain, []) if r.startswith("policy ")]
            if found != [policy]:
                lost.append(
                    tr(
                        "probe.firewall.policy",
                        chain=chain,
                        policy=policy,
                        found=", ".join(found) or tr("probe.none_f"),
                    )
                )
        still = [
            tr("probe.firewall.rule", chain=c, rule=r)
            for c, rules in absent.items()
            for r in rules
            if r in chains.get(c, [])
        ]
        if still:
            return False, tr("probe.firewall.still", where=where, rules="; ".join(still))
        if lost:
            return False, trn("probe.firewall.lost", len(lost), where=where, rules="; ".join(lost))
        kept = sum(len(r) for r in keep.values())
        shown = "".join(tr("probe.firewall.with_policy", chain=c, policy=p) for c, p in self.policies.items())
        return True, tr("probe.firewall.ok", where=where, n=kept, table=self.table, policies=shown)

    def expected(self, lab: Lab) -> str:
        when = tr("probe.firewall.when_boot") if self.boot else tr("probe.firewall.when_live")
        return tr("probe.firewall.expected", host=self.host, when=when, table=self.table)


_HTTP = """
import socket, sys
addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    s = socket.create_connection((addr, port), timeout=0.8)   # a handshake is the kernel's: ms
    s.settimeout(3)
    s.sendall(f"GET / HTTP/1.0\\r\\nHost: {name}\\r\\nUser-Agent: simulateur\\r\\n\\r\\n".encode())
    head = s.recv(200).decode("latin-1").splitlines()
    print("STATUS", head[0] if head else "")
except socket.timeout:
    print("ERR TIMEOUT")
except ConnectionRefusedError:
    print("ERR REFUSED")
except OSError as exc:
    print("ERR", exc.strerror or exc)
"""


class WebGet(ProbeBase):
    probe: Literal["web.get"]
    name: str = Field(
        pattern=r"^(?:[A-Za-z0-9.-]|\{[a-z][a-z0-9_]{0,31}\}){1,253}$",
        description="Nom (résolu comme par les applications de l'hôte) ou adresse du site.",
    )
    port: int = Field(80, ge=1, le=65535, description="Port TCP du site (80 par défaut).")
    summary: ClassVar[str] = "Une vraie requête HTTP depuis l'hôte (nom résolu comme un navigateur) reçoit une page."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host, name = lab.host(self.host), lab.render(self.name)
        addr, via = (name, tr("probe.dns.via_address")) if is_ipv4(name) else resolve_name(host, name)
        if addr is None:
            return False, via
        res = host.run_in_netns([sys.executable, "-c", _HTTP, addr, str(self.port), name], timeout=10)
        line = (res.stdout.strip().splitlines() or ["ERR ?"])[-1]
        url = f"http://{name}" + (f":{self.port}" if self.port != 80 else "") + "/"
        if line.startswith("STATUS HTTP/") and line.split()[2:3] == ["200"]:
            return True, tr("probe.web.ok", url=url, addr=addr, status=line[7:])
        why = line[7:]
        if line.startswith("ERR"):  # the script's own words for a timeout and a refusal, else the system's
            why = {"TIMEOUT": tr("probe.web.timeout"), "REFUSED": tr("probe.web.refused")}.get(line[4:], line[4:])
        return False, tr("probe.web.ko", url=url, addr=addr, host=self.host, why=why)

    def expected(self, lab: Lab) -> str:
        return tr("probe.web.expected", host=self.host, name=lab.render(self.name))
