"""Sixteen labs at once, as on the exam platform of the RC (16 candidates): started together through
the CLI (one process each, as 16 trainees would), same scenario and same seed — so the very same
addresses inside every lab — without any collision of ids, namespaces or interfaces, and each lab's
check sees its own lab only: the even ones are repaired, the odd ones are not, and the grids say so.
(Two labs at once: tests/integration/test_lifecycle.py::test_two_labs_at_once_do_not_see_each_other.)
"""

from __future__ import annotations

import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor

from labhelpers import leftovers, root_state, sim

from simulateur.lab import nsutil

LABS = 16
NOTHING = {"cgroups": [], "netns": [], "state_dirs": [], "processes": [], "netns_mounts": []}


def test_sixteen_labs_at_once_each_sees_only_itself(monkeypatch):
    prefix = "s" + secrets.token_hex(3).translate(str.maketrans("0123456789", "ghijklmnop"))
    token = uuid.uuid4().hex
    monkeypatch.setenv("SIMULATEUR_LAB_PREFIX", prefix)
    monkeypatch.setenv("SIMULATEUR_SAFETY_TOKEN", token)
    before = root_state()

    def start(_: int) -> dict:
        return sim("start", "dhcp-serveur-arrete", "--seed", "5", "--json", "--formateur", timeout=600).json()

    with ThreadPoolExecutor(LABS) as pool:
        infos = list(pool.map(start, range(LABS)))
    labs = [i["lab"] for i in infos]
    try:
        assert len(set(labs)) == LABS
        assert all(i["params"] == infos[0]["params"] for i in infos)  # the same addresses everywhere
        names = [n for n in nsutil.list_netns() if n.startswith(f"sim-{prefix}")]
        assert len(names) == len(set(names)) == LABS * (1 + len(infos[0]["hosts"]))
        assert root_state() == before  # 16 labs, and still nothing in the machine's namespace

        def repair(lab: str) -> None:
            sim("exec", lab, "srv", "--", "systemctl start dnsmasq")
            sim("exec", lab, "poste", "--", "dhclient eth0", timeout=120)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(repair, labs[::2]))

        def verdict(lab: str) -> tuple[str, str, str]:
            grid = sim("check", lab, "--json", timeout=300).json()
            return (
                grid["lab"],
                {c["id"]: c["verdict"] for c in grid["criteria"]}["TAI.CP14.4"],
                " ".join(p["observed"] for p in grid["probes"]),
            )

        with ThreadPoolExecutor(4) as pool:
            seen = list(pool.map(verdict, labs))
        assert [lab for lab, _, _ in seen] == labs
        assert [v for _, v, _ in seen] == ["acquis" if n % 2 == 0 else "non_acquis" for n in range(LABS)], seen
    finally:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda lab: sim("stop", lab, timeout=300), labs))
    assert leftovers(set(labs), f"SIMULATEUR_SAFETY_TOKEN={token}") == NOTHING
    assert root_state() == before
