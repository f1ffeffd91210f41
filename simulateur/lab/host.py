"""The netns kind of host (simulateur.lab.kind.HostKind): a host = a network namespace, and mount,
PID, IPC, UTS and cgroup namespaces around a root made of overlays of the machine's /usr, /etc and
/var, under a PID 1 that reaps orphans, confined (simulateur.lab.sandbox).

The class builds the lab's netns hosts (simulateur.lab.netns does the work: all of them side by side);
an instance is one running host seen from the machine: run commands inside it, read its files.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from simulateur.lab import backdate, confine, netns, nsutil, rootfiles, sandbox, userns
from simulateur.lab.pid1 import RecordedPid1
from simulateur.lab.state import HostState, LabState, lab_dir, netns_name

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyroute2 import IPRoute

    from simulateur.lab.backdate import Marks, Story
    from simulateur.lab.topology import HostSpec, Topology

HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class NetnsHost(RecordedPid1):
    kind: ClassVar[str] = "netns"

    def __init__(self, lab_id: str, state: HostState) -> None:
        self.lab_id = lab_id
        self.state = state
        self.name = state.name

    # --- the lab's netns hosts, all at once (simulateur.lab.netns) ----------------------------
    @classmethod
    def declare(cls, state: LabState, name: str) -> HostState:
        """A namespace of its own; with the option SIMULATEUR_USERNS, owned by a user namespace of
        its own (simulateur.lab.userns: the lab's namespaces are then made so)."""
        return HostState(name=name, netns=netns_name(state.id, name), userns=userns.wanted())

    @classmethod
    def wire(cls, state: LabState, topo: Topology, switch: IPRoute, bridges: dict[str, int]) -> None:
        """A veth pair per interface, addresses, routes and sysctls."""
        netns.wire_hosts(state, topo, switch, bridges)

    @classmethod
    def start(cls, state: LabState, topo: Topology, domain: str | None, addresses: dict[str, str]) -> None:
        """Every host's files laid, every PID 1 running (the layers' tmpfs is mounted even with no
        netns host: the other kinds' files live under it too)."""
        netns.boot_hosts(state, topo, domain, addresses)

    @classmethod
    def dhcp_interfaces(cls, spec: HostSpec) -> list[str]:
        return [iface.name for iface in spec.interfaces if iface.dhcp]

    @classmethod
    def boot(cls, state: LabState, topo: Topology, progress: Callable[[str], None]) -> None:
        """Nothing left: the hosts run since `start`, and the faults were written into running hosts."""

    @classmethod
    def destroy(cls, state: LabState, extra: list[str] | None = None) -> dict[str, int]:
        """The whole lab's namespaces and state dir go with the netns kind (teardown calls it last)."""
        return netns.destroy(state, extra)

    # --- one host ---------------------------------------------------------------------------------
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
        """Command line that runs `argv` inside every namespace of the host, confined as the host's
        PID 1 is (simulateur.lab.sandbox), with a clean environment. `tty`: its fd 0 is a pty of the
        host (simulateur.journal.terminal) to take as controlling terminal."""
        env = {"PATH": HOST_PATH, "HOME": "/root", "LANG": "C.UTF-8", "USER": "root", "LOGNAME": "root"}
        if term:
            env["TERM"] = term
        env.update(extra_env or {})
        return sandbox.enter_argv(
            self.lab_id,
            self._pid1(),
            self.state.pid1_start,
            argv,
            env,
            cwd,
            tty,
            userns=self.state.uid_base is not None,
            host=self.name,
            tag=tag,
        )

    def run(
        self, argv: list[str], *, timeout: float = 30, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the host and wait for it (output captured)."""
        try:
            return subprocess.run(
                self.enter_argv(argv),
                input=input,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=None if input is not None else subprocess.DEVNULL,
                errors="replace",
            )
        except subprocess.TimeoutExpired as exc:
            return subprocess.CompletedProcess(argv, 124, stdout=_text(exc.stdout), stderr=_text(exc.stderr))

    def run_in_netns(self, argv: list[str], *, timeout: float = 10) -> subprocess.CompletedProcess[str]:
        """Run one of the machine's own tools in this host's network namespace only.

        Used by probes: the binary and files are the machine's, not the host's (which the trainee
        could have changed); only the network view is the host's.
        """
        try:
            return subprocess.run(
                ["nsenter", f"--net={nsutil.netns_path(self.netns)}", *argv],
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                errors="replace",
            )
        except subprocess.TimeoutExpired as exc:
            return subprocess.CompletedProcess(argv, 124, stdout=_text(exc.stdout), stderr=_text(exc.stderr))

    def root(self) -> Path:
        """The host's root directory as the machine reaches it (through its PID 1)."""
        return Path(f"/proc/{self._pid1()}/root")

    def path(self, inside: str) -> Path:
        """The host's view of a path, reachable from the machine: every symbolic link in it is
        followed inside the host's root (confine.resolve), never in the machine's."""
        return confine.resolve(self.root(), rootfiles.checked(inside))

    def read_text(self, inside: str) -> str | None:
        return rootfiles.read_text(self.root(), inside)

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """Around any file the engine creates in the running host: as its root's ids when the host
        has a user namespace (confine.acting_as: an idmapped layer refuses the machine's uid 0),
        else as is."""
        return confine.acting_as(self.state.uid_base)

    def inside_id(self, outside: int) -> int:
        """A uid or gid read by the machine (os.stat through the host's root) as the host sees it:
        with a user namespace the machine reads the host's ids shifted by its range
        (simulateur.lab.userns), and an id outside the range is the overflow id (nobody)."""
        base = self.state.uid_base
        if base is None:
            return outside
        return outside - base if base <= outside < base + userns.USERNS_SIZE else userns.OVERFLOW_ID

    def write_text(self, inside: str, content: str, mode: int = 0o644) -> None:
        """Write a file of the host; links are resolved inside the host (confine.open_in)."""
        with self.writing():
            rootfiles.write_text(self.root(), inside, content, mode, self.name)

    def mount_tmpfs(self, inside: str, size_mb: int) -> None:
        """A small file system of its own on a directory of the host (a fault: "the data partition
        is full"). The engine mounts it; no process of the host can (simulateur.lab.profile)."""
        sandbox.mount_tmpfs(
            self._pid1(), self.state.pid1_start, rootfiles.checked(inside), size_mb, owner=self.state.uid_base
        )

    def pid_namespace(self) -> int:
        return os.stat(f"/proc/{self._pid1()}/ns/pid").st_ino

    def backdate(self, story: Story) -> None:
        """Its service manager first notes what the faults did to its services (`list-units`: a
        daemon that died is « failed » from then on); then, from the machine, its overlay upper dir
        (every file its build wrote or touched) and its service manager's state (its own /run)."""
        self.run(["systemctl", "list-units", "--all", "--no-pager"], timeout=60)
        backdate.backdate_layer(self._upper(), story, story.marks.get(self.name, {}))
        backdate.backdate_run(self.root(), story)

    def log_marks(self) -> Marks:
        return backdate.log_marks(self._upper())

    def _upper(self) -> Path:
        return lab_dir(self.lab_id) / "hosts" / self.name / "upper"


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode(errors="replace")
