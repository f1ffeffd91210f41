"""Cahiers des charges (phase préparatoire): the model, the loader's located French errors, the
recette's partial credit from canned probe results, the scenario a cahier plays as."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulateur.cahier.loader import list_cahiers, load_cahier, load_cahier_file, rendered_cahier
from simulateur.cahier.models import Cahier
from simulateur.cahier.play import as_scenario
from simulateur.cahier.recette import Recette, as_check_result, render_recette, score_recette
from simulateur.errors import ScenarioError, UsageError
from simulateur.probes import ProbeResult

SHIPPED = Path(__file__).resolve().parents[2] / "cahiers" / "serveur-services-reseau.yaml"


def _write(tmp_path: Path, text: str, name: str = "essai") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text()
    assert old in text, old
    return _write(tmp_path, text.replace(old, new, 1).replace("id: serveur-services-reseau", "id: essai", 1))


def _problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        load_cahier_file(path)
    return exc.value.problems


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_every_shipped_cahier_loads_and_renders():
    cahiers = list_cahiers()
    assert {c.id for c in cahiers} >= {"serveur-services-reseau"}
    for c in cahiers:
        assert c.requirements and set(c.reference) == {r.id for r in c.requirements}
        assert 60 <= c.duration <= 240


def test_build_order_puts_needs_first_each_once():
    c = load_cahier("serveur-services-reseau")
    assert c.build_order(["partage"]) == ["dhcp", "partage"]
    assert c.build_order(["dns", "partage"]) == ["dhcp", "dns", "partage"]
    assert c.build_order() == ["dhcp", "dns", "partage"]
    assert c.reference_actions(["dhcp"]) == c.reference["dhcp"]


def test_rendered_values_differ_between_seeds():
    """The document's values come from the params: two candidates do not copy each other."""
    from simulateur.cahier.loader import resolve_params, topology_of

    c = load_cahier("serveur-services-reseau")
    docs = {rendered_cahier(c, resolve_params(c, topology_of(c), seed)).document for seed in range(6)}
    assert len(docs) == 6
    for doc in docs:
        assert "{" not in doc and "}" not in doc


def test_unknown_probe_is_reported_at_its_line(tmp_path):
    path = _variant(
        tmp_path, "probes: [dns_srv, dns_imprimante, dns_nas]", "probes: [dns_srv, dns_imprimante, dns_nass]"
    )
    problems = _problems(path)
    line = _line_of(path, "dns_nass")
    assert any(p.startswith(f"{path}:{line}: ") and "dns_nass" in p for p in problems), problems
    # …and the probe no requirement cites any more is reported too, at its own line
    assert any(f":{_line_of(path, '{id: dns_nas,')}:" in p and "ne juge aucune exigence" in p for p in problems)


def test_unknown_need_and_cycle(tmp_path):
    path = _variant(tmp_path, "    needs: [dhcp]\n  - id: partage", "    needs: [dhcpp]\n  - id: partage")
    problems = _problems(path)
    assert any(f":{_line_of(path, 'needs: [dhcpp]')}:" in p and "« dhcpp » inconnue" in p for p in problems)
    text = SHIPPED.read_text().replace("id: serveur-services-reseau", "id: essai", 1)
    text = text.replace(
        "    probes: [dhcp_bail, dhcp_options, dhcp_demarrage]\n",
        "    probes: [dhcp_bail, dhcp_options, dhcp_demarrage]\n    needs: [dns]\n",
        1,
    )
    problems = _problems(_write(tmp_path, text))
    assert any("dépendances circulaires" in p and "dhcp → dns → dhcp" in p for p in problems), problems


def test_requirement_without_reference(tmp_path):
    path = _variant(tmp_path, "reference:\n  dhcp:", "reference:\n  dhcpx:")
    problems = _problems(path)
    assert any("« dhcp » n'a pas de construction de référence" in p for p in problems)
    key = _line_of(path, "dhcpx:")  # the key's line, or its list's first item's
    assert any(re.search(rf":({key}|{key + 1}): exigence « dhcpx » inconnue", p) for p in problems), problems


def test_bad_criterion_host_service_param_and_duration(tmp_path):
    path = _variant(tmp_path, "criteria: [TAI.CP10.3]\n", "criteria: [TAI.CP10.9]\n")
    assert any(f":{_line_of(path, 'TAI.CP10.9')}:" in p and "TAI.CP10.9" in p for p in _problems(path))
    path = _variant(
        tmp_path,
        "{id: dhcp_demarrage, probe: service.enabled, host: srv, service: dnsmasq}",
        "{id: dhcp_demarrage, probe: service.enabled, host: srv, service: bind9}",
    )
    assert any(f":{_line_of(path, 'bind9')}:" in p and "bind9" in p for p in _problems(path))
    path = _variant(tmp_path, "  - {action: dhcp.release, host: poste}", "  - {action: dhcp.release, host: nas}")
    assert any(f":{_line_of(path, 'host: nas}')}:" in p and "nas" in p for p in _problems(path))
    path = _variant(tmp_path, "durée de bail {bail}", "durée de bail {duree_bail}")
    # a hole in the document (a literal block) is reported at its own line of the file
    assert any(f":{_line_of(path, '{duree_bail}')}:" in p and "duree_bail" in p for p in _problems(path))
    path = _variant(tmp_path, "duration: 60", "duration: 30")
    assert any(f":{_line_of(path, 'duration: 30')}:" in p for p in _problems(path))


def test_id_must_be_the_file_name_and_yaml_errors_are_located(tmp_path):
    text = SHIPPED.read_text()
    problems = _problems(_write(tmp_path, text, "autre-nom"))
    assert any("autre-nom" in p for p in problems)
    bad = _write(tmp_path, "id: essai\ntitle: [oups\n")
    assert re.match(rf"{re.escape(str(bad))}:\d+: ", _problems(bad)[0])


def test_unknown_cahier_names_the_known_ones():
    with pytest.raises(UsageError, match="serveur-services-reseau"):
        load_cahier("inexistant")


def _results(c: Cahier, failing: set[str]) -> list[ProbeResult]:
    return [
        ProbeResult(id=p.id, ok=p.id not in failing, observed=f"vu {p.id}", expected=f"attendu {p.id}")
        for p in c.probes
    ]


def test_recette_partial_credit_missing_and_criteria():
    c = load_cahier("serveur-services-reseau")
    rec = score_recette(c, _results(c, {"dns_nas", "compta_refus", "smb_demarrage"}), lab="l1", seed=4, t=1.0)
    by = {v.id: v for v in rec.requirements}
    assert by["dhcp"].score == 1.0 and by["dhcp"].met and by["dhcp"].missing == []
    assert by["dns"].score == pytest.approx(2 / 3, abs=1e-3) and not by["dns"].met
    assert by["dns"].missing == ["attendu dns_nas — constaté : vu dns_nas"]
    assert by["partage"].score == pytest.approx(3 / 5)
    assert len(by["partage"].missing) == 2
    # a criterion scores over the requirements mapped to it
    assert rec.criteria["TAI.CP10.1"] == 1.0  # dhcp only
    assert rec.criteria["TAI.CP11.2"] == pytest.approx(0.6)  # partage only
    assert rec.criteria["TAI.CP10.3"] == pytest.approx((1 + 2 / 3 + 0.6) / 3, abs=1e-3)
    assert rec.score == pytest.approx((1 + 2 / 3 + 0.6) / 3, abs=1e-3)
    again = Recette.from_dict(rec.to_dict())
    assert again == rec
    text = render_recette(rec)
    assert "✓ [dhcp] 100 %" in text and "◐ [dns] 67 %" in text and "✗ attendu dns_nas" in text
    assert "Total : 76 % (1/3 exigences satisfaites)" in text


def test_recette_nothing_and_everything():
    c = load_cahier("serveur-services-reseau")
    nothing = score_recette(c, _results(c, {p.id for p in c.probes}))
    assert nothing.score == 0 and all(v.score == 0 and len(v.missing) == len(v.probes) for v in nothing.requirements)
    everything = score_recette(c, _results(c, set()))
    assert everything.score == 1 and all(s == 1 for s in everything.criteria.values())


def test_recette_as_stored_check_result():
    c = load_cahier("serveur-services-reseau")
    rec = score_recette(c, _results(c, {"dns_nas"}), lab="l1", seed=4, t=1.0)
    res = as_check_result(rec)
    verdicts = {r.id: r.verdict for r in res.criteria}
    assert verdicts == {"TAI.CP10.3": "non_acquis", "TAI.CP10.1": "acquis", "TAI.CP11.2": "acquis"}
    assert res.score.acquis == 2 and res.score.evalues == 3 and res.scenario == c.id
    assert {p.id for p in res.probes} == {p.id for p in c.probes}


def test_the_scenario_a_cahier_plays_as():
    c = load_cahier("serveur-services-reseau")
    sc = as_scenario(c)
    assert sc.id == c.id and sc.ticket.text == c.document and sc.params == c.params
    assert sc.faults == c.setup and sc.solution == c.reference_actions()
    assert sc.competences == ["TAI.CP10", "TAI.CP11"]
    evidence = {cr.id: {e.probe for e in cr.evidence} for cr in sc.criteria}
    assert evidence["TAI.CP11.2"] == set(c.requirement("partage").probes)
    assert evidence["TAI.CP10.3"] == {p.id for p in c.probes}


def test_a_closed_gate_gives_no_credit():
    """A refusal by a share nobody built proves nothing: while no probe of the requirement's gate
    passes, the requirement is worth 0, and the recette says why."""
    c = load_cahier("serveur-services-reseau")
    assert c.requirement("partage").gate
    share = set(c.requirement("partage").probes)
    rec = score_recette(c, _results(c, share - {"compta_refus"}))
    partage = rec.requirement("partage")
    assert partage.score == 0 and any("compta_refus" in m and "ne compte pas" in m for m in partage.missing)
    rec = score_recette(c, _results(c, share - {"compta_refus", "compta_dossier"}))
    assert rec.requirement("partage").score == pytest.approx(2 / 5)


def test_gate_must_be_a_probe_of_the_requirement(tmp_path):
    path = _variant(tmp_path, "gate: [compta_mmartin,", "gate: [dns_srv,")
    assert any(f":{_line_of(path, 'gate: [dns_srv,')}:" in p and "dns_srv" in p for p in _problems(path))
