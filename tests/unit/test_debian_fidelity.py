"""Debian fidelity that needs no lab (issue 16, item 4): every service of every shipped scenario has
its init script, every unit file answers to its Debian names, the story's times."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from pathlib import Path

from simulateur.lab import hostfs
from simulateur.scenario.loader import load_catalogue, rendered_topology
from simulateur.session.run import BOOT_BEFORE_FAULT, played, story_times


def test_every_service_of_every_scenario_has_an_init_script():
    """`/etc/init.d/NAME start` works for every daemon of every host of every shipped scenario:
    Debian's own script (seen from the machine) or the lab's, which hands the verb to systemctl."""
    seen = 0
    for sid, loaded in sorted(load_catalogue(user=None).scenarios.items()):
        values, _ = played(loaded.scenario, loaded.topology, 3)
        topo = rendered_topology(loaded.topology, values, loaded.scenario.hosts)
        addrs = {
            n: str(ipaddress.IPv4Interface(i.address[0]).ip)
            for n, s in topo.hosts.items()
            for i in s.interfaces[:1]
            if i.address
        }
        for name, spec in topo.hosts.items():
            files = hostfs.host_files(name, spec, values.get("domaine"), addrs, 3)
            assert "/etc/simulateur/boot.sh" in files and "/run/systemd/system" in files["/etc/simulateur/boot.sh"][0]
            assert files["/usr/bin/systemctl"] == files["/usr/local/sbin/systemctl"]
            for service in spec.services:
                if not service.daemon:
                    continue
                seen += 1
                script = files.get(f"/etc/init.d/{service.name}", (None,))[0]
                assert script is not None or Path("/etc/init.d", service.name).exists(), (sid, name, service.name)
                if script is not None:
                    assert ". /lib/lsb/init-functions" in str(script) and f"{service.name}.service" in str(script)
    assert seen > 50


def test_the_story_puts_the_fault_in_the_past():
    now = datetime(2026, 12, 7, 10, 30).timestamp()  # Monday 10:30
    boot, fault = story_times(1, "18:45", now)
    assert datetime.fromtimestamp(fault) == datetime(2026, 12, 6, 18, 45) and fault - boot == BOOT_BEFORE_FAULT
    _, fault = story_times(3, "17:30", now)
    assert datetime.fromtimestamp(fault) == datetime(2026, 12, 4, 17, 30)  # Friday
    _, fault = story_times(0, "08:05", now)
    assert datetime.fromtimestamp(fault) == datetime(2026, 12, 7, 8, 5)
    _, fault = story_times(0, "11:00", now)  # « ce matin » not yet past: the day before
    assert datetime.fromtimestamp(fault) == datetime(2026, 12, 6, 11, 0) and fault < now
