"""An attempt: one trainee on one lab. Its facts (who, which scenario and seed, the ticket's
qualification and escalation, the last check) are in the store (session/store.py), once; its
directory in the data dir keeps what is written as it happens — the journal (journal.jsonl,
exec.jsonl), the terminal recordings, the sshd logs — and outlives the lab."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.journal.store import Journal
from simulateur.paths import data_dir
from simulateur.ticket import ESCALATION_TARGETS, IMPACTS, URGENCIES, Escalation, Qualification

if TYPE_CHECKING:
    from simulateur.scenario.models import Scenario
    from simulateur.scoring import CheckResult
    from simulateur.session.store import AttemptRecord, Store

__all__ = ["VERIFIED_EVENT", "Attempt", "Escalation", "Qualification"]

#: The journal's event of a training « Vérifier » (session.run.verify), as the trainee reads it.
VERIFIED_EVENT = tr("journal.verified")


class Attempt:
    """The attempt whose directory is `directory` (its name is the attempt's id in the store)."""

    def __init__(self, directory: Path, store: Store | None = None) -> None:
        self.dir = Path(directory)
        self.id = self.dir.name
        self._store = store

    @property
    def store(self) -> Store:
        if self._store is None:
            from simulateur.session.store import Store

            self._store = Store()
        return self._store

    @classmethod
    def create(
        cls,
        lab: str,
        scenario: Scenario | str,
        seed: int,
        candidate: str | None = None,
        *,
        variant: str | None = None,
        store: Store | None = None,
    ) -> Attempt:
        """A new attempt's directory and record (no process owns it yet: the app or an exam
        takes it over with Store.begin)."""
        from simulateur.session.store import Store

        store = store or Store()
        scenario_id = scenario if isinstance(scenario, str) else scenario.id
        stamp = time.strftime("%Y%m%d-%H%M%S")
        root = data_dir() / "attempts"
        root.mkdir(parents=True, exist_ok=True)
        directory = root / f"{stamp}-{scenario_id}-{lab}"
        directory.mkdir(mode=0o700)
        store.begin(
            attempt_id=directory.name,
            scenario=scenario,
            seed=seed,
            mode="entrainement",
            lab=lab,
            attempt_dir=directory,
            candidate=candidate,
            variant=variant,
            owned=False,
        )
        return cls(directory, store)

    @property
    def info(self) -> AttemptRecord:
        rec = self.store.attempt(self.id)
        if rec is None:
            from simulateur.store import shown

            raise SimError(tr("attempt.unknown", id=self.id, url=shown(self.store.url)))
        return rec

    @property
    def journal(self) -> Journal:
        return Journal(self.dir / "journal.jsonl")

    def qualify(self, impact: str, urgency: str) -> Qualification:
        if impact not in IMPACTS:
            raise SimError(tr("ticket.bad_impact", value=impact, values=", ".join(IMPACTS)), exit_code=2)
        if urgency not in URGENCIES:
            raise SimError(tr("ticket.bad_urgency", value=urgency, values=", ".join(URGENCIES)), exit_code=2)
        q = self.store.save_qualification(self.id, impact, urgency)
        self.journal.record("-", f"qualification : impact {impact}, urgence {urgency}", None, "event")
        return q

    def qualification(self) -> Qualification | None:
        return self.store.qualification(self.id)

    def escalate(self, to: str, reason: str, done: str = "") -> Escalation:
        """Hand the ticket over to a higher level (the last escalation is the one that counts)."""
        if to not in ESCALATION_TARGETS:
            raise SimError(tr("ticket.bad_target", value=to, values=", ".join(ESCALATION_TARGETS)), exit_code=2)
        if not reason.strip():
            raise SimError(tr("ticket.no_reason"), exit_code=2)
        esc = Escalation(to=to, reason=reason.strip(), done=done.strip())
        self.store.save_escalation(self.id, esc)
        self.journal.record("-", f"escalade vers {to} : {esc.reason}", None, "event")
        return esc

    def escalation(self) -> Escalation | None:
        return self.store.escalation(self.id)

    def verifications(self) -> int:
        """How many times the trainee asked « Vérifier » (training) in this attempt: the journal's
        events (kept there, not in a store column)."""
        return sum(1 for e in self.journal.entries() if e.source == "event" and e.cmd == VERIFIED_EVENT)

    def save_result(self, result: CheckResult | str) -> None:
        """The last check of the attempt (a CheckResult, or its JSON)."""
        from simulateur.scoring import CheckResult

        if isinstance(result, str):
            result = CheckResult.model_validate_json(result)
        self.store.save_result(self.id, result)

    def result(self) -> dict[str, object] | None:
        res = self.store.result(self.id)
        return None if res is None else res.model_dump(mode="json")
