"""What a network probe costs: the DHCP offer and ARP probes (simulateur/probes/rawnet.py), whose
packets scapy builds and reads — scapy's import, then the probe itself.

Import alone, each in a fresh process (the clock inside it, around the import only; rounds
alternate the variants, median of `runs`):
  python        a bare `python -c pass`, the whole process (wall time, from the parent): the unit
  scapy.all     `import scapy.all` (scapy's caches warm)
  no cache      the three modules rawnet uses (scapy.layers.l2, inet, dhcp) with scapy's cache
                directory missing, as rawnet imported them before 2026-12-07: scapy then parses its
                manufacturer database (Wireshark's manuf, ~50 000 lines) at every import
  layers()      rawnet.layers() as shipped: the same three modules, scapy's cache in simulateur's
Probe, on the bare `bureau` topology (poste asks srv's dnsmasq for an offer; ARP poste → srv):
  first         the first probe of a fresh process that has opened the lab (`simulateur check`
                from a shell): scapy's import is in it
  next          the next ones in the same process (median of PROBES_PER_PROCESS)
  worker        the first probe of a process forked from one that imported rawnet.layers() before
                (the service's zygote, simulateur/serve/zygote.py; the app imports it once too)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROBES_PER_PROCESS = 5
ROOT = Path(__file__).resolve().parents[1]

NARROW = (
    "from scapy.layers.dhcp import BOOTP, DHCP\n"
    "from scapy.layers.inet import IP, UDP\n"
    "from scapy.layers.l2 import ARP, Ether\n"
)
TIMED_IMPORT = """
import sys, time
setup, stmt = sys.argv[1], sys.argv[2]
exec(setup)
t0 = time.perf_counter()
exec(stmt)
print(time.perf_counter() - t0)
"""
# (setup, statement, XDG dirs: "warm" = a cache directory that exists, "missing" = one that does not)
IMPORTS: dict[str, tuple[str, str, str]] = {
    "scapy.all": ("", "import scapy.all", "warm"),
    "no cache": ("", NARROW, "missing"),
    "layers()": ("from simulateur.probes import rawnet", "rawnet.layers()", "warm"),
}

PROBE_RUN = """
import json, os, sys, time
lab_id, kind, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
from simulateur.lab.lab import Lab
from simulateur.probes.network import DhcpOffer, NetArp
from simulateur.probes import rawnet

def probe():
    if kind == "dhcp":
        return DhcpOffer(id="offre", probe="dhcp.offer", host="poste", server="srv")
    return NetArp(id="arp", probe="net.arp", host="poste", target="srv")

def once(lab):
    p = probe()
    t0 = time.perf_counter()
    ok, observed = p.observe(lab)
    took = time.perf_counter() - t0
    if not ok:
        raise SystemExit(f"{kind}: {observed}")
    return took

lab = Lab.open(lab_id)
first = once(lab)
nexts = [once(lab) for _ in range(count)]
del lab
rawnet.layers()  # already imported: the parent of the workers is now what the zygote is
workers = []
for _ in range(count):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.write(w, json.dumps(once(Lab.open(lab_id))).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        data = f.read()
    os.waitpid(pid, 0)
    if not data:
        raise SystemExit(f"{kind}: the forked worker failed")
    workers.append(json.loads(data))
print(json.dumps({"first": first, "next": nexts, "worker": workers}))
"""


@dataclass
class ProbeCosts:
    imports: dict[str, float]  # variant → median s
    probes: dict[str, dict[str, float]]  # "dhcp"/"arp" → first/next/worker → median s


def _env(xdg: Path | None, cache: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SIMULATEUR_CACHE": str(cache)}
    if xdg is not None:
        env["XDG_CACHE_HOME"] = str(xdg / "cache")
        env["XDG_CONFIG_HOME"] = str(xdg / "config")
    return env


def _python(args: list[str], env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError((out.stderr.strip().splitlines() or [f"code {out.returncode}"])[-1])
    lines = out.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def import_costs(runs: int) -> dict[str, float]:
    cols: dict[str, list[float]] = {"python": [], **{k: [] for k in IMPORTS}}
    with tempfile.TemporaryDirectory(prefix="simulateur-bench-scapy-") as tmp:
        warm, cache = Path(tmp, "warm"), Path(tmp, "simulateur-cache")
        for d in (warm / "cache", warm / "config"):
            d.mkdir(parents=True)

        def one(name: str) -> float:
            if name == "python":
                t0 = time.perf_counter()
                _python(["-c", "pass"], _env(None, cache))
                return time.perf_counter() - t0
            setup, stmt, xdg = IMPORTS[name]
            where = warm if xdg == "warm" else Path(tmp, "missing", str(time.monotonic_ns()))
            return float(_python(["-c", TIMED_IMPORT, setup, stmt], _env(where, cache)))

        for name in cols:  # warm-up: bytecode, scapy's and simulateur's caches filled
            one(name)
        for _ in range(runs):
            for name in cols:
                cols[name].append(one(name))
    return {k: statistics.median(v) for k, v in cols.items()}


def probe_costs(lab_id: str, runs: int) -> dict[str, dict[str, float]]:
    result: dict[str, dict[str, list[float]]] = {k: {"first": [], "next": [], "worker": []} for k in ("dhcp", "arp")}
    with tempfile.TemporaryDirectory(prefix="simulateur-bench-scapy-") as tmp:
        env = _env(None, Path(tmp))
        for kind in result:  # warm-up (fills scapy's cache under this SIMULATEUR_CACHE)
            _python(["-c", PROBE_RUN, lab_id, kind, "1"], env)
        for _ in range(runs):
            for kind, cols in result.items():
                got = json.loads(_python(["-c", PROBE_RUN, lab_id, kind, str(PROBES_PER_PROCESS)], env))
                cols["first"].append(got["first"])
                cols["next"].append(statistics.median(got["next"]))
                cols["worker"].append(statistics.median(got["worker"]))
    return {kind: {k: statistics.median(v) for k, v in cols.items()} for kind, cols in result.items()}


def table(costs: ProbeCosts) -> list[str]:
    i, p = costs.imports, costs.probes
    base = i["python"]
    return [
        "| import (processus neuf) | durée (s) | ÷ démarrage de Python |",
        "|---|---:|---:|",
        f"| démarrage de Python seul (`python -c pass`, tout le processus) | {base:.3f} | 1 |",
        f"| `import scapy.all` | {i['scapy.all']:.3f} | {i['scapy.all'] / base:.1f} |",
        (
            f"| couches l2, inet, dhcp seules, sans le cache de scapy (rawnet avant le 07/12/2026) "
            f"| {i['no cache']:.3f} | {i['no cache'] / base:.1f} |"
        ),
        (
            f"| `rawnet.layers()` : les mêmes couches, cache de scapy dans celui de simulateur "
            f"| {i['layers()']:.3f} | {i['layers()'] / base:.1f} |"
        ),
        "",
        (
            "| sonde (topologie bureau, poste → srv) | première d'un processus neuf (s) | suivantes (s) "
            "| première d'un processus de travail du service (s) |"
        ),
        "|---|---:|---:|---:|",
        f"| offre DHCP | {p['dhcp']['first']:.3f} | {p['dhcp']['next']:.3f} | {p['dhcp']['worker']:.3f} |",
        f"| ARP | {p['arp']['first']:.3f} | {p['arp']['next']:.3f} | {p['arp']['worker']:.3f} |",
    ]


NOTES = """\
Sondes réseau : l'import est chronométré dans un processus neuf, autour de l'import seul (le
démarrage de Python à part, mesuré de l'extérieur) ; les variantes alternent, médiane des essais.
Une sonde : offre DHCP (DHCPDISCOVER de poste, réponse du dnsmasq de srv) ou ARP (poste → srv) sur
la topologie `bureau` sans panne. « première d'un processus neuf » : la première sonde d'un
processus qui vient d'ouvrir le laboratoire, comme `simulateur check` lancé d'un shell (l'import
de scapy est dedans) ; « suivantes » : les suivantes du même processus ; « processus de travail du
service » : la première sonde d'un processus forké d'un parent qui avait déjà importé scapy, comme
les processus de travail du service (`simulateur/serve/zygote.py`)."""
