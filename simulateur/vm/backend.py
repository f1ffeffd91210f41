"""Building the lab's VM hosts (`kind: vm` in a topology), for the VM kind (simulateur.vm.host.VmHost).

A VM host's HostState: kind "vm", netns = the lab's switch namespace (where qemu and its tap
live), pid1 = qemu's PID with its start time (so VmHost.is_up, Lab.open and the reaper treat it like
any host's PID 1: a dead qemu makes a dead lab, and stop/clean kill the recorded PID and the
switch namespace, which takes the tap with it). Its disk, sockets and logs live in the lab's state
dir, removed with it.

Build order (Lab.build, through the kind): stage (a copy of the guest tree) → the scenario's faults are
written into that tree (actions see an unbooted VM) → boot (disk, tap, qemu, wait for the control agent).
The topology given here is the VM kind's part of the lab's: its VM hosts only.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab.state import LabState
from simulateur.lab.topology import Topology
from simulateur.vm import agent, qemu
from simulateur.vm.image import GuestImage, ensure_image

BOOT_TIMEOUT = 90.0  # TCG on a loaded 2-core machine: boots take 4 s alone, far more when 4 boot at once


def vm_hosts(topo: Topology) -> list[str]:
    return [name for name, spec in topo.hosts.items() if spec.kind == "vm"]


def files_of(state: LabState, host: str) -> qemu.VmFiles:
    return qemu.VmFiles(state.dir / "hosts" / host)


def image_of(state: LabState, host: str) -> GuestImage:
    hs = state.hosts[host]
    if not hs.vm_image or not hs.vm_kernel:
        raise SimError(tr("vm.not_booted", host=host))
    from pathlib import Path

    return GuestImage(Path(hs.vm_image), hs.vm_kernel)


def check_spec(topo: Topology) -> None:
    for name in vm_hosts(topo):
        spec = topo.hosts[name]
        if len(spec.interfaces) != 1 or spec.interfaces[0].address or spec.services or spec.forwarding:
            raise SimError(tr("vm.bad_spec", host=name))


def stage(state: LabState, topo: Topology) -> None:
    """Copy the guest tree for each VM host (before the faults are written into it)."""
    names = vm_hosts(topo)
    if not names:
        return
    check_spec(topo)
    image = ensure_image()
    accel = qemu.accelerator(image)
    for name in names:
        hs = state.hosts[name]
        hs.vm_image, hs.vm_kernel, hs.vm_accel = str(image.dir), image.kernel_version, accel
        hs.macs[topo.hosts[name].interfaces[0].name] = "52:54:00:" + ":".join(
            f"{b:02x}" for b in secrets.token_bytes(3)
        )
        qemu.stage(image, files_of(state, name), name)
    state.save()


def boot(state: LabState, topo: Topology) -> None:
    """Disk, tap and qemu for every VM host, then wait until each guest's agent answers."""
    names = vm_hosts(topo)
    if not names:
        return
    for name in names:
        hs = state.hosts[name]
        files = files_of(state, name)
        iface = topo.hosts[name].interfaces[0]
        qemu.make_disk(files)
        tap = f"{name}-0"
        qemu.add_tap(state.switch_netns, tap, iface.switch)
        argv = qemu.qemu_argv(image_of(state, name), files, tap, hs.macs[iface.name], hs.vm_accel or "tcg")
        hs.pid1, hs.pid1_start = qemu.launch(state.switch_netns, argv, files)
        state.save()
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        ready = list(
            pool.map(
                lambda n: agent.wait_ready(files_of(state, n).agent, files_of(state, n).agent_lock, BOOT_TIMEOUT), names
            )
        )
    for name, ok in zip(names, ready):
        if not ok:
            raise SimError(
                tr(
                    "vm.boot_failed",
                    host=name,
                    seconds=int(time.monotonic() - t0),
                    log=files_of(state, name).console_log,
                )
            )


def accel_info(state: LabState) -> dict[str, str]:
    """{host: "kvm" | "tcg"} for the VM hosts of a lab (shown by `start --json`)."""
    return {name: str(hs.vm_accel) for name, hs in state.hosts.items() if hs.kind == "vm"}


if __name__ == "__main__":  # `make vm-image`: build (or find) the guest image, and learn whether KVM works here
    import sys

    try:
        qemu.accelerator(ensure_image(ask_apt=True))  # the verdict is cached per machine
    except SimError as exc:
        print(f"simulateur : {exc}", file=sys.stderr)
        raise SystemExit(2) from None
