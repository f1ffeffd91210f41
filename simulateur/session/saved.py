"""A prepared lab kept between the phase préparatoire and the jury's phase (the RC: « La phase
préparatoire et la phase en présence du jury peuvent se dérouler des jours différents », the
machines switched off and locked away): save it whole, restore it another day, then inject the
jury's interventions into the candidate's own network, scored as any attempt.

The archive itself (what is saved, how it is checked and put back) is simulateur.lab.archive;
this module names and stores archives in the data dir (out of every host's reach), records them
with the candidate's attempt, and opens the attempt of an injected scenario.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from simulateur.errors import SimError, UsageError
from simulateur.i18n import tr
from simulateur.journal import kernel, remote
from simulateur.lab import archive, audit, cgroups, outside
from simulateur.lab.archive import HostRecord, LabRecord, Manifest
from simulateur.lab.lab import Lab, Progress, _quiet
from simulateur.lab.state import hold_build_lock
from simulateur.lab.topology import Topology
from simulateur.paths import data_dir
from simulateur.scenario.loader import find_scenario, rendered_topology
from simulateur.scenario.models import Scenario
from simulateur.session.attempt import Attempt
from simulateur.session.run import Started, new_seed, played

SUFFIX = ".simlab.tar.gz"
SAVE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def saves_dir() -> Path:
    d = data_dir() / "saves"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


@dataclass
class Saved:
    path: Path
    manifest: Manifest
    digest: str  # SHA-256 of the whole archive file

    @property
    def id(self) -> str:
        return self.path.name.removesuffix(SUFFIX)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def save(lab_id: str, out: Path | None = None) -> tuple[Saved, dict[str, list[str]]]:
    """Save lab `lab_id` (its hosts frozen meanwhile, as the machines are switched off: one coherent
    state, no process racing the walk); returns the archive and, per host, what was left out."""
    lab = Lab.open(lab_id)
    vm = next((name for name, h in lab.state.hosts.items() if h.kind != "netns"), None)
    if vm is not None:
        raise SimError(tr("save.vm_host", lab=lab_id, host=vm))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = out or saves_dir() / f"{stamp}-{lab_id}{SUFFIX}"
    record = LabRecord(
        id=lab.id,
        topology=lab.topology.model_dump(mode="json"),
        seed=lab.state.seed,
        params=lab.params,
        scenario=lab.state.scenario,
        default_host=lab.state.default_host,
        candidate=lab.state.candidate,
        attempt=Path(lab.state.attempt_dir).name if lab.state.attempt_dir else None,
        scenario_json=_read(lab.state.dir / "scenario.json"),
    )
    layers = {
        name: (lab.state.dir / "hosts" / name, HostRecord(kind=h.kind, macs=dict(h.macs)))
        for name, h in lab.state.hosts.items()
    }
    was_frozen = cgroups.frozen(lab_id)
    froze = was_frozen or cgroups.freeze(lab_id)
    try:
        manifest = archive.save(Path(out), record, layers)
    finally:
        if froze and not was_frozen:
            cgroups.thaw(lab_id)
    saved = Saved(Path(out), manifest, _file_digest(Path(out)))
    if lab.state.attempt_dir:  # the candidate's attempt notes it (journal, and a file listing its saves)
        attempt = Attempt(Path(lab.state.attempt_dir))
        attempt.journal.record("-", tr("save.journal", file=str(saved.path), digest=saved.digest), None, "event")
        with (attempt.dir / "saves.jsonl").open("a") as f:
            f.write(json.dumps({"file": str(saved.path), "sha256": saved.digest, "at": manifest.created}) + "\n")
    return saved, {h: r.skipped for h, r in manifest.hosts.items() if r.skipped}


def find_save(ref: str) -> Path:
    """An archive by path, or by id (its name in the data dir's saves, without the suffix)."""
    path = Path(ref)
    if path.is_file():
        return path
    if SAVE_ID_RE.match(ref):
        named = saves_dir() / f"{ref.removesuffix(SUFFIX)}{SUFFIX}"
        if named.is_file():
            return named
    raise SimError(tr("save.unknown", ref=ref), exit_code=2)


def list_saves() -> list[Saved]:
    out = []
    for path in sorted(saves_dir().glob(f"*{SUFFIX}")):
        with contextlib.suppress(SimError):
            out.append(Saved(path, archive.manifest_of(path), ""))
    return out


def restore(ref: str, candidate: str | None = None, progress: Progress = _quiet) -> tuple[Lab, Saved]:
    """A new lab from a saved one: the same hosts, params, MACs and layers; the enabled units
    started as at boot. The archive is checked whole before anything is built."""
    path = find_save(ref).resolve()
    manifest = archive.verify(path)
    try:
        topology = Topology.model_validate(manifest.lab.topology)
    except ValueError:
        raise SimError(tr("save.bad_archive", file=str(path), why=tr("save.bad_manifest"))) from None
    lab = Lab.build(
        topology,
        seed=manifest.lab.seed,
        params=manifest.lab.params,
        scenario=manifest.lab.scenario,
        progress=progress,
        restored_from=str(path),
        macs={h: r.macs for h, r in manifest.hosts.items()},
        finish=lambda lab: _restored(lab, manifest, candidate, path),
    )
    return lab, Saved(path, manifest, _file_digest(path))


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


def _restored(lab: Lab, manifest: Manifest, candidate: str | None, path: Path) -> None:
    """Still inside the build: the lab's scenario as played, and the candidate's attempt when it is
    still in this data dir (the phase préparatoire goes on, another day, in the same journal)."""
    lab.state.default_host = manifest.lab.default_host
    lab.state.candidate = candidate if candidate is not None else manifest.lab.candidate
    if manifest.lab.scenario_json is not None:
        (lab.state.dir / "scenario.json").write_text(manifest.lab.scenario_json)
        attempt_dir = data_dir() / "attempts" / manifest.lab.attempt if manifest.lab.attempt else None
        if attempt_dir is not None and SAVE_ID_RE.match(attempt_dir.name) and attempt_dir.is_dir():
            lab.state.attempt_dir = str(attempt_dir)
            Attempt(attempt_dir).journal.record(
                "-", tr("save.restored_journal", file=str(path), lab=lab.id), None, "event"
            )
    lab.state.save()


# --- the jury's interventions, into the candidate's own network -----------------------------------
def compatible(lab: Lab, scenario_id: str, topo: Topology) -> None:
    """Refuse (one French line) a scenario whose hosts or interfaces the lab lacks."""
    have = lab.topology.hosts
    for name, spec in topo.hosts.items():
        if name not in have:
            raise UsageError(
                tr("inject.missing_host", scenario=scenario_id, host=name, lab=lab.id, hosts=", ".join(have))
            )
        if spec.kind != have[name].kind:
            raise UsageError(
                tr("inject.kind", scenario=scenario_id, host=name, lab=lab.id, want=spec.kind, have=have[name].kind)
            )
        ifaces = {i.name for i in have[name].interfaces}
        for iface in spec.interfaces:
            if iface.name not in ifaces:
                raise UsageError(
                    tr("inject.missing_iface", scenario=scenario_id, iface=iface.name, host=name, lab=lab.id)
                )


def inject(
    scenario_id: str,
    lab_id: str,
    *,
    variant: str | None = None,
    candidate: str | None = None,
    seed: int | None = None,
    progress: Progress = _quiet,
) -> Started:
    """Apply a scenario's faults to a running (restored) lab, with the lab's own params — its
    addresses, names and passwords; only what the lab lacks (the fault's own values) is drawn —
    and open an attempt on it, checked as `simulateur start`'s (same checker, report, journal)."""
    loaded = find_scenario(scenario_id)
    if variant is not None and variant not in loaded.scenario.variants:
        raise UsageError(
            tr(
                "scenario.unknown_variant",
                variant=variant,
                id=scenario_id,
                known=", ".join(sorted(loaded.scenario.variants)) or "aucune",
            )
        )
    if cgroups.frozen(lab_id):
        raise SimError(tr("lab.frozen", lab=lab_id))
    lab = Lab.open(lab_id)
    # An attempt the lab had (its phase préparatoire, an earlier intervention) keeps its record and
    # journal — closed as `stop` closes it (checked: handed in; never checked: abandoned); the lab's
    # attempt is from now on the intervention's.
    previous = lab.state.attempt_dir
    seed = new_seed() if seed is None else seed
    values, _ = played(loaded.scenario, loaded.topology, seed, variant)
    # The lab's own values (its addresses, names, passwords: the topology's params) are never
    # redrawn; the values of the fault itself (the scenario's own params) are this seed's.
    own = set(loaded.scenario.params) - set(loaded.topology.params)
    values.update({k: v for k, v in lab.params.items() if k != "variante" and k not in own})
    chosen = values.get("variante") if loaded.scenario.variants else None
    values, scenario = played_with(loaded.scenario, values, chosen)
    compatible(lab, scenario_id, rendered_topology(loaded.topology, values, loaded.scenario.hosts))
    fd = hold_build_lock(lab.id)
    try:
        # No backdating here (session.run does it for a lab it built): the layers are the
        # candidate's work, whose dates are hers.
        if scenario.shell_host:
            lab.state.default_host = scenario.shell_host
        lab.state.scenario = scenario.id
        lab.state.save()
        (lab.state.dir / "scenario.json").write_text(scenario.model_dump_json(by_alias=True))
        progress(tr("progress.faults"))
        lab.apply(scenario.faults)
        lab.resume_dhcp_clients()
        who = candidate if candidate is not None else lab.state.candidate
        attempt = Attempt.create(lab.id, scenario, seed, who, variant=values.get("variante"))
        lab.state.attempt_dir = str(attempt.dir)
        lab.state.candidate = who
        lab.state.params = values
        lab.state.save()
        if lab.state.restored_from:
            attempt.journal.record(
                "-", tr("save.restored_journal", file=lab.state.restored_from, lab=lab.id), None, "event"
            )
        outside.kill_helpers(lab.state, auditor=False)  # an earlier attempt's SSH collectors: this one's now
        for host in lab.state.hosts.values():
            host.collector_pid = host.collector_start = None
        lab.state.save()
        remote.start_collector(lab, attempt.dir)
        audit.output(lab.id, attempt.dir / kernel.RECORD)
        if previous:
            attempt.store.close_stopped(Path(previous).name)
    finally:
        os.close(fd)
    progress(tr("progress.ready"))
    return Started(lab, scenario, attempt)


def played_with(scenario: Scenario, values: dict[str, str], variant: str | None) -> tuple[dict[str, str], Scenario]:
    """The scenario as played with these values (the lab's params merged over the seed's draw)."""
    from simulateur.scenario.loader import rendered_scenario

    if variant is not None:
        values["variante"] = variant
    return values, rendered_scenario(scenario, values, variant)
