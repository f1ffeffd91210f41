"""Evidence → criterion verdicts → the competence grid, as a jury reads it."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from simulateur import referentiel
from simulateur.i18n import tr
from simulateur.journal.classify import Kind, Reading, entry_file_events, ran, read_entry
from simulateur.journal.store import Entry
from simulateur.probes import ProbeResult
from simulateur.scenario.models import (
    JournalEvidence, JuryEvidence, ProbeEvidence, Scenario, TicketEvidence,
)
from simulateur.scoring import remote
from simulateur.session.attempt import Escalation, Qualification
from simulateur.ticket import IMPACT_LABELS, PRIORITY_LABELS, URGENCY_LABELS, priority

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab

Verdict = Literal["acquis", "non_acquis", "jury"]


class CriterionResult(BaseModel):
    id: str
    label: str
    competence: str
    competence_label: str
    verdict: Verdict
    evidence: list[str]


class Score(BaseModel):
    acquis: int
    evalues: int
    jury: int


class CheckResult(BaseModel):
    lab: str
    scenario: str
    seed: int
    t: float
    criteria: list[CriterionResult]
    probes: list[ProbeResult]
    score: Score


def run_probes(scenario: Scenario, lab: Lab) -> list[ProbeResult]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(lambda p: p.run(lab), scenario.probes))


def _hm(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def _cmd(entry: Entry) -> str:
    text = entry.cmd if len(entry.cmd) <= 60 else entry.cmd[:57] + "…"
    return tr("score.cmd", cmd=text, host=entry.host)


def _on(entry: Entry, reading: Reading, host: str) -> bool:
    """Did this entry act on `host`: typed there, or run there through ssh?"""
    return entry.host == host or host in reading.hosts


def journal_facts(ev: JournalEvidence, entries: list[Entry]) -> tuple[bool, str]:
    cmds = sorted((e for e in entries if e.source != "event"), key=lambda e: e.t)
    readings = [read_entry(e) for e in cmds]
    kinds = [r.kind for r in readings]
    changes = [i for i, k in enumerate(kinds) if k is Kind.CHANGE]
    if ev.journal == "remote_changes":
        return remote.remote_changes(ev, cmds)
    if ev.journal == "no_password_in_command":
        return remote.no_password(ev, cmds)
    if ev.journal == "diagnosed_before_change":
        end = changes[0] if changes else len(cmds)
        looked = [i for i in range(end) if kinds[i] in (Kind.DIAGNOSTIC, Kind.TEST)]
        missing = [h for h in ev.hosts if not any(_on(cmds[i], readings[i], h) for i in looked)]
        when = tr("score.before_first_change", cmd=_cmd(cmds[end]), time=_hm(cmds[end].t)) if changes \
            else tr("score.no_change_recorded")
        listed = ", ".join(_cmd(cmds[i]) for i in looked[:6]) + (" …" if len(looked) > 6 else "")
        if len(looked) < ev.min:
            return False, tr("score.too_few_diagnostics", n=len(looked), when=when, min=ev.min) + (
                f" : {listed}" if looked else "")
        if missing:
            return False, tr("score.no_diagnostic_on", hosts=", ".join(missing), when=when)
        return True, tr("score.diagnostics", n=len(looked), when=when, listed=listed)
    if ev.journal == "backup_before_edit":
        return _backup_facts(ev.paths, cmds)
    # tested_after_fix: a successful test (exit code 0) after the last change; the line of that
    # change counts when it ends with such a test (`systemctl restart cups && lp f`)
    if not changes:
        return False, tr("score.nothing_to_verify")
    last = changes[-1]
    tests = [i for i in range(last + 1, len(cmds)) if kinds[i] is Kind.TEST]
    after = [i for i in tests if cmds[i].rc == 0]
    if readings[last].tests_last and cmds[last].rc == 0:
        after.insert(0, last)
    missing = [h for h in ev.hosts if not any(_on(cmds[i], readings[i], h) for i in after)]
    if len(after) < ev.min:
        failed = [i for i in tests if cmds[i].rc != 0]
        extra = tr("score.failed_tests", n=len(failed)) if failed else ""
        return False, tr("score.no_test_after", last=_cmd(cmds[last]), extra=extra)
    if missing:
        return False, tr("score.no_test_on", hosts=", ".join(missing))
    return True, tr("score.tests_after", n=len(after), last=_cmd(cmds[last])) + \
        ", ".join(_cmd(cmds[i]) for i in after[:4])


def _backup_facts(paths: list[str], cmds: list[Entry]) -> tuple[bool, str]:
    """For each path, a copy of it before its first modification. A command that could not run
    modified nothing, a copy that failed saved nothing; in one line, `cp F F.bak && nano F`
    is a copy then a modification."""
    texts = []
    ok = True
    for path in paths:
        backup: Entry | None = None
        first_edit: Entry | None = None
        for e in cmds:
            if not ran(e.cmd, e.rc):
                continue
            for event in entry_file_events(e, path):
                if event == "edit":
                    first_edit = e
                    break
                if backup is None and e.rc in (0, None):
                    backup = e
            if first_edit is not None:
                break
        if first_edit is None:
            ok = False
            texts.append(tr("score.never_edited", path=path))
        elif backup is None:
            ok = False
            texts.append(tr("score.edited_without_backup", path=path, cmd=_cmd(first_edit)))
        else:
            texts.append(tr("score.backed_up", path=path, cmd=_cmd(backup)))
    return ok, " ; ".join(texts)


def ticket_facts(scenario: Scenario, q: Qualification | None) -> tuple[bool, str]:
    exp = scenario.ticket.expected
    expected_p = PRIORITY_LABELS[priority(exp.impact, exp.urgency)]
    if q is None:
        return False, tr("score.not_qualified", impact=IMPACT_LABELS[exp.impact],
                         urgency=URGENCY_LABELS[exp.urgency], priority=expected_p)
    got_p = PRIORITY_LABELS[priority(q.impact, q.urgency)]
    text = tr("score.qualified", impact=IMPACT_LABELS[q.impact], urgency=URGENCY_LABELS[q.urgency],
              priority=got_p, exp_impact=IMPACT_LABELS[exp.impact], exp_urgency=URGENCY_LABELS[exp.urgency],
              exp_priority=expected_p)
    return q.impact == exp.impact and q.urgency == exp.urgency, text


def acted(entries: list[Entry], escalation: Escalation | None = None) -> bool:
    """Did the trainee do anything to the lab: a change that ran (journal), or an escalation?"""
    return escalation is not None or any(
        e.source != "event" and read_entry(e).kind is Kind.CHANGE for e in entries)


def evaluate(scenario: Scenario, lab: Lab, entries: list[Entry], q: Qualification | None,
             escalation: Escalation | None = None) -> CheckResult:
    """The grid. When the trainee changed nothing, a probe that passes proves nothing about his
    work (it passed before he came: the parts the fault left intact, or a symptom the fault did
    not cause): a jury credits no intervention that was not made."""
    probes = run_probes(scenario, lab)
    by_id = {p.id: p for p in probes}
    did_something = acted(entries, escalation)
    crits = referentiel.all_criteria()
    results = []
    for spec in scenario.criteria:
        crit, comp = crits[spec.id][0], crits[spec.id][1]
        auto_ok: list[bool] = []
        jury = False
        evidence: list[str] = []
        for ev in spec.evidence:
            if isinstance(ev, ProbeEvidence):
                p = by_id[ev.probe]
                if p.ok and not did_something:
                    auto_ok.append(False)
                    evidence.append("✗ " + tr("score.untouched", observed=p.observed))
                    continue
                auto_ok.append(p.ok)
                evidence.append(("✓ " if p.ok else "✗ ") + p.observed)
            elif isinstance(ev, JournalEvidence):
                ok, text = journal_facts(ev, entries)
                auto_ok.append(ok)
                evidence.append(("✓ " if ok else "✗ ") + text)
            elif isinstance(ev, TicketEvidence):
                ok, text = (remote.escalation(ev, escalation, entries) if ev.ticket == "escalation"
                            else ticket_facts(scenario, q))
                auto_ok.append(ok)
                evidence.append(("✓ " if ok else "✗ ") + text)
            elif isinstance(ev, JuryEvidence):
                jury = True
                evidence.append("? " + ev.jury)
        verdict: Verdict
        if auto_ok and not all(auto_ok):
            verdict = "non_acquis"
        elif jury:
            verdict = "jury"
        else:
            verdict = "acquis"
        results.append(CriterionResult(id=spec.id, label=crit.label, competence=comp.id,
                                       competence_label=comp.label, verdict=verdict, evidence=evidence))
    score = Score(
        acquis=sum(r.verdict == "acquis" for r in results),
        evalues=sum(r.verdict != "jury" for r in results),
        jury=sum(r.verdict == "jury" for r in results),
    )
    return CheckResult(lab=lab.id, scenario=scenario.id, seed=lab.state.seed, t=time.time(),
                       criteria=results, probes=probes, score=score)


VERDICT_LABELS = {"acquis": "acquis", "non_acquis": "non acquis", "jury": "jury"}


def render_grid(result: CheckResult, title: str) -> str:
    lines = [tr("score.grid_title", title=title),
             tr("score.grid_lab", lab=result.lab, scenario=result.scenario, seed=result.seed), ""]
    current = None
    for r in result.criteria:
        if r.competence != current:
            current = r.competence
            lines.append(f"{r.competence}  {r.competence_label}")
        lines.append(f"  [{VERDICT_LABELS[r.verdict]:^10}] {r.id}  {r.label}")
        lines += [f"               {e}" for e in r.evidence]
    s = result.score
    jury = tr("score.jury_count", n=s.jury) if s.jury else ""
    lines += ["", tr("score.total", acquis=s.acquis, evalues=s.evalues, jury=jury)]
    return "\n".join(lines)
