"""Host kinds: the one interface every kind of host implements, and the registry that maps a
topology's `kind` to its implementation.

A topology says which kind each host is (`kind: netns`, `kind: vm`); the rest of the lab cannot tell
the difference (DESIGN.md, principle 6). As containerlab gives each node kind one interface
(nodes/node.go: PreDeploy, Deploy, PostDeploy, Delete, RunExec) and Kathará keeps its managers behind
one (foundation/manager/IManager.py), each kind here is one class implementing `HostKind`:

- its class methods build and remove *all* the lab's hosts of that kind at once — side by side is
  what makes a lab fast (every PID 1 started before waiting for any; the VMs booting together). Lab.build
  calls them in this order: declare → (the lab creates every namespace the records name) → wire →
  start → (services, DHCP clients, the scenario's faults) → boot; teardown calls destroy;
- an instance is one running host: the handle through which the lab, actions, probes and shells act
  on it (run, enter_argv, files).

The engine's own kind (netns: simulateur.lab.host, built by simulateur.lab.netns) is built in. Other
kinds register themselves from the layers above — simulateur.vm.host registers the VM kind when it is
imported, which simulateur.session.run does — so that simulateur.lab never imports them. Outside the
kinds, a host's `kind` is only a key of this registry: nothing tests it or a host's class.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import CompletedProcess
from typing import TYPE_CHECKING, ClassVar, Protocol

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab.host import NetnsHost
from simulateur.lab.state import HostState, LabState

if TYPE_CHECKING:
    from pyroute2 import IPRoute

    from simulateur.lab.backdate import Marks, Story
    from simulateur.lab.topology import HostSpec, Topology

Progress = Callable[[str], None]


class HostKind(Protocol):
    """A kind of host (its class) and one host of that kind (an instance).

    `topo`, for the class methods, is the topology cut down to the hosts of this kind (every switch
    still in it): a kind never sees, nor has to skip, the hosts of another."""

    kind: ClassVar[str]  # the topology's `kind`, and HostState.kind
    lab_id: str
    name: str
    state: HostState

    def __init__(self, lab_id: str, state: HostState) -> None: ...

    # --- the lab's hosts of this kind, all at once ------------------------------------------
    @classmethod
    def declare(cls, state: LabState, name: str) -> HostState:
        """The host's record, written before anything of it exists: the network namespace it lives
        in (the lab creates every namespace its records name), later its PID 1 — what teardown and
        the reaper need to remove it after a crash at any point."""
        ...

    @classmethod
    def wire(cls, state: LabState, topo: Topology, switch: IPRoute, bridges: dict[str, int]) -> None:
        """Plug the hosts' interfaces into the lab's bridges (`switch`: netlink in the switch
        namespace, `bridges`: switch name → link index there)."""
        ...

    @classmethod
    def start(cls, state: LabState, topo: Topology, domain: str | None, addresses: dict[str, str]) -> None:
        """Bring the hosts far enough for the lab's services and the scenario's faults (`domain`:
        the lab's DNS domain; `addresses`: each host's first fixed address, for /etc/hosts)."""
        ...

    @classmethod
    def dhcp_interfaces(cls, spec: HostSpec) -> list[str]:
        """The host's interfaces the lab brings up by DHCP itself (`ifup`, as Debian does at boot)
        once the lab's DHCP servers run."""
        ...

    @classmethod
    def boot(cls, state: LabState, topo: Topology, progress: Progress) -> None:
        """The build's last step, after the scenario's faults (which a host may need in place before
        its first boot): the hosts are then up."""
        ...

    @classmethod
    def destroy(cls, state: LabState, extra: list[str] | None = None) -> dict[str, int]:
        """Remove the lab's hosts of this kind; `extra`: namespaces of the lab found on the machine
        that its state may not record (the reaper's). Returns {"processes": killed, "namespaces":
        removed}."""
        ...

    # --- one host -------------------------------------------------------------------------------
    @property
    def netns(self) -> str:
        """The network namespace the host is reached through (a VM's: the switch namespace)."""
        ...

    def is_up(self) -> bool:
        """Its PID 1 (a VM's: its qemu) is still the process the lab started."""
        ...

    def enter_argv(
        self,
        argv: list[str],
        *,
        term: str | None = None,
        extra_env: dict[str, str] | None = None,
        cwd: str = "/root",
        tty: bool = False,
        tag: str = "lab",
    ) -> list[str]:
        """The machine's command line that runs `argv` in the host (a trainee's shell, `exec`);
        `tty`: its fd 0 is a terminal of the host's own, to become its controlling terminal.
        `tag`: who runs it, in the lab's exec record (simulateur.lab.audit): "shell", "exec", "lab"."""
        ...

    def run(self, argv: list[str], *, timeout: float = 30, input: str | None = None) -> CompletedProcess[str]:
        """Run a command in the host and wait for it (output captured; 124 on timeout)."""
        ...

    def run_in_netns(self, argv: list[str], *, timeout: float = 10) -> CompletedProcess[str]:
        """Run one of the machine's own tools in the host's network view only (probes)."""
        ...

    def root(self) -> Path:
        """The host's root directory as the machine reaches it."""
        ...

    def path(self, inside: str) -> Path:
        """A path of the host, reachable from the machine, its links resolved inside the host."""
        ...

    def read_text(self, inside: str) -> str | None:
        """A file of the host, None if there is none."""
        ...

    def write_text(self, inside: str, content: str, mode: int = 0o644) -> None:
        """Write a file of the host."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """Around any file the engine creates itself under `path()` (not through write_text): the
        ids the host's root has there (a netns host with a user namespace: its range's first id,
        simulateur.lab.userns), so that the file is root's inside the host."""
        ...

    def inside_id(self, outside: int) -> int:
        """A uid or gid the machine read under `path()` (os.stat), as the host sees it."""
        ...

    def pid_namespace(self) -> int:
        """The inode of the host's PID namespace (its processes, for probes)."""
        ...

    def log_marks(self) -> Marks:
        """Where its logs stand now (simulateur.lab.backdate: the services up, before the faults)."""
        ...

    def backdate(self, story: Story) -> None:
        """Move the traces its build left (logs, service states, file dates) into the ticket's story
        (simulateur.lab.backdate); a host whose past cannot be rewritten keeps it."""
        ...

    def mount_tmpfs(self, inside: str, size_mb: int) -> None:
        """A small file system of its own on a directory of the host (a fault): the engine's gesture,
        as no process of a host may mount anything."""
        ...


# Registration order is teardown's order reversed: the netns kind, first here, is destroyed last.
_KINDS: dict[str, type[HostKind]] = {NetnsHost.kind: NetnsHost}


def register(kind: type[HostKind]) -> None:
    """Make a kind of host known to the engine (again: no change)."""
    _KINDS[kind.kind] = kind


def kinds() -> list[type[HostKind]]:
    return list(_KINDS.values())


def kind_named(name: str) -> type[HostKind]:
    try:
        return _KINDS[name]
    except KeyError:
        raise SimError(tr("lab.unknown_kind", kind=name, kinds=", ".join(_KINDS))) from None


def open_host(lab_id: str, state: HostState) -> HostKind:
    """The handle of one host of a lab, of the kind its record says."""
    return kind_named(state.kind)(lab_id, state)


def parts(topo: Topology) -> dict[type[HostKind], Topology]:
    """Every registered kind, in registration order, with the part of the topology it builds (its
    hosts, in the topology's order; maybe none: a kind may still have lab-wide work to do)."""
    hosts: dict[type[HostKind], dict[str, HostSpec]] = {kind: {} for kind in _KINDS.values()}
    for name, spec in topo.hosts.items():
        hosts[kind_named(spec.kind)][name] = spec
    return {kind: topo.model_copy(update={"hosts": own}) for kind, own in hosts.items()}


def declare_hosts(state: LabState, topo: Topology) -> None:
    """Every host's record, in the topology's order, saved before anything of the lab exists."""
    for name, spec in topo.hosts.items():
        state.hosts[name] = kind_named(spec.kind).declare(state, name)
    state.save()


def teardown(state: LabState, extra: list[str] | None = None) -> dict[str, int]:
    """Remove a lab entirely: each kind removes its hosts, the netns kind last — it owns the lab's
    namespaces and state dir, where every kind lives (a VM's qemu and tap are in the switch
    namespace), and it kills every PID 1 the records name, so a lab holding a kind this process never
    registered still goes entirely."""
    report = {"processes": 0, "namespaces": 0}
    for kind in reversed(kinds()):
        for key, count in kind.destroy(state, extra).items():
            report[key] = report.get(key, 0) + count
    return report
