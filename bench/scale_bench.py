"""Scale: N labs up at once, started the way N candidates would — N concurrent
`simulateur start SCENARIO` processes (the CLI, each its own Python process), then N concurrent
`simulateur stop LAB`.

Measured per N: wall time from launching the N starts until the last one has exited (all ready),
failures (a start that exits non-zero, or a lab that does not open with all its hosts up
afterwards), PSS of all the labs' processes once all are ready, drop of the machine's
MemAvailable over the same moment, and wall time of the N concurrent stops.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import lab_memory


@dataclass
class ScaleResult:
    labs: int
    ready: float  # s, all N started and ready
    failures: int
    pss: float  # MiB, all labs' processes at ready
    available: float  # MiB, drop of MemAvailable at ready
    stop: float  # s, all N stopped
    errors: list[str]


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "simulateur", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        env=os.environ.copy(),
    )


OPEN_ALL = """
import json, sys
from simulateur.errors import SimError
from simulateur.lab.lab import Lab
bad = {}
for lab_id in sys.argv[1:]:
    try:
        Lab.open(lab_id)  # state ready and every host's PID 1 alive
    except SimError as exc:
        bad[lab_id] = str(exc)
print(json.dumps(bad))
"""


def _not_ready(labs: list[str]) -> dict[str, str]:
    """Labs that do not open with every host up, with the reason. Checked by a fresh process, as
    the CLI would: the same code as the `start` that built them."""
    if not labs:
        return {}
    proc = subprocess.run([sys.executable, "-c", OPEN_ALL, *labs], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or [f"code {proc.returncode}"])[-1]
        return dict.fromkeys(labs, why)
    result: dict[str, str] = json.loads(proc.stdout)
    return result


def run_once(scenario: str, n: int, prefix: str) -> ScaleResult:
    errors: list[str] = []
    failed: set[str] = set()  # labs (or start indexes) with any problem
    available0 = lab_memory.mem_available_mib()
    t0 = time.perf_counter()
    procs = [_cli("start", scenario, "--seed", str(i + 1), "--json") for i in range(n)]
    outs = [p.communicate(timeout=300) for p in procs]
    ready = time.perf_counter() - t0
    labs: list[str] = []
    for i, (proc, (out, err)) in enumerate(zip(procs, outs)):
        if proc.returncode != 0:
            errors.append((err.strip().splitlines() or [f"code {proc.returncode}"])[-1])
            failed.add(f"start {i + 1}")
            continue
        labs.append(json.loads(out)["lab"])
    for lab_id, why in _not_ready(labs).items():
        errors.append(why)
        failed.add(lab_id)
    available = available0 - lab_memory.mem_available_mib()
    pss = sum(lab_memory.labs_pss_mib(prefix).values())
    t0 = time.perf_counter()
    stops = [_cli("stop", lab_id) for lab_id in labs]
    for lab_id, proc in zip(labs, stops):
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            errors.append((err.strip().splitlines() or [f"code {proc.returncode}"])[-1])
            failed.add(lab_id)
    stop = time.perf_counter() - t0
    return ScaleResult(
        labs=n, ready=ready, failures=len(failed), pss=pss, available=available, stop=stop, errors=errors
    )
