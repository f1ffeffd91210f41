"""Running a VM host: its disk, its tap in the lab's switch namespace, qemu, QMP.

qemu runs inside the lab's switch namespace (the root namespace gets nothing); its NIC is a
virtio-net-pci on a tap enslaved to the host's switch, so the rest of the lab sees one more
machine on the wire. Two ISA serial ports on unix sockets: ttyS0 the trainee's console (with a
log file), ttyS1 simulateur's control agent. QMP on a third socket.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab import nsutil
from simulateur.paths import cache_dir
from simulateur.vm.image import GuestImage

QEMU = "qemu-system-x86_64"
MEMORY_MB = 128
DISK_MB = 48
NIC_ID = "nic0"


@dataclass(frozen=True)
class VmFiles:
    dir: Path

    @property
    def disk(self) -> Path:
        return self.dir / "disk.img"

    @property
    def staging(self) -> Path:
        return self.dir / "root"

    @property
    def console(self) -> Path:
        return self.dir / "console.sock"

    @property
    def console_log(self) -> Path:
        return self.dir / "console.log"

    @property
    def agent(self) -> Path:
        return self.dir / "agent.sock"

    @property
    def qmp(self) -> Path:
        return self.dir / "qmp.sock"

    @property
    def log(self) -> Path:
        return self.dir / "qemu.log"

    @property
    def agent_lock(self) -> Path:
        return self.dir / "agent.lock"


def stage(image: GuestImage, files: VmFiles, hostname: str) -> None:
    """A private copy of the guest's root tree: faults are written into it before boot."""
    files.dir.mkdir(parents=True, exist_ok=True)
    if files.staging.exists():
        shutil.rmtree(files.staging)
    shutil.copytree(image.rootfs, files.staging, symlinks=True)
    (files.staging / "etc" / "hostname").write_text(hostname + "\n")
    (files.staging / "etc" / "hosts").write_text(f"127.0.0.1\tlocalhost\n127.0.1.1\t{hostname}\n")


def make_disk(files: VmFiles) -> None:
    """The VM's own disk (ext4) from its staged tree; the tree is then dropped."""
    res = subprocess.run(
        [
            "mke2fs",
            "-q",
            "-F",
            "-t",
            "ext4",
            "-O",
            "^has_journal",
            "-L",
            "simroot",
            "-E",
            "root_owner=0:0",
            "-d",
            str(files.staging),
            str(files.disk),
            f"{DISK_MB}M",
        ],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise SimError(tr("vm.disk_failed", why=(res.stderr.strip().splitlines() or ["mke2fs"])[-1]))
    shutil.rmtree(files.staging)


# --- accelerator ------------------------------------------------------------------------------
def _kvm_ok(image: GuestImage) -> bool:
    """Does a kernel actually run under KVM here? (In nested setups /dev/kvm may exist and hang.)
    Boot our kernel with no root: it panics and, with -no-reboot, qemu exits within a second."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    try:
        res = subprocess.run(
            [
                QEMU,
                "-accel",
                "kvm",
                "-m",
                str(MEMORY_MB),
                "-nodefaults",
                "-display",
                "none",
                "-no-reboot",
                "-serial",
                "stdio",
                "-kernel",
                str(image.kernel),
                "-append",
                "console=ttyS0 panic=-1 root=/dev/nonexistent",
            ],
            capture_output=True,
            timeout=8,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return False
    return res.returncode == 0 and b"Kernel panic" in res.stdout


def accelerator(image: GuestImage) -> str:
    """kvm where it works, tcg otherwise (SIMULATEUR_VM_ACCEL forces one); the verdict is cached
    per machine (kernel + CPU model)."""
    forced = os.environ.get("SIMULATEUR_VM_ACCEL")
    if forced in ("kvm", "tcg"):
        return forced
    try:
        cpu = next(
            (line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), ""
        )
    except OSError:
        cpu = ""
    key = hashlib.sha256(f"{platform.release()}|{cpu}|{image.kernel_version}".encode()).hexdigest()[:12]
    path = cache_dir() / "vm" / f"accel-{key}.json"
    try:
        return str(json.loads(path.read_text())["accel"])
    except (OSError, ValueError, KeyError):
        pass
    accel = "kvm" if _kvm_ok(image) else "tcg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"accel": accel}))
    return accel


# --- launching ----------------------------------------------------------------------------------
def add_tap(switch_netns: str, tap: str, bridge: str) -> None:
    for argv in (
        ["ip", "-n", switch_netns, "tuntap", "add", "dev", tap, "mode", "tap"],
        ["ip", "-n", switch_netns, "link", "set", tap, "master", bridge, "up"],
    ):
        res = subprocess.run(argv, capture_output=True, text=True)
        if res.returncode != 0:
            raise SimError(tr("vm.tap_failed", tap=tap, why=res.stderr.strip()))


def qemu_argv(image: GuestImage, files: VmFiles, tap: str, mac: str, accel: str) -> list[str]:
    return [
        QEMU,
        "-name",
        "simulateur",
        "-accel",
        accel,
        "-m",
        str(MEMORY_MB),
        "-smp",
        "1",
        "-nodefaults",
        "-display",
        "none",
        "-no-user-config",
        "-kernel",
        str(image.kernel),
        "-initrd",
        str(image.initrd),
        "-append",
        "console=ttyS0 quiet panic=-1",
        "-drive",
        f"file={files.disk},if=none,id=d0,format=raw,cache=writeback",
        "-device",
        "virtio-blk-pci,drive=d0",
        "-netdev",
        f"tap,id=n0,ifname={tap},script=no,downscript=no",
        "-device",
        f"virtio-net-pci,netdev=n0,id={NIC_ID},mac={mac}",
        "-chardev",
        f"socket,id=con,path={files.console},server=on,wait=off,logfile={files.console_log}",
        "-serial",
        "chardev:con",
        "-chardev",
        f"socket,id=agent,path={files.agent},server=on,wait=off",
        "-serial",
        "chardev:agent",
        "-qmp",
        f"unix:{files.qmp},server=on,wait=off",
    ]


def launch(switch_netns: str, argv: list[str], files: VmFiles) -> tuple[int, int | None]:
    """Start qemu inside the switch namespace; (pid, start time) once its sockets exist."""
    with open(files.log, "wb") as log:
        proc = subprocess.Popen(
            ["nsenter", f"--net={nsutil.netns_path(switch_netns)}", *argv],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            why = files.log.read_text(errors="replace").strip().splitlines()
            raise SimError(tr("vm.qemu_failed", why=why[-1] if why else proc.returncode))
        if files.qmp.exists() and files.agent.exists() and files.console.exists():
            break
        time.sleep(0.01)
    else:
        raise SimError(tr("vm.qemu_failed", why="sockets absents après 10 s"))
    return proc.pid, nsutil.start_time(proc.pid)


# --- QMP ----------------------------------------------------------------------------------------
class Qmp:
    def __init__(self, path: Path, timeout: float = 5) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(str(path))
        except OSError as exc:
            self.sock.close()
            raise SimError(tr("vm.qmp_failed", why=exc.strerror or exc)) from None
        self.buf = b""
        self._read()  # greeting
        self.command("qmp_capabilities")

    def _read(self) -> dict[str, object]:
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise SimError(tr("vm.qmp_failed", why="connexion fermée"))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            msg = json.loads(line)
            if "event" not in msg:
                return dict(msg)

    def command(self, name: str, **arguments: object) -> object:
        msg: dict[str, object] = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        reply = self._read()
        if "error" in reply:
            raise SimError(tr("vm.qmp_failed", why=json.dumps(reply["error"], ensure_ascii=False)))
        return reply.get("return")

    def close(self) -> None:
        self.sock.close()


def qmp(sock: Path, name: str, **arguments: object) -> object:
    q = Qmp(sock)
    try:
        return q.command(name, **arguments)
    finally:
        q.close()


def nic_status(path: Path) -> list[str]:
    """The NIC's virtio status bits as qemu sees them ([] = no driver touched it, ACKNOWLEDGE only =
    virtio_pci without virtio_net, …DRIVER_OK = the driver is bound). The guest cannot fake this."""
    reply = qmp(path, "x-query-virtio-status", path=f"/machine/peripheral/{NIC_ID}/virtio-backend")
    assert isinstance(reply, dict)
    status = reply.get("status", {})
    if isinstance(status, dict):
        return [str(s) for s in status.get("statuses", [])]
    return []
