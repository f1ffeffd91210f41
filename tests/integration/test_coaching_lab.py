"""Coaching on a real lab: a wrong route typed, the attempt handed in (`check`), then the coaching
names the criterion, the command that came closest, and shows the reference commands."""

from __future__ import annotations

from labhelpers import sim

from simulateur.report import render
from simulateur.report.model import attempt_report
from simulateur.session.store import Store


def test_a_wrong_route_then_submission_is_coached(started):
    info = started()
    lab, p = info["lab"], info["params"]
    prefix = p["lan"].split("/")[1]
    base = p["lan"].split("/")[0].rsplit(".", 1)[0]
    wrong = f"{base}.99" if p["routeur_ip"] != f"{base}.99" else f"{base}.98"
    sim("exec", lab, "poste", "--", "ip -br addr")
    sim("exec", lab, "poste", "--", "ip route")
    sim("exec", lab, "poste", "--", f"ip addr add {base}.50/{prefix} dev eth0 && ip route replace default via {wrong}")
    sim("exec", lab, "poste", "--", "ping -c1 -W1 203.0.113.80", check=False)
    sim("check", lab, "--json")  # the command line's submission

    store = Store()
    report = attempt_report(info["attempt"], store)
    coaching = report.interventions[0].coaching
    assert coaching is not None
    missed = {m.criterion: m for m in coaching.missed}
    assert "TAI.CP14.4" in missed
    assert any(
        f"ip route replace default via {wrong}" in line and " sur poste : " in line
        for line in missed["TAI.CP14.4"].closest
    )
    assert not any(wrong in e for m in coaching.missed for e in m.expected)
    commands = {(s.host, c) for s in coaching.solution for c in s.commands}
    assert ("srv", "systemctl start dnsmasq") in commands and ("poste", "dhclient eth0") in commands
    html = render(report, "html")
    assert "Pour progresser" in html and "systemctl start dnsmasq" in html
