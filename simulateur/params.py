"""Parameters drawn from a seed (a topology's and a scenario's), and the `{name}` templates that use them.

A leaf module (it imports nothing of simulateur but its errors): a topology declares its parameters
(simulateur.lab.topology), a lab fills templates with its drawn values (Lab.render), a scenario adds
its own — the engine (simulateur.lab) must not import the scenario layer, so this is below both.

A template is plain text with `{name}` or `{name.attr}` holes (`{{`/`}}` for braces). Nothing is
evaluated: a hole names a parameter, an attribute comes from a fixed list. Values are strings.
"""

from __future__ import annotations

import builtins
import ipaddress
import random
import re
from typing import Annotated, Any

from pydantic import ConfigDict, Field, field_validator

from simulateur.errors import UsageError
from simulateur.lab.fields import Strict

NAME_RE = r"^[a-z][a-z0-9_]{0,31}$"
HOLE = re.compile(r"\{\{|\}\}|\{([a-z][a-z0-9_]{0,31})(?:\.([a-z_]+))?\}")
NETWORK_ATTRS = ("network", "prefixlen", "netmask", "broadcast", "first", "last")


class Choice(Strict):
    choice: list[str | int] = Field(min_length=1, description="Une valeur tirée dans la liste.")


class IntRange(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    bounds: tuple[builtins.int, builtins.int] = Field(
        alias="int", description="Un entier tiré entre les deux bornes incluses."
    )


class SubnetSpec(Strict):
    pools: list[str] = Field(min_length=1, description="Plages d'où tirer le sous-réseau (CIDR).")
    prefix: int = Field(24, ge=8, le=30)

    @field_validator("pools")
    @classmethod
    def _cidrs(cls, pools: list[str]) -> list[str]:
        for pool in pools:
            try:
                ipaddress.IPv4Network(pool)
            except ValueError:
                raise ValueError(f"« {pool} » n'est pas un réseau IPv4 (ex. 192.168.0.0/16)") from None
        return pools


class Subnet(Strict):
    subnet: SubnetSpec


class AddressSpec(Strict):
    subnet: str = Field(pattern=NAME_RE, description="Paramètre sous-réseau où prendre l'adresse.")
    index: int | tuple[int, int] = Field(
        description="Rang de l'adresse dans le sous-réseau (1 = première utilisable, -1 = dernière), "
        "ou [min, max] pour un tirage."
    )
    avoid: list[str] = Field(default_factory=list, description="Paramètres adresse à ne pas reprendre.")


class Address(Strict):
    address: AddressSpec


class Value(Strict):
    value: str = Field(description="Texte calculé à partir d'autres paramètres : « {lan.network} ».")


ParamSpec = Annotated[Choice | IntRange | Subnet | Address | Value, Field(union_mode="left_to_right")]


def _rng(seed: int, name: str) -> random.Random:
    # One generator per parameter: adding a parameter does not change the others' values.
    return random.Random(f"{seed}/{name}")


def _host_at(net: ipaddress.IPv4Network, index: int) -> ipaddress.IPv4Address:
    size = net.num_addresses - 2
    if index == 0 or abs(index) > size:
        raise UsageError(f"rang d'adresse {index} hors du sous-réseau {net} (1…{size} ou -1…-{size})")
    base = int(net.network_address) + (index if index > 0 else size + 1 + index)
    return ipaddress.IPv4Address(base)


def draw(specs: dict[str, Any], seed: int) -> dict[str, str]:
    """Resolve every parameter in order; later ones may use earlier ones."""
    values: dict[str, str] = {}
    for name, spec in specs.items():
        rng = _rng(seed, name)
        if isinstance(spec, Choice):
            values[name] = str(rng.choice(spec.choice))
        elif isinstance(spec, IntRange):
            lo, hi = sorted(spec.bounds)
            values[name] = str(rng.randint(lo, hi))
        elif isinstance(spec, Subnet):
            pool = ipaddress.IPv4Network(rng.choice(spec.subnet.pools))
            prefix = max(spec.subnet.prefix, pool.prefixlen)
            count = 2 ** (prefix - pool.prefixlen)
            pick = rng.randrange(count)
            start = int(pool.network_address) + pick * 2 ** (32 - prefix)
            values[name] = str(ipaddress.IPv4Network((start, prefix)))
        elif isinstance(spec, Address):
            try:
                net = ipaddress.IPv4Network(values[spec.address.subnet])
            except ValueError:  # a scenario may redefine the subnet parameter with anything
                raise UsageError(
                    f"paramètre « {name} » : « {spec.address.subnet} » vaut "
                    f"« {values[spec.address.subnet]} », qui n'est pas un sous-réseau IPv4"
                ) from None
            taken = {values[a] for a in spec.address.avoid}
            if isinstance(spec.address.index, int):
                candidates = [spec.address.index]
            else:
                lo, hi = sorted(spec.address.index)
                candidates = list(range(lo, hi + 1))
                rng.shuffle(candidates)
            for index in candidates:
                addr = str(_host_at(net, index))
                if addr not in taken:
                    values[name] = addr
                    break
            else:
                raise UsageError(f"paramètre « {name} » : aucune adresse libre dans les rangs demandés")
        elif isinstance(spec, Value):
            values[name] = render(spec.value, values)
    return values


def _attr(value: str, attr: str) -> str:
    try:
        net = ipaddress.IPv4Network(value)
    except ValueError:
        raise UsageError(f"« .{attr} » ne s'applique qu'à un sous-réseau (valeur : {value})") from None
    if attr == "network":
        return str(net.network_address)
    if attr == "prefixlen":
        return str(net.prefixlen)
    if attr == "netmask":
        return str(net.netmask)
    if attr == "broadcast":
        return str(net.broadcast_address)
    if attr == "first":
        return str(_host_at(net, 1))
    if attr == "last":
        return str(_host_at(net, -1))
    raise UsageError(f"attribut « .{attr} » inconnu (possibles : {', '.join(NETWORK_ATTRS)})")


def render(text: str, values: dict[str, str]) -> str:
    """Fill the holes of a template. Unknown names are errors, never left as-is."""

    def fill(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name, attr = match.group(1), match.group(2)
        if name not in values:
            raise UsageError(f"paramètre « {name} » non défini")
        return _attr(values[name], attr) if attr else values[name]

    return HOLE.sub(fill, text)


def holes(text: str) -> list[tuple[str, str | None]]:
    """The (name, attr) pairs a template uses."""
    return [(m.group(1), m.group(2)) for m in HOLE.finditer(text) if m.group(1)]


def render_tree(data: Any, values: dict[str, str]) -> Any:
    """Render every string inside nested lists/dicts."""
    if isinstance(data, str):
        return render(data, values)
    if isinstance(data, (list, tuple)):
        return [render_tree(x, values) for x in data]
    if isinstance(data, dict):
        return {k: render_tree(v, values) for k, v in data.items()}
    return data
