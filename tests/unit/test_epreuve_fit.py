"""Which interventions fit the network a candidate built from her cahier des charges
(simulateur/epreuve/fit.py): its topology, hosts the cahier builds, and no service the cahier
leaves stopped — derived from the cahier's setup and reference builds and the scenario's faults,
solution and probes, never from a list of scenario names."""

from __future__ import annotations

import pytest

from simulateur.cahier.loader import load_cahier
from simulateur.epreuve import core
from simulateur.epreuve.fit import fitting, left_stopped, misfit, services_used
from simulateur.errors import UsageError
from simulateur.exam.db import ExamDB
from simulateur.scenario.loader import load_catalogue


@pytest.fixture(scope="module")
def catalogue() -> dict:
    return load_catalogue().scenarios


def _variant(ld, **update):  # type: ignore[no-untyped-def]
    return ld.scenario.model_copy(update=update)


def test_what_a_cahier_leaves_stopped() -> None:
    # its setup stops dnsmasq, radicale, depot; its reference builds start dnsmasq again (and smbd)
    assert left_stopped(load_cahier("serveur-services-reseau")) == {("srv", "depot"), ("srv", "radicale")}
    # the whole site: the depot is one of its requirements (built), nothing left down
    assert left_stopped(load_cahier("site-complet")) == set()


def test_the_services_a_scenario_uses(catalogue: dict) -> None:
    ld = catalogue["compta-mise-a-jour"]
    # apt.install on poste: the apt-repo of the server its apt-sources names (srv's « depot »)
    assert ("srv", "depot") in services_used(ld.scenario, ld.topology)
    ld = catalogue["partage-droits-service"]
    assert services_used(ld.scenario, ld.topology) == {("srv", "smbd")}
    ld = catalogue["mobile-synchro"]
    assert ("srv", "radicale") in services_used(ld.scenario, ld.topology)  # dav.* probes' server


def test_a_scenario_needing_what_the_cahier_leaves_stopped_does_not_fit(catalogue: dict) -> None:
    servers = load_cahier("serveur-services-reseau")
    why = misfit(catalogue["compta-deploiement"].scenario, catalogue["compta-deploiement"].topology, servers)
    assert why is not None and "depot (srv)" in why and "laisse arrêtés" in why
    assert (
        misfit(catalogue["partage-droits-service"].scenario, catalogue["partage-droits-service"].topology, servers)
        is None
    )
    fit = fitting(catalogue, servers)
    assert "partage-droits-service" in fit
    assert not any(sid.startswith("compta-") for sid in fit)
    # the same scenarios fit a cahier whose network runs the depot
    assert {"compta-deploiement", "compta-disque-plein", "compta-mise-a-jour"} <= set(
        fitting(catalogue, load_cahier("postes-clients"))
    )


def test_hosts_and_topology(catalogue: dict) -> None:
    servers = load_cahier("serveur-services-reseau")
    ld = catalogue["partage-droits-service"]
    why = misfit(_variant(ld, hosts=[]), ld.topology, servers)  # no host list: every host of the topology
    assert why is not None and "ne construit pas" in why
    assert "topologie" in (misfit(_variant(ld, topology="atelier"), ld.topology, servers) or "")
    # a fault stopping a service the cahier never builds: judged as the probes are
    from simulateur.actions.core import ServiceStop

    extra = _variant(
        ld, faults=[*ld.scenario.faults, ServiceStop(action="service.stop", host="srv", service="radicale")]
    )
    assert "radicale (srv)" in (misfit(extra, ld.topology, servers) or "")


def test_an_epreuve_asking_more_interventions_than_fit_is_refused_at_start(catalogue: dict) -> None:
    db = ExamDB()
    before = len(db.sessions())
    n = len(fitting(catalogue, load_cahier("serveur-services-reseau")))
    with pytest.raises(
        UsageError, match=rf"--interventions {n + 1} : {n} scénarios? seulement.*partage-droits-service"
    ):
        core.start(db, "tai", "Alice Martin", cahier="serveur-services-reseau", count=n + 1)
    assert len(db.sessions()) == before
