from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.integration)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


def sim(*args: str, check: bool = True, timeout: float = 120, env: dict[str, str] | None = None) -> Run:
    proc = subprocess.run([sys.executable, "-m", "simulateur", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    if check:
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return run


@pytest.fixture(autouse=True)
def _own_lab_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test labs get ids of their own (t1, t2…) so they never meet a trainee's labs."""
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", "t")


def machine_state() -> dict[str, object]:
    """What the machine itself looks like: its network, its resolver files, our namespaces."""
    def ipj(*args: str) -> object:
        out = json.loads(subprocess.run(["ip", "-j", *args], capture_output=True, text=True).stdout or "[]")
        for item in out if isinstance(out, list) else []:
            for volatile in ("stats64", "stats"):
                item.pop(volatile, None)
        return out

    def digest(path: str) -> str | None:
        try:
            return hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except FileNotFoundError:
            return None

    return {
        "links": ipj("link"), "addrs": ipj("addr"), "routes": ipj("route"), "rules": ipj("rule"),
        "nft": subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True).stdout,
        "resolv": digest("/etc/resolv.conf"), "hosts": digest("/etc/hosts"),
        "leases": sorted(os.listdir("/var/lib/dhcp")) if os.path.isdir("/var/lib/dhcp") else None,
        "netns": sorted(n for n in os.listdir("/run/netns")) if os.path.isdir("/run/netns") else [],
    }


def lab_processes(lab: str) -> list[int]:
    """Live processes still in one of this lab's namespaces."""
    from simulateur.lab import nsutil

    return [p for n in nsutil.list_netns() if n.startswith(f"sim-{lab}") for p in nsutil.pids_in_netns(n)]


@pytest.fixture
def started():
    """Start dhcp-serveur-arrete (seed 7); always stopped afterwards."""
    labs: list[str] = []

    def _start(scenario: str = "dhcp-serveur-arrete", seed: int = 7, variant: str | None = None) -> dict:
        extra = ["--variant", variant] if variant else []
        info = sim("start", scenario, "--seed", str(seed), "--json", *extra).json()
        labs.append(info["lab"])
        return info

    yield _start
    for lab in labs:
        sim("stop", lab, check=False)


def verdicts(lab: str) -> dict[str, str]:
    result = sim("check", lab, "--json").json()
    return {c["id"]: c["verdict"] for c in result["criteria"]}
