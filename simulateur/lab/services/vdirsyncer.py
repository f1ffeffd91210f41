"""The phone's side of contacts and calendar synchronisation: no daemon, only files — the real
`vdirsyncer` CLI (Debian's 0.19) is run by whoever works on the phone.

  - its configuration ~/.config/vdirsyncer/config: two pairs (contacts, agenda), each syncing a
    local folder of the phone (filesystem storage) with one of the account's collections on the
    Radicale server (carddav / caldav storage), `collections = null` (no prompts);
  - the phone's stores, the folders its contacts and calendar apps read:
    ~/.local/share/telephone/contacts/*.vcf and ~/.local/share/telephone/agenda/*.ics,
    holding what was synchronised long ago plus a contact created on the phone since;
  - the phone's keystore ~/.local/share/coffre/ (0700, files 0600): the account's password, which
    the configuration reads with `password.fetch` — it is never written in the configuration.

The data is drawn from the seed by the server's module (radicale.account_data), so both sides agree.
No status yet: `vdirsyncer discover` is needed before the first `vdirsyncer sync`.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from simulateur.lab.names import HOST_RE
from simulateur.lab.services.base import Files, ServiceBase, ServiceContext
from simulateur.lab.services.radicale import COLLECTIONS, USER_RE, account_data

HOME = "/root"

CONFIG = """\
# Synchronisation des contacts et de l'agenda du téléphone avec le serveur du bureau
# (vdirsyncer — https://vdirsyncer.pimutils.org/). Après TOUTE modification de ce fichier :
#     vdirsyncer discover      (une fois)
#     vdirsyncer sync          (à chaque synchronisation)
# Les valeurs sont écrites en JSON : "texte" entre guillemets, null, [listes].

[general]
status_path = "~/.local/share/vdirsyncer/status/"
{pairs}"""

PAIR = """
# --- {title} : le téléphone (a) <-> le serveur du bureau (b)
[pair {name}]
a = "telephone_{name}"
b = "bureau_{name}"
collections = null
conflict_resolution = "b wins"

[storage telephone_{name}]
# Dossier lu par l'application {app} du téléphone (ne pas le déplacer)
type = "filesystem"
path = "~/.local/share/telephone/{name}/"
fileext = "{ext}"

[storage bureau_{name}]
type = "{kind}"
url = "{url}{user}/{name}/"
username = "{user}"
# Règle de sécurité : le mot de passe est rangé dans le coffre du téléphone, jamais écrit ici.
password.fetch = ["command", "cat", "~/.local/share/coffre/{user}"]
"""

APPS = {"contacts": ("Contacts", "Contacts"), "agenda": ("Agenda", "Agenda")}


class Vdirsyncer(ServiceBase):
    type: Literal["vdirsyncer"]
    name: str = Field("synchro", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    server: str = Field(pattern=HOST_RE, description="Hôte du serveur Radicale (pour les sondes).")
    url: str = Field(pattern=r"^https?://\S+/$", description="Adresse du serveur, finie par « / » ({param} accepté).")
    user: str = Field(pattern=USER_RE, description="Compte sur le serveur.")
    password: str = Field(min_length=4, pattern=r"^[^\s:]+$", description="Mot de passe rangé dans le coffre.")
    daemon: ClassVar[bool] = False
    home: ClassVar[str] = HOME
    config_path: ClassVar[str] = f"{HOME}/.config/vdirsyncer/config"
    keystore: ClassVar[str] = f"{HOME}/.local/share/coffre"

    @staticmethod
    def store(collection: str) -> str:
        """The phone's folder for one collection (what its app shows)."""
        return f"{HOME}/.local/share/telephone/{collection}"

    def files(self, ctx: ServiceContext) -> Files:
        pairs = "".join(
            PAIR.format(
                name=name, title=APPS[name][0], app=APPS[name][1], kind=kind, ext=ext, url=self.url, user=self.user
            )
            for name, (kind, ext, _) in COLLECTIONS.items()
        )
        files: Files = {
            self.config_path: (CONFIG.format(pairs=pairs), 0o600),
            f"{self.keystore}/": ("", 0o700),
            f"{self.keystore}/{self.user}": (self.password + "\n", 0o600),
        }
        data = account_data(ctx.seed, self.user)
        for name, (_, ext, _) in COLLECTIONS.items():
            files[f"{self.store(name)}/"] = ("", 0o755)
            for item in data.phone[name]:
                files[f"{self.store(name)}/{item.uid}{ext}"] = (item.text, 0o644)
        return files
