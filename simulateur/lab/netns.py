"""Building and removing the lab's netns hosts (the netns kind: simulateur.lab.host.NetnsHost): a host =
netns + mount/pid/ipc/uts namespaces + an overlay of the machine's root; its links = veth pairs
created from the lab's switch namespace (simulateur.lab.switch), whose bridges are the switches.
The machine's root namespace gets no interface at all.

`destroy` removes the whole lab, not only its netns hosts: the lab's namespaces and state dir are this
kind's, and every other kind lives in them (a VM's qemu and tap are in the switch namespace).
"""

from __future__ import annotations

import ipaddress
import secrets
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab import archive, cgroups, nsutil, outside, sandbox
from simulateur.lab.hostfs import enabled_units, host_files, mount_layers, prepare_services, remove_tree, write_upper
from simulateur.lab.state import LabState
from simulateur.lab.topology import Topology

if TYPE_CHECKING:
    from pyroute2 import IPRoute


def _mac() -> str:
    return "02:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(5))


def wire_hosts(state: LabState, topo: Topology, sw: IPRoute, bridges: dict[str, int]) -> None:
    """Veth links plugged into the bridges, addresses, routes and per-host sysctls, all by netlink."""
    for name, spec in topo.hosts.items():
        host = state.hosts[name]
        ipr = nsutil.iproute_in(host.netns)
        try:
            ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")
            for i, iface in enumerate(spec.interfaces):
                port = f"{name}-{i}"
                mac = host.macs.get(iface.name) or _mac()  # a restored host keeps its MACs
                host.macs[iface.name] = mac
                sw.link(
                    "add",
                    ifname=port,
                    kind="veth",
                    peer={"ifname": iface.name, "net_ns_fd": str(nsutil.netns_path(host.netns))},
                )
                sw.link("set", index=sw.link_lookup(ifname=port)[0], master=bridges[iface.switch], state="up")
                idx = ipr.link_lookup(ifname=iface.name)[0]
                ipr.link("set", index=idx, address=mac, state="up")
                for cidr in iface.address:
                    net = ipaddress.IPv4Interface(cidr)
                    ipr.addr(
                        "add",
                        index=idx,
                        address=str(net.ip),
                        prefixlen=net.network.prefixlen,
                        broadcast=str(net.network.broadcast_address),
                    )
            if spec.gateway:
                ipr.route("add", dst="0.0.0.0/0", gateway=spec.gateway)
        finally:
            ipr.close()
        with nsutil.inside_netns(host.netns):
            nsutil.sysctl("net.ipv4.ip_forward", "1" if spec.forwarding else "0")
            nsutil.sysctl("net.ipv6.conf.all.disable_ipv6", "1")
            nsutil.sysctl("net.ipv6.conf.default.disable_ipv6", "1")


def boot_hosts(state: LabState, topo: Topology, domain: str | None, hosts_addr: dict[str, str]) -> None:
    """Lay every host's files, start all their PID 1s at once, wait until each says ready."""
    procs: dict[str, subprocess.Popen[bytes]] = {}
    mount_layers(state.dir / "hosts")
    system_layer = sandbox.build_system_layer(state.dir / "hosts")
    sandbox.enter_binary()  # built here, before the threads that enter hosts side by side
    cgroup_procs = cgroups.create(state.id)
    saved = archive.verify(Path(state.restored_from)) if state.restored_from else None
    for name, spec in topo.hosts.items():
        base = state.dir / "hosts" / name
        upper = base / "upper"
        sandbox.make_root(base)
        if saved is not None:  # the layer as it was saved (the candidate's work), not a fresh one
            if name not in saved.hosts:
                raise SimError(tr("save.missing", member=f"hosts/{name}"))
            archive.restore_layer(Path(str(state.restored_from)), name, base, saved.hosts[name])
        else:
            write_upper(upper, host_files(name, spec, domain, hosts_addr, state.seed), enabled_units(spec))
            prepare_services(name, spec, hosts_addr, state.seed, upper)
        procs[name] = subprocess.Popen(
            sandbox.boot_argv(
                state.hosts[name].netns,
                sandbox.boot_spec(base, name, system_layer, cgroup_procs, state.hosts[name].uid_base, state.id),
            ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
        )
    for name, proc in procs.items():
        assert proc.stdout is not None and proc.stderr is not None
        # The agent says its child's PID ("pid N"), the child says "ready" once the host is up: two
        # processes on one pipe, in either order (the agent may be scheduled after its child is up).
        pid1, ready = None, False
        while not ready or pid1 is None:
            line = proc.stdout.readline().strip()
            if line.startswith(b"pid ") and line[4:].isdigit():
                pid1 = int(line[4:])
            elif line == b"ready":
                ready = True
            else:
                err = proc.stderr.read1(2000).decode(errors="replace").strip().splitlines()  # type: ignore[attr-defined]  # a pipe of Popen (bufsize -1): a BufferedReader
                raise SimError(tr("lab.boot_failed", host=name, why=err[-1] if err else "?"))
        if pid1 is None:
            raise SimError(tr("lab.boot_failed", host=name, why=tr("lab.no_pid1")))
        state.hosts[name].pid1 = pid1
        state.hosts[name].pid1_start = nsutil.start_time(pid1)
        proc.stdout.close()
        proc.stderr.close()
    state.save()


def destroy(state: LabState, extra: list[str] | None = None) -> dict[str, int]:
    """Kill every process of the lab, delete its namespaces, delete its state dir."""
    names = sorted({h.netns for h in state.hosts.values()} | {state.switch_netns} | set(extra or []))
    cgroups.thaw(state.id)  # a lab kept frozen (an exam's, for the jury) dies like any other
    helpers = outside.kill_helpers(state)  # in none of the lab's namespaces: by their record
    # A host whose netns was deleted by hand is still found by its PID 1 (checked by start time):
    # killing it ends its whole PID namespace.
    pid1s = [h.pid1 for h in state.hosts.values() if h.pid1 is not None and nsutil.same_process(h.pid1, h.pid1_start)]
    nsutil.kill_pids(pid1s)
    report = destroy_namespaces(names, state.dir)
    report["processes"] += len(pid1s) + helpers
    cgroups.remove(state.id)
    return report


def destroy_namespaces(names: list[str], lab_dir: Path | None) -> dict[str, int]:
    killed = 0
    with ThreadPoolExecutor(max_workers=4) as pool:
        killed = sum(pool.map(nsutil.kill_netns_processes, names))
    removed = 0
    for name in names:
        if nsutil.netns_path(name).exists():
            nsutil.remove_netns(name)
            removed += 1
    if lab_dir is not None:
        remove_tree(lab_dir)
    return {"processes": killed, "namespaces": removed}
