"""Evidence → criterion verdicts → the competence grid, as a jury reads it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from simulateur import referentiel
from simulateur.i18n import tr, trn
from simulateur.journal.classify import Kind, Reading, entry_file_events, ran, read_entry
from simulateur.journal.store import Entry
from simulateur.probes import ProbeBase, ProbeResult
from simulateur.scenario.models import Expected, JournalEvidence, JuryEvidence, ProbeEvidence, Scenario, TicketEvidence
from simulateur.scoring import remote
from simulateur.ticket import (
    IMPACT_LABELS,
    IMPACTS,
    PRIORITY_LABELS,
    URGENCIES,
    URGENCY_LABELS,
    Escalation,
    Qualification,
    judge,
    priority,
    priority_level,
)

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

    @property
    def ratio(self) -> float | None:
        return self.acquis / self.evalues if self.evalues else None


class CheckResult(BaseModel):
    lab: str
    scenario: str
    seed: int
    t: float
    criteria: list[CriterionResult]
    probes: list[ProbeResult]
    score: Score


def run_probes(scenario: Scenario, lab: Lab, extra: Sequence[ProbeBase] = ()) -> list[ProbeResult]:
    """The scenario's probes on the lab, in order, then `extra` ones (the symptom's), all at once."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(lambda p: p.run(lab), [*scenario.probes, *extra]))


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
        when = (
            tr("score.before_first_change", cmd=_cmd(cmds[end]), time=_hm(cmds[end].t))
            if changes
            else tr("score.no_change_recorded")
        )
        listed = ", ".join(_cmd(cmds[i]) for i in looked[:6]) + (" …" if len(looked) > 6 else "")
        if len(looked) < ev.min:
            return False, trn(
                "score.too_few_diagnostics", len(looked), when=when, expected=trn("count.expected_f", ev.min)
            ) + (f" : {listed}" if looked else "")
        if missing:
            return False, tr("score.no_diagnostic_on", hosts=", ".join(missing), when=when)
        return True, trn("score.diagnostics", len(looked), when=when, listed=listed)
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
        extra = trn("score.failed_tests", len(failed)) if failed else ""
        return False, tr("score.no_test_after", last=_cmd(cmds[last]), extra=extra)
    if missing:
        return False, tr("score.no_test_on", hosts=", ".join(missing))
    return True, trn("score.tests_after", len(after), last=_cmd(cmds[last])) + ", ".join(
        _cmd(cmds[i]) for i in after[:4]
    )


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


def accepted_text(exp: Expected) -> str:
    """The answers a scenario accepts, as the results list them: the pairs it names, then the
    priorities it accepts whatever the pair (GLPI matrix)."""
    named = [(exp.impact, exp.urgency)] + [
        (p.impact, p.urgency) for p in exp.accepted if (p.impact, p.urgency) != (exp.impact, exp.urgency)
    ]
    parts = [
        tr(
            "score.qual.pair",
            impact=IMPACT_LABELS[i],
            urgency=URGENCY_LABELS[u],
            priority=PRIORITY_LABELS[priority(i, u)],
        )
        for i, u in named
    ]
    if exp.priorities:
        levels = sorted({priority_level(p) for p in exp.priorities}, reverse=True)
        parts.append(
            tr("score.qual.priorities", priorities=tr("score.qual.or").join(PRIORITY_LABELS[n] for n in levels))
        )
    return " ; ".join(parts)


def ticket_facts(scenario: Scenario, q: Qualification | None) -> tuple[bool, str]:
    """A qualification judged as a jury does: the priority the answer gives (GLPI matrix), whether
    the scenario accepts it, what is off (the impact, the urgency or only their pair), and why."""
    exp = scenario.ticket.expected
    accepted = exp.pairs()
    listed = accepted_text(exp)
    reason = tr("score.qual.reason", reason=exp.reason.strip()) if exp.reason.strip() else ""
    if q is None:
        return False, tr("score.not_qualified", accepted=listed) + reason
    j = judge(q.impact, q.urgency, accepted)
    given = tr(
        "score.qual.given",
        impact=IMPACT_LABELS[q.impact],
        urgency=URGENCY_LABELS[q.urgency],
        priority=PRIORITY_LABELS[j.priority],
    )
    if j.ok:
        return True, tr("score.qualified_ok", given=given, accepted=listed) + reason
    off = []
    if not j.impact_ok:
        impacts = [i for i in IMPACTS if any(a == i for a, _ in accepted)]
        off.append(
            tr(
                "score.qual.impact_off",
                impact=IMPACT_LABELS[q.impact],
                impacts=tr("score.qual.or").join(IMPACT_LABELS[i] for i in impacts),
            )
        )
    if not j.urgency_ok:
        urgencies = [u for u in URGENCIES if any(b == u for _, b in accepted)]
        off.append(
            tr(
                "score.qual.urgency_off",
                urgency=URGENCY_LABELS[q.urgency],
                urgencies=tr("score.qual.or").join(URGENCY_LABELS[u] for u in urgencies),
            )
        )
    if not off:
        off.append(tr("score.qual.pair_off"))
    return False, tr("score.qualified_ko", given=given, off=", ".join(off), accepted=listed) + reason


def acted(entries: list[Entry], escalation: Escalation | None = None) -> bool:
    """Did the trainee do anything to the lab: a change that ran (journal), or an escalation?"""
    return escalation is not None or any(e.source != "event" and read_entry(e).kind is Kind.CHANGE for e in entries)


def evaluate(
    scenario: Scenario, lab: Lab, entries: list[Entry], q: Qualification | None, escalation: Escalation | None = None
) -> CheckResult:
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
                ok, text = (
                    remote.escalation(ev, escalation, entries)
                    if ev.ticket == "escalation"
                    else ticket_facts(scenario, q)
                )
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
        results.append(
            CriterionResult(
                id=spec.id,
                label=crit.label,
                competence=comp.id,
                competence_label=comp.label,
                verdict=verdict,
                evidence=evidence,
            )
        )
    score = Score(
        acquis=sum(r.verdict == "acquis" for r in results),
        evalues=sum(r.verdict != "jury" for r in results),
        jury=sum(r.verdict == "jury" for r in results),
    )
    return CheckResult(
        lab=lab.id,
        scenario=scenario.id,
        seed=lab.state.seed,
        t=time.time(),
        criteria=results,
        probes=probes,
        score=score,
    )


# A verdict as a trainee, a trainer or a jury reads it — the one table (the check's grid, the jury's
# pages and the report); « jury »: what no probe can judge, « à évaluer » by the jury.
VERDICT_LABELS: dict[str, str] = {
    "acquis": tr("score.verdict.acquis"),
    "non_acquis": tr("score.verdict.non_acquis"),
    "jury": tr("score.verdict.jury"),
    "non_evalue": tr("score.verdict.non_evalue"),
    "non_traitee": tr("score.verdict.non_traitee"),
}


def render_grid(result: CheckResult, title: str) -> str:
    lines = [
        tr("score.grid_title", title=title),
        tr("score.grid_lab", lab=result.lab, scenario=result.scenario, seed=result.seed),
        "",
    ]
    current = None
    for r in result.criteria:
        if r.competence != current:
            current = r.competence
            lines.append(f"{r.competence}  {r.competence_label}")
        lines.append(f"  [{VERDICT_LABELS[r.verdict]:^10}] {r.id}  {r.label}")
        lines += [f"               {e}" for e in r.evidence]
    s = result.score
    jury = tr("score.jury_count", n=s.jury) if s.jury else ""
    lines += ["", trn("score.total", s.evalues, acquis=s.acquis, jury=jury)]
    return "\n".join(lines)
