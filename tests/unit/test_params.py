import ipaddress

import pytest

from simulateur import params as P
from simulateur.errors import UsageError


def specs(data):
    from pydantic import TypeAdapter

    ta = TypeAdapter(P.ParamSpec)
    return {k: ta.validate_python(v) for k, v in data.items()}


SPECS = {
    "lan": {"subnet": {"pools": ["192.168.0.0/16", "10.0.0.0/8"], "prefix": 24}},
    "gw": {"address": {"subnet": "lan", "index": -1}},
    "srv": {"address": {"subnet": "lan", "index": [1, 3], "avoid": ["gw"]}},
    "n": {"int": [5, 9]},
    "dom": {"choice": ["a.lan", "b.lan"]},
    "doc": {"value": "réseau {lan.network}/{lan.prefixlen} via {gw}"},
}


def test_same_seed_same_values_and_different_seeds_vary():
    a = P.draw(specs(SPECS), 7)
    assert a == P.draw(specs(SPECS), 7)
    lans = {P.draw(specs(SPECS), seed)["lan"] for seed in range(20)}
    assert len(lans) > 10


def test_values_are_consistent():
    for seed in range(30):
        v = P.draw(specs(SPECS), seed)
        net = ipaddress.IPv4Network(v["lan"])
        assert net.prefixlen == 24
        assert ipaddress.IPv4Address(v["gw"]) == net.broadcast_address - 1
        assert ipaddress.IPv4Address(v["srv"]) in net and v["srv"] != v["gw"]
        assert 5 <= int(v["n"]) <= 9
        assert v["doc"] == f"réseau {net.network_address}/24 via {v['gw']}"


def test_adding_a_parameter_does_not_change_the_others():
    more = dict(SPECS, extra={"int": [1, 100]})
    a, b = P.draw(specs(SPECS), 3), P.draw(specs(more), 3)
    assert all(a[k] == b[k] for k in a)


def test_render_never_evaluates():
    values = {"x": "1"}
    assert P.render("{{x}} {x}", values) == "{x} 1"
    with pytest.raises(UsageError):
        P.render("{y}", values)
    with pytest.raises(UsageError):
        P.render("{x.__class__}", values)  # not a hole: attributes are a fixed list


def test_bad_attribute_and_index():
    with pytest.raises(UsageError):
        P.render("{x.network}", {"x": "pas un réseau"})
    with pytest.raises(UsageError):
        P.draw(
            specs(
                {
                    "lan": {"subnet": {"pools": ["10.0.0.0/24"], "prefix": 24}},
                    "a": {"address": {"subnet": "lan", "index": 300}},
                }
            ),
            1,
        )
