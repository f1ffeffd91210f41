"""Cahier des charges n° 1 (serveur-services-reseau) on real labs: its selftest — unconfigured every
requirement fails, each requirement alone (its reference build and its needs') passes while those it
does not need fail, the whole reference build passes — and a candidate's partial build with the real
tools, judged by `simulateur cahier recette`, recorded with the lab's attempt."""

from __future__ import annotations

import json
from pathlib import Path

from labhelpers import sim

CAHIER = "serveur-services-reseau"


def test_selftest_unconfigured_each_requirement_alone_and_whole():
    from simulateur.cahier.loader import load_cahier
    from simulateur.cahier.selftest import selftest

    cahier = load_cahier(CAHIER)
    rep = selftest(cahier, seed=2)
    assert rep.ok, rep.problems
    stages = {name: {v.id: v.score for v in rec.requirements} for name, rec in rep.stages}
    assert list(stages) == ["non configuré", "dhcp seule", "dns seule", "partage seule", "construction complète"]
    assert stages["non configuré"] == {"dhcp": 0, "dns": 0, "partage": 0}
    assert stages["dhcp seule"]["dhcp"] == 1 and stages["dhcp seule"]["dns"] < 1 and stages["dhcp seule"]["partage"] < 1
    assert stages["dns seule"]["dns"] == 1 and stages["dns seule"]["partage"] < 1
    assert stages["partage seule"]["partage"] == 1 and stages["partage seule"]["dns"] < 1
    assert stages["construction complète"] == {"dhcp": 1, "dns": 1, "partage": 1}


def ex(lab: str, host: str, cmd: str) -> None:
    sim("exec", lab, host, "--", cmd)


def test_candidate_builds_dhcp_with_real_tools_and_the_recette_is_recorded():
    info = sim("cahier", "start", CAHIER, "--seed", "4", "--json", timeout=300).json()
    lab = info["lab"]
    try:
        from simulateur.cahier.loader import load_cahier, resolve_params, topology_of

        c = load_cahier(CAHIER)
        v = resolve_params(c, topology_of(c), 4)
        assert f"de {v['plage_debut']} à {v['plage_fin']}" in info["document"]
        # The starting state: nothing configured, nothing running, the poste without an address.
        ex(lab, "srv", "! systemctl is-active dnsmasq && ! systemctl is-enabled dnsmasq && ! systemctl is-active smbd")
        ex(lab, "srv", "! grep -q '^dhcp-range' /etc/dnsmasq.conf && ! testparm -s 2>/dev/null | grep -q Comptabilite")
        ex(lab, "srv", "! getent group comptabilite && ! id mmartin && ! pdbedit -L 2>/dev/null | grep -q .")
        ex(lab, "poste", "! ip -4 addr show eth0 | grep -q inet")
        # The candidate, with the real tools: first a range that is not the document's (the next
        # addresses after it) — the poste gets a lease, outside the range: the recette says so.
        net = v["plage_fin"].rsplit(".", 1)[0]
        wrong = f"{net}.191,{net}.199"  # plage_fin is at most .190
        ex(
            lab,
            "srv",
            "cat >> /etc/dnsmasq.conf <<'FIN'\n"
            "interface=eth0\n"
            f"dhcp-range={wrong},{v['bail']}\n"
            f"dhcp-option=3,{v['routeur_ip']}\n"
            f"dhcp-option=6,{v['srv_ip']}\n"
            f"domain={v['domaine']}\n"
            "FIN",
        )
        ex(lab, "srv", "systemctl enable --now dnsmasq")
        ex(lab, "poste", "dhclient -r eth0; dhclient eth0")
        rec = sim("cahier", "recette", lab, "--json").json()
        dhcp = next(r for r in rec["requirements"] if r["id"] == "dhcp")
        assert dhcp["score"] == round(2 / 3, 4) and any("hors de la plage" in m for m in dhcp["missing"]), dhcp
        # …then the document's range; the poste asks again.
        ex(
            lab,
            "srv",
            f"sed -i 's/^dhcp-range=.*/dhcp-range={v['plage_debut']},{v['plage_fin']},{v['bail']}/' "
            "/etc/dnsmasq.conf && rm -f /var/lib/misc/dnsmasq.leases && systemctl restart dnsmasq",
        )
        ex(lab, "poste", "dhclient -r eth0; dhclient eth0")
        rec = sim("cahier", "recette", lab, "--json").json()
        scores = {r["id"]: r["score"] for r in rec["requirements"]}
        assert scores["dhcp"] == 1 and scores["dns"] < 1 and scores["partage"] == 0, rec
        dns = next(r for r in rec["requirements"] if r["id"] == "dns")
        assert dns["missing"] and all("constaté" in m for m in dns["missing"])
        assert rec["criteria"]["TAI.CP10.1"] == 1 and rec["criteria"]["TAI.CP11.2"] == 0
        # Recorded with the attempt: recette.json in its directory, the result in the store.
        from simulateur.lab.state import load_state
        from simulateur.session.store import Store

        state = load_state(lab)
        adir = Path(str(state.attempt_dir))
        assert json.loads((adir / "recette.json").read_text())["requirements"][0]["score"] == 1
        result = Store().result(adir.name)
        assert result is not None and {c.id: c.verdict for c in result.criteria}["TAI.CP10.1"] == "acquis"
        # The candidate's commands are in the lab's journal, as for a scenario.
        cmds = [json.loads(line)["cmd"] for line in (adir / "journal.jsonl").read_text().splitlines()]
        assert any("systemctl enable --now dnsmasq" in cmd for cmd in cmds), cmds
        # The plain-text recette says what is missing, in French.
        text = sim("cahier", "recette", lab).out
        assert "✓ [dhcp] 100 %" in text and "✗ [partage] 0 %" in text and "Total :" in text
        # The trainer's reference build of one requirement, on top of the candidate's work.
        assert "dhcp, partage" in sim("cahier", "reference", lab, "--only", "partage").out
        rec = sim("cahier", "recette", lab, "--json").json()
        assert {r["id"]: r["score"] for r in rec["requirements"]}["partage"] == 1, rec
    finally:
        sim("stop", lab, check=False)
