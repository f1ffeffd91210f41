"""The lab's switch namespace: the topology's switches are bridges there, and every host's cable ends
there — a netns host's veth port, a VM's tap beside its qemu. The machine's root namespace gets no
interface at all (RECIPES.md: no `ip monitor` event during a build). Which cable a host has is its
kind's business (HostKind.wire); the bridges are the lab's.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from simulateur.lab import nsutil, sandbox, userns
from simulateur.lab.state import LabState

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind
    from simulateur.lab.topology import Topology


def create_namespaces(state: LabState) -> None:
    """The switch namespace and every namespace the hosts' records name (the kinds declared them),
    side by side: the kernel makes them in parallel. A record marked `userns` (option
    SIMULATEUR_USERNS) gets an id range of its own first, and its namespace is made owned by a user
    namespace mapping that range (simulateur.lab.userns; one agent run for all of them)."""
    owned = [h for h in state.hosts.values() if h.userns]
    if owned:
        userns.allocate(state, [h.name for h in owned])
        sandbox.create_userns_netns([(h.netns, h.uid_base) for h in owned if h.uid_base is not None])
    mine = {h.netns for h in owned}
    names = [n for n in dict.fromkeys([state.switch_netns, *(h.netns for h in state.hosts.values())]) if n not in mine]
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        list(pool.map(nsutil.create_netns, names))


def wire(state: LabState, topo: Topology, parts: dict[type[HostKind], Topology]) -> None:
    """The bridges, every kind's hosts plugged into them, then the bridges up — all by netlink."""
    sw = nsutil.iproute_in(state.switch_netns)
    try:
        bridges: dict[str, int] = {}
        for switch in topo.switches:
            sw.link("add", ifname=switch, kind="bridge")
            bridges[switch] = sw.link_lookup(ifname=switch)[0]
        for kind, part in parts.items():
            kind.wire(state, part, sw, bridges)
        for idx in bridges.values():
            sw.link("set", index=idx, state="up")
        with nsutil.inside_netns(state.switch_netns):
            nsutil.sysctl("net.ipv6.conf.all.disable_ipv6", "1")
            nsutil.sysctl("net.ipv6.conf.default.disable_ipv6", "1")
    finally:
        sw.close()
    state.save()
