"""What the lab's APT repository holds: each package version as a recipe (its files, its control
fields, its maintainer scripts). The programs themselves are files beside this module.

Compta Pro, the accounting application of the scenarios, exists in several versions:
  2.2.4, 2.3.0, 2.3.1  work (dossier format 3);
  2.4.0                reads dossier format 4 and migrates older dossiers at start-up, with a bug:
                       it looks for a column the format-3 files do not have and refuses to start
                       (it changes nothing on disk). A fresh installation with no dossier starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SOURCES = Path(__file__).resolve().parent

MIGRATE_NONE = """\
def migrate(rows, path, name, log):
    return rows"""

MIGRATE_BUGGY = """\
def migrate(rows, path, name, log):
    # Format 4: every entry carries the code of its journal (AC, VT, BQ, OD).
    log.info("migration du dossier « %s » au format %d" % (name, FORMAT))
    migrated = []
    for line, row in enumerate(rows, start=2):
        try:
            code = row["code_journal"].strip().upper()
        except KeyError:
            raise Fatal("migration du dossier « %s » au format %d impossible : colonne 'code_journal' "
                        "introuvable (%s, ligne %d)" % (name, FORMAT, os.path.join(path, "ecritures.csv"), line))
        migrated.append(dict(row, code_journal=code))
    return migrated"""


@dataclass(frozen=True)
class PackageFile:
    path: str  # absolute, inside the installed system
    content: bytes
    mode: int


@dataclass(frozen=True)
class Recipe:
    name: str
    version: str
    description: str
    depends: str = ""
    section: str = "misc"
    files: tuple[PackageFile, ...] = ()
    conffiles: tuple[str, ...] = ()
    scripts: dict[str, str] = field(default_factory=dict)  # postinst, prerm, postrm… → shell text
    dirs: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.name}_{self.version}_all.deb"

    def control(self) -> str:
        first, _, rest = self.description.partition("\n")
        long = "".join(f" {line or '.'}\n" for line in rest.strip("\n").splitlines())
        fields = [
            f"Package: {self.name}",
            f"Version: {self.version}",
            "Architecture: all",
            "Maintainer: Éditions Compta Pro <support@compta-pro.example>",
            f"Section: {self.section}",
            "Priority: optional",
        ]
        if self.depends:
            fields.append(f"Depends: {self.depends}")
        return "\n".join(fields) + f"\nDescription: {first}\n{long}"


CHANGELOG = {
    "2.2.4": "Corrections : export du grand livre au format CSV.",
    "2.3.0": "Nouveau : lettrage automatique des comptes clients. Journal de l'application dans "
    "/var/lib/compta-pro/journaux.",
    "2.3.1": "Corrections : arrondis de TVA sur les factures multi-taux.",
    "2.4.0": "Nouveau format de dossier (format 4 : code journal sur chaque écriture). Les dossiers "
    "existants sont migrés automatiquement au premier démarrage.",
}
VERSIONS = tuple(CHANGELOG)
BROKEN = "2.4.0"


def _text(name: str) -> bytes:
    return (SOURCES / "compta-pro" / name).read_bytes()


def compta_pro(version: str) -> Recipe:
    fmt = 4 if version.startswith("2.4") else 3
    program = _text("compta-pro.py").decode().replace("@VERSION@", version).replace("@FORMAT@", str(fmt))
    head, _, rest = program.partition("# @MIGRATE-BEGIN@")
    _, _, tail = rest.partition("# @MIGRATE-END@\n")
    program = head + (MIGRATE_BUGGY if version == BROKEN else MIGRATE_NONE) + "\n" + tail
    history = "".join(
        f"compta-pro ({v})\n  * {CHANGELOG[v]}\n\n" for v in reversed(VERSIONS[: VERSIONS.index(version) + 1])
    )
    return Recipe(
        name="compta-pro",
        version=version,
        depends="python3",
        section="misc",
        description="logiciel de comptabilité des TPE (Compta Pro)\n"
        "Tenue des dossiers comptables des sociétés clientes : écritures, balances,\n"
        "grand livre. Serveur local (service compta-pro) et outil « compta-pro etat ».",
        files=(
            PackageFile("/usr/bin/compta-pro", program.encode(), 0o755),
            PackageFile("/etc/compta-pro/compta-pro.conf", _text("compta-pro.conf"), 0o640),
            PackageFile("/etc/systemd/system/compta-pro.service", _text("compta-pro.service"), 0o644),
            PackageFile("/usr/share/doc/compta-pro/changelog", history.encode(), 0o644),
        ),
        conffiles=("/etc/compta-pro/compta-pro.conf",),
        scripts={s: _text(s).decode() for s in ("postinst", "prerm", "postrm")},
    )


def catalogue() -> list[Recipe]:
    """Every package version of the lab repository."""
    return [compta_pro(v) for v in VERSIONS]


def recipe(name: str, version: str) -> Recipe | None:
    return next((r for r in catalogue() if r.name == name and r.version == version), None)
