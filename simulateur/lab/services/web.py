"""A small web site (python3 -m http.server) — the lab's www.exemple.fr."""

from __future__ import annotations

import html
from typing import ClassVar, Literal

from pydantic import Field

from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit


class Web(ServiceBase):
    type: Literal["web"]
    name: str = Field("web", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    port: int = Field(80, ge=1, le=65535)
    title: str = "Bienvenue"
    body: str = ""
    binary: ClassVar[str] = "/usr/bin/python3"

    def ports(self) -> list[tuple[str, int]]:
        return [("tcp", self.port)]

    def files(self, ctx: ServiceContext) -> Files:
        title, body = html.escape(self.title), html.escape(self.body)
        page = (
            f'<!doctype html>\n<html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>\n'
            f"<body><h1>{title}</h1>\n<p>{body}</p></body></html>\n"
        )
        return {
            "/var/www/html/index.html": (page, 0o644),
            f"/etc/systemd/system/{self.name}.service": (
                unit(
                    f"Serveur web de {ctx.host} (python3 -m http.server)",
                    f"/usr/bin/python3 -m http.server {self.port} --directory /var/www/html",
                ),
                0o644,
            ),
        }
