"""What the trainee does with their hands on a network cable (`simulateur cable`, the TUI's
« Câbles » tab), journaled.

Looking at a cable is recorded as an event (shown in the journal, not scored); plugging or
unplugging it is recorded as a change on the host (the jury expects a test after it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulateur.i18n import tr
from simulateur.lab import cable

if TYPE_CHECKING:
    from simulateur.journal.store import Journal
    from simulateur.lab.lab import Lab
    from simulateur.scenario.models import Scenario


def state_text(c: cable.Cable) -> str:
    if c.switch is None:
        return tr("cable.shown_unplugged", host=c.host, iface=c.iface)
    return tr(
        "cable.shown_plugged",
        host=c.host,
        iface=c.iface,
        switch=c.switch,
        carrier=(tr("cable.carrier") if c.carrier else tr("cable.no_carrier")),
    )


def cables(lab: Lab) -> list[tuple[str, str]]:
    """(host, iface) of every cable of the lab, in topology order."""
    return [(h, i.name) for h, spec in lab.topology.hosts.items() if h in lab.host_names() for i in spec.interfaces]


def physical(scenario: Scenario) -> bool:
    """Does the scenario involve cables (an action on one, or a probe of a link)?"""
    steps = [*scenario.faults, *scenario.solution, *(a for v in scenario.variants.values() for a in v.faults)]
    return any(getattr(a, "action", "").startswith("cable.") for a in steps) or any(
        p.probe == "net.link" for p in scenario.probes
    )


def look(lab: Lab, journal: Journal | None, host: str, iface: str) -> str:
    text = state_text(cable.inspect_cable(lab, host, iface))
    if journal is not None:
        journal.record(host, tr("cable.journal_look", host=host, iface=iface, state=text), None, "event")
    return text


def plug(lab: Lab, journal: Journal | None, host: str, iface: str, switch: str) -> str:
    c = cable.plug(lab, host, iface, switch)
    if journal is not None:
        journal.record(host, tr("cable.journal_plug", host=host, iface=iface, switch=switch), 0, "exec")
    return tr(
        "cable.plugged",
        host=host,
        iface=iface,
        switch=switch,
        carrier=(tr("cable.carrier") if c.carrier else tr("cable.no_carrier")),
    )


def unplug(lab: Lab, journal: Journal | None, host: str, iface: str) -> str:
    cable.unplug(lab, host, iface)
    if journal is not None:
        journal.record(host, tr("cable.journal_unplug", host=host, iface=iface), 0, "exec")
    return tr("cable.unplugged", host=host, iface=iface)


def run(lab_id: str, host: str, iface: str, switch: str | None, unplugging: bool) -> str:
    """`simulateur cable`: plug, unplug, or only look; returns the sentence to show."""
    from simulateur.session.run import open_attempt

    lab, _, attempt = open_attempt(lab_id)
    if unplugging:
        return unplug(lab, attempt.journal, host, iface)
    if switch is not None:
        return plug(lab, attempt.journal, host, iface, switch)
    return look(lab, attempt.journal, host, iface)
