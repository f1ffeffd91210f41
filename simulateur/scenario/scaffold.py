"""`simulateur new`: a commented scenario file for a topology, valid as written (a working example
of fault, solution and probe that the trainer replaces), written into the trainer's folder."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from simulateur.errors import ScenarioError, UsageError
from simulateur.i18n import tr
from simulateur.lab.topology import Topology
from simulateur.paths import scenarios_dir, user_scenarios_dir
from simulateur.scenario.loader import _topology_bases, load_scenario, load_topology, topology_path
from simulateur.scenario.models import ID_RE

# Services whose daemon makes the simplest example (stop it → the probe fails; start it → it passes).
EXAMPLE_TYPES = ("dnsmasq", "web", "cups", "radicale", "ippeveprinter")

TEMPLATE = """\
# Scénario « {id} » — écrit par « simulateur new » à partir de la topologie « {topology} ».
# Tel quel, il est valide et son auto-test passe : la panne d'exemple arrête le service {service}
# de {host}, la solution le redémarre, la sonde vérifie qu'il tourne. Remplacez chaque partie par
# votre incident, en suivant le guide (docs/guide-auteur.md). Pour vérifier à chaque étape :
#   simulateur validate {path}
#   sudo simulateur selftest {path}
# Vocabulaire : « simulateur actions » (pannes et solution), « simulateur probes » (sondes),
# « simulateur referentiel » (compétences et critères), « simulateur schema » (schéma pour l'éditeur).
id: {id}   # = nom du fichier, sans .yaml
title: "Titre de l'incident, tel que le stagiaire le voit"
referentiel: TAI               # TAI ou IDI : le titre dont les critères sont notés
competences: [TAI.CP4]         # compétences notées (simulateur referentiel) ; la 1re est la principale
also: [IDI.CP5]                # compétences de l'autre titre exercées (couverture, examens blancs)
level: 1                       # 1 découverte, 2 courant, 3 difficile
duration: 15                   # minutes
topology: {topology}
# Hôtes à construire (les autres de la topologie ne le sont pas) : gardez ceux dont l'incident a besoin.
hosts: [{hosts}]
# Paramètres tirés selon la graine ; « {{nom}} » les utilise dans tous les textes du scénario.
# La topologie en fournit déjà :
{topo_params}
params:
  bureau: {{int: [1, 30]}}
ticket:
  from: "Mme Exemple, service comptabilité"
  where: "bureau {{bureau}}"
  text: >-
    Ce que dit l'utilisateur, avec ses mots (pas le diagnostic : le symptôme).
  documentation: |
    Ce que le technicien a sous la main : plan d'adressage, noms, consignes du site.
  expected:                    # qualification (matrice GLPI) : convention du guide, « Qualifier le ticket »
    impact: bas                # un utilisateur : bas ; un service : moyen ; tout le site : haut
    urgency: moyenne           # pour quand : haute = dans la demi-journée, moyenne = dans la journée…
    accepted:                  # les voisins défendables qu'un jury accepte aussi (ou priorities: [moyenne])
      - {{impact: bas, urgency: haute}}
    reason: "un seul poste touché (impact bas) ; l'utilisatrice en a besoin dans la journée"
faults:                        # la panne injectée (mêmes actions que la solution)
  - {{action: service.stop, host: {host}, service: {service}}}
solution:                      # la solution de référence : l'auto-test l'applique
  - {{action: service.start, host: {host}, service: {service}}}
# variants:                    # variantes de la panne, tirées par la graine (voir le guide)
#   nom_de_variante:
#     summary: "ce que cette variante change"
#     faults: [...]
#     solution: [...]
#     unaffected: []           # sondes que cette variante ne casse pas
probes:                        # état réel mesuré : échoue après la panne, réussit après la solution
  - {{id: service_actif, probe: service.running, host: {host}, service: {service}}}
criteria:                      # critère du référentiel → preuves (probe, journal, ticket, jury)
  - id: TAI.CP4.3              # Les différentes pistes de panne sont méthodiquement explorées
    evidence:
      - {{journal: diagnosed_before_change, min: 2, hosts: [{host}]}}
      - {{jury: "La démarche : questions posées à l'utilisateur, pistes explorées dans l'ordre"}}
  - id: TAI.CP4.5              # Une solution est trouvée et mise en œuvre
    evidence:
      - {{probe: service_actif}}
  - id: TAI.CP4.7              # Les tests de fonctionnement et la recette de l'intervention ont été réalisés
    evidence:
      - {{probe: service_actif}}
      - {{journal: tested_after_fix, min: 1, hosts: [{host}]}}
symptom:                       # ce que dit le ticket, vérifié par l'auto-test sur le laboratoire en panne
  summary: "le service ne répond plus"
  broken: [service_actif]      # sondes qui doivent échouer avant toute réparation
  # working: [...]             # sondes qui doivent réussir : ce que le ticket dit marcher encore
  # probes: [...]              # sondes propres au symptôme (non notées)
hints:                         # du plus vague au plus précis ; le dernier donne presque la solution
  - "Un premier indice, vague : où regarder ?"
  - "Un indice plus précis : quelle commande, quel fichier ?"
  - "La solution, ou presque."
"""


def _example(topo: Topology, hosts: list[str]) -> tuple[str, str]:
    """(host, service) of the example fault: a daemon of one of the chosen hosts."""
    found = [(h, s.name, getattr(s, "type", "")) for h in hosts for s in topo.hosts[h].services]
    for kind in EXAMPLE_TYPES:
        for host, name, stype in found:
            if stype == kind:
                return host, name
    raise UsageError(tr("new.no_service", hosts=", ".join(hosts), topology=topo.id))


def default_folder() -> Path:
    return user_scenarios_dir()


def scaffold(
    scenario_id: str, topology: str = "bureau", hosts: list[str] | None = None, folder: Path | None = None
) -> Path:
    """Write the scaffold; returns its path. Never overwrites a file."""
    if not re.match(ID_RE, scenario_id):
        raise UsageError(tr("new.bad_id", id=scenario_id))
    folder = (folder or default_folder()).expanduser()
    path = folder / f"{scenario_id}.yaml"
    if path.exists():
        raise UsageError(tr("new.exists", path=path))
    if (scenarios_dir() / f"{scenario_id}.yaml").exists() and folder.resolve() != scenarios_dir().resolve():
        raise UsageError(tr("new.shipped", id=scenario_id))
    bases = _topology_bases(folder)
    base = next((b for b in bases if topology_path(topology, b).exists()), None)
    if base is None:
        available = sorted({p.stem for b in bases for p in topology_path("x", b).parent.glob("*.yaml")})
        raise UsageError(tr("new.unknown_topology", topology=topology, available=", ".join(available) or "aucune"))
    topo, _ = load_topology(topology, base)
    chosen = hosts or list(topo.hosts)
    unknown = [h for h in chosen if h not in topo.hosts]
    if unknown:
        raise UsageError(
            tr("check.unknown_host", host=", ".join(unknown), topology=topo.id, hosts=", ".join(topo.hosts))
        )
    host, service = _example(topo, chosen)
    text = TEMPLATE.format(
        id=scenario_id,
        topology=topology,
        hosts=", ".join(chosen),
        host=host,
        service=service,
        path=path,
        topo_params="\n".join(
            textwrap.wrap(", ".join(topo.params) or "aucun", 96, initial_indent="#   ", subsequent_indent="#   ")
        ),
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as f:  # "x": never overwrite, even in a race
            f.write(text)
    except FileExistsError:
        raise UsageError(tr("new.exists", path=path)) from None
    except OSError as exc:
        raise UsageError(tr("new.cannot_write", path=path, why=exc.strerror or exc)) from None
    try:
        load_scenario(path)
    except ScenarioError:
        path.unlink()
        raise
    return path
