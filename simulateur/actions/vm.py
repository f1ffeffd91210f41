"""Actions on a VM host's guest system (kind: vm): the NIC driver faults of « pilote-reseau-manquant ».

Written into the guest's staged tree before its first boot (the lab build stages VM hosts, applies
the scenario's faults, then boots them): the guest boots with the fault in place, as a reinstalled
PC would.
"""

from __future__ import annotations

import base64
import os
import subprocess
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from simulateur.actions.base import ActionBase, comment
from simulateur.errors import SimError
from simulateur.i18n import N_, tr

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab
    from simulateur.vm.host import VmHost

NIC = "virtio_net"
DEB_NAME = "virtio-net-module_1.0_amd64.deb"


class VmNicFault(ActionBase):
    action: Literal["vm.nic_fault"]
    fault: Literal["noautoload", "blacklist", "disable", "absent"] = Field(
        description="noautoload : aucun chargement automatique des pilotes ; blacklist : « blacklist virtio_net » "
        "dans /etc/modprobe.d ; disable : « install virtio_net /bin/true » ; absent : le fichier du "
        "module supprimé, le paquet qui le contient déposé dans /root/pilotes."
    )
    file: str = Field(
        "/etc/modprobe.d/atelier.conf",
        pattern=r"^/etc/modprobe\.d/[a-z0-9._-]+\.conf$",
        description="Fichier de modprobe.d qui porte la ligne fautive (blacklist, disable).",
    )
    summary = "Panne du pilote de la carte réseau d'une machine virtuelle (avant son premier démarrage)."

    def shell(self) -> list[str]:
        if self.fault == "blacklist":
            return [f"echo 'blacklist {NIC}' >> {self.file}"]
        if self.fault == "disable":
            return [f"echo 'install {NIC} /bin/true' >> {self.file}"]
        return [comment(tr(f"action.shell.vm_{self.fault}", module=NIC))]

    def apply(self, lab: Lab) -> None:
        from simulateur.vm.host import as_vm

        host = as_vm(lab.host(self.host))
        if host is None:
            raise SimError(tr("vm.not_vm", host=self.host))
        if self.fault == "noautoload":
            host.write_text("/etc/mdev.conf", tr("action.vm.mdev_conf"))
        elif self.fault == "blacklist":
            host.write_text(self.file, tr("action.vm.blacklist_comment") + f"blacklist {NIC}\n")
        elif self.fault == "disable":
            host.write_text(self.file, tr("action.vm.disable_comment") + f"install {NIC} /bin/true\n")
        else:
            self._remove_module(lab, host)
        if host.staged() is None:  # already running: the fault takes effect at its next boot
            host.reboot()

    def _remove_module(self, lab: Lab, host: VmHost) -> None:
        from simulateur.vm.backend import image_of

        image = image_of(lab.state, self.host)
        deb = f"/root/pilotes/{DEB_NAME}"
        root = host.staged()
        if root is not None:
            (root / image.nic_module_path.lstrip("/")).unlink()
            _depmod(root, image.kernel_version)
            (root / "root" / "pilotes").mkdir(parents=True, exist_ok=True)
            (root / deb.lstrip("/")).write_bytes(image.module_deb.read_bytes())
            return
        data = base64.b64encode(image.module_deb.read_bytes()).decode()
        script = f"rm -f {image.nic_module_path} && depmod -a && mkdir -p /root/pilotes && base64 -d > {deb}"
        res = host.run(["sh", "-c", script], input=data, timeout=30)
        if res.returncode != 0:
            raise SimError(
                tr(
                    "action.failed",
                    action=self.action_name(),
                    host=self.host,
                    cmd=script,
                    why=(res.stderr.strip() or res.returncode),
                )
            )


def _depmod(root: os.PathLike[str], kver: str) -> None:
    """Run the guest's own depmod (kmod, its libraries) on its tree, from the machine."""
    r = str(root)
    res = subprocess.run(
        [
            f"{r}/lib64/ld-linux-x86-64.so.2",
            "--library-path",
            f"{r}/lib/x86_64-linux-gnu:{r}/usr/lib/x86_64-linux-gnu",
            "--argv0",
            "depmod",
            f"{r}/bin/kmod",
            "-b",
            r,
            kver,
        ],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise SimError(tr("vm.image_failed", why=res.stderr.strip()))


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("action.shell.vm_absent"),
    N_("action.shell.vm_noautoload"),
)
