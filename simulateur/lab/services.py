"""Real daemons a host runs, as files: the daemon's own config and a systemd-style unit.

The unit is what the host's `systemctl` (our shim, lab/hostfiles/sysd.py) starts and stops,
so the lab engine and the trainee use exactly the same path.
"""

from __future__ import annotations

import ipaddress

from simulateur.lab.topology import Dnsmasq, Service, Web

Files = dict[str, tuple[str, int]]  # path inside the host → (content, mode)


def unit(description: str, exec_start: str, *, forking_pidfile: str | None = None) -> str:
    lines = ["[Unit]", f"Description={description}", "", "[Service]"]
    if forking_pidfile:
        lines += ["Type=forking", f"PIDFile={forking_pidfile}"]
    else:
        lines += ["Type=simple"]
    lines += [f"ExecStart={exec_start}", "", "[Install]", "WantedBy=multi-user.target", ""]
    return "\n".join(lines)


def _dnsmasq(spec: Dnsmasq, host: str, hosts_addr: dict[str, str], local_net: str | None) -> Files:
    conf = [
        f"# /etc/dnsmasq.conf — serveur DHCP/DNS de {host}",
        f"interface={spec.interface}",
        "bind-interfaces",
        "no-resolv",
        "no-hosts",
        "no-poll",
        "pid-file=/run/dnsmasq.pid",
        f"log-facility=/var/log/sysd/{spec.name}.log",
        "dhcp-leasefile=/var/lib/misc/dnsmasq.leases",
    ]
    if spec.dns:
        if spec.dns.domain:
            conf.append(f"domain={spec.dns.domain}")
            conf.append(f"local=/{spec.dns.domain}/")
            net = ipaddress.IPv4Network(local_net, strict=False) if local_net else None
            for name, addr in sorted(hosts_addr.items()):
                if net is None or ipaddress.IPv4Address(addr) not in net:
                    continue  # only the hosts of the local network have a name in its domain
                conf.append(f"host-record={name}.{spec.dns.domain},{name},{addr}")
        for name, addr in spec.dns.records.items():
            conf.append(f"host-record={name},{addr}")
            zone = name.split(".", 1)[1] if "." in name else name
            conf.append(f"local=/{zone}/")
        for server in spec.dns.upstream:
            conf.append(f"server={server}")
        conf.append("log-queries")
    else:
        conf.append("port=0")
    if spec.dhcp:
        d = spec.dhcp
        mask = f",{d.netmask}" if d.netmask else ""
        conf += [
            f"dhcp-range={d.range[0]},{d.range[1]}{mask},{d.lease}",
            "dhcp-authoritative",
            "no-ping",
            "log-dhcp",
        ]
        if d.router:
            conf.append(f"dhcp-option=option:router,{d.router}")
        if d.dns:
            conf.append(f"dhcp-option=option:dns-server,{','.join(d.dns)}")
        if d.domain:
            conf.append(f"dhcp-option=option:domain-name,{d.domain}")
    return {
        "/etc/dnsmasq.conf": ("\n".join(conf) + "\n", 0o644),
        f"/etc/systemd/system/{spec.name}.service": (
            unit(
                "dnsmasq - A lightweight DHCP and caching DNS server",
                "/usr/sbin/dnsmasq --conf-file=/etc/dnsmasq.conf",
                forking_pidfile="/run/dnsmasq.pid",
            ),
            0o644,
        ),
    }


def _web(spec: Web, host: str) -> Files:
    page = (
        "<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
        f"<title>{spec.title}</title></head>\n<body><h1>{spec.title}</h1>\n<p>{spec.body}</p></body></html>\n"
    )
    return {
        "/var/www/html/index.html": (page, 0o644),
        f"/etc/systemd/system/{spec.name}.service": (
            unit(
                f"Serveur web de {host} (python3 -m http.server)",
                f"/usr/bin/python3 -m http.server {spec.port} --directory /var/www/html",
            ),
            0o644,
        ),
    }


def service_files(spec: Service, host: str, hosts_addr: dict[str, str], local_net: str | None) -> Files:
    """Config files and unit of one service (`local_net`: the network its host serves)."""
    if isinstance(spec, Dnsmasq):
        return _dnsmasq(spec, host, hosts_addr, local_net)
    return _web(spec, host)


def is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True
