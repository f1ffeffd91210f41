"""A host's APT configuration of its own: its only source is the site's repository, its package
lists and downloaded packages are private (the machine's /etc/apt, lists and cache never show), so
`apt-get update/install` in the host asks the lab's repository and nothing else. The host's dpkg
database is the overlay's copy of the machine's: what the host installs never reaches the machine."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from simulateur.lab.services.base import Files, ServiceBase, ServiceContext

DEBCONF = """\
// Pre-configure all packages with debconf before they are installed.
// If you don't like it, comment it out.
DPkg::Pre-Install-Pkgs {"/usr/sbin/dpkg-preconfigure --apt || true";};
"""

PRIVATE_DIRS = (
    "/etc/apt/",
    "/etc/apt/sources.list.d/",
    "/etc/apt/apt.conf.d/",
    "/etc/apt/preferences.d/",
    "/etc/apt/trusted.gpg.d/",
    "/etc/apt/keyrings/",
    "/etc/apt/auth.conf.d/",
    "/var/lib/apt/lists/",
    "/var/lib/apt/lists/partial/",
    "/var/cache/apt/",
    "/var/cache/apt/archives/",
    "/var/cache/apt/archives/partial/",
    "/var/log/apt/",
)


class AptSources(ServiceBase):
    type: Literal["apt-sources"]
    name: str = Field("apt", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    url: str = Field(
        pattern=r"^http://\S+/$", description="Adresse du dépôt du site, finie par « / » ({param} accepté)."
    )
    server: str = Field(pattern=r"^[a-z][a-z0-9]{0,11}$", description="Hôte qui sert le dépôt.")
    daemon: ClassVar[bool] = False

    def files(self, ctx: ServiceContext) -> Files:
        files: Files = dict.fromkeys(PRIVATE_DIRS, ("", 493))
        files["/etc/apt/sources.list"] = (
            (
                "# Sources de logiciels de ce poste : le dépôt du site uniquement (logiciels validés par le\n"
                "# service informatique). Après modification : apt-get update\n"
                f"deb [trusted=yes] {self.url} ./\n"
            ),
            0o644,
        )
        files["/etc/apt/apt.conf.d/70debconf"] = (DEBCONF, 0o644)
        return files
