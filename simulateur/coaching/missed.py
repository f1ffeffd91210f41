"""Each criterion not acquired: what a jury expected, in plain French (the criterion's label, what
each probe expected — never what it observed, which may show a hidden fault's values), and the
trainee's journal commands that came closest to it (same host, and the service, file, interface,
name… the probe looks at)."""

from __future__ import annotations

import shlex
import time
from collections.abc import Sequence

from pydantic import BaseModel, Field

from simulateur.i18n import N_, tr, trn
from simulateur.journal.classify import Kind, read_entry, split_commands
from simulateur.journal.store import Entry
from simulateur.probes import ProbeBase, ProbeResult
from simulateur.scenario.models import (
    CriterionSpec,
    JournalEvidence,
    JuryEvidence,
    ProbeEvidence,
    Scenario,
    TicketEvidence,
)
from simulateur.session.store import CriterionRecord

CLOSEST = 3  # commands shown per criterion
# A probe's fields that name what it looks at (the rest are thresholds, flags, expected values).
TARGET_FIELDS = (
    "service",
    "iface",
    "target",
    "name",
    "queue",
    "printer",
    "package",
    "login",
    "server",
    "share",
    "collection",
    "router",
    "gateway",
    "via",
    "user",
    "table",
    "switch",
    "ou",
    "path",
    "file",
)


class Missed(BaseModel):
    criterion: str
    label: str
    expected: list[str]
    closest: list[str] = Field(default_factory=list)


def probe_targets(probe: ProbeBase) -> tuple[set[str], set[str]]:
    """(hosts, words): where the probe looks, and what — the names a command aimed at it would hold."""
    hosts = {probe.host}
    words: set[str] = set()
    for name in TARGET_FIELDS:
        value = getattr(probe, name, None)
        if isinstance(value, str) and len(value) >= 3 and "{" not in value:
            words.add(value)
            if "/" in value:
                words.add(value.rstrip("/").rsplit("/", 1)[-1])
    return hosts, words


def _tokens(cmd: str) -> list[str]:
    out: list[str] = []
    for simple in split_commands(cmd):
        try:
            out += shlex.split(simple)
        except ValueError:
            out += simple.split()
    return out


def _aims_at(cmd: str, words: set[str]) -> bool:
    return any(w == tok or w in tok for tok in _tokens(cmd) for w in words)


def closest_commands(
    entries: Sequence[Entry],
    hosts: set[str],
    words: set[str],
    kinds: tuple[Kind, ...] = (Kind.CHANGE, Kind.TEST, Kind.DIAGNOSTIC),
) -> list[Entry]:
    """The journal's commands nearest to a target: on one of its hosts and naming what it looks at
    first, then on its hosts only; among equals, a change before a test before a look, then the
    latest."""
    ranked: list[tuple[tuple[int, int, float], Entry]] = []
    for e in entries:
        if e.source == "event":
            continue
        reading = read_entry(e)
        on_host = e.host in hosts or bool(hosts & reading.hosts)
        named = bool(words) and _aims_at(e.cmd, words)
        if not (on_host or named) or reading.kind not in kinds:
            continue
        rank = (2 if on_host and named else 1 if named else 0, -kinds.index(reading.kind), e.t)
        ranked.append((rank, e))
    ranked.sort(key=lambda r: r[0], reverse=True)
    return [e for _, e in ranked[:CLOSEST]]


def _line(e: Entry) -> str:
    return tr(
        "coach.command",
        time=time.strftime("%H:%M:%S", time.localtime(e.t)),
        host=e.host,
        cmd=e.cmd,
        rc="" if e.rc in (0, None) else tr("coach.command_rc", rc=e.rc),
    )


def _journal_expectation(ev: JournalEvidence) -> str:
    hosts = ", ".join(ev.hosts) if ev.hosts else tr("coach.any_host")
    return tr(
        f"coach.journal.{ev.journal}",
        commands=trn("count.commands", ev.min),
        tests_passed=trn("count.tests_passed", ev.min),
        hosts=hosts,
        paths=", ".join(ev.paths),
        origin=ev.origin or tr("coach.any_host"),
    )


def missed_criteria(
    scenario: Scenario, records: Sequence[CriterionRecord], probes: Sequence[ProbeResult], entries: Sequence[Entry]
) -> list[Missed]:
    specs: dict[str, CriterionSpec] = {c.id: c for c in scenario.criteria}
    by_probe = {p.id: p for p in scenario.probes}
    results = {p.id: p for p in probes}
    out: list[Missed] = []
    for rec in records:
        spec = specs.get(rec.id)
        if rec.verdict != "non_acquis" or spec is None:
            continue
        expected: list[str] = []
        hosts: set[str] = set()
        words: set[str] = set()
        kinds: tuple[Kind, ...] = (Kind.CHANGE, Kind.TEST, Kind.DIAGNOSTIC)
        for ev in spec.evidence:
            if isinstance(ev, ProbeEvidence):
                result = results.get(ev.probe)
                if result is not None and result.ok:
                    continue
                probe = by_probe.get(ev.probe)
                if probe is None:
                    continue
                expected.append(result.expected if result is not None else probe.summary)
                h, w = probe_targets(probe)
                hosts |= h
                words |= w
            elif isinstance(ev, JournalEvidence):
                expected.append(_journal_expectation(ev))
                hosts |= set(ev.hosts)
                words |= set(ev.paths)
                if ev.journal == "diagnosed_before_change":
                    kinds = (Kind.DIAGNOSTIC, Kind.TEST)
                elif ev.journal == "tested_after_fix":
                    kinds = (Kind.TEST, Kind.CHANGE)
            elif isinstance(ev, TicketEvidence):
                expected.append(tr(f"coach.ticket.{ev.ticket}"))
            elif isinstance(ev, JuryEvidence):
                expected.append(tr("coach.jury", what=ev.jury))
        closest = closest_commands(entries, hosts, words, kinds) if hosts or words else []
        out.append(Missed(criterion=rec.id, label=rec.label, expected=expected, closest=[_line(e) for e in closest]))
    return out


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("coach.journal.backup_before_edit"),
    N_("coach.journal.diagnosed_before_change"),
    N_("coach.journal.no_password_in_command"),
    N_("coach.journal.remote_changes"),
    N_("coach.journal.tested_after_fix"),
    N_("coach.ticket.escalation"),
    N_("coach.ticket.qualification"),
)
