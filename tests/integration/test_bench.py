"""The benchmark script keeps working: one run on the bare topology, no Mininet, no scale.
Only the shape of its Markdown table is checked — never timings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from labprefix import lab_prefix

from simulateur.lab import nsutil
from simulateur.scenario.loader import load_topology

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_the_table_of_the_bare_topology() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench.py"), "--runs", "1", "--only", "bureau"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Non mesurés" not in proc.stdout, proc.stdout + proc.stderr  # the lab itself failed
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Machine : ")
    assert "médiane de 1 essais" in lines[0]
    start = next(i for i, line in enumerate(lines) if line.startswith("| laboratoire |"))
    header, rule, row = lines[start : start + 3]
    assert rule == "|---|" + "---:|" * 8
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == len(header.strip("|").split("|")) == 9
    assert cells[0] == "topologie bureau (sans panne)"
    topo, _ = load_topology("bureau")
    assert int(cells[1]) == len(topo.hosts)
    ready, network, check, solved, stop, mem_ready, mem_peak = (float(c) for c in cells[2:])
    assert 0 < network <= ready and stop > 0
    assert check >= 0 and solved >= 0
    assert 0 < mem_ready <= mem_peak  # every host's PID 1 and daemons were found and counted
    assert lines[start + 3] == ""  # one row only: no scenario asked for
    assert "Mininet" not in proc.stdout and "en même temps" not in proc.stdout
    assert any(line.startswith("Objectifs — prêt < 1 s : ") for line in lines)
    assert not [n for n in nsutil.list_netns() if n.startswith(f"sim-{lab_prefix('t')}bench")]  # every lab stopped
