"""The jury's day planner: capacity per platform and day, preparation before the jury, nobody in
two places, days added when the candidates do not fit; and `check` catches a plan that breaks them."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, datetime, time, timedelta

import pytest

from simulateur.epreuve import planner
from simulateur.epreuve.formats import get_format
from simulateur.epreuve.planner import ROOM, Options, check, plan
from simulateur.errors import UsageError

MONDAY = date(2027, 3, 1)
NAMES = [f"Candidat {i}" for i in range(1, 20)]


def _jury(p: planner.Plan, name: str) -> list[planner.Slot]:
    return [s for s in p.slots if s.candidate == name and s.place != ROOM]


def test_nine_candidates_on_two_platforms_take_two_jury_days() -> None:
    tai = get_format("tai")
    p = plan(tai, NAMES[:9], 2, MONDAY)
    assert check(p, tai) == []
    jury_days = sorted({s.start.date() for s in p.slots if s.place != ROOM})
    assert jury_days == [date(2027, 3, 2), date(2027, 3, 3)]
    first = {s.candidate for s in p.slots if s.place != ROOM and s.start.date() == jury_days[0]}
    assert len(first) == 8  # 2 platforms × 4 (RC annex)
    for place in ("plate-forme 1", "plate-forme 2"):
        assert len({s.candidate for s in p.slots if s.place == place and s.start.date() == jury_days[0]}) == 4
    last = NAMES[8]
    prep = next(s for s in p.slots if s.candidate == last and s.phase == "preparation")
    assert prep.start.date() == date(2027, 3, 2)  # the working day before her jury day
    assert prep.end <= min(s.start for s in _jury(p, last))


def test_one_platform_five_candidates_two_days() -> None:
    tai = get_format("tai")
    p = plan(tai, NAMES[:5], 1, MONDAY)
    assert check(p, tai) == []
    assert len({s.start.date() for s in p.slots if s.place != ROOM}) == 2
    assert p.per_platform_day == 4


def test_each_candidate_has_80_minutes_with_the_jury_in_one_block() -> None:
    tai = get_format("tai")
    p = plan(tai, NAMES[:4], 1, MONDAY)
    for name in NAMES[:4]:
        jury = sorted(_jury(p, name), key=lambda s: s.start)
        assert [s.phase for s in jury] == ["interventions", "entretien_technique", "entretien_final"]
        assert jury[-1].end - jury[0].start == timedelta(minutes=80)
        assert all(s.presence == "jury" for s in jury)
    room = [s for s in p.slots if s.place == ROOM]
    assert {s.phase for s in room} == {"preparation", "questionnaire"}
    assert all(s.presence == "surveillant" for s in room)
    # several candidates at once in the room: all four prepare together
    assert len({s.start for s in room if s.phase == "preparation"}) == 1


def test_a_full_day_has_its_lunch_break_and_breaks_between_candidates() -> None:
    tai = get_format("tai")
    for p in (plan(tai, NAMES[:4], 1, MONDAY), plan(get_format("ccp1"), NAMES[:4], 1, MONDAY)):
        day = min({s.start.date() for s in p.slots if s.place != ROOM})
        blocks = sorted((min(x.start for x in _jury(p, n)), max(x.end for x in _jury(p, n))) for n in NAMES[:4])
        gaps = [(a[1], b[0] - a[1]) for a, b in itertools.pairwise(blocks)]
        assert all(g >= timedelta(minutes=10) for _, g in gaps)
        lunches = [at for at, g in gaps if g >= timedelta(minutes=60)]
        assert len(lunches) == 1 and datetime.combine(day, time(12)) <= lunches[0] <= datetime.combine(day, time(13))
    room = sorted({(s.start, s.end) for s in p.slots if s.place == ROOM})
    assert not room or all(b[0] - a[1] >= timedelta(minutes=10) for a, b in itertools.pairwise(room))


def test_a_format_without_room_phase_starts_the_same_day() -> None:
    ccp2 = get_format("ccp2")
    p = plan(ccp2, NAMES[:3], 1, MONDAY)
    assert check(p, ccp2) == [] and p.days() == [MONDAY]
    assert all(s.place != ROOM for s in p.slots)


def test_ccp_capacity_is_what_fits_in_the_day() -> None:
    ccp1 = get_format("ccp1")  # 2 h on the platform, no number in the RC
    p = plan(ccp1, NAMES[:10], 1, MONDAY)
    assert check(p, ccp1) == []
    assert p.per_platform_day == len(planner.day_positions(MONDAY, 120, Options(), None)) == 4


def test_weekend_is_skipped() -> None:
    tai = get_format("tai")
    friday = date(2027, 3, 5)
    p = plan(tai, NAMES[:2], 1, friday)
    assert {s.start.date() for s in p.slots if s.place != ROOM} == {date(2027, 3, 8)}  # Monday
    saturday = plan(tai, NAMES[:1], 1, date(2027, 3, 6))
    assert min(s.start.date() for s in saturday.slots) == date(2027, 3, 8)
    assert check(saturday, tai) == []


def test_idi_needs_its_durations() -> None:
    idi = get_format("idi")
    with pytest.raises(UsageError, match="ne donne pas la durée de la phase « interventions »"):
        plan(idi, NAMES[:2], 1, MONDAY)
    opts = Options(minutes=(("interventions", 90), ("entretien_technique", 30), ("entretien_final", 20)))
    p = plan(idi, NAMES[:5], 1, MONDAY, opts)
    assert check(p, idi, opts) == []


def test_check_catches_each_broken_constraint() -> None:
    tai = get_format("tai")
    p = plan(tai, NAMES[:2], 1, MONDAY)
    slots = list(p.slots)
    # her interventions moved before her preparation's end: both problems are said
    i = next(k for k, s in enumerate(slots) if s.candidate == NAMES[0] and s.phase == "interventions")
    prep = next(s for s in slots if s.candidate == NAMES[0] and s.phase == "preparation")
    slots[i] = dataclasses.replace(slots[i], start=prep.start, end=prep.start + timedelta(minutes=40))
    problems = check(dataclasses.replace(p, slots=tuple(slots)), tai)
    assert any("avant la fin de sa phase préparatoire" in x for x in problems)
    assert any("deux endroits à la fois" in x for x in problems)
    # two candidates on one platform at once
    slots = list(p.slots)
    a = [s for s in slots if s.candidate == NAMES[0] and s.place != ROOM]
    j = next(k for k, s in enumerate(slots) if s.candidate == NAMES[1] and s.phase == "interventions")
    slots[j] = dataclasses.replace(slots[j], start=a[0].start, end=a[0].end)
    assert any("en même temps" in x for x in check(dataclasses.replace(p, slots=tuple(slots)), tai))
    # five on one platform a day
    crowded = dataclasses.replace(p, per_platform_day=1)
    assert any("candidats pour 1 au plus" in x for x in check(crowded, tai))
    # a phase missing
    missing = dataclasses.replace(p, slots=tuple(s for s in p.slots if s.phase != "questionnaire"))
    assert any("différentes de celles du format" in x for x in check(missing, tai))


def test_bad_inputs_are_one_french_line() -> None:
    tai = get_format("tai")
    with pytest.raises(UsageError, match="aucun candidat"):
        plan(tai, [], 1, MONDAY)
    with pytest.raises(UsageError, match="deux fois"):
        plan(tai, ["Ana", "ana"], 1, MONDAY)
    with pytest.raises(UsageError, match="plates-formes"):
        plan(tai, ["Ana"], 0, MONDAY)
    with pytest.raises(UsageError, match="ne tiennent pas"):
        plan(tai, ["Ana"], 1, MONDAY, Options(start=time(17, 0)))


def test_csv_and_text_exports() -> None:
    tai = get_format("tai")
    p = plan(tai, NAMES[:2], 1, MONDAY)
    rows = planner.to_csv(p).splitlines()
    assert rows[0] == "date;debut;fin;lieu;candidat;phase;presence"
    assert len(rows) == 1 + len(p.slots)
    assert "2027-03-01;08:30;12:30;salle;Candidat 1;phase préparatoire;surveillant" in rows
    text = planner.to_text(p)
    assert "Journée du 01/03/2027" in text and "Candidat 1, Candidat 2" in text
    assert datetime(2027, 3, 2, 8, 30) == min(s.start for s in p.slots if s.place != ROOM)
