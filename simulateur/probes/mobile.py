"""Probes of a phone's contacts and calendar synchronisation with the site's Radicale server.

The phone (a host with a `vdirsyncer` file set) keeps its data in plain folders its apps read;
the server (a host with a `radicale` service) is asked live over HTTP. What the user "added on the
workstation" and what she created on the phone are drawn from the lab's seed
(radicale.account_data): the probes know them by UID, whatever the trainee deletes or adds.

Every HTTP request is made by simulateur itself (never by a tool of the host): a socket opened in
the right host's network namespace, to an IP address (no resolver of the machine is ever used).
"""

from __future__ import annotations

import base64
import configparser
import errno
import http.client
import json
import os
import re
import socket
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import Field

from simulateur.errors import SimError
from simulateur.i18n import N_, tr
from simulateur.lab import nsutil
from simulateur.lab.names import HOST_RE
from simulateur.lab.services.radicale import COLLECTIONS, AccountData, Radicale, account_data
from simulateur.lab.services.vdirsyncer import Vdirsyncer
from simulateur.probes.base import ProbeBase
from simulateur.probes.network import resolve_name

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind
    from simulateur.lab.lab import Lab

Collection = Literal["contacts", "agenda"]
PROPFIND = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<propfind xmlns="DAV:"><prop><resourcetype/>'
    b"<displayname/></prop></propfind>\n"
)
MAX_SCAN = 1 << 20  # files larger than this are not searched for the password


# --- helpers ---------------------------------------------------------------------------------------
def radicale(lab: Lab, host: str) -> Radicale:
    """The Radicale service of a host of the lab."""
    for service in lab.topology.hosts[host].services if host in lab.topology.hosts else []:
        if isinstance(service, Radicale):
            return service
    raise SimError(tr("mobile.no_service", host=host, kind="radicale"))


def seeded(lab: Lab, server: str) -> AccountData:
    return account_data(lab.state.seed, radicale(lab, server).user)


def http_request(
    netns: str,
    addr: str,
    port: int,
    method: str,
    path: str,
    *,
    user: str | None = None,
    password: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 4,
) -> tuple[int, bytes]:
    """One HTTP request from a host's network namespace to an IP address: (status, body)."""
    with nsutil.inside_netns(netns):
        sock = socket.create_connection((addr, port), timeout=timeout)
    conn = http.client.HTTPConnection(addr, port, timeout=timeout)
    conn.sock = sock
    try:
        hdrs = {"User-Agent": tr("mobile.user_agent"), **(headers or {})}  # so named in the server's log
        if user is not None:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            hdrs["Authorization"] = f"Basic {token}"
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def uids(text: str) -> set[str]:
    """UIDs of the vCards / calendar objects in a text (folded lines unfolded first)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    return {m.strip() for m in re.findall(r"^UID(?:;[^:\r\n]*)?:(.*?)\r?$", unfolded, re.MULTILINE)}


def server_uids(lab: Lab, server: str, collection: str) -> set[str]:
    """UIDs the server serves now in the account's collection (GET of the whole collection, as the
    account, from the server's own network namespace: the phone's network plays no part)."""
    spec = radicale(lab, server)
    host = lab.host(server)
    try:
        status, body = http_request(
            host.netns,
            lab.address_of(server),
            spec.port,
            "GET",
            spec.collection_path(collection),
            user=spec.user,
            password=spec.password,
        )
    except OSError as exc:
        raise SimError(tr("mobile.server_down", host=server, port=spec.port, why=_why(exc))) from None
    if status != 200:
        raise SimError(tr("mobile.server_status", host=server, path=spec.collection_path(collection), status=status))
    return uids(body.decode(errors="replace"))


def phone_uids(host: HostKind, collection: str) -> set[str]:
    """UIDs of the items in the phone's folder for a collection (what its app shows). As in any
    vdir, one file is one item: a file holding several items (a whole address book pasted into
    one .vcf) is not something the phone's app reads, and counts for nothing."""
    ext = COLLECTIONS[collection][1]
    found: set[str] = set()
    try:
        entries = list(host.path(Vdirsyncer.store(collection)).iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return found
    for entry in entries:
        if entry.name.endswith(ext) and entry.is_file():
            # Read through the host's root: an item may be a link the trainee made (confine.py).
            mine = uids(host.read_text(f"{Vdirsyncer.store(collection).rstrip('/')}/{entry.name}") or "")
            if len(mine) == 1:
                found |= mine
    return found


def _why(exc: OSError) -> str:
    if isinstance(exc, socket.timeout) or exc.errno == errno.ETIMEDOUT:
        return tr("mobile.why.timeout")
    if exc.errno == errno.ECONNREFUSED:
        return tr("mobile.why.refused")
    if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return tr("mobile.why.unreachable")
    return exc.strerror or str(exc)


def _names(items: list[str], limit: int = 4) -> str:
    return ", ".join(items[:limit]) + (" …" if len(items) > limit else "")


# --- probes ----------------------------------------------------------------------------------------
class DavSynced(ProbeBase):
    """Server → phone. Proves that every item the user added on the workstation (known by UID from
    the seed) is both still served by the server now (live GET, as the account) and present in the
    phone's folder that its app reads. It does not say how the items got there: `dav.account`
    proves that the phone's own configuration reaches the server."""

    probe: Literal["dav.synced"]
    server: str = Field(pattern=HOST_RE, description="Hôte du serveur Radicale.")
    collection: Collection = Field(description="contacts (carnet d'adresses) ou agenda (calendrier).")
    summary = "Les éléments du compte sur le serveur (contacts ou agenda) sont dans le téléphone (par UID)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        items = seeded(lab, self.server).server[self.collection]
        on_server = server_uids(lab, self.server, self.collection)
        on_phone = phone_uids(lab.host(self.host), self.collection)
        one, many = tr(f"mobile.noun.{self.collection}"), tr(f"mobile.nouns.{self.collection}")
        gone = [i.label for i in items if i.uid not in on_server]
        if gone:
            return False, tr("mobile.synced.gone", n=len(gone), nouns=many, server=self.server, names=_names(gone))
        missing = [i.label for i in items if i.uid not in on_phone]
        if missing:
            return False, tr(
                "mobile.synced.missing",
                n=len(missing),
                noun=one if len(missing) == 1 else many,
                host=self.host,
                present=len(items) - len(missing),
                total=len(items),
                names=_names(missing),
            )
        return True, tr(
            "mobile.synced.ok", n=len(items), nouns=many, host=self.host, names=_names([i.label for i in items])
        )

    def expected(self, lab: Lab) -> str:
        return tr(
            "mobile.synced.expected", nouns=tr(f"mobile.nouns.{self.collection}"), server=self.server, host=self.host
        )


class DavUploaded(ProbeBase):
    """Phone → server. Proves that the items created on the phone (known by UID from the seed) are
    served by the server now (live GET, as the account) and are still on the phone."""

    probe: Literal["dav.uploaded"]
    server: str = Field(pattern=HOST_RE, description="Hôte du serveur Radicale.")
    collection: Collection = Field("contacts", description="contacts (carnet d'adresses) ou agenda (calendrier).")
    summary = "Les éléments créés sur le téléphone sont arrivés sur le serveur (par UID)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        items = seeded(lab, self.server).phone_only[self.collection]
        on_server = server_uids(lab, self.server, self.collection)
        on_phone = phone_uids(lab.host(self.host), self.collection)
        labels = _names([i.label for i in items])
        lost = [i.label for i in items if i.uid not in on_phone and i.uid not in on_server]
        if lost:
            return False, tr("mobile.uploaded.lost", names=_names(lost), host=self.host, server=self.server)
        missing = [i.label for i in items if i.uid not in on_server]
        if missing:
            return False, tr("mobile.uploaded.missing", names=_names(missing), host=self.host, server=self.server)
        return True, tr("mobile.uploaded.ok", names=labels, host=self.host, server=self.server)

    def expected(self, lab: Lab) -> str:
        return tr("mobile.uploaded.expected", host=self.host, server=self.server)


class DavAccount(ProbeBase):
    """The phone's configuration, as it is now, reaches the account's collections. Reads the file
    vdirsyncer reads (~/.vdirsyncer/config, else ~/.config/vdirsyncer/config) and, for each
    collection, a carddav/caldav storage used by a pair: its host name resolved as the phone does
    (/etc/hosts, then its DNS), its password as vdirsyncer gets it (written, or `password.fetch`:
    the command is run in the phone, at most 5 s; a `prompt` is taken as the documented password
    typed by the user), then a real authenticated PROPFIND from the phone's network namespace. Passes
    only if that request reaches the server's Radicale and is accepted on the account's own collection.
    Copying the data by hand, or pointing at another address, does not pass."""

    probe: Literal["dav.account"]
    server: str = Field(pattern=HOST_RE, description="Hôte du serveur Radicale.")
    summary = "La configuration de synchronisation du téléphone joint le compte sur le serveur (requête réelle)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        path, storages, problem = read_config(host)
        if problem:
            return False, problem
        # Both collections at once: a refused password costs about a second at Radicale's (on purpose).
        with ThreadPoolExecutor(max_workers=len(COLLECTIONS)) as pool:
            results = list(pool.map(lambda c: self._check(lab, host, c, storages), COLLECTIONS))
        ok = all(r[0] for r in results)
        return ok, tr("mobile.account.result", path=path, results=" ; ".join(r[1] for r in results))

    def _check(
        self, lab: Lab, host: HostKind, collection: str, storages: dict[str, dict[str, object]]
    ) -> tuple[bool, str]:
        spec = radicale(lab, self.server)
        kind = COLLECTIONS[collection][0]
        mine = {n: o for n, o in storages.items() if o.get("type") == kind}
        if not mine:
            return False, tr("mobile.account.no_storage", collection=collection, kind=kind)
        texts = []
        for name, opts in mine.items():
            ok, text = self._storage(lab, host, spec, collection, opts)
            if ok:
                return True, tr("mobile.account.collection", collection=collection, text=text)
            texts.append(tr("mobile.account.storage", name=name, text=text))
        return False, tr("mobile.account.collection", collection=collection, text=" ; ".join(texts))

    def _storage(
        self, lab: Lab, host: HostKind, spec: Radicale, collection: str, opts: dict[str, object]
    ) -> tuple[bool, str]:
        url = opts.get("url")
        if not isinstance(url, str) or not url:
            return False, tr("mobile.account.no_url")
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            return False, tr("mobile.account.not_http", url=url)
        try:
            port = parts.port or 80
        except ValueError:
            return False, tr("mobile.account.bad_port", url=url)
        if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", parts.hostname):
            addr = parts.hostname
        else:
            resolved, via = resolve_name(host, parts.hostname)
            if resolved is None:
                return False, tr("mobile.account.url_why", url=url, why=via)
            addr = resolved
        user = opts.get("username")
        password, how = fetch_password(host, opts, spec.password)
        if password is None:
            return False, tr("mobile.account.no_password", url=url, how=how)
        where = tr("mobile.account.where", url=url, addr=addr, port=port)
        try:
            status, _ = http_request(
                host.netns,
                addr,
                port,
                "PROPFIND",
                parts.path or "/",
                user=str(user or ""),
                password=password,
                headers={"Depth": "0", "Content-Type": "application/xml"},
                body=PROPFIND,
            )
        except OSError as exc:
            return False, tr("mobile.account.where_why", where=where, why=_why(exc))
        except http.client.HTTPException:
            return False, tr("mobile.account.not_dav", where=where)
        if status == 401:
            return False, tr("mobile.account.refused", where=where, how=how)
        if status in (403, 404):
            return False, tr("mobile.account.forbidden", where=where, status=status)
        if status != 207:
            return False, tr("mobile.account.unexpected", where=where, status=status)
        right = (
            addr == lab.address_of(self.server)
            and port == spec.port
            and parts.path.rstrip("/") == spec.collection_path(collection).rstrip("/")
        )
        if not right:
            return False, tr("mobile.account.other_account", where=where, user=spec.user, server=self.server)
        return True, tr("mobile.account.ok", where=where, user=user, how=how)

    def expected(self, lab: Lab) -> str:
        spec = radicale(lab, self.server)
        return tr("mobile.account.expected", host=self.host, user=spec.user, server=self.server)


class DavSecret(ProbeBase):
    """The site's security rule on the phone: the account's password is written in clear in no file
    of the phone but its keystore, and the keystore's files are readable by their owner only.
    Searches every file the phone has written since it was built (its overlay's upper layer: the
    configuration, anything the trainee created) and its /tmp and /dev/shm, for the password as it
    is; the shell history (~/.bash_history) is left out. A password stored encoded or in another
    form is not found: that is the trainee's choice, for the jury to see."""

    probe: Literal["dav.secret"]
    server: str = Field(pattern=HOST_RE, description="Hôte du serveur Radicale (le mot de passe du compte).")
    summary = "Le mot de passe du compte n'est écrit en clair nulle part sur le téléphone hors de son coffre."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        secret = radicale(lab, self.server).password.encode()
        keystore = Vdirsyncer.keystore.rstrip("/") + "/"
        upper = lab.state.dir / "hosts" / self.host / "upper"
        roots = [(upper, "/"), (host.path("/tmp"), "/tmp/"), (host.path("/dev/shm"), "/dev/shm/")]
        leaks, loose = [], []
        for root, prefix in roots:
            for real, inside in _files(root, prefix):
                if inside == "/root/.bash_history":
                    continue
                try:
                    st = real.lstat()
                    if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SCAN or secret not in real.read_bytes():
                        continue
                except OSError:
                    continue
                if inside.startswith(keystore):
                    if st.st_mode & 0o077:
                        loose.append(f"{inside} ({stat.filemode(st.st_mode)})")
                else:
                    leaks.append(inside)
        if leaks:
            return False, tr("mobile.secret.leak", files=_names(sorted(leaks)))
        if loose:
            return False, tr("mobile.secret.loose", files=_names(loose))
        return True, tr("mobile.secret.ok", host=self.host, keystore=keystore)

    def expected(self, lab: Lab) -> str:
        return tr("mobile.secret.expected", host=self.host)


def _files(root: Path, prefix: str) -> list[tuple[Path, str]]:
    out = []
    for dirpath, _dirnames, filenames in os.walk(root, followlinks=False):
        rel = os.path.relpath(dirpath, root)
        base = prefix if rel == "." else prefix + rel + "/"
        out += [(Path(dirpath) / f, base + f) for f in filenames]
    return out


# --- the phone's configuration, read as vdirsyncer reads it ---------------------------------------------
def config_file(host: HostKind) -> str:
    legacy = f"{Vdirsyncer.home}/.vdirsyncer/config"
    return legacy if host.path(legacy).is_file() else Vdirsyncer.config_path


def read_config(host: HostKind) -> tuple[str, dict[str, dict[str, object]], str | None]:
    """(path, storages used by a pair → options with JSON values decoded, problem or None)."""
    path = config_file(host)
    text = host.read_text(path)
    if text is None:
        return path, {}, tr("mobile.config.missing", path=path)
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        return path, {}, tr("mobile.config.unreadable", path=path, why=str(exc).splitlines()[0])
    storages: dict[str, dict[str, object]] = {}
    used: set[str] = set()
    for section in parser.sections():
        kind, _, name = section.partition(" ")
        try:
            opts = {k: json.loads(v) for k, v in parser.items(section)}
        except ValueError as exc:
            return path, {}, tr("mobile.config.not_json", path=path, section=section, why=exc)
        if kind == "storage":
            storages[name] = opts
        elif kind == "pair":
            used |= {str(opts.get("a")), str(opts.get("b"))}
    return path, {n: o for n, o in storages.items() if n in used}, None


def fetch_password(host: HostKind, opts: dict[str, object], documented: str) -> tuple[str | None, str]:
    """The password vdirsyncer would use, and how it gets it."""
    if "password" in opts:
        return str(opts["password"]), tr("mobile.password.written")
    fetch = opts.get("password.fetch")
    if not isinstance(fetch, list) or not fetch:
        return None, tr("mobile.password.none")
    strategy, args = str(fetch[0]), [str(a) for a in fetch[1:]]
    if strategy == "prompt":
        return documented, tr("mobile.password.prompt")
    if strategy == "command" and args:
        argv = [Vdirsyncer.home + a[1:] if a == "~" or a.startswith("~/") else a for a in args]
    elif strategy == "shell" and args:
        argv = ["sh", "-c", " ".join(args)]
    else:
        return None, tr("mobile.password.unknown", fetch=fetch)
    res = host.run(argv, timeout=5)
    value = res.stdout.strip("\n")
    if res.returncode != 0 or not value:
        why = (res.stderr.strip().splitlines() or [tr("mobile.password.code", code=res.returncode)])[-1]
        return None, tr("mobile.password.failed", command=" ".join(args), why=why)
    return value, tr("mobile.password.command", command=" ".join(args))


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("mobile.noun.agenda"),
    N_("mobile.noun.contacts"),
    N_("mobile.nouns.agenda"),
    N_("mobile.nouns.contacts"),
)
