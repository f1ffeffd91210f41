"""The core both the CLI and the TUI use: start an attempt, run commands in it, check it, stop it."""

from __future__ import annotations

import os
import random
import secrets
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from simulateur.errors import SimError, UsageError
from simulateur.i18n import tr
from simulateur.journal import kernel, remote, terminal
from simulateur.journal.store import Journal
from simulateur.lab import audit
from simulateur.lab.lab import Lab, Progress, _quiet
from simulateur.lab.topology import Topology
from simulateur.scenario.loader import (
    Loaded,
    choose_variant,
    find_scenario,
    rendered_scenario,
    rendered_topology,
    resolve_params,
)
from simulateur.scenario.models import Scenario
from simulateur.scoring import CheckResult, evaluate
from simulateur.session.attempt import VERIFIED_EVENT, Attempt
from simulateur.vm import host as _vm_kind  # noqa: F401  (registers the VM kind: labs built here may hold VMs)


@dataclass
class Started:
    lab: Lab
    scenario: Scenario
    attempt: Attempt  # every way of starting records one


def new_seed() -> int:
    return random.SystemRandom().randrange(1, 1_000_000)


def played(
    scenario: Scenario, topology: Topology, seed: int, variant: str | None = None
) -> tuple[dict[str, str], Scenario]:
    """(parameter values, scenario as played) for a seed: parameters drawn, the seed's variant
    (or the one forced) merged in — what the trainee will be given, before anything is built."""
    values = resolve_params(scenario, topology, seed)
    variant = variant or choose_variant(scenario, seed)
    if variant is not None:
        values["variante"] = variant
    return values, rendered_scenario(scenario, values, variant)


def build_scenario_lab(
    loaded: Loaded,
    seed: int,
    progress: Progress = _quiet,
    variant: str | None = None,
    then: Callable[[Lab, Scenario], None] | None = None,
) -> tuple[Lab, Scenario]:
    """Build the lab of a scenario and inject its faults (no attempt recorded, unless `then` does).

    The fault variant is the seed's draw unless `variant` forces one (the self-test does). The faults
    (and `then`) are applied during the build itself — under the lab's build lock, before its state
    says ready — so that a process killed at that moment leaves a lab the reaper removes, never a
    half-broken lab that looks alive."""
    values, scenario = played(loaded.scenario, loaded.topology, seed, variant)
    topo = rendered_topology(loaded.topology, values, loaded.scenario.hosts)

    def inject(lab: Lab) -> None:
        mark = lab.boot_mark() if scenario.fault_time is not None else None  # what follows: the faults'
        if scenario.shell_host:
            lab.state.default_host = scenario.shell_host
            lab.state.save()
        (lab.state.dir / "scenario.json").write_text(scenario.model_dump_json(by_alias=True))
        progress(tr("progress.faults"))
        lab.apply(scenario.faults)
        lab.resume_dhcp_clients()  # as after a boot: a DHCP interface with no lease keeps asking
        if mark is not None and scenario.fault_time is not None:
            boot, fault = story_times(scenario.fault_time.days_ago, scenario.fault_time.at, time.time())
            lab.backdate(mark, boot, fault)

    lab = Lab.build(
        topo,
        seed=seed,
        params=values,
        scenario=scenario.id,
        progress=progress,
        prepare=inject,
        finish=(lambda lab: then(lab, scenario)) if then is not None else None,
    )
    return lab, scenario


BOOT_BEFORE_FAULT = 35 * 60  # the hosts had been up a while when the fault came


def story_times(days_ago: int, at: str, now: float) -> tuple[float, float]:
    """(boot, fault) epochs of a ticket's story: the fault `days_ago` days before `now` at `at`
    (local time) — a day earlier if that is not yet past (a lab started at 07:00 for a fault « ce
    matin à 08:10 ») — and the hosts' boot a little before it."""
    hour, minute = (int(x) for x in at.split(":"))
    day = datetime.fromtimestamp(now).replace(hour=hour, minute=minute, second=0, microsecond=0)
    fault = day - timedelta(days=days_ago)
    if fault.timestamp() > now - 60:
        fault -= timedelta(days=1)
    return fault.timestamp() - BOOT_BEFORE_FAULT, fault.timestamp()


def start(
    scenario_id: str,
    seed: int | None = None,
    *,
    candidate: str | None = None,
    progress: Progress = _quiet,
    base: Path | None = None,
    variant: str | None = None,
) -> Started:
    loaded = find_scenario(scenario_id, base)
    if variant is not None and variant not in loaded.scenario.variants:
        raise UsageError(
            tr(
                "scenario.unknown_variant",
                variant=variant,
                id=scenario_id,
                known=", ".join(sorted(loaded.scenario.variants)) or "aucune",
            )
        )
    return start_loaded(loaded, seed, candidate=candidate, progress=progress, variant=variant)


def start_loaded(
    loaded: Loaded,
    seed: int | None = None,
    *,
    candidate: str | None = None,
    progress: Progress = _quiet,
    variant: str | None = None,
    keep: Callable[[Lab, Scenario], None] | None = None,
) -> Started:
    """Build the lab of a loaded scenario and record its attempt (shells, journal, SSH collector,
    audit); `keep(lab, scenario)` runs inside the build too, before the attempt is recorded (a
    cahier des charges keeps its own description beside scenario.json there)."""
    seed = new_seed() if seed is None else seed

    def record(lab: Lab, scenario: Scenario) -> None:  # still inside the build (see build_scenario_lab)
        if keep is not None:
            keep(lab, scenario)
        attempt = Attempt.create(lab.id, scenario, seed, candidate, variant=lab.params.get("variante"))
        lab.state.attempt_dir = str(attempt.dir)
        lab.state.candidate = candidate
        lab.state.save()
        remote.start_collector(lab, attempt.dir)  # commands typed in SSH sessions, if a host runs sshd
        audit.output(lab.id, attempt.dir / kernel.RECORD)  # every program of the hosts, in the attempt

    lab, scenario = build_scenario_lab(loaded, seed, progress, variant, then=record)
    attempt = Attempt(Path(str(lab.state.attempt_dir)))
    progress(tr("progress.ready"))
    return Started(lab, scenario, attempt)


def open_attempt(lab_id: str) -> tuple[Lab, Scenario, Attempt]:
    """The lab and its attempt, to work in: refused for a lab kept frozen (an exam's, after its
    deadline: as it was for the jury; entering it would wait forever)."""
    from simulateur.lab import cgroups

    if cgroups.frozen(lab_id):
        raise SimError(tr("lab.frozen", lab=lab_id))
    lab = Lab.open(lab_id)
    try:
        scenario = Scenario.model_validate_json((lab.state.dir / "scenario.json").read_text())
    except (OSError, ValueError):
        raise SimError(tr("lab.corrupt", lab=lab_id)) from None
    if not lab.state.attempt_dir:
        raise SimError(tr("lab.no_attempt", lab=lab_id))
    return lab, scenario, Attempt(Path(lab.state.attempt_dir))


def check(lab_id: str) -> tuple[CheckResult, Scenario]:
    lab, scenario, attempt = open_attempt(lab_id)
    result = evaluate(scenario, lab, attempt.journal.entries(), attempt.qualification(), attempt.escalation())
    attempt.save_result(result)
    attempt.store.hand_in_checked(attempt.id, result)  # the command line's attempt: handed in as checked
    return result, scenario


def verify(lab_id: str) -> CheckResult:
    """Training's « Vérifier »: the grid as `check` makes it (same probes, same journal reading), but
    nothing handed in, no result stored, the lab left running. The journal notes that a check was
    asked (an event: Attempt.verifications counts them for the results)."""
    lab, scenario, attempt = open_attempt(lab_id)
    result = evaluate(scenario, lab, attempt.journal.entries(), attempt.qualification(), attempt.escalation())
    attempt.journal.record("-", VERIFIED_EVENT, None, "event")
    return result


def command_text(argv: list[str]) -> str:
    return argv[0] if len(argv) == 1 else shlex.join(argv)


def exec_command(lab: Lab, host: str, argv: list[str], journal: Journal | None, *, output: int | None = None) -> int:
    """Run a command line in a host as the trainee would (bash -c), journaled; returns its code.
    Its output goes to ours, or to the file descriptor `output` (stdout and stderr)."""
    text = command_text(argv)
    h = lab.host(host)
    start_t = time.time()
    proc = subprocess.run(
        h.enter_argv(["bash", "-c", text], term=os.environ.get("TERM"), tag="exec"), stdout=output, stderr=output
    )
    if journal is not None:
        journal.record(host, text, proc.returncode, "exec", start=start_t)
    return proc.returncode if proc.returncode >= 0 else 128 - proc.returncode  # killed: 128+N, as a shell says


def interactive_shell(lab: Lab, host: str, journal: Journal | None, record_dir: Path | None = None) -> int:
    """A root bash inside the host on a terminal of the host's own, relayed to ours and recorded in
    `record_dir` (the attempt's directory) from the machine side (simulateur.journal.terminal);
    every command typed is journaled (outside the host). Our terminal never enters the host: the
    shell's job control acts on the host's pty, so ours stays in our hands (no foreground group to
    take back afterwards)."""
    h = lab.host(host)
    is_vm = getattr(h, "kind", "netns") == "vm"  # its shell is the console proxy, a machine process
    read_fd, write_fd = os.pipe()
    terminal_id = secrets.token_hex(6)  # ties this terminal's reports to its programs (journal.kernel)
    try:
        argv = h.enter_argv(
            ["bash", "--rcfile", "/etc/simulateur/bashrc", "-i"],
            term=os.environ.get("TERM", "xterm"),
            extra_env={"SIMULATEUR_JOURNAL_FD": str(write_fd)},
            tty=not is_vm,
            tag=f"shell:{terminal_id}",
        )
        pty = terminal.HostPty.of_machine() if is_vm else terminal.HostPty.of_host(h.root())
    except BaseException:
        os.close(read_fd)
        os.close(write_fd)
        raise

    def pump() -> None:
        buf = b""
        with os.fdopen(read_fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(4096):
                buf += chunk
                *records, buf = buf.split(b"\0")
                for rec in records:
                    parts = rec.decode(errors="replace").split("\t", 2)
                    if len(parts) != 3 or journal is None:
                        continue
                    rc, ts, cmd = parts
                    journal.record(
                        host,
                        cmd,
                        int(rc) if rc.lstrip("-").isdigit() else None,
                        "shell",
                        start=float(ts) if ts.isdigit() else None,
                        session=terminal_id,
                    )

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    writer_open = [True]

    def close_writer() -> None:  # only the shell keeps the journal's pipe open: at its end, the reader's
        if writer_open[0]:
            writer_open[0] = False
            os.close(write_fd)

    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code = terminal.relay(
            pty, argv, record_dir=record_dir, host=host, lab=lab.id, pass_fds=(write_fd,), started=close_writer
        )
    finally:
        signal.signal(signal.SIGINT, old)
        close_writer()
    reader.join(timeout=2)
    return code


def stop(lab_id: str) -> dict[str, int]:
    from simulateur.lab.kind import teardown
    from simulateur.lab.state import load_state

    state = load_state(lab_id)
    try:
        lab = Lab.open(lab_id)
    except SimError:
        removed = teardown(state)  # a broken lab is still removed entirely
    else:
        removed = lab.stop()
    if state.attempt_dir:  # the command line's attempt, never checked: abandoned (not « en cours » forever)
        Attempt(Path(state.attempt_dir)).store.close_stopped(Path(state.attempt_dir).name)
    return removed
