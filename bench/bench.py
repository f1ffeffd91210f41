"""Benchmark of real labs; prints the Markdown of the README's « Performances » section.

    sudo .venv/bin/python bench/bench.py [--runs 5] [--only bureau,mininet,scale,SCENARIO…] [--markdown]
    sudo make bench                       (installs Mininet, then the same with --markdown)

Parts (all by default; --only picks some):
  bureau      the bare `bureau` topology (every host, switch, services, DHCP clients), no fault
  SCENARIO    each shipped scenario (its hosts + its faults); `scenarios` = all of them
  mininet     Mininet building/tearing down as many hosts on one Linux bridge (mininet_bench.py),
              compared with `bureau` measured in the same run
  scale       1, 4, 16 labs up at once through the CLI (scale_bench.py)
  probes      what a DHCP/ARP probe costs: scapy's import alone, the first probe of a fresh process
              vs the next ones vs a worker forked warm, as the service's (probe_bench.py)

Each lab row: one untimed round first (warm-up; memory sampled every 50 ms: peak), then --runs
timed rounds: median. --markdown adds the notes explaining every column.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Lab ids of their own (bench1…, or tbench1… under the tests' "t"): the memory sampler counts
# every lab of this prefix, so no other lab (a test's, a trainee's) may share it.
os.environ["SIMULATEUR_LAB_PREFIX"] = (os.environ.get("SIMULATEUR_LAB_PREFIX", "") + "bench")[:8]
os.environ.setdefault("SIMULATEUR_DATA", "/tmp/simulateur-bench-data")

import lab_memory
import mininet_bench
import probe_bench
import scale_bench

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab import netns
from simulateur.lab.lab import Lab, Progress
from simulateur.params import draw
from simulateur.scenario.loader import Loaded, load_catalogue, load_topology, rendered_topology
from simulateur.scoring import run_probes
from simulateur.session.run import build_scenario_lab

BARE = "bureau"
SEED = 1
Probes = Callable[[Lab, bool], None]
Builder = Callable[[Progress], tuple[Lab, Probes]]

TARGETS = {"ready": 1.0, "check": 1.0, "stop": 0.5}


@dataclass
class Row:
    name: str
    hosts: int
    ready: float
    network: float  # part of `ready` until every host is up and wired (before services)
    prepare: float  # part of `network` laying services' prepared trees (not networking)
    check: float
    solved: float
    stop: float
    mem_ready: float
    mem_peak: float


class _PrepareClock:
    """Time spent laying services' prepared trees into hosts (ServiceBase.prepare, e.g. copying a
    provisioned Samba DC, 44 MB) during a build — part of « hôtes + réseau », but not networking:
    subtracted for the comparison with Mininet. Wraps the engine's function, measures only."""

    def __init__(self) -> None:
        self.total = 0.0
        inner = getattr(netns, "prepare_services", None)
        if inner is None:
            return

        def timed(*args: object, **kwargs: object) -> object:
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.total += time.perf_counter() - t0

        netns.prepare_services = timed  # type: ignore[attr-defined]


PREPARE = _PrepareClock()


def _timed_build(build: Builder) -> tuple[Lab, Probes, float, float]:
    PREPARE.total = 0.0
    marks: dict[str, float] = {}
    services = tr("progress.services")

    def progress(step: str) -> None:
        if step == services:
            marks["network"] = time.perf_counter()

    t0 = time.perf_counter()
    lab, probes = build(progress)
    t1 = time.perf_counter()
    return lab, probes, t1 - t0, marks.get("network", t1) - t0


def measure(name: str, hosts: int, build: Builder, runs: int, prefix: str) -> Row:
    with lab_memory.PeakSampler(prefix) as sampler:  # warm-up round: memory only
        lab, probes, _, _ = _timed_build(build)
        try:
            mem_ready = lab_memory.labs_pss_mib(prefix).get(lab.id, 0.0)
            probes(lab, False)
            probes(lab, True)
        finally:
            lab.stop()
    cols: dict[str, list[float]] = {k: [] for k in ("ready", "network", "prepare", "check", "solved", "stop")}
    for _ in range(runs):
        lab, probes, ready, network = _timed_build(build)
        try:
            cols["ready"].append(ready)
            cols["network"].append(network)
            cols["prepare"].append(PREPARE.total)
            t0 = time.perf_counter()
            probes(lab, False)
            cols["check"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            probes(lab, True)
            cols["solved"].append(time.perf_counter() - t0)
        finally:
            t0 = time.perf_counter()
            lab.stop()
            cols["stop"].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in cols.items()}
    # The « ready » reading is a sample of the same round: the 50 ms sampler can miss that moment
    # (a bare topology is ready, then stopped, in less than that).
    return Row(
        name,
        hosts,
        med["ready"],
        med["network"],
        med["prepare"],
        med["check"],
        med["solved"],
        med["stop"],
        mem_ready,
        max(sampler.peak, mem_ready),
    )


def bare_builder() -> tuple[int, Builder]:
    topo, _ = load_topology(BARE)

    def build(progress: Progress) -> tuple[Lab, Probes]:
        values = draw(topo.params, SEED)
        lab = Lab.build(rendered_topology(topo, values), seed=SEED, params=values, progress=progress)
        return lab, lambda lab, solve: None

    return len(topo.hosts), build


def scenario_builder(loaded: Loaded) -> tuple[int, Builder]:
    def build(progress: Progress) -> tuple[Lab, Probes]:
        lab, scenario = build_scenario_lab(loaded, SEED, progress)

        def probes(lab: Lab, solve: bool) -> None:
            if solve:
                lab.apply(scenario.solution)  # timed with the check: an upper bound
            run_probes(scenario, lab)

        return lab, probes

    hosts = len(loaded.scenario.hosts) if loaded.scenario.hosts else len(loaded.topology.hosts)
    return hosts, build


# --- output ---------------------------------------------------------------------------------
LOAD_AT_START = os.getloadavg()[0]


def machine_line(runs: int) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    return (
        f"Machine : {os.cpu_count()} cœurs ({cpu}), {mem} Gio, noyau {platform.release()}, "
        f"Python {platform.python_version()} — médiane de {runs} essais, "
        f"{datetime.date.today():%d/%m/%Y}, charge au départ {LOAD_AT_START:.1f}"
    )


def _s(v: float) -> str:
    return f"{v:.2f}"


def rows_table(rows: list[Row]) -> list[str]:
    out = [
        (
            "| laboratoire | hôtes | prêt (s) | dont hôtes + réseau (s) | check en panne (s) "
            "| solution + check (s) | arrêt (s) | mémoire prête (Mio) | mémoire crête (Mio) |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        name = f"topologie {r.name} (sans panne)" if r.name == BARE else r.name
        out.append(
            f"| {name} | {r.hosts} | {_s(r.ready)} | {_s(r.network)} | {_s(r.check)} | {_s(r.solved)} "
            f"| {_s(r.stop)} | {r.mem_ready:.0f} | {r.mem_peak:.0f} |"
        )
    return out


def mininet_table(bare: Row, mn: mininet_bench.MininetResult) -> list[str]:
    def ratio(ours: float, theirs: float) -> str:
        return f"{ours / theirs:.2f}" if theirs > 0 else "—"

    return [
        "| construit | hôtes | construction (s) | arrêt (s) | construction ÷ Mininet | arrêt ÷ Mininet |",
        "|---|---:|---:|---:|---:|---:|",
        (
            f"| Mininet {mn.version} (API Python, `LinuxBridge`, sans contrôleur) | {mn.hosts} | {_s(mn.build)} "
            f"| {_s(mn.stop)} | 1 | 1 |"
        ),
        (
            f"| simulateur, topologie {BARE} : hôtes + réseau | {bare.hosts} | {_s(bare.network)} | {_s(bare.stop)} "
            f"| {ratio(bare.network, mn.build)} | {ratio(bare.stop, mn.stop)} |"
        ),
        (
            f"| simulateur, topologie {BARE} : hôtes + réseau, sans la copie des arbres préparés des services "
            f"({_s(bare.prepare)} s) | {bare.hosts} | {_s(bare.network - bare.prepare)} | {_s(bare.stop)} "
            f"| {ratio(bare.network - bare.prepare, mn.build)} | {ratio(bare.stop, mn.stop)} |"
        ),
        (
            f"| simulateur, topologie {BARE} : prête (+ services, DHCP) | {bare.hosts} | {_s(bare.ready)} "
            f"| {_s(bare.stop)} | {ratio(bare.ready, mn.build)} | {ratio(bare.stop, mn.stop)} |"
        ),
    ]


def scale_table(scenario: str, results: dict[int, list[scale_bench.ScaleResult]]) -> list[str]:
    out = [
        (
            f"| `{scenario}` en même temps | tous prêts (s) | échecs | mémoire PSS (Mio) "
            "| MemAvailable consommée (Mio) | arrêt de tous (s) |"
        ),
        "|---:|---:|---:|---:|---:|---:|",
    ]
    med: dict[int, dict[str, float]] = {}
    for n, rs in results.items():
        med[n] = {k: statistics.median(getattr(r, k) for r in rs) for k in ("ready", "pss", "available", "stop")}
        failures = sum(r.failures for r in rs)
        out.append(
            f"| {n} | {_s(med[n]['ready'])} | {failures} / {n * len(rs)} | {med[n]['pss']:.0f} "
            f"| {med[n]['available']:.0f} | {_s(med[n]['stop'])} |"
        )
    if len(med) >= 2:
        lo, hi = min(med), max(med)
        k = hi - lo
        out += [
            "",
            (
                f"Coût d'un laboratoire de plus (de {lo} à {hi}) : "
                f"+{(med[hi]['ready'] - med[lo]['ready']) / k:.2f} s pour tous prêts, "
                f"+{(med[hi]['stop'] - med[lo]['stop']) / k:.2f} s pour tout arrêter, "
                f"+{(med[hi]['pss'] - med[lo]['pss']) / k:.0f} Mio de PSS, "
                f"+{(med[hi]['available'] - med[lo]['available']) / k:.0f} Mio de MemAvailable."
            ),
        ]
    return out


def targets_line(
    rows: list[Row], mn: mininet_bench.MininetResult | None, scale: dict[int, list[scale_bench.ScaleResult]]
) -> str:
    def over(key: str, scenarios_only: bool) -> str:
        judged = [r for r in rows if not (scenarios_only and r.name == BARE)]
        bad = [f"{r.name} {getattr(r, key):.2f} s" for r in judged if getattr(r, key) >= TARGETS[key]]
        if not bad:
            return "atteint"
        return f"atteint pour {len(judged) - len(bad)} sur {len(judged)}, dépassé : " + ", ".join(bad)

    parts = (
        [
            f"prêt < 1 s : {over('ready', False)}",
            f"check en panne < 1 s : {over('check', True)}",
            f"arrêt < 0,5 s : {over('stop', False)}",
        ]
        if rows
        else []
    )
    if scale:
        n = max(scale)
        failures = sum(r.failures for r in scale[n])
        parts.append(f"{n} laboratoires sans échec : {'atteint' if failures == 0 else f'{failures} échec(s)'}")
    bare = next((r for r in rows if r.name == BARE), None)
    if mn is not None and bare is not None:
        verdict = "atteint" if bare.network - bare.prepare <= mn.build else "non atteint"
        parts.append(f"hôtes + réseau (sans la copie des arbres des services) pas plus lents que Mininet : {verdict}")
    return "Objectifs — " + " ; ".join(parts) + "."


NOTES = """\
Colonnes : « prêt » va de l'appel au moteur jusqu'au laboratoire prêt à l'emploi, panne injectée
(hôtes, pont, liens, services démarrés, baux DHCP obtenus) ; « dont hôtes + réseau » en est la
première partie (namespaces, ponts, veth, adresses, hôtes démarrés sur leur overlay), avant les
services. « check en panne » lance toutes les sondes du scénario sur le laboratoire en panne ; une
sonde qui attend une réponse qui ne vient pas (offre DHCP et ARP 0,8 s, ping 0,8 s, connexion web
0,8 s, résolveur muet 1 s…) compte son délai : c'est la mesure. « solution + check » compte aussi
l'application de la solution de référence. « arrêt » : tous les processus tués, namespaces et
fichiers du laboratoire supprimés. Un essai non chronométré précède les essais (échauffement).

Mémoire : somme des PSS (`Pss:` de `/proc/PID/smaps_rollup`) de tous les processus vivant dans les
namespaces réseau du laboratoire — une page partagée par k processus compte pour 1/k, les
bibliothèques de la machine ne sont pas comptées une fois par hôte comme le ferait une somme de
RSS. « prête » : une fois le laboratoire prêt ; « crête » : le maximum relevé toutes les 50 ms
pendant l'essai d'échauffement (construction, panne, check, solution, check). Une page partagée se
divise entre tous ceux qui la partagent, autres laboratoires compris : à 16 laboratoires le code
commun (dnsmasq, Radicale, Python…) n'est compté qu'une fois en tout, d'où un coût par laboratoire
plus bas qu'à l'unité (et qui dépend de ce qui tourne à côté). Non comptés : les
objets du noyau (namespaces, ponts, veth, sockets), les couches overlay des hôtes (le tmpfs du
laboratoire) et leurs petits tmpfs ; la colonne « MemAvailable consommée » du passage à l'échelle les
inclut (avec le bruit du reste de la machine). Chaque laboratoire a aussi son cgroup (mémoire et
nombre de processus limités, `simulateur/lab/cgroups.py`) : la mesure reste la PSS, comparable d'un
relevé à l'autre.

Mininet : le paquet Debian `mininet` (sans les paquets recommandés : ni Open vSwitch ni service
démarré), piloté par son API Python (`Mininet(topo=SingleSwitchTopo(k=N), switch=LinuxBridge,
controller=None)`, `net.start()`, `net.stop()`) avec le Python du système, dans un bac à sable
jetable (`unshare --net --mount --pid`, `/tmp` en tmpfs, `/proc/sys` en lecture seule) : son
nettoyage tue des processus par leur nom et efface des fichiers de `/tmp`. Jamais `mn -c`. N = le
nombre d'hôtes de la topologie `bureau` ; Mininet n'a qu'un pont, la topologie en a deux (`lan`,
`wan`) et le routeur deux interfaces. Les hôtes Mininet n'ont qu'un namespace réseau (pas de système
de fichiers à eux, pas de PID 1, pas de service) : la comparaison juste est « hôtes + réseau », sans
la copie des arbres que des services préparent dans leur hôte avant son démarrage (la base d'un DC
Samba déjà provisionné : une quarantaine de Mo), mesurée à part. Mininet est mesuré juste après la
ligne `bureau`, pour que les deux voient la même charge de la machine.

Passage à l'échelle : N commandes `simulateur start SCÉNARIO --seed i` lancées en même temps
(comme N candidats), chronométrées jusqu'à la fin de la dernière ; un échec = un `start` en erreur,
un laboratoire qui ne s'ouvre pas avec tous ses hôtes vivants, ou un `stop` en erreur. Puis N
`simulateur stop` en même temps."""


def pick_scale_scenario(catalogue: dict[str, Loaded]) -> str:
    """The shipped scenario with the most hosts (ties: first id)."""

    def hosts(item: tuple[str, Loaded]) -> tuple[int, str]:
        sid, loaded = item
        n = len(loaded.scenario.hosts) if loaded.scenario.hosts else len(loaded.topology.hosts)
        return (-n, sid)

    return min(catalogue.items(), key=hosts)[0]


def main() -> int:
    ap = argparse.ArgumentParser(description="Banc d'essai des laboratoires (tableau Markdown pour le README)")
    ap.add_argument("--runs", type=int, default=5, help="essais chronométrés par ligne (médiane)")
    ap.add_argument(
        "--only",
        default="",
        help="parties, séparées par des virgules : bureau, scenarios, "
        "un identifiant de scénario, mininet, scale, probes (défaut : tout)",
    )
    ap.add_argument("--scale", default="1,4,16", help="nombres de laboratoires en même temps")
    ap.add_argument(
        "--scale-scenario", default=None, help="scénario du passage à l'échelle (défaut : celui qui a le plus d'hôtes)"
    )
    ap.add_argument("--markdown", action="store_true", help="ajoute les notes qui expliquent les colonnes")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench : à lancer en root", file=sys.stderr)
        return 2
    if args.runs < 1:
        print("bench : --runs doit valoir au moins 1", file=sys.stderr)
        return 2
    prefix = os.environ["SIMULATEUR_LAB_PREFIX"]
    catalogue = dict(sorted(load_catalogue().scenarios.items()))
    only = {p.strip() for p in args.only.split(",") if p.strip()}
    known = {BARE, "scenarios", "mininet", "scale", "probes", *catalogue}
    if only - known:
        print(
            f"bench : --only inconnu : {', '.join(sorted(only - known))} (connus : {', '.join(sorted(known))})",
            file=sys.stderr,
        )
        return 2
    everything = not only
    wanted_ids = [sid for sid in catalogue if everything or "scenarios" in only or sid in only]
    try:
        counts = [int(x) for x in args.scale.split(",")]
    except ValueError:
        print("bench : --scale attend des nombres séparés par des virgules (ex. 1,4,16)", file=sys.stderr)
        return 2

    def say(text: str) -> None:
        print(f"bench : {text}", file=sys.stderr, flush=True)

    rows: list[Row] = []
    failed: list[str] = []  # rows that could not be measured, with why

    def row(name: str, hosts: int, build: Builder) -> None:
        say(f"{name}…")
        try:
            rows.append(measure(name, hosts, build, args.runs, prefix))
        except (SimError, OSError, subprocess.SubprocessError) as exc:
            failed.append(f"{name} : {exc}")
            say(f"  échec : {exc}")

    if everything or BARE in only or "mininet" in only:
        row(BARE, *bare_builder())

    mn: mininet_bench.MininetResult | None = None
    mn_error: str | None = None
    if everything or "mininet" in only:  # right after `bureau`: both see the same machine load
        say("Mininet…")
        mn_error = mininet_bench.unavailable()
        if mn_error is None and not any(r.name == BARE for r in rows):
            mn_error = f"la topologie {BARE} n'a pas pu être mesurée"
        if mn_error is None:
            try:
                mn = mininet_bench.run(next(r.hosts for r in rows if r.name == BARE), args.runs)
            except (RuntimeError, OSError, ValueError) as exc:
                mn_error = f"Mininet a échoué : {exc}"

    probes: probe_bench.ProbeCosts | None = None
    probes_error: str | None = None
    if everything or "probes" in only:
        say("sondes réseau (scapy)…")
        try:
            lab, _ = bare_builder()[1](lambda _: None)
            try:
                probes = probe_bench.ProbeCosts(
                    probe_bench.import_costs(args.runs), probe_bench.probe_costs(lab.id, args.runs)
                )
            finally:
                lab.stop()
        except (SimError, OSError, subprocess.SubprocessError, RuntimeError) as exc:
            probes_error = str(exc)
            say(f"  échec : {exc}")

    for sid in wanted_ids:
        row(sid, *scenario_builder(catalogue[sid]))

    scale: dict[int, list[scale_bench.ScaleResult]] = {}
    scale_scenario = args.scale_scenario or pick_scale_scenario(catalogue)
    if everything or "scale" in only:
        if scale_scenario not in catalogue:
            print(f"bench : --scale-scenario inconnu : {scale_scenario}", file=sys.stderr)
            return 2
        for n in counts:
            for i in range(args.runs):
                say(f"{n} laboratoires {scale_scenario} en même temps (essai {i + 1})…")
                result = scale_bench.run_once(scale_scenario, n, prefix)
                for err in result.errors:
                    say(f"  échec : {err}")
                scale.setdefault(n, []).append(result)

    out = [machine_line(args.runs), ""]
    if rows:
        out += rows_table(rows) + [""]
    if failed:
        out += ["Non mesurés (erreur à la construction ou au check) : " + " ; ".join(failed) + ".", ""]
    bare = next((r for r in rows if r.name == BARE), None)
    if mn is not None and bare is not None:
        out += (
            [
                (
                    f"Côte à côte avec Mininet (même exécution, {mn.hosts} hôtes ; perte au pingAll "
                    f"d'échauffement : {mn.ping_loss:.0f} % ; liens restés après `net.stop()` : {mn.leftover_links}) :"
                ),
                "",
            ]
            + mininet_table(bare, mn)
            + [""]
        )
    elif mn_error is not None:
        out += [f"Mininet : non mesuré — {mn_error}.", ""]
    if scale:
        out += [f"Passage à l'échelle (CLI, `{scale_scenario}`, médiane de {args.runs} essais) :", ""]
        out += scale_table(scale_scenario, scale) + [""]
    if probes is not None:
        out += [f"Sondes réseau (scapy), médiane de {args.runs} essais :", ""] + probe_bench.table(probes) + [""]
    elif probes_error is not None:
        out += [f"Sondes réseau : non mesurées — {probes_error}.", ""]
    if rows or mn is not None or scale:
        out.append(targets_line(rows, mn, scale))
    if args.markdown:
        out += ["", NOTES]
        if probes is not None:
            out += ["", probe_bench.NOTES]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
