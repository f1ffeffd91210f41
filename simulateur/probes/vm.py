"""Probes of a VM host (kind: vm), each from outside the guest where it can be: qemu's own view of
the NIC (QMP), the DHCP server's lease and a ping from the server, the guest's disk read by the
machine (debugfs). Only `vm.ping` asks the guest itself (through its control agent)."""

from __future__ import annotations

import re
import subprocess
import time
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab.fields import Iface
from simulateur.lab.names import HOST_RE
from simulateur.probes.base import ProbeBase

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab
    from simulateur.vm.host import VmHost

NIC = "virtio_net"


def _vm(lab: Lab, name: str) -> VmHost:
    from simulateur.vm.host import as_vm

    host = as_vm(lab.host(name))
    if host is None:
        raise SimError(tr("probe.vm.not_vm", host=name))
    return host


class VmNicDriver(ProbeBase):
    probe: Literal["vm.nic_driver"]
    summary = "La carte réseau de la machine virtuelle est prise en charge par son pilote (état virtio vu par qemu)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        from simulateur.vm.qemu import nic_status

        statuses = nic_status(_vm(lab, self.host).files.qmp)
        if any("DRIVER_OK" in s for s in statuses):
            return True, tr("probe.vm.nic_ok", host=self.host, statuses=", ".join(statuses))
        if not statuses:
            return False, tr("probe.vm.nic_untouched", host=self.host)
        return False, tr("probe.vm.nic_unbound", host=self.host, statuses=", ".join(statuses))

    def expected(self, lab: Lab) -> str:
        return tr("probe.vm.nic_expected", host=self.host, nic=NIC)


class VmDhcpLease(ProbeBase):
    probe: Literal["vm.dhcp_lease"]
    iface: Iface = Field("eth0", description="Interface de la machine virtuelle.")
    server: str = Field(pattern=HOST_RE, description="Hôte qui porte le serveur DHCP (dnsmasq).")
    summary = (
        "Le serveur DHCP a un bail en cours pour la carte de la machine virtuelle, et elle répond à cette adresse."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        mac = _vm(lab, self.host).state.macs.get(self.iface, "")
        now = time.time()
        lease = next(
            (
                lz
                for lz in lab.dnsmasq_leases(self.server)
                if lz[1].lower() == mac.lower() and (lz[0] == 0 or lz[0] > now)
            ),
            None,
        )
        if lease is None:
            return False, tr("probe.vm.no_lease", server=self.server, host=self.host, mac=mac)
        res = lab.host(self.server).run_in_netns(["ping", "-c", "1", "-W", "2", lease[2]])
        if res.returncode != 0:
            return False, tr("probe.vm.lease_silent", server=self.server, address=lease[2], host=self.host)
        return True, tr("probe.vm.lease_ok", host=self.host, address=lease[2], server=self.server)

    def expected(self, lab: Lab) -> str:
        return tr("probe.vm.lease_expected", host=self.host, server=self.server)


class VmPing(ProbeBase):
    probe: Literal["vm.ping"]
    target: str = Field(description="Adresse ou nom à joindre depuis la machine virtuelle ({param} accepté).")
    summary = "La machine virtuelle joint une adresse ou un nom (ping depuis le système invité)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        target = lab.render(self.target)
        res = _vm(lab, self.host).run(["ping", "-c", "1", "-W", "2", target], timeout=8)
        if res.returncode == 0:
            return True, tr("probe.vm.ping_ok", host=self.host, target=target)
        why = (res.stderr or res.stdout).strip().splitlines()
        return False, tr("probe.vm.ping_ko", host=self.host, target=target, why=f" ({why[-1]})" if why else "")

    def expected(self, lab: Lab) -> str:
        return tr("probe.vm.ping_expected", host=self.host, target=lab.render(self.target))


def debugfs(disk: str, command: str) -> str:
    res = subprocess.run(["debugfs", "-R", command, disk], capture_output=True, text=True, timeout=10)
    return res.stdout if res.returncode == 0 else ""


def _live_lines(text: str) -> list[str]:
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def boot_loads_driver(mdev_conf: str, rcs: str) -> bool:
    """Will the guest's boot load the NIC's driver? Its boot script (rcS) loads what hotplug would
    for the devices present (coldplug) when mdev.conf has a $MODALIAS rule running modprobe; or the
    boot script itself names the driver to modprobe/insmod before it brings the network up."""
    hotplug = any(line.startswith("$MODALIAS") and "modprobe" in line for line in _live_lines(mdev_conf))
    lines = _live_lines(rcs)
    # named before the boot brings the network up (ifup): loaded after it, the card gets no address
    network = next((i for i, line in enumerate(lines) if re.search(r"\b(ifup|udhcpc)\b", line)), len(lines))
    named = any(
        re.search(r"\b(modprobe|insmod)\b", line) and re.search(rf"\b{NIC}(\.ko)?\b", line.replace("-", "_"))
        for line in lines[:network]
    )
    return hotplug or named


class VmNicDriverPersists(ProbeBase):
    probe: Literal["vm.nic_driver_persists"]
    summary = (
        "Au prochain démarrage, le pilote de la carte se chargera : le démarrage du système le charge "
        "(règle $MODALIAS de mdev ou modprobe au démarrage), module présent et indexé (depmod), aucune "
        "ligne blacklist/install qui l'empêche dans modprobe.d (lu sur le disque, de l'extérieur)."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        from simulateur.vm.backend import image_of

        vm = _vm(lab, self.host)
        vm.run(["sync"], timeout=5)  # what the guest wrote reaches its disk (best effort)
        disk = str(vm.files.disk)
        kver = image_of(lab.state, self.host).kernel_version
        problems = []
        for d in ("/etc/modprobe.d", "/lib/modprobe.d"):
            for line in debugfs(disk, f"ls -p {d}").splitlines():
                parts = line.strip("/").split("/")
                if len(parts) < 5 or not parts[4].endswith(".conf"):
                    continue
                for text in debugfs(disk, f"cat {d}/{parts[4]}").splitlines():
                    words = text.split("#", 1)[0].split()
                    if len(words) >= 2 and words[0] in ("blacklist", "install") and words[1].replace("-", "_") == NIC:
                        problems.append(tr("probe.vm.modprobe_line", path=f"{d}/{parts[4]}", line=" ".join(words)))
        if not boot_loads_driver(debugfs(disk, "cat /etc/mdev.conf"), debugfs(disk, "cat /etc/init.d/rcS")):
            problems.append(tr("probe.vm.no_autoload", nic=NIC))
        ko = f"/lib/modules/{kver}/kernel/drivers/net/{NIC}.ko"
        if "Inode:" not in debugfs(disk, f"stat {ko}"):
            problems.append(tr("probe.vm.ko_missing", path=ko))
        elif not re.search(rf"(^|/){NIC}\.ko:", debugfs(disk, f"cat /lib/modules/{kver}/modules.dep"), re.MULTILINE):
            problems.append(tr("probe.vm.not_indexed", nic=NIC))
        if problems:
            return False, tr("probe.vm.persist_ko", problems=" ; ".join(problems))
        return True, tr("probe.vm.persist_ok", nic=NIC)

    def expected(self, lab: Lab) -> str:
        return tr("probe.vm.persist_expected", host=self.host, nic=NIC)
