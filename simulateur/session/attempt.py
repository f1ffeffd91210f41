"""An attempt: one trainee on one lab. Its files live in the data dir and outlive the lab."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pydantic import BaseModel, Field

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.journal.store import Journal
from simulateur.paths import data_dir
from simulateur.ticket import ESCALATION_TARGETS, IMPACTS, URGENCIES


class AttemptInfo(BaseModel):
    id: str
    lab: str
    scenario: str
    seed: int
    started: float = Field(default_factory=time.time)
    candidate: str | None = None


class Qualification(BaseModel):
    impact: str
    urgency: str
    t: float = Field(default_factory=time.time)


class Escalation(BaseModel):
    to: str            # one of ticket.ESCALATION_TARGETS
    reason: str        # why it is beyond level 1
    done: str = ""     # tests made and their results, impact
    t: float = Field(default_factory=time.time)


def _write_json(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class Attempt:
    def __init__(self, directory: Path) -> None:
        self.dir = directory

    @classmethod
    def create(cls, lab: str, scenario: str, seed: int, candidate: str | None = None) -> Attempt:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        root = data_dir() / "attempts"
        root.mkdir(parents=True, exist_ok=True)
        directory = root / f"{stamp}-{scenario}-{lab}"
        directory.mkdir(mode=0o700)
        info = AttemptInfo(id=directory.name, lab=lab, scenario=scenario, seed=seed, candidate=candidate)
        _write_json(directory / "attempt.json", info.model_dump_json(indent=2))
        return cls(directory)

    @property
    def info(self) -> AttemptInfo:
        return AttemptInfo.model_validate_json((self.dir / "attempt.json").read_text())

    @property
    def journal(self) -> Journal:
        return Journal(self.dir / "journal.jsonl")

    def qualify(self, impact: str, urgency: str) -> Qualification:
        if impact not in IMPACTS:
            raise SimError(tr("ticket.bad_impact", value=impact, values=", ".join(IMPACTS)), exit_code=2)
        if urgency not in URGENCIES:
            raise SimError(tr("ticket.bad_urgency", value=urgency, values=", ".join(URGENCIES)), exit_code=2)
        q = Qualification(impact=impact, urgency=urgency)
        _write_json(self.dir / "qualification.json", q.model_dump_json())
        self.journal.record("-", f"qualification : impact {impact}, urgence {urgency}", None, "event")
        return q

    def qualification(self) -> Qualification | None:
        try:
            return Qualification.model_validate_json((self.dir / "qualification.json").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def escalate(self, to: str, reason: str, done: str = "") -> Escalation:
        """Hand the ticket over to a higher level (the last escalation is the one that counts)."""
        if to not in ESCALATION_TARGETS:
            raise SimError(tr("ticket.bad_target", value=to, values=", ".join(ESCALATION_TARGETS)), exit_code=2)
        if not reason.strip():
            raise SimError(tr("ticket.no_reason"), exit_code=2)
        esc = Escalation(to=to, reason=reason.strip(), done=done.strip())
        _write_json(self.dir / "escalation.json", esc.model_dump_json())
        self.journal.record("-", f"escalade vers {to} : {esc.reason}", None, "event")
        return esc

    def escalation(self) -> Escalation | None:
        try:
            return Escalation.model_validate_json((self.dir / "escalation.json").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def save_result(self, result_json: str) -> None:
        _write_json(self.dir / "result.json", result_json)

    def result(self) -> dict[str, object] | None:
        try:
            return json.loads((self.dir / "result.json").read_text())  # type: ignore[no-any-return]
        except (FileNotFoundError, ValueError):
            return None
