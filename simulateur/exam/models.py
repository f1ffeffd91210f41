"""The examen blanc's data: the session as drawn, each candidate's run and its interventions."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, Field

ItemStatus = Literal["a_faire", "en_cours", "remise", "temps_ecoule", "non_traitee", "interrompue"]
JuryVerdict = Literal["acquis", "non_acquis"]

#: Statuses an intervention ends in (it will not change any more).
ENDED: tuple[str, ...] = ("remise", "temps_ecoule", "non_traitee", "interrompue")

DEFAULT_COUNT = 3
DEFAULT_MINUTES = 40.0


class PoolFilter(BaseModel):
    """Which scenarios the draw may take: all filters must hold (an empty one accepts all); and,
    per scenario, which of its fault variants the candidates may get (none named: all)."""

    referentiel: str | None = None
    ccps: list[str] = Field(default_factory=list)
    competences: list[str] = Field(default_factory=list)
    variants: dict[str, list[str]] = Field(default_factory=dict)


class Intervention(BaseModel):
    """One drawn intervention. In the session: the same scenario for every candidate, `seed` None
    and `variants` the ones the candidates' draws pick from (simulateur.exam.draw.for_candidate
    gives each candidate's own seed and variant). A session drawn before per-candidate draws
    has its one `seed` and `variant`, the same for every candidate, and keeps them."""

    index: int  # 1-based, the order they are given in
    scenario: str
    title: str
    seed: int | None = None
    variant: str | None = None
    variants: list[str] = Field(default_factory=list)
    referentiel: str
    competences: list[str]
    also: list[str] = Field(default_factory=list)
    duration: int  # the scenario's expected minutes (for the trainer)


class ExamSession(BaseModel):
    id: str
    created: float = Field(default_factory=time.time)
    group: str | None = None
    seed: int
    count: int
    minutes: float
    filter: PoolFilter = Field(default_factory=PoolFilter)
    pool: list[str] = Field(default_factory=list)  # the scenario ids the draw was made from
    interventions: list[Intervention]
    hints: bool = False  # an exam gives no hint
    #: The roster: candidate name → Unix login (what `simulateur serve` knows a candidate by; ""
    #: for a name without a login, who can only be run by root). Empty: any name may start.
    roster: dict[str, str] = Field(default_factory=dict)
    #: Candidates the trainer pinned to a lab machine (`--machine`): name → machine name (lab_machines).
    machines: dict[str, str] = Field(default_factory=dict)
    #: Extra time per candidate (tiers-temps): name → « 4/3 » (her minutes × 4/3) or « +N » (N more
    #: minutes); her run's deadline at her start (simulateur.exam.core.minutes_of).
    extra: dict[str, str] = Field(default_factory=dict)
    #: The épreuve's phase préparatoire, saved (simulateur.session.saved): her interventions are
    #: injected one after the other into this lab, restored, instead of each built on its own
    #: (RC TAI: « après avoir connecté les postes préparés pendant la phase 1 au réseau »).
    into_save: str | None = None

    def extra_of(self, name: str) -> str | None:
        key = " ".join(name.split()).casefold()
        return next((e for n, e in self.extra.items() if " ".join(n.split()).casefold() == key), None)

    def machine_of(self, name: str) -> str | None:
        key = " ".join(name.split()).casefold()
        return next((m for n, m in self.machines.items() if " ".join(n.split()).casefold() == key), None)

    def login_of(self, name: str) -> str | None:
        key = " ".join(name.split()).casefold()
        return next((login for n, login in self.roster.items() if " ".join(n.split()).casefold() == key), None)

    def name_of_login(self, login: str) -> str | None:
        return next((n for n, lg in self.roster.items() if lg and lg == login), None)

    @property
    def seconds(self) -> float:
        return self.minutes * 60.0


class Item(BaseModel):
    """One intervention of one candidate."""

    index: int
    status: ItemStatus = "a_faire"
    attempt: str | None = None  # the attempt (Store id = attempt directory name)
    lab: str | None = None
    started: float | None = None
    ended: float | None = None
    comment: str = ""  # the jury's free comment on this intervention
    note: str = ""  # what happened to it (lab gone, build failed)

    @property
    def duration(self) -> float | None:
        if self.started is None or self.ended is None:
            return None
        return max(0.0, self.ended - self.started)


class CandidateRun(BaseModel):
    session: str
    candidate: str
    started: float
    deadline: float
    finished: float | None = None
    watchdog_pid: int | None = None
    watchdog_start: float | None = None
    watchdog_machine: str | None = None  # the watchdog's machine and boot (simulateur.store.machine)
    paused: float | None = None  # paused by the trainer since then (her clock stopped)
    items: list[Item]

    def current(self) -> Item | None:
        return next((i for i in self.items if i.status == "en_cours"), None)

    def next_todo(self) -> Item | None:
        return next((i for i in self.items if i.status == "a_faire"), None)

    def remaining(self, now: float | None = None) -> float:
        """Seconds left; paused, they do not run down."""
        now = time.time() if now is None else now
        return max(0.0, self.deadline - (self.paused if self.paused is not None else now))

    def due(self, now: float | None = None) -> bool:
        """Her deadline has come (never while paused: it moves at resume)."""
        return self.paused is None and (time.time() if now is None else now) >= self.deadline


class JuryMark(BaseModel):
    """The jury's verdict on one criterion of one intervention."""

    index: int
    criterion: str
    verdict: JuryVerdict
    comment: str = ""
    t: float = Field(default_factory=time.time)
    by: str = ""  # the jury member's login ("" in a store older than 0007)

    @property
    def version(self) -> str:
        """What a page saw of this mark (posted back: a mark changed meanwhile is not overwritten)."""
        return repr(self.t)


class Signature(BaseModel):
    """A candidate's grid signed by a jury member: no more marks nor comments after it."""

    by: str
    t: float


class AuditEntry(BaseModel):
    """One line of `simulateur serve`'s audit: who (as the kernel says: SO_PEERCRED), when,
    what, and what came of it. The service's own acts (a deadline held) have uid 0, login « serve »."""

    t: float = Field(default_factory=time.time)
    uid: int
    login: str
    role: str
    pid: int
    verb: str
    session: str | None = None
    candidate: str | None = None
    detail: str = ""
    outcome: str


class LabMachine(BaseModel):
    """A running `simulateur serve` registered in the store (simulateur.exam.machines)."""

    name: str  # what the trainer reads and pins with (hostname, or `serve --name`)
    machine: str  # its machine and boot (simulateur.store.machine)
    prefix: str  # its lab prefix
    socket: str
    capacity: int  # candidates it runs at once
    pid: int
    started: float
    heartbeat: float

    def reachable(self, now: float | None = None) -> bool:
        from simulateur.exam.machines import STALE

        return (time.time() if now is None else now) - self.heartbeat < STALE
