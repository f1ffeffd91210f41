"""Several lab machines: 16 scripted candidates × 3 interventions across two `simulateur serve`
on one PostgreSQL (issue 17, item 7). Not in `make test`.

    sudo .venv/bin/python bench/machines_bench.py [--candidates 16] [--count 3] [--capacity 8]

Two services on this machine play two lab machines (their own lab prefixes, data dirs, names,
SIMULATEUR_MACHINE_ID), a throwaway PostgreSQL (tests/pgcluster.py), a throwaway system account per
candidate (no home; removed at the end). All candidates at once (one thread each): `exam start`
on m1 — sent to m2 when m1 is full, following the French line (« ssh m2 ») —, `exam submit` of
each intervention but the last, whose deadline is then set to one common moment. Then:
- no failure: every command's exit status, every run finished, every intervention with its
  attempt recorded (3 × N attempts in the store), the last one « temps écoulé »;
- placement: candidates per machine;
- deadlines: from the audit, per run, when her commands were refused and her lab scored and
  frozen after the deadline (the issue asks ≤ 2 s);
- latency: `exam status` through each service (median, as the candidate) and through the other
  machine's service (the same store read from the other machine).
Compare ratios of one run, never absolute times between runs (the machine's load is what it is).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidates", type=int, default=16)
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--capacity", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--scenario",
        action="append",
        default=None,
        help="défaut : dhcp-serveur-arrete, dhcp-plage-erronee, ip-mauvais-masque",
    )
    opts = ap.parse_args()
    opts.scenario = opts.scenario or ["dhcp-serveur-arrete", "dhcp-plage-erronee", "ip-mauvais-masque"]
    if os.geteuid() != 0:
        raise SystemExit("en root")
    from pgcluster import Cluster

    work = Path(tempfile.mkdtemp(prefix="machines-bench-"))
    folder = work / "scenarios"
    folder.mkdir()
    shutil.copytree(ROOT / "scenarios" / "topologies", folder / "topologies")
    for sid in opts.scenario:  # as many as interventions: each candidate gets each once
        shutil.copy(ROOT / "scenarios" / f"{sid}.yaml", folder)
    base = os.environ.get("SIMULATEUR_LAB_PREFIX", "bm")
    pg = Cluster().start()
    store = pg.new_database()
    common = {
        **os.environ,
        "SIMULATEUR_SHIPPED_SCENARIOS": str(folder),
        "SIMULATEUR_SCENARIOS": str(work / "aucun"),
        "PYTHONPATH": str(ROOT),
        "SIMULATEUR_STORE": store,
    }
    envs = {
        name: {
            **common,
            "SIMULATEUR_LAB_PREFIX": f"{base}{'xy'[int(name[-1]) - 1]}",
            "SIMULATEUR_DATA": str(work / name),
            "SIMULATEUR_MACHINE_ID": f"bench-{name}",
        }
        for name in ("m1", "m2")
    }
    os.environ.update(envs["m1"])
    from simulateur.exam.db import ExamDB, candidate_key
    from simulateur.serve import protocol
    from simulateur.store import schema

    tag = f"mb{os.getpid() % 100000}"
    logins = [f"{tag}{i:02d}" for i in range(opts.candidates)]
    made: list[str] = []
    services: dict[str, subprocess.Popen] = {}
    labs: dict[str, list[str]] = {"m1": [], "m2": []}
    sim = [sys.executable, "-m", "simulateur"]
    sock = {name: protocol.serve_dir() / f"{env['SIMULATEUR_LAB_PREFIX']}.sock" for name, env in envs.items()}
    failures: list[str] = []
    try:
        for login in logins:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/usr/sbin/nologin",
                    "--gid",
                    "nogroup",
                    login,
                ],
                check=True,
            )
            made.append(login)
        probe = subprocess.run(
            ["setpriv", f"--reuid={logins[0]}", "--regid=nogroup", "--init-groups", "--", sys.executable, "-c", "pass"],
            capture_output=True,
        )
        python = sys.executable if probe.returncode == 0 else shutil.which("python3") or "/usr/bin/python3"
        extra = {"PYTHONPATH": os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]]), "HOME": "/nonexistent"}

        def as_user(machine: str, login: str, *args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [
                    "setpriv",
                    f"--reuid={login}",
                    "--regid=nogroup",
                    "--init-groups",
                    "--",
                    python,
                    "-m",
                    "simulateur",
                    *args,
                ],
                env={**envs[machine], **extra},
                capture_output=True,
                text=True,
                cwd="/",
                timeout=900,
            )

        for name, env in envs.items():
            services[name] = subprocess.Popen(
                [*sim, "serve", "--name", name, "--capacity", str(opts.capacity)],
                env=env,
                stdout=(work / f"serve-{name}.log").open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        for name, proc in services.items():
            while True:
                with socket.socket(socket.AF_UNIX) as s:
                    try:
                        s.connect(str(sock[name]))
                        break
                    except OSError:
                        if proc.poll() is not None:
                            raise SystemExit((work / f"serve-{name}.log").read_text()) from None
                        time.sleep(0.1)
        roster = [a for i, login in enumerate(logins) for a in ("--candidate", f"Candidat {i + 1:02d}={login}")]
        out = subprocess.run(
            [*sim, "exam", "new", "--count", str(opts.count), "--minutes", "60", "--seed", "3", *roster, "--json"],
            env=envs["m1"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        sid = json.loads(out)["id"]
        t_start = time.time()

        def candidate(login: str) -> tuple[str, float]:
            """Her examen up to her last intervention; her machine and her first lab's build time."""
            machine = "m1"
            t0 = time.perf_counter()
            proc = as_user(machine, login, "exam", "start", sid, "--json")
            if proc.returncode == 3 and "ssh " in proc.stderr:
                machine = re.search(r"ssh (\S+)\)", proc.stderr).group(1)
                t0 = time.perf_counter()
                proc = as_user(machine, login, "exam", "start", sid, "--json")
            took = time.perf_counter() - t0
            if proc.returncode != 0:
                failures.append(f"{login} start : {proc.stderr.strip()}")
                return machine, took
            labs[machine].append(json.loads(proc.stdout)["lab"])
            for _ in range(opts.count - 1):
                proc = as_user(machine, login, "exam", "submit", sid, "--json")
                if proc.returncode != 0:
                    failures.append(f"{login} submit : {proc.stderr.strip()}")
                    return machine, took
                step = json.loads(proc.stdout)
                if step.get("lab"):
                    labs[machine].append(step["lab"])
            return machine, took

        with ThreadPoolExecutor(max_workers=len(logins)) as pool:
            placed = list(pool.map(candidate, logins))
        t_built = time.time()
        per = {m: sum(1 for p, _ in placed if p == m) for m in envs}
        print(
            f"{len(logins)} candidats × {opts.count} interventions, 2 services (capacité {opts.capacity} chacun), "
            f"PostgreSQL : placés {per['m1']} sur m1, {per['m2']} sur m2 ; "
            f"{opts.count - 1} remises chacun en {t_built - t_start:.0f} s ; "
            f"construction du 1er laboratoire : médiane {statistics.median(t for _, t in placed):.1f} s"
        )

        lat = {}
        for asked in ("m1", "m2"):
            times = []
            for _ in range(opts.rounds):
                t0 = time.perf_counter()
                proc = as_user(asked, logins[0], "exam", "status", sid)
                times.append(time.perf_counter() - t0)
                if proc.returncode != 0:
                    failures.append(f"status via {asked} : {proc.stderr.strip()}")
            lat[asked] = statistics.median(times)
        home = placed[0][0]
        print(
            f"latence « exam status » de la candidate 01 (placée sur {home}) : via m1 {lat['m1']:.3f} s, "
            f"via m2 {lat['m2']:.3f} s (médianes sur {opts.rounds})"
        )

        db = ExamDB()
        deadline = time.time() + 3
        R = schema.exam_runs
        with db._write() as conn:
            for i in range(len(logins)):
                conn.execute(
                    R.update()
                    .where(R.c.session == sid, R.c.ckey == candidate_key(f"Candidat {i + 1:02d}"))
                    .values(deadline=deadline)
                )
        end = time.time() + 300
        while time.time() < end and any(r.finished is None for r in db.runs(sid)):
            time.sleep(0.2)
        frozen, scored = [], []
        for r in db.audit_log(sid):
            m = re.search(r"refusées à \+([\d.]+) s ; évalué, laboratoire (\w+) à \+([\d.]+) s", r.detail)
            if r.verb == "échéance" and m:
                frozen.append(float(m.group(1)))
                scored.append(float(m.group(3)))
        runs = db.runs(sid)
        unfinished = [r.candidate for r in runs if r.finished is None]
        statuses = [[i.status for i in r.items] for r in runs]
        expected = ["remise"] * (opts.count - 1) + ["temps_ecoule"]
        wrong = [f"{r.candidate} {s}" for r, s in zip(runs, statuses) if s != expected]
        attempts = [i.attempt for r in runs for i in r.items if i.attempt]
        in_store = sum(1 for a in attempts if db.store.attempt(a) is not None)
        print(
            f"échéance commune de {len(runs)} candidats sur 2 machines : commandes refusées à "
            f"+{max(frozen, default=float('nan')):.3f} s au plus ; laboratoires évalués et figés à "
            f"+{statistics.median(scored) if scored else float('nan'):.2f} s (médiane), "
            f"+{max(scored, default=float('nan')):.2f} s (max), {len(scored)} échéances tenues"
        )
        print(
            f"tentatives : {in_store}/{len(logins) * opts.count} dans la base ; examens non terminés : "
            f"{len(unfinished)} ; interventions dans un autre état que prévu : {len(wrong)} ; échecs : {len(failures)}"
        )
        for line in failures + wrong[:5]:
            print("  " + line)
    finally:
        for proc in services.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=60)
        for name, env in envs.items():
            for lab in labs[name]:
                subprocess.run([*sim, "stop", lab], env=env, capture_output=True)
            for suffix in (".alive", ".lock", ".log"):
                sock[name].with_suffix(suffix).unlink(missing_ok=True)
        for login in made:
            subprocess.run(["userdel", login], capture_output=True)
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
