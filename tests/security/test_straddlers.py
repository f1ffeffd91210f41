"""Property 6 — no straddler: for every shipped scenario (the VM one too), no process of a host (a
process in one of the lab's hosts' PID namespaces) shares a mount, network, PID, IPC, UTS or cgroup
namespace with the machine. A process that did would hand the host the machine's view of that
resource: /proc/PID/root would be the machine's file tree, /proc/PID/ns the machine's namespaces.

The same survey checks property 1 on every process of every host of every scenario (daemons
included): capabilities within the container profile, or a user namespace of its own.

Each scenario is started once (start → survey → stop) and its findings serve both tests: the first
test to need a scenario surveys it together with the next scenarios not surveyed yet, a few labs at
a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sechelpers import (
    NAMESPACES,
    StartedLab,
    host_pid_namespaces,
    host_processes,
    machine_namespaces,
    privilege_problem,
    running,
)

from simulateur.paths import scenarios_dir
from simulateur.scenario.loader import load_catalogue

SHIPPED = sorted(load_catalogue(scenarios_dir()).scenarios)
AT_ONCE = 3


@dataclass
class Survey:
    error: str | None = None
    hosts: list[str] = field(default_factory=list)  # namespace hosts found (VM guests excluded)
    processes: int = 0
    straddlers: dict[str, list[str]] = field(default_factory=dict)  # shared namespaces → "host:comm[pid]"
    privileged: dict[str, list[str]] = field(default_factory=dict)  # what is wrong → "host:comm[pid]"


def survey(lab: StartedLab) -> Survey:
    machine = machine_namespaces()
    pidns = host_pid_namespaces(lab.id)
    found = Survey(hosts=sorted(pidns.values()))
    procs = host_processes(pidns)
    found.processes = len(procs)
    for p in procs:
        who = f"{p.host}:{p.comm}[{p.pid}]"
        same = [ns for ns in NAMESPACES if p.ns[ns] == machine[ns]]
        if same:
            found.straddlers.setdefault(", ".join(same), []).append(who)
        problem = privilege_problem(
            "", p.status["CapBnd"], p.status["CapEff"], p.ns["user"], p.uid_map, machine["user"]
        )
        if problem:
            found.privileged.setdefault(problem.lstrip(": "), []).append(who)
    missing = set(pidns.values()) - {p.host for p in procs}
    if missing:
        found.error = f"no process found in the PID namespace of {sorted(missing)}"
    return found


_surveys: dict[str, Survey] = {}  # by scenario, for the whole session


def _survey_started(scenario: str, data: Path) -> tuple[str, Survey]:
    try:
        with running(scenario, 11, data) as lab:
            return scenario, survey(lab)
    except Exception as exc:  # noqa: BLE001 — reported by this scenario's tests, not the others'
        return scenario, Survey(error=f"{type(exc).__name__}: {str(exc)[-1500:]}")


@pytest.fixture
def surveyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Survey]]:
    def get(scenario: str) -> Survey:
        if scenario not in _surveys:
            after = SHIPPED[SHIPPED.index(scenario) + 1 :]
            batch = [scenario] + [s for s in after if s not in _surveys][: AT_ONCE - 1]
            data = tmp_path_factory.mktemp("secdata")
            with ThreadPoolExecutor(len(batch)) as pool:
                _surveys.update(pool.map(lambda s: _survey_started(s, data), batch))
        return _surveys[scenario]

    yield get


def _who(procs: list[str]) -> str:
    return f"{len(procs)} processes: {' '.join(procs[:8])}{' …' if len(procs) > 8 else ''}"


@pytest.mark.parametrize("scenario", SHIPPED)
def test_no_host_process_shares_a_namespace_with_the_machine(surveyed: Callable[[str], Survey], scenario: str) -> None:
    s = surveyed(scenario)
    assert s.error is None, f"{scenario}: {s.error}"
    assert s.processes, f"{scenario}: no host process found (hosts {s.hosts})"
    worst_first = sorted(s.straddlers.items(), key=lambda item: -len(item[0].split(",")))
    assert not s.straddlers, f"{scenario}: host processes in the machine's namespaces — " + "; ".join(
        f"{ns}: {_who(procs)}" for ns, procs in worst_first
    )


@pytest.mark.parametrize("scenario", SHIPPED)
def test_every_host_process_is_unprivileged(surveyed: Callable[[str], Survey], scenario: str) -> None:
    s = surveyed(scenario)
    assert s.error is None, f"{scenario}: {s.error}"
    assert s.processes, f"{scenario}: no host process found (hosts {s.hosts})"
    assert not s.privileged, f"{scenario}: " + "; ".join(
        f"{_who(procs)} with {problem}" for problem, procs in s.privileged.items()
    )
