"""The jury's day(s) for one format: the phases held in a room under a surveillant (phase
préparatoire, questionnaire), several candidates at once, the working day before their jury day (the
RC allows the phases on different days); then each candidate's phases with the jury, one after the
other on one platform, at most `per_platform_day` candidates a platform a day (TAI: 4, RC annex).
Breaks between candidates and a lunch break. `check` proves the constraints on any plan (each
candidate's preparation before her jury phase, nobody in two places, a platform's capacity)."""

from __future__ import annotations

import csv
import io
import itertools
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from simulateur.epreuve.models import ROOM_KINDS, Format
from simulateur.errors import UsageError
from simulateur.i18n import tr, trn

ROOM = "salle"


@dataclass(frozen=True)
class Options:
    start: time = time(8, 30)
    end: time = time(18, 0)
    lunch: time = time(12, 0)
    lunch_minutes: int = 60
    break_minutes: int = 10
    #: Minutes of phases whose source text gives none (IDI), by phase kind.
    minutes: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Slot:
    candidate: str
    phase: str
    place: str  # « salle » or « plate-forme N »
    presence: str  # surveillant, jury
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Plan:
    format: str
    platforms: int
    per_platform_day: int
    slots: tuple[Slot, ...]

    def days(self) -> list[date]:
        return sorted({s.start.date() for s in self.slots})


def minutes_of(fmt: Format, kind: str, opts: Options) -> int:
    given = dict(opts.minutes)
    phase = fmt.phase(kind)
    assert phase is not None
    found = given.get(kind, phase.minutes)
    if found is None:
        raise UsageError(tr("epreuve.no_minutes", format=fmt.id, phase=kind))
    return found


def _working_day(d: date, n: int = 1) -> date:
    """The n-th working day after d (Saturdays and Sundays skipped)."""
    while n:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def _first_working(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _previous_working(d: date) -> date:
    d -= timedelta(days=1)
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    return d


def _place(t: datetime, minutes: int, lunch_taken: bool, opts: Options) -> tuple[datetime, bool]:
    """Where the next phase of `minutes` starts, earliest at `t`: lunch is taken at the first boundary
    at or after the lunch hour, or before a phase that would end after lunch hour + its length."""
    if lunch_taken:
        return t, True
    lunch = datetime.combine(t.date(), opts.lunch)
    latest = lunch + timedelta(minutes=opts.lunch_minutes)
    if t >= lunch or t + timedelta(minutes=minutes) > latest:
        return t + timedelta(minutes=opts.lunch_minutes), True
    return t, False


def day_positions(day: date, block: int, opts: Options, cap: int | None) -> list[datetime]:
    """Start times of the blocks one platform holds in a day: one after the other with a break,
    a lunch break, all ended by the day's end."""
    out: list[datetime] = []
    t = datetime.combine(day, opts.start)
    end = datetime.combine(day, opts.end)
    lunch = False
    while cap is None or len(out) < cap:
        t, lunch = _place(t, block, lunch, opts)
        if t + timedelta(minutes=block) > end:
            break
        out.append(t)
        t += timedelta(minutes=block + opts.break_minutes)
    return out


def _room_slots(fmt: Format, names: list[str], day: date, opts: Options) -> list[Slot]:
    """The room's phases for these candidates, that day, in the format's order, all at once."""
    slots = []
    t = datetime.combine(day, opts.start)
    lunch = False
    for phase in fmt.phases:
        if phase.kind not in ROOM_KINDS:
            continue
        m = minutes_of(fmt, phase.kind, opts)
        t, lunch = _place(t, m, lunch, opts)
        if t + timedelta(minutes=m) > datetime.combine(day, opts.end):
            raise UsageError(tr("epreuve.plan_room_too_long", day=day.isoformat()))
        slots += [Slot(n, phase.kind, ROOM, phase.presence, t, t + timedelta(minutes=m)) for n in names]
        t += timedelta(minutes=m + opts.break_minutes)
    return slots


def plan(
    fmt: Format,
    candidates: list[str],
    platforms: int,
    first_day: date,
    opts: Options = Options(),
    per_platform_day: int | None = None,
) -> Plan:
    if not candidates:
        raise UsageError(tr("epreuve.plan_no_candidates"))
    if len({c.casefold() for c in candidates}) != len(candidates):
        raise UsageError(tr("epreuve.plan_duplicate"))
    if not 1 <= platforms <= 50:
        raise UsageError(tr("epreuve.plan_bad_platforms", n=platforms))
    if opts.start >= opts.end:
        raise UsageError(tr("epreuve.plan_bad_hours"))
    on_platform = [p for p in fmt.phases if p.kind not in ROOM_KINDS]
    room = [p for p in fmt.phases if p.kind in ROOM_KINDS]
    block = sum(minutes_of(fmt, p.kind, opts) for p in on_platform)
    cap = per_platform_day or fmt.per_platform_day
    if block == 0:
        raise UsageError(tr("epreuve.plan_no_jury", format=fmt.id))
    jury_day = _working_day(_first_working(first_day)) if room else _first_working(first_day)
    positions = day_positions(jury_day, block, opts, cap)
    if not positions:
        raise UsageError(tr("epreuve.plan_block_too_long", minutes=block))
    per_day = len(positions) * platforms
    slots: list[Slot] = []
    for d in range(math.ceil(len(candidates) / per_day)):
        group = candidates[d * per_day : (d + 1) * per_day]
        day = jury_day if d == 0 else _working_day(jury_day, d)
        positions = day_positions(day, block, opts, cap)
        if room:
            prep_day = _previous_working(day)
            slots += _room_slots(fmt, group, prep_day, opts)
        for i, name in enumerate(group):
            t = positions[i // platforms]
            place = tr("epreuve.plan_platform", n=i % platforms + 1)
            for phase in on_platform:
                m = minutes_of(fmt, phase.kind, opts)
                slots.append(Slot(name, phase.kind, place, phase.presence, t, t + timedelta(minutes=m)))
                t += timedelta(minutes=m)
    slots.sort(key=lambda s: (s.start, s.place, s.candidate))
    return Plan(fmt.id, platforms, len(positions), tuple(slots))


def check(p: Plan, fmt: Format, opts: Options = Options()) -> list[str]:
    """Every broken constraint of a plan, one French sentence each (empty: the plan holds)."""
    problems: list[str] = []
    by_candidate: dict[str, list[Slot]] = {}
    for s in p.slots:
        by_candidate.setdefault(s.candidate, []).append(s)
    kinds = [ph.kind for ph in fmt.phases]
    for name, slots in by_candidate.items():
        got = sorted(s.phase for s in slots)
        if got != sorted(kinds):
            problems.append(tr("epreuve.plan_check_phases", candidate=name, got=", ".join(got)))
        for s in slots:
            if s.end - s.start != timedelta(minutes=minutes_of(fmt, s.phase, opts)):
                problems.append(tr("epreuve.plan_check_duration", candidate=name, phase=s.phase))
        ordered = sorted(slots, key=lambda s: s.start)
        for a, b in itertools.pairwise(ordered):
            if b.start < a.end:
                problems.append(tr("epreuve.plan_check_two_places", candidate=name, a=a.phase, b=b.phase))
        prep = [s for s in slots if s.phase == "preparation"]
        jury = [s for s in slots if s.place != ROOM]
        if prep and jury and min(s.start for s in jury) < max(s.end for s in prep):
            problems.append(tr("epreuve.plan_check_prep_first", candidate=name))
        if len({s.start.date() for s in jury}) > 1:
            problems.append(tr("epreuve.plan_check_split", candidate=name))
    by_platform: dict[tuple[str, date], list[Slot]] = {}
    for s in p.slots:
        if s.place != ROOM:
            by_platform.setdefault((s.place, s.start.date()), []).append(s)
    for (place, day), slots in by_platform.items():
        ordered = sorted(slots, key=lambda s: s.start)
        for a, b in itertools.pairwise(ordered):
            if b.start < a.end:
                problems.append(
                    tr("epreuve.plan_check_platform", place=place, day=day.isoformat(), a=a.candidate, b=b.candidate)
                )
        who = {s.candidate for s in slots}
        if len(who) > p.per_platform_day:
            problems.append(
                tr("epreuve.plan_check_capacity", place=place, day=day.isoformat(), n=len(who), max=p.per_platform_day)
            )
    for s in p.slots:
        if s.start.time() < opts.start or s.end > datetime.combine(s.start.date(), opts.end) or s.start.weekday() >= 5:
            problems.append(tr("epreuve.plan_check_hours", candidate=s.candidate, phase=s.phase))
    return problems


def to_csv(p: Plan) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    w.writerow(["date", "debut", "fin", "lieu", "candidat", "phase", "presence"])
    for s in p.slots:
        w.writerow(
            [
                s.start.date().isoformat(),
                s.start.strftime("%H:%M"),
                s.end.strftime("%H:%M"),
                s.place,
                s.candidate,
                tr(f"epreuve.phase.{s.phase}"),
                tr(f"epreuve.presence.{s.presence}"),
            ]
        )
    return out.getvalue()


def to_text(p: Plan) -> str:
    lines = [
        tr(
            "epreuve.plan_head",
            format=p.format,
            platforms=trn("count.platforms", p.platforms),
            per=trn("count.candidates", p.per_platform_day),
            days=trn("count.days", len(p.days())),
        )
    ]
    for day in p.days():
        lines.append("")
        lines.append(tr("epreuve.plan_day", day=day.strftime("%d/%m/%Y")))
        rows = [s for s in p.slots if s.start.date() == day]
        room = [s for s in rows if s.place == ROOM]
        seen: set[tuple[datetime, str]] = set()
        for s in room:  # a room phase: one line, its candidates together
            if (s.start, s.phase) in seen:
                continue
            seen.add((s.start, s.phase))
            names = [r.candidate for r in room if (r.start, r.phase) == (s.start, s.phase)]
            lines.append(
                f"  {s.start:%H:%M}–{s.end:%H:%M}  {ROOM:<13} {tr(f'epreuve.phase.{s.phase}'):<28} "
                f"({tr(f'epreuve.presence.{s.presence}')}) {', '.join(names)}"
            )
        for s in rows:
            if s.place != ROOM:
                lines.append(
                    f"  {s.start:%H:%M}–{s.end:%H:%M}  {s.place:<13} {tr(f'epreuve.phase.{s.phase}'):<28} "
                    f"({tr(f'epreuve.presence.{s.presence}')}) {s.candidate}"
                )
    return "\n".join(lines) + "\n"
