"""The host's software sources, judged as APT would use them: every `deb` source of its
/etc/apt/sources.list and sources.list.d (one-line and deb822 formats) is fetched for real from
the host's network namespace — its name resolved as the host's applications resolve it, its
package index asked over HTTP — and the source must offer the package. With `server`, every
source must be the site's repository (a host that also asks elsewhere is not « le dépôt du site
uniquement »). An unsigned source without [trusted=yes] or signed-by is refused by APT: so here."""

from __future__ import annotations

import base64
import gzip
import json
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import Field

from simulateur.actions.packages import PACKAGE_RE
from simulateur.i18n import tr
from simulateur.lab.names import HOST_RE
from simulateur.probes.base import DNS_NAME_RE, ProbeBase
from simulateur.probes.network import resolve_name

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind
    from simulateur.lab.lab import Lab

FETCH = """\
import base64, http.client, json, sys
addr, port, name, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    c = http.client.HTTPConnection(addr, port, timeout=3)
    c.request("GET", path, headers={"Host": name, "User-Agent": "Debian APT-HTTP/1.3"})
    r = c.getresponse()
    print(json.dumps({"code": r.status, "body": base64.b64encode(r.read(4000000)).decode()}))
except Exception as e:
    print(json.dumps({"code": 0, "body": "", "error": str(e)}))
"""


@dataclass
class Source:
    file: str
    uri: str
    suite: str
    components: list[str]
    trusted: bool

    def indexes(self) -> list[str]:
        """The URLs APT reads the package list from (flat repository: SUITE ends with /)."""
        base = self.uri.rstrip("/") + "/"
        if self.suite.endswith("/"):
            prefix = base + ("" if self.suite in ("./", "/") else self.suite.lstrip("/"))
            return [prefix + "Packages", prefix + "Packages.gz"]
        return [
            f"{base}dists/{self.suite}/{c}/binary-{arch}/{n}"
            for c in self.components
            for arch in ("amd64", "all")
            for n in ("Packages", "Packages.gz")
        ]


_ONE_LINE = re.compile(r"^\s*deb\s+(?:\[(?P<opts>[^\]]*)\]\s+)?(?P<uri>\S+)\s+(?P<suite>\S+)(?P<comps>(?:\s+\S+)*)\s*$")


def _trusted(opts: dict[str, str]) -> bool:
    return opts.get("trusted", "").lower() == "yes" or bool(opts.get("signed-by"))


def parse_sources(files: dict[str, str]) -> list[Source]:
    """The `deb` sources of APT's files (name → text), in APT's order: sources.list then the
    others by name. deb-src, comments and disabled deb822 stanzas are left out."""
    out: list[Source] = []
    for name in sorted(files, key=lambda n: (not n.endswith("sources.list"), n)):
        text = files[name]
        if name.endswith(".sources"):
            for stanza in re.split(r"\n\s*\n", text):
                fields: dict[str, str] = {}
                key = ""
                for line in stanza.splitlines():
                    if line.lstrip().startswith("#"):
                        continue
                    if line[:1] in (" ", "\t") and key:
                        fields[key] += " " + line.strip()
                    elif ":" in line:
                        key, _, value = line.partition(":")
                        key = key.strip().lower()
                        fields[key] = value.strip()
                if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
                    continue
                opts = {k: v for k, v in fields.items() if k in ("trusted", "signed-by")}
                for uri in fields.get("uris", "").split():
                    for suite in fields.get("suites", "").split():
                        out.append(Source(name, uri, suite, fields.get("components", "").split(), _trusted(opts)))
        elif name.endswith(".list"):
            for line in text.splitlines():
                m = _ONE_LINE.match(line.split("#", 1)[0])
                if not m:
                    continue
                opts = dict(o.partition("=")[::2] for o in (m["opts"] or "").split())
                out.append(Source(name, m["uri"], m["suite"], m["comps"].split(), _trusted(opts)))
    return out


def offers(index: str, package: str) -> bool:
    return re.search(rf"^Package:\s*{re.escape(package)}\s*$", index, re.MULTILINE) is not None


class AptSource(ProbeBase):
    probe: Literal["apt.source"]
    package: str = Field(pattern=PACKAGE_RE, description="Paquet que les sources de l'hôte doivent proposer.")
    server: str | None = Field(
        None, pattern=HOST_RE, description="Hôte du dépôt du site : toutes les sources doivent être les siennes."
    )
    summary = (
        "Les sources de logiciels de l'hôte (APT, sources.list et sources.list.d) mènent réellement à un "
        "dépôt qui propose le paquet (index demandé en HTTP depuis l'hôte, nom résolu comme par l'hôte) ; "
        "avec « server », le dépôt du site uniquement."
    )

    def _files(self, host: HostKind) -> dict[str, str]:
        files = {"/etc/apt/sources.list": host.read_text("/etc/apt/sources.list") or ""}
        try:
            names = sorted(p.name for p in host.path("/etc/apt/sources.list.d").iterdir())
        except OSError:
            names = []
        for n in names:
            if n.endswith((".list", ".sources")):
                files[f"/etc/apt/sources.list.d/{n}"] = host.read_text(f"/etc/apt/sources.list.d/{n}") or ""
        return files

    def _fetch(self, host: HostKind, url: str) -> tuple[str | None, str | None, str]:
        """(index text or None, address reached, what happened)."""
        parts = urlsplit(url)
        name = parts.hostname or ""
        if parts.scheme != "http" or not DNS_NAME_RE.match(name):
            return None, None, tr("probe.apt.scheme", url=url)
        addr, how = resolve_name(host, name)
        if addr is None:
            return None, None, how
        res = host.run_in_netns(
            [sys.executable, "-I", "-c", FETCH, addr, str(parts.port or 80), name, parts.path or "/"], timeout=10
        )
        try:
            answer = json.loads(res.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return None, addr, (res.stderr.strip().splitlines() or ["?"])[-1]
        if answer["code"] != 200:
            return None, addr, answer.get("error") or f"HTTP {answer['code']}"
        body = base64.b64decode(answer["body"])
        try:
            text = (gzip.decompress(body) if url.endswith(".gz") else body).decode("utf-8", "replace")
        except OSError as exc:
            return None, addr, str(exc)
        return text, addr, "HTTP 200"

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        sources = parse_sources(self._files(host))
        if not sources:
            return False, tr("probe.apt.none", host=self.host)
        site = lab.address_of(self.server) if self.server else None
        found: list[str] = []
        problems: list[str] = []
        for src in sources:
            label = f"{src.uri} {src.suite}"
            reached: str | None = None
            seen: list[str] = []
            last = "?"
            for url in src.indexes():
                text, addr, what = self._fetch(host, url)
                reached = reached or addr
                if text is not None:
                    seen.append(text)
                    break
                last = what
            if site and reached != site:
                problems.append(tr("probe.apt.foreign", source=label, file=src.file, server=self.server))
                continue
            if not seen:
                problems.append(tr("probe.apt.unreachable", source=label, file=src.file, why=last))
                continue
            if not src.trusted:
                problems.append(tr("probe.apt.unsigned", source=label, file=src.file))
                continue
            if offers(seen[0], self.package):
                found.append(label)
        if found and not (site and problems):
            return True, tr("probe.apt.ok", package=self.package, sources=", ".join(found), host=self.host)
        if not found:
            problems.append(tr("probe.apt.no_package", package=self.package, host=self.host))
        return False, " ; ".join(problems)

    def expected(self, lab: Lab) -> str:
        text = tr("probe.apt.exp", host=self.host, package=self.package)
        if self.server:
            text += tr("probe.apt.exp_only", server=self.server)
        return text
