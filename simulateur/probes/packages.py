"""Software probes, read from outside the trainee's shell: the host's dpkg database (its status
file, through the host's root), the installed files against the packages our code built, the
accounting application asked over HTTP in the host's network namespace by the machine's own
Python, a filesystem's free space (statvfs), and the user's data against what the seed wrote."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from simulateur.actions.base import HostPath
from simulateur.actions.packages import PACKAGE_RE, VERSION_RE
from simulateur.depot import data
from simulateur.depot.build import md5sums
from simulateur.depot.recipes import recipe
from simulateur.i18n import tr, trn
from simulateur.lab import nsutil
from simulateur.probes import inspect
from simulateur.probes.base import ProbeBase

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind
    from simulateur.lab.lab import Lab


def dpkg_status(host: HostKind, package: str) -> dict[str, str] | None:
    """The package's stanza of the host's /var/lib/dpkg/status (its own copy, in its overlay)."""
    text = host.read_text("/var/lib/dpkg/status") or ""
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in stanza.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields.get("Package") == package:
            return fields
    return None


class PkgInstalled(ProbeBase):
    probe: Literal["pkg.installed"]
    package: str = Field(pattern=PACKAGE_RE, description="Paquet du dépôt du site.")
    version: str | None = Field(None, pattern=VERSION_RE, description="Version attendue ({param} accepté).")
    held: bool | None = Field(None, description="true : la version doit être bloquée (hold) ; false : ne pas l'être.")
    summary = (
        "Le paquet est installé dans l'hôte (sa base dpkg), à la version attendue, bloqué ou non, et ses "
        "fichiers sont ceux du paquet du dépôt."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        st = dpkg_status(host, self.package)
        if st is None or st.get("Status", "").split()[-1:] != ["installed"]:
            state = st.get("Status", "").split()[-1] if st else tr("probe.pkg.absent")
            return False, tr("probe.pkg.not_installed", package=self.package, host=self.host, state=state)
        version, want, status = st.get("Version", "?"), st.get("Status", "").split()[0], st.get("Status", "")
        shown = tr(
            "probe.pkg.installed",
            package=self.package,
            version=version,
            host=self.host,
            held=tr("probe.pkg.held") if want == "hold" else "",
        )
        expected = lab.render(self.version) if self.version else None
        if expected and version != expected:
            return False, tr("probe.pkg.wrong_version", shown=shown, version=expected)
        if self.held is not None and (want == "hold") != self.held:
            return False, (
                tr("probe.pkg.not_held", shown=shown) if self.held else tr("probe.pkg.held_wrongly", shown=shown)
            )
        if status != f"{want} ok installed":
            return False, tr("probe.pkg.incomplete", shown=shown, status=status)
        r = recipe(self.package, version)
        if r is None:
            return False, tr("probe.pkg.foreign", shown=shown)
        changed = [p for p, md5 in md5sums(r).items() if p not in r.conffiles and _md5(host, p) != md5]
        if changed:
            return False, tr("probe.pkg.modified", shown=shown, files=", ".join(changed))
        return True, shown

    def expected(self, lab: Lab) -> str:
        text = tr("probe.pkg.exp", package=self.package, host=self.host)
        if self.version:
            text += tr("probe.pkg.exp_version", version=lab.render(self.version))
        if self.held is not None:
            text += tr("probe.pkg.exp_held") if self.held else tr("probe.pkg.exp_not_held")
        return text


def _md5(host: HostKind, path: str) -> str | None:
    try:
        return hashlib.md5(host.path(path).read_bytes()).hexdigest()
    except OSError:
        return None


ASK = """\
import json, sys, urllib.request
try:
    with urllib.request.urlopen("http://127.0.0.1:%s/etat" % sys.argv[1], timeout=5) as r:
        print(json.dumps({"code": r.status, "body": r.read().decode()}))
except urllib.error.HTTPError as e:
    print(json.dumps({"code": e.code, "body": e.read().decode()}))
except Exception as e:
    print(json.dumps({"code": 0, "body": str(e)}))
"""


def ask_compta(host: HostKind, port: int) -> tuple[int, dict[str, object] | str]:
    """(HTTP code, JSON answer or error text) of the Compta Pro server of the host."""
    res = host.run_in_netns([sys.executable, "-I", "-c", ASK, str(port)], timeout=10)
    try:
        answer = json.loads(res.stdout)
    except ValueError:
        return 0, (res.stderr or res.stdout).strip()[-200:]
    try:
        return int(answer["code"]), json.loads(answer["body"])
    except (ValueError, TypeError):
        return int(answer.get("code", 0)), str(answer.get("body", ""))[:200]


class ComptaRunning(ProbeBase):
    probe: Literal["compta.running"]
    port: int = Field(8470, ge=1, le=65535, description="Port local du serveur Compta Pro (réglage [serveur] port).")
    version: str | None = Field(None, pattern=VERSION_RE, description="Version attendue ({param} accepté).")
    societe: str | None = Field(None, description="Société de la licence attendue ({param} accepté).")
    settings: dict[str, str] = Field(
        default_factory=dict, description="Réglages que l'application doit avoir chargés (ex. exercice_debut)."
    )
    dossiers: int | None = Field(None, ge=0, description="Nombre de dossiers clients qu'elle doit lire.")
    summary = (
        "Le serveur Compta Pro de l'hôte tourne (le programme du paquet), répond et a chargé la licence "
        "et les réglages attendus."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        procs = [
            p for p in inspect.processes(host) if "/usr/bin/compta-pro" in p.cmdline[:2] and "serveur" in p.cmdline
        ]
        if not procs:
            return False, tr("probe.compta.not_running", host=self.host)
        code, answer = ask_compta(host, self.port)
        deadline = time.monotonic() + 5
        while code == 0 and time.monotonic() < deadline and any(nsutil.alive(p.pid) for p in procs):
            time.sleep(0.2)  # just (re)started: reading the dossiers before it listens
            code, answer = ask_compta(host, self.port)
        if code != 200 or not isinstance(answer, dict):
            why = answer.get("erreur") if isinstance(answer, dict) else answer
            return False, tr("probe.compta.error", host=self.host, why=why)
        dossiers = answer.get("dossiers")
        count = len(dossiers) if isinstance(dossiers, list) else 0
        shown = trn(
            "probe.compta.ok",
            count,
            version=answer.get("version"),
            host=self.host,
            societe=answer.get("societe"),
        )
        checks = []
        if self.version:
            checks.append(("version", lab.render(self.version)))
        if self.societe:
            checks.append(("societe", lab.render(self.societe)))
        checks += [(k, lab.render(v)) for k, v in self.settings.items()]
        wrong = [
            tr("probe.compta.wrong_setting", key=k, value=str(answer.get(k)), want=v)
            for k, v in checks
            if str(answer.get(k)) != v
        ]
        if self.dossiers is not None and count != self.dossiers:
            wrong.append(trn("probe.compta.wrong_dossiers", count, want=self.dossiers))
        if wrong:
            return False, tr("probe.compta.problems", shown=shown, problems=" ; ".join(wrong))
        return True, shown

    def expected(self, lab: Lab) -> str:
        parts = [tr("probe.compta.exp", host=self.host)]
        if self.version:
            parts.append(tr("probe.compta.exp_version", version=lab.render(self.version)))
        if self.societe:
            parts.append(tr("probe.compta.exp_societe", societe=lab.render(self.societe)))
        parts += [f"{k} = {lab.render(v)}" for k, v in self.settings.items()]
        return ", ".join(parts)


class FileMode(ProbeBase):
    probe: Literal["file.private"]
    path: HostPath
    summary = "Le fichier existe et n'est lisible ni modifiable par les autres utilisateurs (pas de droit « o »)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        try:
            st = os.stat(lab.host(self.host).path(self.path))
        except OSError:
            return False, tr("probe.file.absent", path=self.path, host=self.host)
        mode = stat.filemode(st.st_mode)
        if st.st_mode & 0o007:
            return False, tr("probe.file.public", path=self.path, mode=mode)
        return True, tr("probe.file.private", path=self.path, mode=mode)

    def expected(self, lab: Lab) -> str:
        return tr("probe.file.expected", path=self.path)


class DiskFree(ProbeBase):
    probe: Literal["disk.free"]
    path: HostPath
    min_mb: int = Field(ge=1, le=100000, description="Espace libre minimal (Mo).")
    summary = "Le système de fichiers monté sur ce dossier (toujours le même, pas un autre monté par-dessus) a assez d'espace libre."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        target = host.path(self.path)
        try:
            st, parent = os.stat(target), os.stat(target.parent)
            vfs = os.statvfs(target)
        except OSError:
            return False, tr("probe.file.absent", path=self.path, host=self.host)
        if st.st_dev == parent.st_dev:
            return False, tr("probe.disk.unmounted", path=self.path, host=self.host)
        size, free = vfs.f_blocks * vfs.f_frsize / 1048576, vfs.f_bavail * vfs.f_frsize / 1048576
        shown = tr("probe.disk.free", path=self.path, free=free, size=size, used=100 - 100 * free / size)
        return free >= self.min_mb, shown

    def expected(self, lab: Lab) -> str:
        return tr("probe.disk.expected", min=self.min_mb, path=self.path)


class ComptaDossiers(ProbeBase):
    probe: Literal["compta.dossiers"]
    summary = "Les dossiers clients de Compta Pro sont tous là, à leur place, inchangés (comparés à ce que la graine a écrit)."

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        expected = data.digest(data.dossiers(lab.state.seed))
        missing, changed = [], []
        for rel, sha in expected.items():
            try:
                got = hashlib.sha256(host.path(f"{data.DOSSIERS}/{rel}").read_bytes()).hexdigest()
            except OSError:
                missing.append(rel)
                continue
            if got != sha:
                changed.append(rel)
        total = len(expected)
        if missing or changed:
            parts = []
            if missing:
                parts.append(trn("probe.dossiers.missing", len(missing), first=missing[0]))
            if changed:
                parts.append(trn("probe.dossiers.changed", len(changed), first=changed[0]))
            return False, tr("probe.dossiers.ko", host=self.host, parts=", ".join(parts), total=total)
        companies = len({rel.split("/", 1)[0] for rel in expected})
        return True, tr("probe.dossiers.ok", companies=companies, total=total, host=self.host)

    def expected(self, lab: Lab) -> str:
        return tr("probe.dossiers.expected", path=data.DOSSIERS)
