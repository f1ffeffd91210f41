"""The live session page under load: 16 candidates, 4 jury browsers at once; how soon after an
event in the store each browser's page shows it (issue 18: within 1 s).

    sudo .venv/bin/python bench/web_live_bench.py [--candidates 16] [--browsers 4] [--spacing 0.7]

Starts `simulateur serve --web 127.0.0.1:0` (lab prefix $SIMULATEUR_LAB_PREFIX, a temp data dir),
a jury account, a session with the candidates on its roster, and N headless Debian chromiums
(Playwright, /usr/bin/chromium) logged in as the jury on /session/{sid}. Events are written to
the store as the service's commands write them — no lab is built, the page's cost is what is
measured: each candidate starts (her run created: `started` is the event's time), then her
intervention begins (its status and start written), then she finishes (the run closed). Each
browser records (MutationObserver, the machine's clock) when her card first shows the change.
Prints per kind of event the median, 95th percentile and worst delay over all browsers.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this tree's simulateur, not an installed one
PASSWORD = "jury-bench-secret-1"
WATCH = """(args) => { const [name, word] = args; window.seen = window.seen || {};
  const key = name + "|" + word;
  const look = () => { const c = document.querySelector('[data-candidat="' + CSS.escape(name) + '"] .statut');
    if (!(key in window.seen) && c && c.innerText.includes(word)) window.seen[key] = Date.now() / 1000; };
  new MutationObserver(look).observe(document.getElementById('vivant'), {childList: true, subtree: true, characterData: true});
  look(); }"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidates", type=int, default=16)
    ap.add_argument("--browsers", type=int, default=4)
    ap.add_argument(
        "--spacing", type=float, default=0.7, help="seconds between two events of a phase (0: the 16 at once, a burst)"
    )
    opts = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("à lancer en root (le service)")
    work = Path(tempfile.mkdtemp(prefix="web-live-bench-"))
    env = {
        **os.environ,
        "SIMULATEUR_DATA": str(work / "data"),
        "PYTHONPATH": str(ROOT),
        "SIMULATEUR_LAB_PREFIX": os.environ.get("SIMULATEUR_LAB_PREFIX", "wb"),
    }
    os.environ.update(env)
    sim = [sys.executable, "-m", "simulateur"]
    login = f"jb{os.getpid() % 100000}"
    subprocess.run(
        [*sim, "account", "add", login, "--role", "jury"],
        input=PASSWORD + "\n",
        env=env,
        text=True,
        check=True,
        capture_output=True,
    )
    log = (work / "serve.log").open("w")
    service = subprocess.Popen(
        [*sim, "serve", "--web", "127.0.0.1:0"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        url = None
        for _ in range(600):
            m = re.search(r"API réseau à l'écoute sur (\S+)", (work / "serve.log").read_text())
            if m:
                url = m.group(1)
                break
            if service.poll() is not None:
                raise SystemExit((work / "serve.log").read_text())
            time.sleep(0.1)
        if url is None:
            raise SystemExit("le service n'écoute pas")
        run(url, login, opts)
    finally:
        service.terminate()
        service.wait(timeout=30)
        subprocess.run([*sim, "account", "remove", login], env=env, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def run(url: str, login: str, opts: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    from simulateur.exam.db import ExamDB
    from simulateur.exam.models import CandidateRun, ExamSession, Intervention, Item

    db = ExamDB()
    names = [f"Candidat {i:02d}" for i in range(1, opts.candidates + 1)]
    iv = Intervention(
        index=1, scenario="dhcp-serveur-arrete", title="DHCP", referentiel="TAI", competences=[], duration=20
    )
    sid = db.create_session(
        lambda s: ExamSession(id=s, seed=1, count=1, minutes=60, interventions=[iv], roster=dict.fromkeys(names, ""))
    ).id
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("SIMULATEUR_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"]
        )
        pages = []
        for _ in range(opts.browsers):
            page = browser.new_context().new_page()
            page.goto(url + "/connexion")
            page.fill("#login", login)
            page.fill("#password", PASSWORD)
            page.click("text=Se connecter")
            page.wait_for_url(url + "/")
            page.goto(f"{url}/session/{sid}")
            page.wait_for_selector("text=mise à jour en direct")
            pages.append(page)
        events: dict[str, list[tuple[str, str, float]]] = {"début": [], "intervention": [], "fin": []}
        for name in names:
            for page in pages:
                for word in ("1/1 en cours", "entre deux", "terminé"):
                    page.evaluate(WATCH, [name, word])
        for name in names:  # she starts: her run, no intervention begun yet
            t = time.time()
            db.create_run(
                CandidateRun(session=sid, candidate=name, started=t, deadline=t + 3600, items=[Item(index=1)])
            )
            events["début"].append((name, "entre deux", t))
            time.sleep(opts.spacing)
        time.sleep(2)  # each phase seen whole before the next (--spacing 0: a burst)
        for name in names:  # her intervention begins
            item = Item(index=1, status="en_cours", started=time.time())
            db.update_item(sid, name, item)
            events["intervention"].append((name, "1/1 en cours", item.started or 0.0))
            time.sleep(opts.spacing)
        time.sleep(2)
        for name in names:  # she hands in: the run closed
            t = time.time()
            db.update_item(sid, name, Item(index=1, status="remise", started=t - 1, ended=t))
            db.finish_run(sid, name, t)
            events["fin"].append((name, "terminé", t))
            time.sleep(opts.spacing)
        time.sleep(3)
        seen = [page.evaluate("() => window.seen") for page in pages]
        browser.close()
    print(
        f"{opts.candidates} candidats, {opts.browsers} navigateurs du jury, un événement toutes les "
        f"{opts.spacing:g} s ; délai entre l'écriture dans la base et la page à jour :"
    )
    worst_all = 0.0
    for kind, rows in events.items():
        delays, missed = [], 0
        for name, word, t in rows:
            for s in seen:
                got = s.get(f"{name}|{word}")
                if got is None:
                    missed += 1
                else:
                    delays.append(got - t)
        delays.sort()
        if not delays:
            print(f"  {kind:<13} aucun vu ({missed} manqués)")
            continue
        p95 = delays[max(0, int(len(delays) * 0.95) - 1)] if delays else float("nan")
        worst_all = max([worst_all, *delays])
        print(
            f"  {kind:<13} n={len(delays):3d}  médiane {statistics.median(delays):.3f} s  95 % {p95:.3f} s  "
            f"pire {max(delays):.3f} s" + (f"  NON VUS : {missed}" if missed else "")
        )
    print(f"pire délai : {worst_all:.3f} s ({'moins' if worst_all < 1 else 'PLUS'} d'une seconde)")


if __name__ == "__main__":
    main()
