"""What every model loaded from a file shares: the strict base (an unknown key is an error, named
with its file and line by the loaders) and the fields several models spell the same way."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from simulateur.lab.names import IFACE_RE


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# A host's network interface, as actions and probes name it (`iface: Iface = "eth0"`).
Iface = Annotated[str, Field(pattern=IFACE_RE, description="Interface réseau de l'hôte (eth0 par défaut).")]
