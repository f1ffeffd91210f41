"""A cahier des charges played on a lab: through the scenarios' own path (session.run), so that the
lab, its attempt, the shells, the journal and exam mode's confinement are the same.

The cahier is given to that path as the scenario it plays as (`as_scenario`): its document is the
ticket's text, its setup the « faults » (what brings the hosts to « installés, non configurés »),
its whole reference build the « solution », its requirements' probes the probes, and each RC
criterion of its requirements a criterion whose evidence is those probes. The cahier itself (as
rendered for the lab) is kept beside scenario.json in the lab's state (cahier.json): the recette
reads it there."""

from __future__ import annotations

import re
from pathlib import Path

from simulateur.cahier.loader import load_cahier, rendered_cahier, topology_of
from simulateur.cahier.models import Cahier
from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab.lab import Lab, Progress, _quiet
from simulateur.scenario.loader import Loaded
from simulateur.scenario.models import Scenario
from simulateur.session import run

STATE_FILE = "cahier.json"


def as_scenario(cahier: Cahier) -> Scenario:
    """The scenario a cahier plays as on the scenarios' path (see the module's docstring). The
    ticket's expected qualification is never scored (no criterion cites the ticket): a cahier des
    charges is not an incident to qualify."""
    criteria: dict[str, list[dict[str, str]]] = {}
    for req in cahier.requirements:
        for crit in req.criteria:
            evidence = criteria.setdefault(crit, [])
            evidence += [{"probe": p} for p in req.probes if {"probe": p} not in evidence]
    competences = sorted(
        {c.rsplit(".", 1)[0] for c in criteria},
        key=lambda c: (c[c.index(".") + 1 : c.index(".") + 3], int(re.sub(r"\D", "", c))),
    )
    data = {
        "id": cahier.id,
        "title": cahier.title,
        "referentiel": cahier.referentiel,
        "competences": competences,
        "level": 2,
        "duration": cahier.duration,
        "topology": cahier.topology,
        "hosts": cahier.hosts,
        "shell_host": cahier.shell_host,
        "params": {k: v.model_dump() for k, v in cahier.params.items()},
        "ticket": {
            "from": tr("cahier.ticket_from"),
            "where": tr("cahier.ticket_where"),
            "text": cahier.document,
            "expected": {"impact": "moyen", "urgency": "moyenne"},
        },
        "faults": [a.model_dump(by_alias=True) for a in cahier.setup],
        "solution": [a.model_dump(by_alias=True) for a in cahier.reference_actions()],
        "probes": [p.model_dump(by_alias=True) for p in cahier.probes],
        "criteria": [{"id": cid, "evidence": ev} for cid, ev in criteria.items()],
        "hints": [tr("cahier.hint", text=r.text) for r in cahier.requirements],
    }
    return Scenario.model_validate(data)


def loaded(cahier: Cahier) -> Loaded:
    return Loaded(as_scenario(cahier), topology_of(cahier), Path(f"{cahier.id}.yaml"))


def start(
    cahier_id: str, seed: int | None = None, *, candidate: str | None = None, progress: Progress = _quiet
) -> run.Started:
    """Build the lab of a cahier, « installé, non configuré », with its attempt (as run.start)."""
    cahier = load_cahier(cahier_id)

    def keep(lab: Lab, _scenario: Scenario) -> None:
        (lab.state.dir / STATE_FILE).write_text(rendered_cahier(cahier, lab.params).model_dump_json(by_alias=True))

    return run.start_loaded(loaded(cahier), seed, candidate=candidate, progress=progress, keep=keep)


def cahier_of(lab: Lab) -> Cahier:
    """The cahier (rendered) a lab was built for."""
    path = lab.state.dir / STATE_FILE
    try:
        return Cahier.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise SimError(tr("cahier.not_a_cahier_lab", lab=lab.id)) from None
    except (OSError, ValueError):
        raise SimError(tr("lab.corrupt", lab=lab.id)) from None


def apply_reference(lab_id: str, req_ids: list[str] | None = None) -> list[str]:
    """Apply the reference build of `req_ids` (default: every requirement) with their needs to a
    running cahier lab — what a trainer shows, what the selftest does; returns the requirements
    built, in order. Refused for a lab kept frozen, as any work in it (run.open_attempt)."""
    from simulateur.errors import UsageError

    lab, _scenario, _attempt = run.open_attempt(lab_id)
    cahier = cahier_of(lab)
    known = [r.id for r in cahier.requirements]
    for rid in req_ids or []:
        if rid not in known:
            raise UsageError(tr("cahier.check.unknown_requirement", id=rid, known=", ".join(known)))
    order = cahier.build_order(req_ids or None)
    for rid in order:
        lab.apply(cahier.reference.get(rid, []))
    return order
