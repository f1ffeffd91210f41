"""vm.nic_driver_persists: the NIC's driver is loaded by the guest's next boot only if something of
that boot loads it — mdev's $MODALIAS hotplug rule (then the boot's coldplug pass), or the boot
script naming it. A driver loaded by hand, with nothing to load it again, is lost at reboot."""

from __future__ import annotations

import pytest

from simulateur.probes.vm import boot_loads_driver

RCS = (
    "#!/bin/sh\nmdev -s\nmdev -d\nif grep -q '^\\$MODALIAS' /etc/mdev.conf 2>/dev/null; then\n"
    "    /sbin/modprobe -qab $(cat /sys/bus/*/devices/*/modalias 2>/dev/null)\nfi\n"
)
NET = "if [ -e /sys/class/net/eth0 ]; then ifup eth0 >/dev/null 2>&1 & fi\n"


@pytest.mark.parametrize(
    ("mdev", "rcs"),
    [
        ('$MODALIAS=.* 0:0 660 @/sbin/modprobe -qb "$MODALIAS"\n', RCS),
        ('# règles\n$MODALIAS=.* root:root 0660 @modprobe -b "$MODALIAS"\n', RCS),
        ("# règles de mdev (aucune)\n", RCS + "modprobe virtio_net\n" + NET),
        ("", RCS.replace("mdev -d\n", "mdev -d\n/sbin/modprobe -a virtio-net\n")),
        ("", RCS + "insmod /lib/modules/6.1.0-28-cloud-amd64/kernel/drivers/net/virtio_net.ko\n"),
    ],
)
def test_the_boot_loads_the_driver(mdev, rcs):
    assert boot_loads_driver(mdev, rcs)


@pytest.mark.parametrize(
    ("mdev", "rcs"),
    [
        ("# règles de mdev (aucune)\n", RCS),
        ('# $MODALIAS=.* 0:0 660 @/sbin/modprobe -qb "$MODALIAS"\n', RCS),
        ("", RCS + "# modprobe virtio_net\n"),
        ("", RCS + "modprobe virtio_blk\n"),
        ("", RCS + NET + "modprobe virtio_net\n"),  # loaded after the network came up: no address
    ],
)
def test_nothing_loads_the_driver_at_boot(mdev, rcs):
    assert not boot_loads_driver(mdev, rcs)
