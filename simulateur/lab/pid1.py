"""What every kind of host has: a recorded process that is the host (a netns host's PID 1, a VM's
qemu), known by its PID and its kernel start time — never by its name."""

from __future__ import annotations

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab import nsutil
from simulateur.lab.state import HostState


class RecordedPid1:
    lab_id: str
    name: str
    state: HostState

    @property
    def netns(self) -> str:
        return self.state.netns

    def is_up(self) -> bool:
        return self.state.pid1 is not None and nsutil.same_process(self.state.pid1, self.state.pid1_start)

    def _pid1(self) -> int:
        """The recorded process, or the one-line error that says the host is down."""
        if not self.is_up():
            raise SimError(tr("lab.host_down", host=self.name, lab=self.lab_id))
        assert self.state.pid1 is not None
        return self.state.pid1
