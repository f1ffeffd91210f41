"""Probes of name resolution beyond what an application sees now:

- `dns.query` asks one DNS server directly (from a host's network namespace): is the record on the
  server itself — not in a client's /etc/hosts?
- `dhcp.renewal` plays the host's next DHCP renewal without applying it: the machine's dhclient, run in
  the host's network namespace with the host's own /etc/dhcp/dhclient.conf (supersede, prepend…),
  talks to the real DHCP server, and a script of ours records the address and resolver settings the
  host's dhclient-script would apply. Nothing of the host is changed; the server renews the host's
  lease (if it now reserves another address for the host, its lease moves there, as it would at the
  host's own next renewal).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from simulateur.i18n import tr, trn
from simulateur.lab import nsutil
from simulateur.lab.fields import Iface
from simulateur.lab.state import scratch_dir
from simulateur.probes.base import ProbeBase, is_ipv4

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind
    from simulateur.lab.lab import Lab

NAME_TEMPLATE = r"^(?:[A-Za-z0-9.-]|\{[a-z][a-z0-9_]{0,31}\}){1,253}$"

# Called by dhclient with the settings it would apply, after its configuration (supersede…) is
# taken into account; prints them and ends the dhclient that ran it (its parent).
_DUMP = """#!/bin/sh
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT)
    echo "NS $new_domain_name_servers"
    echo "SEARCH $new_domain_search"
    echo "DOMAIN $new_domain_name"
    echo "ADDR $new_ip_address"
    kill -TERM "$PPID" ;;
esac
exit 0
"""


class DnsQuery(ProbeBase):
    probe: Literal["dns.query"]
    server: str = Field(description="Serveur DNS interrogé : hôte du laboratoire ou adresse ({param} accepté).")
    name: str = Field(pattern=NAME_TEMPLATE, description="Nom demandé ({param} accepté).")
    expect: str = Field(description="Adresse attendue ({param} accepté).")
    summary: ClassVar[str] = "Le serveur DNS, interrogé directement depuis l'hôte (dig @serveur), connaît le nom."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        server, name, want = lab.resolve_target(self.server), lab.render(self.name), lab.render(self.expect)
        res = lab.host(self.host).run_in_netns(
            ["dig", "+time=1", "+tries=2", "+noall", "+answer", "+comments", f"@{server}", name, "A"], timeout=8
        )
        found = [
            f.split()[-1]
            for f in res.stdout.splitlines()
            if not f.startswith(";") and len(f.split()) >= 5 and f.split()[3] == "A"
        ]
        found = [a for a in found if is_ipv4(a)]
        if res.returncode != 0:
            return False, tr("probe.dns_query.no_answer", server=server, host=self.host)
        if not found:
            status = next(
                (line.split("status: ")[1].split(",")[0] for line in res.stdout.splitlines() if "status: " in line), "?"
            )
            return False, tr("probe.dns_query.unknown", server=server, name=name, status=status)
        if want not in found:
            return False, tr("probe.dns_query.wrong", server=server, name=name, found=", ".join(found), want=want)
        extra = [a for a in found if a != want]
        if extra:
            return False, trn(
                "probe.dns_query.extra",
                len(extra),
                server=server,
                name=name,
                found=", ".join(found),
                extra=", ".join(extra),
            )
        return True, tr("probe.dns_query.ok", server=server, name=name, address=want)

    def expected(self, lab: Lab) -> str:
        return tr(
            "probe.dns_query.expected",
            server=lab.render(self.server),
            name=lab.render(self.name),
            address=lab.render(self.expect),
        )


class DhcpRenewal(ProbeBase):
    probe: Literal["dhcp.renewal"]
    iface: Iface = "eth0"
    address: str | None = Field(None, description="Adresse que le serveur doit donner ({param} accepté).")
    nameservers: list[str] = Field(
        default_factory=list, description="Serveurs DNS attendus, dans l'ordre ({param} accepté)."
    )
    search: str | None = Field(None, description="Domaine de recherche attendu ({param} accepté).")
    summary: ClassVar[str] = (
        "Le prochain renouvellement DHCP de l'hôte, joué à blanc (son dhclient.conf, le vrai serveur) : "
        "l'adresse qu'il recevra, les serveurs DNS et le domaine qu'il prendra."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        got = renewal(host, self.iface)
        if "ADDR" not in got:
            return False, tr("probe.renewal.no_answer", host=self.host, iface=self.iface)
        servers = got.get("NS", "").split()
        search = (got.get("SEARCH") or got.get("DOMAIN") or "").strip()
        text = tr(
            "probe.renewal.got",
            address=got["ADDR"],
            servers=" ".join(servers) or tr("probe.none_m"),
            domain=tr("probe.renewal.got_domain", search=search) if search else "",
        )
        prefix = tr("probe.renewal.ok", host=self.host, got=text)
        if self.address and got["ADDR"] != lab.render(self.address):
            return False, tr("probe.renewal.want_address", observed=prefix, address=lab.render(self.address))
        want = [lab.render(s) for s in self.nameservers]
        if want and servers != want:
            return False, tr("probe.renewal.want_dns", observed=prefix, servers=" ".join(want))
        if self.search and search.split()[:1] != [lab.render(self.search)]:
            return False, tr("probe.renewal.want_search", observed=prefix, search=lab.render(self.search))
        return True, prefix

    def expected(self, lab: Lab) -> str:
        parts = [tr("probe.renewal.exp_address", address=lab.render(self.address))] if self.address else []
        parts += (
            [tr("probe.renewal.exp_dns", servers=" ".join(lab.render(s) for s in self.nameservers))]
            if self.nameservers
            else []
        )
        parts += [tr("probe.renewal.exp_search", search=lab.render(self.search))] if self.search else []
        return tr("probe.renewal.expected", host=self.host, parts=", ".join(parts))


def renewal(host: HostKind, iface: str) -> dict[str, str]:
    """What the host's next DHCP exchange would set (ADDR, NS, SEARCH, DOMAIN), applied nowhere.

    The machine's dhclient runs in the host's network and UTS namespaces (it sends the host's name,
    as the host's own client does) with the host's dhclient.conf; its lease and pid files are ours.
    """
    conf = host.path("/etc/dhcp/dhclient.conf")
    with scratch_dir(host.lab_id, "sim-renewal-") as tmp:
        script = Path(tmp) / "dump.sh"
        script.write_text(_DUMP)
        script.chmod(0o700)
        argv = [
            "nsenter",
            f"--net={nsutil.netns_path(host.netns)}",
            f"--uts=/proc/{host.state.pid1}/ns/uts",
            "dhclient",
            "-d",
            "-1",
            "-cf",
            str(conf) if conf.is_file() else "/dev/null",
            "-sf",
            str(script),
            "-lf",
            f"{tmp}/leases",
            "-pf",
            f"{tmp}/pid",
            iface,
        ]
        try:
            res = subprocess.run(
                argv, capture_output=True, text=True, timeout=6, stdin=subprocess.DEVNULL, errors="replace"
            )
            out = res.stdout
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line and line.split(" ", 1)[1])


__all__ = ["DhcpRenewal", "DnsQuery"]
