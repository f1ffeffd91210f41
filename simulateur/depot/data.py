"""The data of Compta Pro on a workstation, drawn from the lab's seed: the client companies'
dossiers (the user's data, never to be lost) and what fills a data partition (logs, rotated logs,
a runaway debug log, export caches). Probes recompute the same files from the seed to check that
the user's data is intact."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from functools import lru_cache

DOSSIERS = "/var/lib/compta-pro/dossiers"
JOURNAUX = "/var/lib/compta-pro/journaux"
CACHE = "/var/lib/compta-pro/cache"

COMPANIES = [
    "Boulangerie Martin",
    "Garage Dupuis",
    "Cabinet Lefèvre",
    "Fleurs de Provence",
    "Menuiserie Roux",
    "Pharmacie du Centre",
    "Transports Girard",
    "Hôtel des Pins",
    "Librairie Bonnet",
    "Plomberie Faure",
    "Atelier Mercier",
    "Café de la Gare",
]
ACCOUNTS = [
    ("401000", "Fournisseurs"),
    ("411000", "Clients"),
    ("512000", "Banque"),
    ("601000", "Achats"),
    ("606300", "Petit équipement"),
    ("613200", "Locations"),
    ("626000", "Télécommunications"),
    ("706000", "Prestations de services"),
    ("707000", "Ventes de marchandises"),
    ("445660", "TVA déductible"),
    ("445710", "TVA collectée"),
]
JOURNALS = ["AC", "VT", "BQ", "OD"]


def slug(name: str) -> str:
    table = str.maketrans("àâäéèêëîïôöùûüç", "aaaeeeeiioouuuc")
    return "".join(c if c.isalnum() else "-" for c in name.lower().translate(table)).strip("-")


@lru_cache(maxsize=16)
def dossiers(seed: int, count: int = 4, entries: int = 8000) -> dict[str, bytes]:
    """Relative path under DOSSIERS → content, for `count` companies (about 200 kB each per 1000 entries)."""
    rng = random.Random(f"{seed}/compta/dossiers")
    files: dict[str, bytes] = {}
    for name in rng.sample(COMPANIES, count):
        base = slug(name)
        files[f"{base}/dossier.ini"] = (
            f"[dossier]\nraison_sociale = {name}\nformat = 3\nexercice = 2025\n"
            f"siret = {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)} 000{rng.randint(10, 99)}\n"
        ).encode()
        rows = ["journal;date;piece;compte;libelle;debit;credit"]
        day = dt.date(2025, 1, 1)
        for n in range(entries):
            day += dt.timedelta(days=rng.random() < 0.08)
            account, label = rng.choice(ACCOUNTS)
            amount = f"{rng.randint(5, 5000)}.{rng.randint(0, 99):02d}"
            debit, credit = (amount, "") if rng.random() < 0.5 else ("", amount)
            rows.append(
                f"{rng.choice(JOURNALS)};{day.isoformat()};P{n + 1:05d};{account};{label} {rng.randint(1, 999)};"
                f"{debit};{credit}"
            )
        files[f"{base}/ecritures.csv"] = ("\n".join(rows) + "\n").encode()
        for m in range(1, 4):
            files[f"{base}/pieces/releve-bancaire-2025-{m:02d}.txt"] = "\n".join(
                f"{d:02d}/{m:02d}/2025  {rng.choice(['VIR', 'PRLV', 'CB', 'CHQ'])} {rng.randint(1000, 99999)}"
                f"  {rng.randint(5, 3000)},{rng.randint(0, 99):02d}"
                for d in range(1, 29)
            ).encode()
    return files


def digest(files: dict[str, bytes]) -> dict[str, str]:
    return {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}


def log_lines(seed: int, kind: str, size: int, start: dt.datetime) -> bytes:
    """About `size` bytes of the application's log: normal (info) or debug lines (a block of
    about 1 MB is drawn, then repeated: `du` and `tail` see a real log)."""
    rng = random.Random(f"{seed}/compta/log/{kind}")
    out: list[str] = []
    total = 0
    t = start
    companies = rng.sample(COMPANIES, 4)
    block = min(size, 1 << 20)
    while total < block:
        t += dt.timedelta(milliseconds=rng.randint(5, 400) if kind == "debug" else rng.randint(2000, 90000))
        stamp = t.strftime("%Y-%m-%d %H:%M:%S")
        who = rng.choice(companies)
        if kind == "debug":
            line = (
                f"{stamp} [DEBUG] requête GET /api/ecritures?dossier={slug(who)}&page={rng.randint(1, 400)} "
                f"({rng.randint(1, 90)} ms, {rng.randint(2, 180)} lignes, cache={'hit' if rng.random() < 0.7 else 'miss'})"
            )
        else:
            line = rng.choice(
                [
                    f"{stamp} [INFO] dossier {who} : {rng.randint(1, 40)} écriture(s) enregistrée(s)",
                    f"{stamp} [INFO] export du grand livre de {who} (CSV)",
                    f"{stamp} [INFO] sauvegarde automatique de {who} terminée",
                    f"{stamp} [INFO] connexion de l'utilisateur compta depuis 127.0.0.1",
                ]
            )
        out.append(line)
        total += len(line.encode()) + 1
    text = ("\n".join(out) + "\n").encode()
    return text * max(1, size // len(text))


def rotated_logs(seed: int, count: int, size: int) -> dict[str, bytes]:
    """Old rotated logs compta-pro.log.1 … .N (rotation without compression), `size` bytes each."""
    now = dt.datetime(2025, 11, 1, 8, 0)
    return {
        f"compta-pro.log.{n}": log_lines(seed + n, "info", size, now - dt.timedelta(days=7 * n))
        for n in range(1, count + 1)
    }


def export_cache(seed: int, count: int, size: int) -> dict[str, bytes]:
    """Temporary export files left in the cache (exports never cleaned)."""
    rng = random.Random(f"{seed}/compta/cache")
    return {f"exports/export-{rng.randint(100000, 999999)}.tmp": rng.randbytes(size) for _ in range(count)}
