"""Radicale: the site's contacts and calendar server (CardDAV/CalDAV, Debian's radicale 3.1.8).

Our own configuration (/etc/radicale/config, the machine's is never read): htpasswd accounts with
Apache MD5 hashes (what `htpasswd -m` writes), owner_only rights (each account sees only its own
collections), storage in the host (/var/lib/radicale/collections). The account's collections are
pre-seeded, per seed, with what the user "added on the workstation": an address book `contacts`
(vCards, each with a UID) and a calendar `agenda` (events). The phone's side of the same data
(simulateur/lab/services/vdirsyncer.py) is drawn from the same seed by `account_data`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Literal

from pydantic import Field

from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit

USER_RE = r"^[a-z][a-z0-9._-]{0,31}$"
STORAGE = "/var/lib/radicale/collections"
# collection name → (kind of DAV collection, file extension, display name)
COLLECTIONS: dict[str, tuple[str, str, str]] = {
    "contacts": ("carddav", ".vcf", "Contacts"),
    "agenda": ("caldav", ".ics", "Agenda"),
}

CONFIG = """\
# /etc/radicale/config — serveur de contacts et d'agendas (CardDAV/CalDAV) de {host}
# Voir « man radicale » et /usr/share/doc/radicale. Après une modification : systemctl restart {name}
[server]
hosts = 0.0.0.0:{port}

[auth]
# Comptes : /etc/radicale/users (htpasswd -m /etc/radicale/users COMPTE pour changer un mot de passe)
type = htpasswd
htpasswd_filename = /etc/radicale/users
htpasswd_encryption = md5
# Attente (en secondes, tirée entre 0,5 et 1,5 fois cette valeur) après un mot de passe refusé
delay = 0.25

[rights]
# Chaque compte ne voit que ses propres carnets et agendas : http://{host}:{port}/COMPTE/
type = owner_only

[storage]
filesystem_folder = {storage}

[logging]
level = info
mask_passwords = True
"""

# A started unit is a server that answers: wait (at most 3 s) for its port.
WAIT_READY = (
    "/bin/bash -c 'for i in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null "
    "&& exit 0; sleep 0.01; done; exit 1'"
)


# --- the seeded data of one account ----------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    uid: str
    label: str  # what a person reads: the contact's name, the event's title
    text: str  # the vCard or iCalendar object, CRLF line ends


@dataclass(frozen=True)
class AccountData:
    server: dict[str, list[Item]]  # collection → items the server holds (added on the workstation)
    phone: dict[str, list[Item]]  # collection → items the phone holds before the sync
    phone_only: dict[str, list[Item]]  # the phone's own new items (created on the phone)


FIRST = [
    "Camille",
    "Julien",
    "Nathalie",
    "Sophie",
    "Thomas",
    "Isabelle",
    "Karim",
    "Élodie",
    "Marc",
    "Amandine",
    "Pierre",
    "Sandrine",
    "Yannick",
    "Fatima",
    "Olivier",
    "Chantal",
    "Hugo",
    "Laetitia",
    "Rachid",
    "Valérie",
]
LAST = [
    "Lefèvre",
    "Moreau",
    "Garnier",
    "Roux",
    "Fontaine",
    "Chevalier",
    "Benali",
    "Mercier",
    "Girard",
    "Perrin",
    "Lambert",
    "Bonnet",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
]
ORGS = [
    "Boulangerie Morel",
    "Garage des Platanes",
    "Cabinet Rives",
    "SCI Les Tilleuls",
    "Pharmacie du Port",
    "Transports Vidal",
    "Librairie Océane",
    "Menuiserie Brun",
    "Hôtel du Marché",
    "Ferme des Prés",
]
EVENTS = [
    "Rendez-vous client",
    "Réunion d'équipe",
    "Bilan trimestriel",
    "Formation logiciel de paie",
    "Point TVA avec l'expert-comptable",
    "Visite chez un client",
    "Entretien annuel",
]


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _vcard(rng: random.Random, first: str, last: str, org: str) -> Item:
    uid = _uid(rng)
    phone = f"0{rng.choice('67')} " + " ".join(f"{rng.randrange(100):02d}" for _ in range(4))
    mail = f"{first.lower()}.{last.lower()}@exemple.fr".translate(str.maketrans("éèëç", "eeec"))
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "PRODID:-//simulateur//poste de travail//FR",
        f"UID:{uid}",
        f"FN:{first} {last}",
        f"N:{last};{first};;;",
        f"ORG:{org}",
        f"TEL;TYPE=CELL:{phone}",
        f"EMAIL;TYPE=WORK:{mail}",
        "END:VCARD",
    ]
    return Item(uid, f"{first} {last}", "\r\n".join(lines) + "\r\n")


def _event(rng: random.Random, title: str, day: dt.date) -> Item:
    uid = _uid(rng)
    start = dt.datetime.combine(day, dt.time(rng.choice([9, 10, 11, 14, 15, 16])))
    end = start + dt.timedelta(hours=1)
    fmt = "%Y%m%dT%H%M%S"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//simulateur//poste de travail//FR",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20240102T080000Z",
        f"DTSTART:{start.strftime(fmt)}",
        f"DTEND:{end.strftime(fmt)}",
        f"SUMMARY:{title}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return Item(uid, f"{title} ({day.strftime('%d/%m')})", "\r\n".join(lines) + "\r\n")


@lru_cache(maxsize=32)
def account_data(seed: int, user: str, today: dt.date | None = None) -> AccountData:
    """Everything one account holds, drawn from the seed (UIDs and labels do not depend on `today`,
    only the events' dates do: probes compare by UID)."""
    rng = random.Random(f"{seed}/agenda/{user}")
    day = today or dt.date.today()
    people = zip(rng.sample(FIRST, 6), rng.sample(LAST, 6), rng.sample(ORGS, 6))
    cards = [_vcard(rng, first, last, org) for first, last, org in people]
    titles = rng.sample(EVENTS, 3)
    events = [
        _event(rng, titles[0], day - dt.timedelta(days=rng.randint(5, 20))),
        _event(rng, titles[1], day + dt.timedelta(days=1)),
        _event(rng, titles[2], day + dt.timedelta(days=rng.randint(3, 10))),
    ]
    # Synchronised long ago: cards[0:2] and events[0] are on both sides. Since then the user added
    # cards[2:5] and events[1:] on the workstation (server only), and cards[5] on the phone.
    return AccountData(
        server={"contacts": cards[:5], "agenda": events},
        phone={"contacts": cards[:2] + cards[5:], "agenda": events[:1]},
        phone_only={"contacts": cards[5:], "agenda": []},
    )


# --- Apache MD5 (htpasswd -m) --------------------------------------------------------------------
_ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def apr1(password: str, salt: str) -> str:
    """The `$apr1$` hash `htpasswd -m` writes (Apache's MD5-crypt variant)."""
    pw, sb = password.encode(), salt.encode()[:8]
    ctx = pw + b"$apr1$" + sb
    alt = hashlib.md5(pw + sb + pw).digest()
    for i in range(len(pw), 0, -16):
        ctx += alt[: min(16, i)]
    i = len(pw)
    while i:
        ctx += b"\0" if i & 1 else pw[:1]
        i >>= 1
    final = hashlib.md5(ctx).digest()
    for i in range(1000):
        step = (pw if i & 1 else final) + (sb if i % 3 else b"") + (pw if i % 7 else b"")
        final = hashlib.md5(step + (final if i & 1 else pw)).digest()

    def to64(value: int, n: int) -> str:
        out = ""
        for _ in range(n):
            out += _ITOA64[value & 0x3F]
            value >>= 6
        return out

    f = final
    digest = "".join(
        to64((f[a] << 16) | (f[b] << 8) | f[c], 4)
        for a, b, c in ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5))
    ) + to64(f[11], 2)
    return f"$apr1${salt[:8]}${digest}"


class Radicale(ServiceBase):
    type: Literal["radicale"]
    name: str = Field("radicale", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    port: int = Field(5232, ge=1, le=65535, description="Port HTTP (CardDAV/CalDAV).")
    user: str = Field(
        pattern=USER_RE, description="Compte de l'utilisateur (ses carnets : /COMPTE/contacts/, /COMPTE/agenda/)."
    )
    password: str = Field(min_length=4, pattern=r"^[^\s:]+$", description="Mot de passe du compte ({param} accepté).")
    # Radicale is a Python program: the kernel shows the interpreter as its executable.
    binary: ClassVar[str] = os.path.realpath("/usr/bin/python3")

    def ports(self) -> list[tuple[str, int]]:
        return [("tcp", self.port)]

    def collection_path(self, collection: str) -> str:
        """URL path of one of the account's collections (also its folder under the storage)."""
        return f"/{self.user}/{collection}/"

    def files(self, ctx: ServiceContext) -> Files:
        salt = "".join(random.Random(f"{ctx.seed}/htpasswd/{self.user}").choice(_ITOA64) for _ in range(8))
        files: Files = {
            "/etc/radicale/": ("", 0o755),  # ours only: Debian's config and rights never show
            "/var/lib/radicale/": ("", 0o755),
            "/etc/radicale/config": (
                CONFIG.format(host=ctx.host, name=self.name, port=self.port, storage=STORAGE),
                0o644,
            ),
            "/etc/radicale/users": (f"{self.user}:{apr1(self.password, salt)}\n", 0o640),
        }
        data = account_data(ctx.seed, self.user)
        for collection, (kind, ext, display) in COLLECTIONS.items():
            folder = f"{STORAGE}/collection-root{self.collection_path(collection)}"
            tag = "VADDRESSBOOK" if kind == "carddav" else "VCALENDAR"
            props = {"D:displayname": display, "tag": tag}
            if kind == "caldav":
                props["C:supported-calendar-component-set"] = "VEVENT,VTODO,VJOURNAL"
            files[f"{folder}.Radicale.props"] = (json.dumps(props) + "\n", 0o644)
            for item in data.server[collection]:
                files[f"{folder}{item.uid}{ext}"] = (item.text, 0o644)
        files[f"/etc/systemd/system/{self.name}.service"] = (
            unit(
                "Radicale - serveur de contacts et d'agendas (CardDAV/CalDAV)",
                "/usr/bin/radicale --config /etc/radicale/config",
                extra=[f"ExecStartPost={WAIT_READY.format(port=self.port)}"],
            ),
            0o644,
        )
        return files
