"""What `simulateur start` tells whom: the trainee sees the ticket, never the answer.

A trainee reads the lab, its hosts and the ticket (the user's words and the documentation given with
it). The variant drawn by the seed, the drawn parameters (some of which are the fault itself: a wrong
gateway, an old password…) and the qualification the jury expects are a trainer's view only
(`simulateur start --formateur`, the jury role)."""

from __future__ import annotations

import re
from typing import Any

from simulateur.i18n import tr
from simulateur.scenario.models import Scenario

VARIANT_PARAM = "variante"  # the seed's variant, kept among the lab's params (session.run.played)


def print_ticket(sc: Scenario) -> None:
    """The scenario's ticket as a trainee reads it on starting, on the terminal (blank line before and after)."""
    print()
    print(tr("cli.ticket", who=sc.ticket.from_, where=sc.ticket.where))
    print(f"  « {sc.ticket.text.strip()} »")
    if sc.ticket.documentation.strip():
        print()
        print(sc.ticket.documentation.strip())
    print()


def ticket_view(sc: Scenario) -> dict[str, str]:
    """The ticket as the trainee reads it (already rendered with the seed's values)."""
    return {
        "title": sc.title,
        "from": sc.ticket.from_,
        "where": sc.ticket.where,
        "text": sc.ticket.text.strip(),
        "documentation": sc.ticket.documentation.strip(),
    }


def trainer_view(sc: Scenario, params: dict[str, str], raw: Scenario) -> dict[str, Any]:
    """What only a trainer or a jury sees: the variant and what it changes (`raw`: the scenario as
    loaded, with its variants), every drawn parameter, the expected qualification."""
    variant = params.get(VARIANT_PARAM)
    summary = " ".join(raw.variants[variant].summary.split()) if variant in raw.variants else None
    return {
        "variant": variant,
        "variant_summary": summary,
        "params": dict(params),
        "expected": sc.ticket.expected.model_dump(mode="json"),
    }


def start_view(
    sc: Scenario,
    raw: Scenario,
    params: dict[str, str],
    *,
    lab: str,
    seed: int | None,
    hosts: list[str],
    attempt: str | None,
    vm_accel: dict[str, str],
    formateur: bool = False,
) -> dict[str, Any]:
    """The JSON of `simulateur start --json`: the trainee's view, plus the trainer's with `formateur`."""
    out: dict[str, Any] = {
        "lab": lab,
        "scenario": sc.id,
        "seed": seed,
        "hosts": hosts,
        "ticket": ticket_view(sc),
        "vm_accel": vm_accel,
        "attempt": attempt,
    }
    if formateur:
        out.update(trainer_view(sc, params, raw))
    return out


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)")


def secret_params(raw: Scenario, params: dict[str, str]) -> dict[str, str]:
    """The drawn values a trainee must not be shown: the scenario's own parameters that its ticket
    (title, caller, place, text, documentation, as written in the file) does not name, and the
    variant. The topology's parameters (the site's network, its hosts' addresses) are the site's
    documentation, not secrets. `raw` is the scenario as loaded, before rendering."""
    shown: set[str] = set()
    for text in (raw.title, raw.ticket.from_, raw.ticket.where, raw.ticket.text, raw.ticket.documentation):
        shown.update(_PLACEHOLDER.findall(text))
    # A value shown is made of the values its own spec names ({p_mot}-{p_code}!): shown too.
    uses = {name: set(_PLACEHOLDER.findall(spec.model_dump_json())) for name, spec in raw.params.items()}
    todo = list(shown)
    while todo:
        for used in uses.get(todo.pop(), set()) - shown:
            shown.add(used)
            todo.append(used)
    own = set(raw.params)
    return {
        name: value for name, value in params.items() if name == VARIANT_PARAM or (name in own and name not in shown)
    }
