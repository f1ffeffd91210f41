"""Numeric questions: their parameters are drawn from the questionnaire's seed and the question's
id, their answers computed here (the `ipaddress` module for subnets) — never written anywhere.

`draw(q, seed)` gives the values of the question's {holes}; `expected(q, seed)` the right answer,
shown as the jury reads it, and `judge(q, seed, given)` whether a candidate's answer is right.
"""

from __future__ import annotations

import ipaddress
import math
import random
import re
from dataclasses import dataclass

from simulateur.quiz.models import Numeric, SubnetSpec, TransferSpec

#: The private ranges an address is drawn in (RFC 1918), with the shortest prefix each allows.
PRIVATE = (
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
    ipaddress.IPv4Network("192.168.0.0/16"),
)

HOLES: dict[str, tuple[str, ...]] = {
    "subnet": ("address", "prefix", "mask", "cidr", "hosts_needed"),
    "transfer": ("size", "rate"),
}
#: What may be answered within a tolerance: numbers (not addresses, masks or prefixes).
TOLERANT = {("subnet", "hosts"), ("transfer", "seconds")}


def _rng(q: Numeric, seed: int) -> random.Random:
    return random.Random(f"{seed}/{q.id}")


@dataclass(frozen=True)
class Drawn:
    values: dict[str, str]
    interface: ipaddress.IPv4Interface | None = None
    hosts_needed: int = 0
    size: int = 0
    rate: int = 0


def _draw(q: Numeric, seed: int) -> Drawn:
    rng = _rng(q, seed)
    spec = q.spec
    if isinstance(spec, SubnetSpec):
        prefix = rng.randint(spec.min_prefix, spec.max_prefix)
        ranges = [r for r in PRIVATE if r.prefixlen <= prefix]
        block = rng.choice(ranges)
        net = ipaddress.IPv4Network(
            (int(block.network_address) + rng.randrange(2 ** (prefix - block.prefixlen)) * 2 ** (32 - prefix), prefix)
        )
        size = net.num_addresses
        host = rng.randrange(1, size - 1) if size > 2 else 0
        iface = ipaddress.IPv4Interface((int(net.network_address) + host, prefix))
        # A number of hosts a subnet of this prefix holds but the next longer one does not.
        low = 2 ** (31 - prefix) - 1 if prefix < 31 else 1
        needed = rng.randint(max(low, 1), size - 2) if size > 2 else 1
        values = {
            "address": str(iface.ip),
            "prefix": str(prefix),
            "mask": str(net.netmask),
            "cidr": str(iface),
            "hosts_needed": str(needed),
        }
        return Drawn(values, interface=iface, hosts_needed=needed)
    assert isinstance(spec, TransferSpec)
    size_mo, rate = rng.choice(spec.sizes_mo), rng.choice(spec.rates_mbits)
    return Drawn({"size": str(size_mo), "rate": str(rate)}, size=size_mo, rate=rate)


def draw(q: Numeric, seed: int) -> dict[str, str]:
    """The values of the question's holes for this seed."""
    return _draw(q, seed).values


def text(q: Numeric, seed: int) -> str:
    """The question as the candidate reads it."""
    return q.text.format(**draw(q, seed))


def _number(given: str) -> float | None:
    """« 1 022 », « 12,5 », « 12.5 s » → a number (None: not one)."""
    cleaned = given.strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    cleaned = re.sub(r"(s|sec|secondes?|h[oô]tes?)$", "", cleaned, flags=re.IGNORECASE)
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _prefix(given: str) -> int | None:
    """« /26 », « 26 » or « 255.255.255.192 » → 26 (None: neither)."""
    g = given.strip()
    if re.fullmatch(r"/?\s*\d{1,2}", g):
        n = int(g.lstrip("/ "))
        return n if 0 <= n <= 32 else None
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{g}").prefixlen
    except ValueError:
        return None


def _address(given: str) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(given.strip().split("/")[0].strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Expected:
    shown: str  # the right answer, as written in the correction
    value: object  # what a given answer is compared with


def expected(q: Numeric, seed: int) -> Expected:
    d = _draw(q, seed)
    spec = q.spec
    if isinstance(spec, TransferSpec):
        seconds = d.size * 8 / d.rate  # 1 Mo = 8 Mbit (décimal), sans en-têtes
        return Expected(f"{seconds:g} s", seconds)
    iface = d.interface
    assert iface is not None
    net = iface.network
    if spec.ask == "network":
        return Expected(str(net.network_address), net.network_address)
    if spec.ask == "broadcast":
        return Expected(str(net.broadcast_address), net.broadcast_address)
    if spec.ask == "first_host":
        first = net.network_address + 1  # prefixes ≤ 30: neither the network nor the broadcast
        return Expected(str(first), first)
    if spec.ask == "last_host":
        last = net.broadcast_address - 1
        return Expected(str(last), last)
    if spec.ask == "mask":
        return Expected(f"{net.netmask} (/{net.prefixlen})", net.prefixlen)
    if spec.ask == "hosts":
        count = net.num_addresses - 2
        return Expected(str(count), count)
    # prefix_for_hosts: the longest prefix whose subnet holds hosts_needed hosts (+ network, broadcast)
    prefix = 32 - math.ceil(math.log2(d.hosts_needed + 2))
    mask = ipaddress.IPv4Network(f"0.0.0.0/{prefix}").netmask
    return Expected(f"/{prefix} ({mask})", prefix)


def judge(q: Numeric, seed: int, given: str) -> bool | None:
    """True/False; None when the answer cannot be read as the kind asked (counted wrong)."""
    exp = expected(q, seed)
    spec = q.spec
    if isinstance(spec, TransferSpec) or spec.ask == "hosts":
        n = _number(given)
        if n is None:
            return None
        target = float(exp.value)  # type: ignore[arg-type]  # a number for these two kinds (expected() computes it)
        return abs(n - target) <= abs(target) * q.tolerance / 100 + 1e-9
    if spec.ask in ("mask", "prefix_for_hosts"):
        p = _prefix(given)
        return None if p is None else p == exp.value
    a = _address(given)
    return None if a is None else a == exp.value
