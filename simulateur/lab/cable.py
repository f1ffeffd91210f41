"""The physical layer of a lab: the cable between a host's interface and a switch port.

A cable is the veth pair the lab built: the host keeps its end (eth0), the other end is a port of a
bridge in the lab's switch namespace. Unplugging it puts the switch end down (the host sees
NO-CARRIER, as with a real cable pulled out); plugging it attaches the switch end to a switch (the
right one or not) and brings it up. Only the lab's own switch namespace is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab import nsutil

if TYPE_CHECKING:
    from pyroute2 import IPRoute

    from simulateur.lab.lab import Lab

# A switch of the topology, in scenario files. Not HOST_RE itself: the loader takes every field with
# that pattern for a host name and checks it against the topology's hosts.
SWITCH_RE = r"^[a-z][a-z0-9]*$"


@dataclass
class Cable:
    host: str
    iface: str
    port: str  # the switch end, in the lab's switch namespace
    switch: str | None  # the switch it is plugged into; None when unplugged
    carrier: bool  # what the host's interface sees


def port_name(lab: Lab, host: str, iface: str) -> str:
    """The switch end of host:iface, named as the lab built it (HOST-INDEX)."""
    spec = lab.topology.hosts.get(host)
    if spec is None:
        raise SimError(tr("lab.unknown_host", host=host, lab=lab.id, hosts=", ".join(lab.host_names())), exit_code=2)
    for i, itf in enumerate(spec.interfaces):
        if itf.name == iface:
            return f"{host}-{i}"
    raise SimError(
        tr("cable.no_iface", host=host, iface=iface, ifaces=", ".join(i.name for i in spec.interfaces)), exit_code=2
    )


def inspect_cable(lab: Lab, host: str, iface: str) -> Cable:
    port = port_name(lab, host, iface)
    ipr = nsutil.iproute_in(lab.state.switch_netns)
    try:
        names = {link["index"]: link.get_attr("IFLA_IFNAME") for link in ipr.get_links()}
        idx = ipr.link_lookup(ifname=port)
        if not idx:
            raise SimError(tr("cable.no_port", port=port))
        link = ipr.get_links(idx[0])[0]
        up = bool(link["flags"] & 1)
        master = names.get(link.get_attr("IFLA_MASTER")) if link.get_attr("IFLA_MASTER") else None
    finally:
        ipr.close()
    hipr = nsutil.iproute_in(lab.host(host).netns)
    try:
        hidx = hipr.link_lookup(ifname=iface)
        carrier = bool(hidx) and hipr.get_links(hidx[0])[0].get_attr("IFLA_CARRIER") == 1
    finally:
        hipr.close()
    return Cable(host, iface, port, master if up else None, carrier)


def unplug(lab: Lab, host: str, iface: str) -> Cable:
    port = port_name(lab, host, iface)
    ipr = nsutil.iproute_in(lab.state.switch_netns)
    try:
        ipr.link("set", index=_index(ipr, port), state="down")
    finally:
        ipr.close()
    return inspect_cable(lab, host, iface)


def plug(lab: Lab, host: str, iface: str, switch: str) -> Cable:
    if switch not in lab.topology.switches:
        raise SimError(tr("cable.no_switch", switch=switch, switches=", ".join(lab.topology.switches)), exit_code=2)
    port = port_name(lab, host, iface)
    ipr = nsutil.iproute_in(lab.state.switch_netns)
    try:
        idx = _index(ipr, port)
        ipr.link("set", index=idx, master=_index(ipr, switch))
        ipr.link("set", index=idx, state="up")
    finally:
        ipr.close()
    return inspect_cable(lab, host, iface)


def _index(ipr: IPRoute, name: str) -> int:
    found = ipr.link_lookup(ifname=name)
    if not found:
        raise SimError(tr("cable.no_port", port=name))
    return int(found[0])
