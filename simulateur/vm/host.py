"""A VM host seen from the machine: the same interface as a namespace host (simulateur.lab.host.Host),
reached through the guest's control agent (commands, files) or its serial console (the trainee's
shell). Before the VM is booted (during the build), files are read and written in its staged tree:
that is how a scenario's faults are in place from the guest's first boot.
"""

from __future__ import annotations

import base64
import shlex
import subprocess
import sys
from pathlib import Path

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab import confine
from simulateur.lab.host import Host
from simulateur.lab.state import HostState, lab_dir
from simulateur.vm import agent
from simulateur.vm.qemu import VmFiles


class VmHost(Host):
    kind = "vm"

    def __init__(self, lab_id: str, state: HostState) -> None:
        super().__init__(lab_id, state)
        self.files = VmFiles(lab_dir(lab_id) / "hosts" / state.name)

    def booted(self) -> bool:
        return self.state.pid1 is not None

    def staged(self) -> Path | None:
        """The guest's tree before its first boot (None once booted)."""
        return None if self.booted() or not self.files.staging.is_dir() else self.files.staging

    def reboot(self) -> None:
        """Reboot the guest (what it wrote is synced to its disk first) and wait for its agent."""
        from simulateur.vm import qemu
        from simulateur.vm.backend import BOOT_TIMEOUT

        self.run(["sync"], timeout=10)
        qemu.qmp(self.files.qmp, "system_reset")
        if not agent.wait_ready(self.files.agent, self.files.agent_lock, BOOT_TIMEOUT):
            raise SimError(tr("vm.boot_failed", host=self.name, seconds=int(BOOT_TIMEOUT), log=self.files.console_log))

    # --- commands ------------------------------------------------------------------------------
    def run(self, argv: list[str], *, timeout: float = 30, input: str | None = None) -> subprocess.CompletedProcess[str]:
        self._pid1()  # the VM is up (its qemu is the process we started)
        script = _script(argv)
        if input is not None:
            data = base64.b64encode(input.encode()).decode()
            script = f"echo {data} | base64 -d | {{ {script}\n}}"
        res = agent.run_script(self.files.agent, self.files.agent_lock, script, timeout)
        return subprocess.CompletedProcess(argv, res.returncode, res.stdout, res.stderr)

    def enter_argv(self, argv: list[str], *, term: str | None = None, extra_env: dict[str, str] | None = None,
                   cwd: str = "/root", tty: bool = False) -> list[str]:
        """The trainee's interactive shell is the serial console (simulateur.vm.console, which
        journals what is typed); any other command goes through the agent (simulateur.vm.execute).
        Both are processes of the machine: `tty` changes nothing (no terminal enters the guest)."""
        self._pid1()
        env = extra_env or {}
        if argv and argv[0] == "bash" and "-i" in argv:
            cmd = [sys.executable, "-m", "simulateur.vm.console", str(self.files.console), self.name]
            if "SIMULATEUR_JOURNAL_FD" in env:
                cmd += ["--journal-fd", env["SIMULATEUR_JOURNAL_FD"]]
            return cmd
        return [sys.executable, "-m", "simulateur.vm.execute", str(self.files.agent), str(self.files.agent_lock),
                _script(argv)]

    def run_in_netns(self, argv: list[str], *, timeout: float = 10) -> subprocess.CompletedProcess[str]:
        raise SimError(tr("vm.no_files", host=self.name))

    # --- files ------------------------------------------------------------------------------------
    def root(self) -> Path:
        staged = self.staged()
        if staged is None:
            raise SimError(tr("vm.no_files", host=self.name))
        return staged

    def path(self, inside: str) -> Path:
        return confine.resolve(self.root(), self._checked(inside))

    def read_text(self, inside: str) -> str | None:
        if self.staged() is not None:
            return super().read_text(inside)
        res = self.run(["cat", self._checked(inside)], timeout=10)
        return res.stdout if res.returncode == 0 else None

    def write_text(self, inside: str, content: str, mode: int = 0o644) -> None:
        if self.staged() is not None:
            super().write_text(inside, content, mode)
            return
        path = self._checked(inside)
        res = self.run(["sh", "-c", f"cat > {shlex.quote(path)} && chmod {mode:o} {shlex.quote(path)}"],
                       input=content, timeout=10)
        if res.returncode != 0:
            raise SimError(tr("lab.write_failed", path=inside, host=self.name, why=res.stderr.strip() or res.returncode))

    def pid_namespace(self) -> int:
        raise SimError(tr("vm.no_files", host=self.name))


def _script(argv: list[str]) -> str:
    """A shell line for the guest's busybox sh (`bash -c TEXT` — what `exec` sends — becomes TEXT)."""
    if len(argv) >= 3 and argv[0] in ("bash", "sh") and argv[1] == "-c":
        return argv[2]
    return shlex.join(argv)
