"""The files that make a host a host: written into its overlay's upper dir before it boots.

Everything not written here comes read-only from the machine's /usr, /etc and /var (the lower
layers of the host's overlays, less what the lab's system layer hides: simulateur.lab.sandbox);
a few directories are made opaque so that the machine's own data (DHCP leases, logs) never shows
inside a host, and the account files keep the machine's system accounts only.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import os
import py_compile
import secrets
import shutil
import sys
import threading
from pathlib import Path

from simulateur.lab import nsutil
from simulateur.lab.services import Files, ServiceContext
from simulateur.lab.services.base import init_script
from simulateur.lab.topology import HostSpec
from simulateur.paths import HOSTFILES_DIR, cache_dir

# Directories that start empty in every host instead of showing the machine's.
OPAQUE_DIRS = (
    "root",
    "home",
    "var/lib/dhcp",
    "var/lib/misc",
    "var/log",
    "var/tmp",
    "var/www",
    "etc/dnsmasq.d",
    "etc/systemd/system",
    "etc/simulateur",
    "etc/ssh",  # the machine's sshd host keys never show in a host
)

INIT_D = "/etc/init.d"  # the machine's init scripts show in every host (cups, ssh, smbd…)

DHCLIENT_CONF = """\
# Configuration du client DHCP (isc-dhcp-client) de {host}
option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
send host-name = gethostname();
request subnet-mask, broadcast-address, time-offset, routers,
        domain-name, domain-name-servers, domain-search, host-name,
        rfc3442-classless-static-routes, interface-mtu;
timeout 10;
retry 15;
"""


def interfaces_file(name: str, spec: HostSpec) -> str:
    """/etc/network/interfaces (ifupdown) describing the host's network as built."""
    out = [
        f"# /etc/network/interfaces — configuration réseau de {name} (ifupdown)",
        "# Appliquer une modification : ifdown IFACE ; ifup IFACE",
        "",
        "auto lo",
        "iface lo inet loopback",
    ]
    gateway_done = False
    for iface in spec.interfaces:
        out += ["", f"auto {iface.name}"]
        if iface.dhcp:
            out.append(f"iface {iface.name} inet dhcp")
            continue
        if not iface.address:
            out.append(f"iface {iface.name} inet manual")
            continue
        first = ipaddress.IPv4Interface(iface.address[0])
        out += [f"iface {iface.name} inet static", f"    address {first.with_prefixlen}"]
        if spec.gateway and not gateway_done and ipaddress.IPv4Address(spec.gateway) in first.network:
            out.append(f"    gateway {spec.gateway}")
            gateway_done = True
        out += [f"    up ip addr add {extra} dev {iface.name}" for extra in iface.address[1:]]
    if spec.gateway and not gateway_done:
        out.append(f"    up ip route add default via {spec.gateway}")
    return "\n".join(out) + "\n"


def _human(ident: str) -> bool:
    """A person's account or group on the machine (Debian: ids 1000 to 65533), not a system one."""
    return ident.isdigit() and 1000 <= int(ident) < 65534


def _read_lines(path: str) -> list[list[str]]:
    try:
        return [line.split(":") for line in Path(path).read_text().splitlines() if line]
    except FileNotFoundError:
        return []


def _people() -> tuple[set[str], set[str]]:
    """Names of the machine's people (accounts and their groups): never shown in a host."""
    users = {f[0] for f in _read_lines("/etc/passwd") if len(f) > 2 and _human(f[2])}
    groups = {f[0] for f in _read_lines("/etc/group") if len(f) > 2 and _human(f[2])}
    return users, groups


def _without(names: str, gone: set[str]) -> str:
    return ",".join(n for n in names.split(",") if n and n not in gone)


def system_accounts() -> Files:
    """The machine's account files as a host's own: system accounts and groups only (no person of the
    machine — a centre's candidates — is named in a host), no password hash of the machine (every
    hash becomes "*": no login by password)."""
    users, groups = _people()
    out: dict[str, list[str]] = {"passwd": [], "group": [], "shadow": [], "gshadow": []}
    for f in _read_lines("/etc/passwd"):
        if f[0] not in users:
            out["passwd"].append(":".join(f))
    for f in _read_lines("/etc/group"):
        if f[0] not in groups and len(f) > 3:
            f[3] = _without(f[3], users)
            out["group"].append(":".join(f))
    for f in _read_lines("/etc/shadow"):
        if f[0] not in users and len(f) > 2:
            f[1] = f[1] if f[1] in ("", "*", "!", "!*") else "*"
            out["shadow"].append(":".join(f))
    for f in _read_lines("/etc/gshadow"):
        if f[0] not in groups and len(f) > 3:
            f[1] = f[1] if f[1] in ("", "*", "!", "!*") else "*"
            f[2], f[3] = _without(f[2], users), _without(f[3], users)
            out["gshadow"].append(":".join(f))
    modes = {"passwd": 0o644, "group": 0o644, "shadow": 0o640, "gshadow": 0o640}
    return {f"/etc/{name}": ("\n".join(lines) + "\n", modes[name]) for name, lines in out.items()}


def locked_shadow(root_hash: str | None = None) -> str:
    """The host's /etc/shadow (system_accounts), root with `root_hash` when a service gives one."""
    content = system_accounts()["/etc/shadow"][0]
    assert isinstance(content, str)
    if root_hash is None:
        return content
    lines = [line.split(":") for line in content.splitlines()]
    for fields in lines:
        if fields[0] == "root":
            fields[1] = root_hash
    return "\n".join(":".join(f) for f in lines) + "\n"


# The hosts' systemctl and journalctl: the package hostfiles/sysd (standard library only), copied
# into each host — the project's own files never show in a host (simulateur.lab.sandbox) — and run
# by the host's python through a launcher named after the tool.
SYSD_LIB = "/usr/local/lib/sysd"
SYSD_LAUNCHER = """\
#!/usr/bin/python3 -I
# {tool} de cet hôte du lab : le paquet sysd ({lib}/sysd), pas le vrai systemd.
import sys

sys.path.insert(0, {lib!r})
try:
    from sysd.main import entry
except KeyboardInterrupt:
    raise SystemExit(130)
entry()
"""


def sysd_launcher(tool: str, lib: str = SYSD_LIB) -> str:
    """The program `tool` (systemctl, journalctl): the sysd package found in `lib`, run by the name
    it was called as (a host's launchers use SYSD_LIB; the unit tests, the source tree)."""
    return SYSD_LAUNCHER.format(tool=tool, lib=lib)


def sysd_bytecode(module: Path, inside: str) -> bytes | None:
    """`module`'s .pyc (checked-hash: the host's python checks it against the source's hash, so an
    edited source is still what runs), kept in simulateur's cache by the source's hash. Laid with the
    sources, it spares every host's first systemctl the compilation of the package (measured
    2026-12-07, the system's python: import 58 ms cold, 31 ms from the .pyc — a lab's hosts each
    paid it at boot). Compiled by the engine's python: if the host's is another version, the file
    has another name (cache tag) and the host's python compiles for itself, as without it."""
    source = module.read_bytes()
    key = hashlib.sha256(source + inside.encode()).hexdigest()[:16]
    cached = cache_dir() / "sysd-pyc" / sys.implementation.cache_tag / f"{module.stem}-{key}.pyc"
    try:
        if not cached.exists():  # hosts are built side by side: a temporary file of each thread's own
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            py_compile.compile(
                str(module),
                cfile=str(tmp),
                dfile=inside,
                doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
            )
            os.replace(tmp, cached)
        return cached.read_bytes()
    except OSError:  # no cache to write in: the host compiles it, as it would without
        return None


@functools.cache
def sysd_files() -> Files:
    """The sysd package (its sources and their bytecode) and its launchers, by path inside the host.
    The launchers lie wherever a script may look for them: init scripts and dhclient hooks set
    PATH=/sbin:/bin:/usr/sbin:/usr/bin, where the machine's own systemctl would only say that the
    host was not booted with systemd."""
    files: Files = {}
    tag = sys.implementation.cache_tag
    for module in sorted((HOSTFILES_DIR / "sysd").glob("*.py")):
        inside = f"{SYSD_LIB}/sysd/{module.name}"
        files[inside] = (module.read_text(), 0o644)
        bytecode = sysd_bytecode(module, inside) if tag is not None else None
        if bytecode is not None:
            files[f"{SYSD_LIB}/sysd/__pycache__/{module.stem}.{tag}.pyc"] = (bytecode, 0o644)
    for tool in ("systemctl", "journalctl"):
        for where in ("/usr/local/sbin", "/usr/bin"):
            files[f"{where}/{tool}"] = (sysd_launcher(tool), 0o755)
    return files


def host_files(name: str, spec: HostSpec, domain: str | None, hosts_addr: dict[str, str], seed: int = 0) -> Files:
    """Every file of one host, as (content, mode) by absolute path inside the host."""
    fqdn = f"{name}.{domain} {name}" if domain else name
    files: Files = {
        "/etc/hostname": (f"{name}\n", 0o644),
        "/etc/hosts": (f"127.0.0.1\tlocalhost\n127.0.1.1\t{fqdn}\n::1\tlocalhost ip6-localhost\n", 0o644),
        "/etc/machine-id": (secrets.token_hex(16) + "\n", 0o444),
        **system_accounts(),
        "/etc/dhcp/dhclient.conf": (DHCLIENT_CONF.format(host=name), 0o644),
        "/etc/network/interfaces": (interfaces_file(name, spec), 0o644),
        "/etc/simulateur/bashrc": ((HOSTFILES_DIR / "bashrc").read_text(), 0o644),
    }
    files.update(sysd_files())
    resolv = []
    if spec.search:
        resolv.append(f"search {spec.search}")
    resolv += [f"nameserver {ns}" for ns in spec.dns]
    files["/etc/resolv.conf"] = ("\n".join(resolv) + "\n" if resolv else "", 0o644)
    # Interfaces configured by the lab at build time are recorded as up for ifupdown, so that
    # `ifdown eth0; ifup eth0` works as on a booted Debian; DHCP ones are brought up by ifup.
    static = ["lo"] + [i.name for i in spec.interfaces if not i.dhcp]
    # /run/systemd/system says « systemd is the init » to Debian's own tools, as on a Debian 12:
    # `service X restart`, `/etc/init.d/X start` and invoke-rc.d then hand the verb to systemctl
    # (/usr/sbin/service, /lib/lsb/init-functions.d/40-systemd), so every route to a service
    # acts on the one state systemctl shows.
    boot = [
        "#!/bin/sh",
        f"# Démarrage de {name} (équivalent des services réseau au boot)",
        "mkdir -p /run/network /run/systemd/system",
        *[f"echo {i} > /run/network/ifstate.{i}" for i in static],
    ]
    if spec.nat:
        files["/etc/nftables.conf"] = (
            (
                "#!/usr/sbin/nft -f\nflush ruleset\n\ntable ip nat {\n"
                "\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                f'\t\toifname "{spec.nat}" masquerade\n\t}}\n}}\n'
            ),
            0o755,
        )
        boot.append("nft -f /etc/nftables.conf")
    files["/etc/simulateur/boot.sh"] = ("\n".join(boot) + "\n", 0o755)
    for service in spec.services:
        iface = next((i for i in spec.interfaces if i.name == getattr(service, "interface", "eth0")), None)
        local_net = iface.address[0] if iface and iface.address else None
        files.update(service.files(ServiceContext(host=name, hosts_addr=hosts_addr, local_net=local_net, seed=seed)))
        if service.daemon and not Path(INIT_D, service.name).exists():
            files[f"{INIT_D}/{service.name}"] = (init_script(service.name), 0o755)
    return files


def prepare_services(name: str, spec: HostSpec, hosts_addr: dict[str, str], seed: int, upper: Path) -> None:
    """What services lay in the upper dir themselves (ServiceBase.prepare), after host_files."""
    for service in spec.services:
        iface = next((i for i in spec.interfaces if i.name == getattr(service, "interface", "eth0")), None)
        local_net = iface.address[0] if iface and iface.address else None
        service.prepare(ServiceContext(host=name, hosts_addr=hosts_addr, local_net=local_net, seed=seed), upper)


def enabled_units(spec: HostSpec) -> list[str]:
    return [s.name for s in spec.services if s.daemon and s.enabled]


def write_upper(upper: Path, files: Files, units: list[str]) -> None:
    """Lay the host's files into its (not yet mounted) overlay upper dir."""
    for rel in OPAQUE_DIRS:
        d = upper / rel
        d.mkdir(parents=True, exist_ok=True)
        os.setxattr(d, "trusted.overlay.opaque", b"y")
    for path, (content, mode) in files.items():
        target = upper / path.lstrip("/")
        if path.endswith("/"):  # a directory of the service's own: starts empty (opaque)
            target.mkdir(parents=True, exist_ok=True)
            os.chmod(target, mode)
            os.setxattr(target, "trusted.overlay.opaque", b"y")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
        os.chmod(target, mode)
    wants = upper / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    for name in units:
        os.symlink(f"/etc/systemd/system/{name}.service", wants / f"{name}.service")
    for rel in ("var/log/sysd", "var/lib/dhcp", "var/lib/misc"):
        (upper / rel).mkdir(parents=True, exist_ok=True)


# The hosts' overlay layers (upper + work dirs) live on a tmpfs of the lab's own, mounted on
# <lab dir>/hosts: writing them and throwing them away is then memory work — on this machine kind
# /run is ext4, where deleting a lab's files one by one took 0.06 s quiet and seconds under load.
# Pages are only used as files are written; the size caps what a trainee can fill from inside.
LAYERS_TMPFS = "mode=0755,size=2g"


def mount_layers(path: Path) -> None:
    """Give the lab's hosts their tmpfs (once; recorded by the mount itself, which the lab's
    removal — remove_tree — finds and detaches, also after a crash)."""
    path.mkdir(parents=True, exist_ok=True)
    if not os.path.ismount(path):
        nsutil.mount_tmpfs(path, LAYERS_TMPFS)


def remove_tree(path: Path) -> None:
    """Remove a lab's directory: detach the mounts below it (its layers' tmpfs), then delete."""
    for mount in nsutil.mounts_under(path):
        nsutil.unmount(mount)
    shutil.rmtree(path, ignore_errors=True)
