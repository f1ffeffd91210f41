"""The site's software repository: a flat APT repository (the packages our code builds, see
simulateur.depot) served over HTTP by python3 -m http.server from the host's own /var/www/depot."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit

ROOT = "/var/www"
PATH = "depot"  # URL path of the repository: http://HOST[:PORT]/depot/


class AptRepo(ServiceBase):
    type: Literal["apt-repo"]
    name: str = Field("depot", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    port: int = Field(80, ge=1, le=65535, description="Port HTTP du dépôt.")
    binary: ClassVar[str] = "/usr/bin/python3"

    def ports(self) -> list[tuple[str, int]]:
        return [("tcp", self.port)]

    def files(self, ctx: ServiceContext) -> Files:
        from simulateur.depot.build import repository

        files: Files = {f"{ROOT}/{PATH}/{name}": (data, 0o644) for name, data in repository().items()}
        files[f"/etc/systemd/system/{self.name}.service"] = (
            unit(
                f"Dépôt de logiciels du site (APT, http://{ctx.host}/{PATH}/)",
                f"/usr/bin/python3 -m http.server {self.port} --directory {ROOT}",
            ),
            0o644,
        )
        return files
