"""The VM kind of host (simulateur.lab.kind.HostKind; `kind: vm` in a topology): a QEMU machine with
its own kernel, confined by QEMU itself, living in the lab's switch namespace (simulateur.vm.backend).

The class builds the lab's VMs: staged (a copy of the guest tree) while the netns hosts start, the
scenario's faults written into that tree, then booted. An instance is one VM seen from the machine,
reached through the guest's control agent (commands, files) or its serial console (the trainee's
shell). Before the VM is booted (during the build), files are read and written in its staged tree:
that is how a scenario's faults are in place from the guest's first boot.

Importing this module registers the kind (simulateur.lab never imports simulateur.vm):
simulateur.session.run and simulateur.journal.remote do, for every lab they build or open.
"""

from __future__ import annotations

import base64
import contextlib
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab import confine, nsutil, rootfiles
from simulateur.lab.kind import register
from simulateur.lab.pid1 import RecordedPid1
from simulateur.lab.state import HostState, LabState, lab_dir
from simulateur.vm import agent, backend, qemu

if TYPE_CHECKING:
    from pyroute2 import IPRoute

    from simulateur.lab.backdate import Marks, Story
    from simulateur.lab.kind import HostKind
    from simulateur.lab.topology import HostSpec, Topology


class VmHost(RecordedPid1):
    kind: ClassVar[str] = "vm"

    def __init__(self, lab_id: str, state: HostState) -> None:
        self.lab_id = lab_id
        self.state = state
        self.name = state.name
        self.files = qemu.VmFiles(lab_dir(lab_id) / "hosts" / state.name)

    # --- the lab's VMs, all at once (simulateur.vm.backend) ----------------------------------
    @classmethod
    def declare(cls, state: LabState, name: str) -> HostState:
        """It lives in the switch namespace, where its qemu and tap will be."""
        return HostState(name=name, netns=state.switch_netns, kind="vm")

    @classmethod
    def wire(cls, state: LabState, topo: Topology, switch: IPRoute, bridges: dict[str, int]) -> None:
        """Nothing to plug yet: a VM's cable is the tap its qemu opens, made when it boots."""

    @classmethod
    def start(cls, state: LabState, topo: Topology, domain: str | None, addresses: dict[str, str]) -> None:
        """Staged, not booted: the scenario's faults are written into its tree next."""
        backend.stage(state, topo)

    @classmethod
    def dhcp_interfaces(cls, spec: HostSpec) -> list[str]:
        """None: the guest's own DHCP client asks, once it boots (after the faults)."""
        return []

    @classmethod
    def boot(cls, state: LabState, topo: Topology, progress: Callable[[str], None]) -> None:
        """Disk, tap and qemu for each, then wait until every guest's agent answers."""
        if topo.hosts:
            progress(tr("progress.vms"))
            backend.boot(state, topo)  # the module's attribute: bench/vm_bench.py times it there

    @classmethod
    def destroy(cls, state: LabState, extra: list[str] | None = None) -> dict[str, int]:
        """Its qemu killed (a recorded PID 1, checked by start time); its tap goes with the switch
        namespace and its disk, sockets and logs with the lab's state dir (the netns kind's)."""
        qemus = [
            hs.pid1
            for hs in state.hosts.values()
            if hs.kind == cls.kind and hs.pid1 is not None and nsutil.same_process(hs.pid1, hs.pid1_start)
        ]
        nsutil.kill_pids(qemus)
        return {"processes": len(qemus), "namespaces": 0}

    # --- one VM -------------------------------------------------------------------------------------
    def booted(self) -> bool:
        return self.state.pid1 is not None

    def staged(self) -> Path | None:
        """The guest's tree before its first boot (None once booted)."""
        return None if self.booted() or not self.files.staging.is_dir() else self.files.staging

    def reboot(self) -> None:
        """Reboot the guest (what it wrote is synced to its disk first) and wait for its agent."""
        self.run(["sync"], timeout=10)
        qemu.qmp(self.files.qmp, "system_reset")
        if not agent.wait_ready(self.files.agent, self.files.agent_lock, backend.BOOT_TIMEOUT):
            raise SimError(
                tr("vm.boot_failed", host=self.name, seconds=int(backend.BOOT_TIMEOUT), log=self.files.console_log)
            )

    # --- commands ------------------------------------------------------------------------------
    def run(
        self, argv: list[str], *, timeout: float = 30, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        self._pid1()  # the VM is up (its qemu is the process we started)
        script = _script(argv)
        if input is not None:
            data = base64.b64encode(input.encode()).decode()
            script = f"echo {data} | base64 -d | {{ {script}\n}}"
        res = agent.run_script(self.files.agent, self.files.agent_lock, script, timeout)
        return subprocess.CompletedProcess(argv, res.returncode, res.stdout, res.stderr)

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
        """The trainee's interactive shell is the serial console (simulateur.vm.console, which
        journals what is typed); any other command goes through the agent (simulateur.vm.execute).
        Both are processes of the machine: `tty` changes nothing (no terminal enters the guest).
        A guest runs its own kernel: the lab's exec auditor does not see into it (`tag` unused)."""
        self._pid1()
        env = extra_env or {}
        if argv and argv[0] == "bash" and "-i" in argv:
            cmd = [sys.executable, "-m", "simulateur.vm.console", str(self.files.console), self.name]
            if "SIMULATEUR_JOURNAL_FD" in env:
                cmd += ["--journal-fd", env["SIMULATEUR_JOURNAL_FD"]]
            return cmd
        return [
            sys.executable,
            "-m",
            "simulateur.vm.execute",
            str(self.files.agent),
            str(self.files.agent_lock),
            _script(argv),
        ]

    def run_in_netns(self, argv: list[str], *, timeout: float = 10) -> subprocess.CompletedProcess[str]:
        raise SimError(tr("vm.no_files", host=self.name))

    # --- files ------------------------------------------------------------------------------------
    def root(self) -> Path:
        staged = self.staged()
        if staged is None:
            raise SimError(tr("vm.no_files", host=self.name))
        return staged

    def path(self, inside: str) -> Path:
        return confine.resolve(self.root(), rootfiles.checked(inside))

    def read_text(self, inside: str) -> str | None:
        staged = self.staged()
        if staged is not None:
            return rootfiles.read_text(staged, inside)
        res = self.run(["cat", rootfiles.checked(inside)], timeout=10)
        return res.stdout if res.returncode == 0 else None

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """The staged tree is a plain directory of the machine's: its files are written as is."""
        return contextlib.nullcontext()

    def inside_id(self, outside: int) -> int:
        """The staged tree's ids are the guest's own."""
        return outside

    def write_text(self, inside: str, content: str, mode: int = 0o644) -> None:
        staged = self.staged()
        if staged is not None:
            rootfiles.write_text(staged, inside, content, mode, self.name)
            return
        path = rootfiles.checked(inside)
        res = self.run(
            ["sh", "-c", f"cat > {shlex.quote(path)} && chmod {mode:o} {shlex.quote(path)}"], input=content, timeout=10
        )
        if res.returncode != 0:
            raise SimError(
                tr("lab.write_failed", path=inside, host=self.name, why=res.stderr.strip() or res.returncode)
            )

    def pid_namespace(self) -> int:
        raise SimError(tr("vm.no_files", host=self.name))

    def log_marks(self) -> Marks:
        return {}

    def backdate(self, story: Story) -> None:
        """A guest has neither the lab's service manager nor python3: its past stays as it is."""

    def mount_tmpfs(self, inside: str, size_mb: int) -> None:
        """The guest's own kernel mounts: as a technician would, inside it."""
        path = rootfiles.checked(inside)
        res = self.run(
            [
                "sh",
                "-c",
                f"mkdir -p {shlex.quote(path)} && mount -t tmpfs -o size={size_mb}m tmpfs {shlex.quote(path)}",
            ],
            timeout=10,
        )
        if res.returncode != 0:
            raise SimError(tr("sandbox.mount_failed", path=inside, why=res.stderr.strip() or res.returncode))


def as_vm(host: HostKind) -> VmHost | None:
    """The VM behind one of a lab's hosts, None if that host is of another kind (for the actions and
    probes that only make sense on a VM)."""
    return host if isinstance(host, VmHost) else None


def _script(argv: list[str]) -> str:
    """A shell line for the guest's busybox sh (`bash -c TEXT` — what `exec` sends — becomes TEXT)."""
    if len(argv) >= 3 and argv[0] in ("bash", "sh") and argv[1] == "-c":
        return argv[2]
    return shlex.join(argv)


register(VmHost)
