"""Journal and ticket facts of remote support: changes made over SSH from the technician's
workstation, no password typed in clear, an escalation with its tests."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from simulateur.i18n import tr, trn
from simulateur.journal.classify import Kind, read_entry
from simulateur.journal.store import Entry
from simulateur.scenario.models import JournalEvidence, TicketEvidence

if TYPE_CHECKING:
    from simulateur.ticket import Escalation

MASK = "••••••"
# A password handed to a tool on its command line (visible in the shell's history and in `ps`).
PASSWORD_ARGS = re.compile(r"\bsshpass\b(?:\s+-\S+)*?\s+-p\s*\S|\bSSHPASS=\S|\bsshpass\b.*\s-p\S")


def _short(entry: Entry, secrets: list[str] = []) -> str:  # noqa: B006 - read only
    text = entry.cmd
    for secret in secrets:
        text = text.replace(secret, MASK)
    text = text if len(text) <= 60 else text[:57] + "…"
    return tr("score.cmd", cmd=text, host=entry.host)


def remote_changes(ev: JournalEvidence, cmds: list[Entry]) -> tuple[bool, str]:
    """Every command on the hosts (nobody is at their desk) came through SSH from `origin`, and
    at least one of them changed something."""
    texts: list[str] = []
    ok = True
    for host in ev.hosts:
        mine = [e for e in cmds if e.host == host]
        # by identity: `e not in local` compared entries field by field, quadratic in the journal
        local_ids = {id(e) for e in mine if e.source != "ssh" or (ev.origin and e.origin != ev.origin)}
        local = [e for e in mine if id(e) in local_ids]
        remote = [e for e in mine if id(e) not in local_ids]
        changes = [e for e in remote if read_entry(e).kind is Kind.CHANGE]
        if local:
            ok = False
            first = local[0]
            where = tr("score.remote_from", origin=first.origin) if first.source == "ssh" else tr("score.remote_local")
            texts.append(trn("score.remote_not_remote", len(local), host=host, cmd=_short(first), where=where))
        elif not changes:
            ok = False
            texts.append(trn("score.remote_no_change", len(remote), host=host, origin=ev.origin or "?"))
        else:
            listed = ", ".join(_short(e) for e in changes[:3]) + (" …" if len(changes) > 3 else "")
            texts.append(
                trn(
                    "score.remote_ok",
                    len(remote),
                    host=host,
                    origin=ev.origin or "SSH",
                    changes=trn("count.changes", len(changes)),
                    listed=listed,
                )
            )
    return ok, " ; ".join(texts)


def no_password(ev: JournalEvidence, cmds: list[Entry]) -> tuple[bool, str]:
    secrets = [s for s in ev.secrets if s]
    bad = [e for e in cmds if any(s in e.cmd for s in secrets) or PASSWORD_ARGS.search(e.cmd)]
    if bad:
        return False, trn("score.password_in_command", len(bad), cmd=_short(bad[0], secrets))
    return True, trn("score.no_password", len(cmds))


def escalation(ev: TicketEvidence, esc: Escalation | None, entries: list[Entry]) -> tuple[bool, str]:
    if esc is None:
        return False, tr("score.no_escalation")
    label = tr(f"tui.escalade.to.{esc.to}")
    problems = []
    if ev.to and esc.to not in ev.to:
        problems.append(
            tr("score.escalation_wrong_target", expected=", ".join(tr(f"tui.escalade.to.{t}") for t in ev.to))
        )
    if ev.min and not esc.done:  # tests are expected: the escalation must say which and their results
        problems.append(tr("score.escalation_no_done"))
    # a test that ran counts, failed or not (one escalates because tests fail); one that could
    # not run (126, 127) does not
    tests = [e for e in entries if e.source != "event" and e.t <= esc.t and read_entry(e).kind is Kind.TEST]
    if len(tests) < ev.min:
        problems.append(trn("score.escalation_few_tests", len(tests), expected=trn("count.expected_m", ev.min)))
    missing = [h for h in ev.hosts if not any(e.host == h for e in tests)]
    if missing:
        problems.append(tr("score.escalation_no_test_on", hosts=", ".join(missing)))
    head = trn("score.escalated", len(tests), to=label, reason=esc.reason)
    return not problems, head + (" — " + " ; ".join(problems) if problems else "")
