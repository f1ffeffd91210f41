"""`simulateur serve`: what a candidate's command costs through the service, and how soon a
deadline freezes a lab.

    sudo .venv/bin/python bench/serve_bench.py [--rounds 10] [--candidates 3]

Makes a throwaway system account per candidate (no home; removed at the end), starts a service
(lab prefix and data dir of its own: $SIMULATEUR_LAB_PREFIX, a temp dir), a session of
dhcp-serveur-arrete, and the candidates' labs. Then:
- latency: `exam status` and `exec LAB poste -- true`, alternately as the candidate through the
  service and as root with today's CLI (no service), `--rounds` each; medians and the ratio; and
  the same commands through the network API (HTTP on 127.0.0.1): the CLI of a station logged in
  with her code (`simulateur login`), and one bare HTTP request (what a browser's page pays);
- deadline: every candidate's deadline set to the same moment; from the audit, per run, how long
  after the deadline her commands were ended and refused, and her lab scored and frozen for the
  jury (stopped on a machine without a freezer cgroup).
Compare ratios of one run, never absolute times between runs (the machine's load is what it is).
"""

from __future__ import annotations

import argparse
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd="/")
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"échec : {' '.join(cmd)}\n{proc.stderr}")
    return took


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--candidates", type=int, default=3)
    opts = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("en root")
    work = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    work.chmod(0o755)  # the candidate's station folder is inside
    folder = work / "scenarios"
    folder.mkdir()
    shutil.copytree(ROOT / "scenarios" / "topologies", folder / "topologies")
    shutil.copy(ROOT / "scenarios" / "dhcp-serveur-arrete.yaml", folder)
    env = {
        **os.environ,
        "SIMULATEUR_DATA": str(work / "data"),
        "SIMULATEUR_SHIPPED_SCENARIOS": str(folder),
        "SIMULATEUR_SCENARIOS": str(work / "aucun"),
        "PYTHONPATH": str(ROOT),
        "SIMULATEUR_LAB_PREFIX": os.environ.get("SIMULATEUR_LAB_PREFIX", "bs"),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from simulateur.exam.db import ExamDB, candidate_key
    from simulateur.serve import protocol

    tag = f"sb{os.getpid() % 100000}"
    logins = [f"{tag}{chr(97 + i)}" for i in range(opts.candidates)]
    made: list[str] = []
    service = None
    sim = [sys.executable, "-m", "simulateur"]
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
        user_env = {
            **env,
            "PYTHONPATH": os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]]),
            "HOME": "/nonexistent",
        }

        def as_user(login: str, *args: str) -> list[str]:
            return [
                "setpriv",
                f"--reuid={login}",
                "--regid=nogroup",
                "--init-groups",
                "--",
                python,
                "-m",
                "simulateur",
                *args,
            ]

        log = (work / "serve.log").open("w")
        service = subprocess.Popen(
            [*sim, "serve", "--api", "127.0.0.1:0", "--capacity", str(max(opts.candidates, 1))],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while True:
            with socket.socket(socket.AF_UNIX) as s:
                try:
                    s.connect(str(protocol.socket_path()))
                    break
                except OSError:
                    if service.poll() is not None:
                        raise SystemExit((work / "serve.log").read_text()) from None
                    time.sleep(0.1)
        roster = [a for i, login in enumerate(logins) for a in ("--candidate", f"Candidat {i + 1}={login}")]
        out = subprocess.run(
            [*sim, "exam", "new", "--count", "1", "--minutes", "30", "--seed", "3", *roster, "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        import json

        sid = json.loads(out)["id"]
        labs = {}
        for login in logins:
            out = subprocess.run(
                as_user(login, "exam", "start", sid, "--json"),
                env=user_env,
                capture_output=True,
                text=True,
                check=True,
                cwd="/",
            ).stdout
            labs[login] = json.loads(out)["lab"]

        first = logins[0]
        lab = labs[first]
        url = re.search(r"API réseau à l'écoute sur (\S+)", (work / "serve.log").read_text()).group(1)
        code = json.loads(
            subprocess.run(
                [*sim, "exam", "codes", sid, "--candidate", "Candidat 1", "--json"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )["Candidat 1"]
        station = work / "station"
        station.mkdir()
        shutil.chown(station, first)
        station_env = {**user_env, "XDG_CONFIG_HOME": str(station)}
        subprocess.run(
            as_user(first, "login", url, "--code", code), env=station_env, capture_output=True, check=True, cwd="/"
        )
        token = json.loads((station / "simulateur" / "serveur.json").read_text())["token"]

        def http(argv: list[str]) -> float:
            import urllib.request

            req = urllib.request.Request(
                url + "/api/run",
                data=json.dumps({"argv": argv}).encode(),
                method="POST",
                headers={"Authorization": f"Bearer {token}"},
            )
            t0 = time.perf_counter()
            with urllib.request.urlopen(req, timeout=120) as resp:
                reply = json.loads(resp.read())
            took = time.perf_counter() - t0
            if reply.get("code") != 0:
                raise SystemExit(f"échec HTTP : {argv} {reply}")
            return took

        cases = {
            "exam status": (
                as_user(first, "exam", "status", sid),
                [*sim, "exam", "status", sid, "--candidate", "Candidat 1"],
                ["exam", "status", sid],
            ),
            "exec true": (
                as_user(first, "exec", lab, "poste", "--", "true"),
                [*sim, "exec", lab, "poste", "--", "true"],
                ["exec", lab, "poste", "--", "true"],
            ),
        }
        print(f"latence (médianes sur {opts.rounds} tours alternés) :")
        for name, (served, direct, argv) in cases.items():
            a, b, c, d = [], [], [], []
            for _ in range(opts.rounds):
                a.append(timed(served, user_env))
                b.append(timed(direct, env))
                c.append(timed(served, station_env))  # the same command line, logged in: through the API
                d.append(http(argv))
            ma, mb, mc, md = (statistics.median(x) for x in (a, b, c, d))
            print(
                f"  {name:<12} candidat via la socket {ma:.3f} s   root sans service {mb:.3f} s   "
                f"rapport {ma / mb:.2f} ; par l'API : CLI connectée {mc:.3f} s (rapport {mc / mb:.2f}), "
                f"requête HTTP seule {md:.3f} s"
            )

        db = ExamDB()
        deadline = time.time() + 2
        from simulateur.store import schema

        R = schema.exam_runs
        with db._write() as conn:
            for i in range(len(logins)):
                conn.execute(
                    R.update()
                    .where(R.c.session == sid, R.c.ckey == candidate_key(f"Candidat {i + 1}"))
                    .values(deadline=deadline)
                )
        end = time.time() + 60
        while time.time() < end and any(r.finished is None for r in db.runs(sid)):
            time.sleep(0.2)
        frozen, scored, kept = [], [], []
        for r in db.audit_log(sid):
            m = re.search(r"refusées à \+([\d.]+) s ; évalué, laboratoire (\w+) à \+([\d.]+) s", r.detail)
            if r.verb == "échéance" and m:
                frozen.append(float(m.group(1)))
                scored.append(float(m.group(3)))
                kept.append(m.group(2))
        print(
            f"échéance commune de {len(logins)} candidats : commandes arrêtées et refusées à +{max(frozen):.3f} s "
            f"au plus ; évalué, laboratoire {'/'.join(sorted(set(kept)))} à +{statistics.median(scored):.2f} s "
            f"(médiane), +{max(scored):.2f} s (max)"
        )
    finally:
        if service is not None and service.poll() is None:
            service.terminate()
            service.wait(timeout=30)
        for run_lab in list(locals().get("labs", {}).values()):
            subprocess.run([*sim, "stop", run_lab], env=env, capture_output=True)
        for login in made:
            subprocess.run(["userdel", login], capture_output=True)
        for suffix in (".alive", ".lock", ".log"):  # the throwaway service's heartbeat, lock and log
            protocol.socket_path().with_suffix(suffix).unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
