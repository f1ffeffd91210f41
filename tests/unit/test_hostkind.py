"""The host kinds' registry (simulateur.lab.kind): each kind builds its own part of a topology, the
record of a host says which kind opens it, teardown ends with the netns kind, and every registered
kind implements the whole HostKind interface. No lab is built here."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from simulateur.errors import SimError
from simulateur.lab import kind
from simulateur.lab.host import NetnsHost
from simulateur.lab.kind import HostKind
from simulateur.lab.state import HostState, LabState
from simulateur.params import draw
from simulateur.scenario.loader import load_topology, rendered_topology
from simulateur.vm.host import VmHost, as_vm


def atelier():
    topo, _ = load_topology("atelier")  # pc is a VM; srv, routeur, internet are netns hosts
    return rendered_topology(topo, draw(topo.params, 1))


def test_each_kind_gets_its_hosts_in_the_topology_order_and_every_switch():
    topo = atelier()
    parts = kind.parts(topo)
    assert list(parts) == [NetnsHost, VmHost]  # registration order: the netns kind first
    assert list(parts[VmHost].hosts) == ["pc"]
    assert list(parts[NetnsHost].hosts) == [h for h in topo.hosts if h != "pc"]
    assert all(part.switches == topo.switches for part in parts.values())
    assert next(iter(topo.hosts)) == "pc", "the topology itself is left whole"


def test_a_kind_without_hosts_still_gets_its_part():
    topo = atelier()
    netns_only = topo.model_copy(update={"hosts": {n: s for n, s in topo.hosts.items() if n != "pc"}})
    assert kind.parts(netns_only)[VmHost].hosts == {}


def test_declare_records_every_host_in_the_topology_order(tmp_path, monkeypatch):
    monkeypatch.setattr(LabState, "save", lambda self: None)
    state = LabState(id="hk9", topology="atelier", seed=1, switch_netns="sim-hk9")
    kind.declare_hosts(state, atelier())
    assert list(state.hosts) == list(atelier().hosts)
    assert state.hosts["pc"] == HostState(name="pc", netns="sim-hk9", kind="vm")  # in the switch namespace
    assert state.hosts["srv"] == HostState(name="srv", netns="sim-hk9-srv")


def test_the_record_says_which_kind_opens_a_host():
    vm = kind.open_host("hk9", HostState(name="pc", netns="sim-hk9", kind="vm"))
    netns = kind.open_host("hk9", HostState(name="srv", netns="sim-hk9-srv"))
    assert type(vm) is VmHost and type(netns) is NetnsHost
    assert as_vm(vm) is vm and as_vm(netns) is None


def test_an_unknown_kind_is_one_french_sentence():
    with pytest.raises(SimError, match="type d'hôte « conteneur » inconnu de ce programme .*netns, vm"):
        kind.kind_named("conteneur")


def test_teardown_removes_the_other_kinds_first_and_adds_up_what_they_removed(monkeypatch):
    calls = []

    def fake(name, removed):
        def destroy(state, extra=None):
            calls.append((name, extra))
            return removed

        return destroy

    monkeypatch.setattr(NetnsHost, "destroy", fake("netns", {"processes": 3, "namespaces": 2}))
    monkeypatch.setattr(VmHost, "destroy", fake("vm", {"processes": 1, "namespaces": 0}))
    state = LabState(id="hk9", topology="atelier", seed=1, switch_netns="sim-hk9")
    assert kind.teardown(state, ["sim-hk9-x"]) == {"processes": 4, "namespaces": 2}
    assert calls == [("vm", ["sim-hk9-x"]), ("netns", ["sim-hk9-x"])]


MEMBERS = [name for name in vars(HostKind) if not name.startswith("_")]
CLASS_LEVEL = ["declare", "wire", "start", "dhcp_interfaces", "boot", "destroy"]


@pytest.mark.parametrize("impl", kind.kinds(), ids=lambda k: k.kind)
def test_every_kind_implements_the_whole_interface(impl):
    assert set(CLASS_LEVEL) < set(MEMBERS)
    assert isinstance(impl.kind, str) and kind.kind_named(impl.kind) is impl
    for name in MEMBERS:
        assert hasattr(impl, name), f"{impl.__name__} lacks {name}"  # its own, or a shared base's (lab.pid1)
        ours, theirs = inspect.getattr_static(impl, name), inspect.getattr_static(HostKind, name)
        assert type(ours) is type(theirs), f"{impl.__name__}.{name}: {type(ours).__name__}"
        if callable(theirs) or isinstance(theirs, classmethod):
            fn = ours.__func__ if isinstance(ours, classmethod) else ours
            want = theirs.__func__ if isinstance(theirs, classmethod) else theirs
            assert list(inspect.signature(fn).parameters) == list(inspect.signature(want).parameters), name


def test_a_vm_staged_tree_is_read_and_written_as_a_host_root(tmp_path, monkeypatch):
    """Before its first boot, a VM's files are its staged tree's — with the same path check and
    messages as a netns host's root (simulateur.lab.rootfiles)."""
    monkeypatch.setattr("simulateur.vm.host.lab_dir", lambda lab_id: tmp_path)
    vm = VmHost("hk9", HostState(name="pc", netns="sim-hk9", kind="vm"))
    staging = Path(vm.files.staging)
    (staging / "etc").mkdir(parents=True)
    vm.write_text("/etc/modprobe.d/atelier.conf", "blacklist virtio_net\n")
    assert (staging / "etc/modprobe.d/atelier.conf").read_text() == "blacklist virtio_net\n"
    assert vm.read_text("/etc/modprobe.d/atelier.conf") == "blacklist virtio_net\n"
    assert vm.read_text("/etc/absent") is None
    with pytest.raises(SimError, match="« .. » est interdit"):
        vm.read_text("/etc/../../x")
