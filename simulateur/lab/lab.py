"""A lab: the running set of hosts of one attempt. Build, open by id, act on it, stop it.

The lab does not know how a host of a given kind is made (simulateur.lab.kind: the host kinds); it
runs their steps in order, boots the services, and is what actions and probes act on. It imports
nothing of the layers above (scenario, actions, probes, vm): tests/unit/test_layers.py checks it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import subprocess
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import ClassVar, Protocol

from simulateur.errors import SimError
from simulateur.i18n import N_, tr, trn
from simulateur.lab import audit, nsutil, reaper, switch
from simulateur.lab import kind as kinds
from simulateur.lab.addresses import addresses
from simulateur.lab.backdate import BootMark, Story
from simulateur.lab.kind import HostKind, Progress
from simulateur.lab.state import (
    LabState,
    allocate_lab_id,
    global_lock,
    hold_build_lock,
    lab_dir,
    load_state,
    netns_name,
)
from simulateur.lab.topology import Service, Topology
from simulateur.params import render

__all__ = ["Action", "Lab", "Progress", "uptime_s"]


class Action(Protocol):
    """What Lab.apply runs: a fault or a solution step (simulateur.actions, a layer above)."""

    def apply(self, lab: Lab) -> None: ...


def _quiet(_: str) -> None:
    pass


class Lab:
    def __init__(self, state: LabState, topology: Topology) -> None:
        self.state = state
        self.topology = topology
        self._hosts = {name: kinds.open_host(state.id, hs) for name, hs in state.hosts.items()}

    @property
    def id(self) -> str:
        return self.state.id

    @property
    def params(self) -> dict[str, str]:
        return self.state.params

    # --- lifecycle ------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        topology: Topology,
        *,
        seed: int,
        params: dict[str, str],
        scenario: str | None = None,
        progress: Progress = _quiet,
        prepare: Callable[[Lab], None] | None = None,
        finish: Callable[[Lab], None] | None = None,
        restored_from: str | None = None,
        macs: dict[str, dict[str, str]] | None = None,
    ) -> Lab:
        """Build a lab from a rendered topology. On any failure nothing is left behind.

        Each kind of host (simulateur.lab.kind) builds its hosts, all kinds step by step: declare,
        namespaces, wire, start; then the services; then `prepare` (a scenario's faults, which a host
        may need in place before its first boot: a VM's); then boot; then `finish` (recording the
        attempt) — both still under the build lock and before the state says ready: if the process
        dies there, the lab is a leftover for the reaper, not a lab that looks alive.

        `restored_from`: a verified archive (simulateur.lab.archive) whose layers the hosts get
        instead of fresh ones, with their interfaces' MACs (`macs`, host → interface → MAC); every
        host's enabled units then start, as at boot."""
        with global_lock():
            reaper.reap_dead()
            lab_id, lock_fd = allocate_lab_id(set(nsutil.list_netns()))
        state = LabState(
            id=lab_id,
            topology=topology.id,
            seed=seed,
            params=params,
            scenario=scenario,
            switch_netns=netns_name(lab_id),
            restored_from=restored_from,
        )
        lab = cls(state, topology)
        auditor = None
        try:
            (state.dir / "topology.json").write_text(topology.model_dump_json())
            auditor = audit.spawn(state.id)  # ready before any host: all they run is recorded
            progress(tr("progress.hosts"))
            parts = kinds.parts(topology)
            kinds.declare_hosts(state, topology)
            for name, own in (macs or {}).items():
                if name in state.hosts:
                    state.hosts[name].macs.update(own)
            switch.create_namespaces(state)
            switch.wire(state, topology, parts)
            domain, addresses_of = lab.domain(), lab.static_addresses()
            audit.ready(auditor, state)
            for kind, part in parts.items():
                kind.start(state, part, domain, addresses_of)
            lab._hosts = {name: kinds.open_host(state.id, hs) for name, hs in state.hosts.items()}
            progress(tr("progress.services"))
            lab._boot_services_and_dhcp_clients()
            if prepare is not None:  # faults: a VM's are written in its disk before its first boot
                prepare(lab)
            for kind, part in parts.items():
                kind.boot(state, part, progress)
            if finish is not None:
                finish(lab)
            state.status = "ready"
            state.save()
        except BaseException:
            if auditor is not None and state.audit_pid is None:  # failed before it was recorded
                with contextlib.suppress(Exception):
                    audit.ready(auditor, state)
            kinds.teardown(state)
            raise
        finally:
            os.close(lock_fd)
        return lab

    @classmethod
    def open(cls, lab_id: str) -> Lab:
        state = load_state(lab_id)
        try:
            topology = Topology.model_validate_json((lab_dir(lab_id) / "topology.json").read_text())
        except (OSError, ValueError):
            raise SimError(tr("lab.corrupt", lab=lab_id)) from None
        lab = cls(state, topology)
        if state.status != "ready":
            raise SimError(tr("lab.not_ready", lab=lab_id, status=state.status))
        down = [h.name for h in lab._hosts.values() if not h.is_up()]
        if down:
            raise SimError(trn("lab.broken", len(down), lab=lab_id, hosts=", ".join(down)))
        return lab

    def stop(self) -> dict[str, int]:
        fd = hold_build_lock(self.id)
        try:
            self.state.status = "stopping"
            self.state.save()
            return kinds.teardown(self.state)
        finally:
            os.close(fd)

    def _boot_services_and_dhcp_clients(self) -> None:
        """Start every host's services and, as soon as the hosts serving DHCP are up (not every
        service: a Samba DC takes seconds), `ifup` each DHCP interface as Debian does at boot.
        What counts for a client is the outcome — an address obtained — not ifup's exit code
        alone (a post-up hook may fail under load)."""

        def has_address(name: str, argv: list[str]) -> bool:
            return any(a.iface == argv[1] for a in addresses(self.host(name)))

        if self.state.restored_from:
            self._boot_restored()
            return
        hosts = self.topology.hosts
        services = [
            (name, ["systemctl", "__boot"]) for name, spec in hosts.items() if any(s.daemon for s in spec.services)
        ]
        clients = [
            (name, ["ifup", iface])
            for name, spec in hosts.items()
            for iface in kinds.kind_named(spec.kind).dhcp_interfaces(spec)
        ]
        servers = {name for name, spec in hosts.items() if any(getattr(s, "dhcp", None) for s in spec.services)}
        with ThreadPoolExecutor(max_workers=max(1, min(12, len(services) + len(clients)))) as pool:
            booting = {job[0]: pool.submit(self._run_job, job) for job in services}
            wait([f for name, f in booting.items() if name in servers])
            leasing = [pool.submit(self._run_job, job) for job in clients]
            self._check_jobs([f.result() for f in booting.values()], N_("lab.service_boot_failed"))
            self._check_jobs([f.result() for f in leasing], N_("lab.dhcp_boot_failed"), accept=has_address)

    # A restored host's interface as its own /etc/network/interfaces says at boot (the candidate may
    # have changed it): the address the lab wired is flushed; a static « auto » one is brought up by
    # ifup; a DHCP one waits for the lab's DHCP servers (RESTORE_DHCP).
    RESTORE_STATIC: ClassVar[str] = (
        'i="$1"; ip -4 addr flush dev "$i" 2>/dev/null; rm -f "/run/network/ifstate.$i"; '
        'ifquery --list --allow=auto 2>/dev/null | grep -qx "$i" || exit 0; '
        'grep -Eqs "^[[:space:]]*iface[[:space:]]+$i[[:space:]]+inet[[:space:]]+dhcp([[:space:]]|$)" '
        "/etc/network/interfaces /etc/network/interfaces.d/* && exit 0; "
        'exec ifup "$i" </dev/null'
    )
    RESTORE_DHCP: ClassVar[str] = (
        'i="$1"; ifquery --list --allow=auto 2>/dev/null | grep -qx "$i" || exit 0; '
        'grep -Eqs "^[[:space:]]*iface[[:space:]]+$i[[:space:]]+inet[[:space:]]+dhcp([[:space:]]|$)" '
        "/etc/network/interfaces /etc/network/interfaces.d/* || exit 0; "
        'exec ifup "$i" </dev/null'
    )

    def _boot_restored(self) -> None:
        """A restored lab boots as its machines would after being switched off: each interface as
        its host's files say, then every unit its layer enables (the candidate's own too), then the
        DHCP clients. What the candidate left broken stays broken — a unit that fails, an interface
        with no address — as on a real boot: the restore goes on (probes will say it)."""
        hosts = self.topology.hosts
        ifaces = [(name, iface.name) for name, spec in hosts.items() for iface in spec.interfaces]
        with ThreadPoolExecutor(max_workers=max(1, min(12, len(ifaces) + len(hosts)))) as pool:
            list(pool.map(self._run_job, [(n, ["sh", "-c", self.RESTORE_STATIC, "restore-net", i]) for n, i in ifaces]))
            list(pool.map(self._run_job, [(n, ["systemctl", "__boot"]) for n in hosts]))
            list(pool.map(self._run_job, [(n, ["sh", "-c", self.RESTORE_DHCP, "restore-dhcp", i]) for n, i in ifaces]))
        for name, iface in ifaces:  # no lease: its dhclient keeps asking in the background, as after a boot
            self.host(name).run(["sh", "-c", self.RESUME_DHCP, "resume-dhcp", iface], timeout=30)

    # What ifupdown leaves on a Debian 12 that booted with an « auto » DHCP interface and got no
    # lease (server down, cable out): its dhclient — started as ifup starts it — in the background,
    # retrying every `retry` seconds (dhclient.conf), so that fixing the server or plugging the
    # cable brings the address back by itself. -nw: in the background at once rather than after
    # the first `timeout` (ifup's dhclient goes there too, 10 s later).
    RESUME_DHCP: ClassVar[str] = (
        'i="$1"; ifquery --list --allow=auto 2>/dev/null | grep -qx "$i" || exit 0; '
        'ifquery "$i" >/dev/null 2>&1 || exit 0; '
        'grep -Eqs "^[[:space:]]*iface[[:space:]]+$i[[:space:]]+inet[[:space:]]+dhcp([[:space:]]|$)" '
        "/etc/network/interfaces /etc/network/interfaces.d/* || exit 0; "
        'for p in $(pgrep -x dhclient); do tr "\\0" " " < /proc/$p/cmdline 2>/dev/null | grep -qw -- "$i" && exit 0; done; '
        'mkdir -p /run/network; echo "$i" > "/run/network/ifstate.$i"; ip link set "$i" up; '
        'exec dhclient -4 -nw -i -pf "/run/dhclient.$i.pid" -lf "/var/lib/dhcp/dhclient.$i.leases" -I '
        '-df "/var/lib/dhcp/dhclient6.$i.leases" "$i" </dev/null >/dev/null 2>&1'
    )

    def resume_dhcp_clients(self) -> None:
        """After the scenario's faults: every host's « auto » DHCP interface (as its
        /etc/network/interfaces now says) that no dhclient serves gets one, as at boot."""
        for name, spec in self.topology.hosts.items():
            for iface in kinds.kind_named(spec.kind).dhcp_interfaces(spec):
                self.host(name).run(["sh", "-c", self.RESUME_DHCP, "resume-dhcp", iface], timeout=30)

    def boot_mark(self) -> BootMark:
        """The services are up: what the hosts' traces hold from now on is the faults' doing."""
        t_boot = time.time()
        return BootMark(t_boot, {name: self.host(name).log_marks() for name in self.topology.hosts})

    def backdate(self, mark: BootMark, boot: float, fault: float) -> None:
        """Move the build's traces into the story (simulateur.lab.backdate): what happened from the
        build's start to `mark` (services up) is shown at `boot`, what happened since (the faults)
        at `fault` — journals, APT history, service states, file dates. Each host's service manager
        first notes what the faults did to its services (a daemon that died is « failed » from then
        on), so that this too belongs to the fault. The hosts side by side."""
        story = Story(self.state.created, mark.t_boot, time.time(), boot, fault, mark.marks)

        with ThreadPoolExecutor(max_workers=len(self.topology.hosts) or 1) as pool:
            for done in [pool.submit(self.host(name).backdate, story) for name in self.topology.hosts]:
                done.result()

    def _run_job(self, job: tuple[str, list[str]]) -> tuple[tuple[str, list[str]], subprocess.CompletedProcess[str]]:
        return job, self.host(job[0]).run(job[1], timeout=60)

    @staticmethod
    def _check_jobs(
        results: list[tuple[tuple[str, list[str]], subprocess.CompletedProcess[str]]],
        error: str,
        accept: Callable[[str, list[str]], bool] | None = None,
    ) -> None:
        """A non-zero exit is an error unless `accept` says the outcome is there anyway."""
        for (name, argv), res in results:
            if res.returncode != 0 and not (accept and accept(name, argv)):
                why = (res.stderr or res.stdout).strip().splitlines()
                raise SimError(tr(error, host=name, why=why[-1] if why else res.returncode))

    # --- acting on hosts ---------------------------------------------------------------------
    def host(self, name: str) -> HostKind:
        try:
            return self._hosts[name]
        except KeyError:
            raise SimError(
                tr("lab.unknown_host", host=name, lab=self.id, hosts=", ".join(self._hosts)), exit_code=2
            ) from None

    def host_names(self) -> list[str]:
        return list(self._hosts)

    def default_host(self) -> str:
        """Where a trainee's shell opens when no host is named: the scenario's shell host (e.g. the
        technician's workstation for a remote intervention), else the user's PC if the lab has one."""
        if self.state.default_host in self._hosts:
            return str(self.state.default_host)
        return "poste" if "poste" in self._hosts else next(iter(self._hosts))

    def apply(self, actions: Iterable[Action]) -> None:
        for action in actions:
            action.apply(self)

    # --- what the lab knows about itself ---------------------------------------------------
    def render(self, text: str) -> str:
        return render(text, self.params)

    def domain(self) -> str | None:
        for spec in self.topology.hosts.values():
            for service in spec.services:
                dns = getattr(service, "dns", None)
                if dns is not None and dns.domain:
                    return str(dns.domain)
        return None

    def static_addresses(self) -> dict[str, str]:
        """First fixed address of each host (the one its name stands for)."""
        out = {}
        for name, spec in self.topology.hosts.items():
            for iface in spec.interfaces:
                if iface.address:
                    out[name] = str(ipaddress.IPv4Interface(iface.address[0]).ip)
                    break
        return out

    def address_of(self, host: str) -> str:
        addr = self.static_addresses().get(host)
        if addr:
            return addr
        for a in addresses(self.host(host)):
            return a.cidr.split("/")[0]
        raise SimError(tr("lab.no_address", host=host))

    def resolve_target(self, target: str) -> str:
        text = self.render(target)
        if text in self.topology.hosts:
            return self.address_of(text)
        try:
            return str(ipaddress.IPv4Address(text))
        except ValueError:
            raise SimError(tr("lab.bad_target", target=text)) from None

    def service_spec(self, host: str, name: str) -> Service:
        for service in self.topology.hosts[host].services:
            if service.name == name:
                return service
        raise SimError(tr("lab.unknown_service", host=host, service=name))

    def dnsmasq_leases(self, host: str) -> list[tuple[float, str, str, str]]:
        """(expiry, mac, ip, hostname) from the lease file dnsmasq keeps on `host`."""
        text = self.host(host).read_text("/var/lib/misc/dnsmasq.leases") or ""
        leases = []
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 4 and fields[0].isdigit():
                leases.append((float(fields[0]), fields[1], fields[2], fields[3]))
        return leases


def uptime_s(state: LabState) -> float:
    return time.time() - state.created
