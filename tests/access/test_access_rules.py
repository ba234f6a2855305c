"""Access rules: weekly windows in the site's zone, midnight crossing, DST days in Berlin,
and the deny reasons."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from faceapp.access.rules import (GRANTED, INACTIVE, LIVENESS_FAILED, NO_GROUP, OUTSIDE_SCHEDULE, UNKNOWN, AccessGroup, AccessRules, ScheduleError, WeeklySchedule)
from faceapp.shared.records import Employee

BERLIN = ZoneInfo("Europe/Berlin")
ADA = Employee(1, "E001", "Ada")
OFFICE = AccessGroup(1, "Office", WeeklySchedule.from_dict({d: ["07:00-19:00"] for d in ("mon", "tue", "wed",
                                                                                          "thu", "fri")}))
# Saturday night shift: 22:00 Saturday until 06:00 Sunday (local clock).
NIGHT = AccessGroup(2, "Night", WeeklySchedule.from_dict({"sat": ["22:00-06:00"]}))
RULES = AccessRules("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def local(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=BERLIN, fold=fold)


def decide(ts: datetime, groups=(OFFICE,), employee=ADA, liveness=None):
    return RULES.evaluate(employee, list(groups), ts, liveness)


def test_office_hours_in_the_site_zone_not_utc():
    # Wed 2026-11-18: 07:00 Berlin is 06:00 UTC.
    assert decide(utc(2026, 11, 18, 6, 0)).granted
    assert decide(utc(2026, 11, 18, 5, 59)).reason == OUTSIDE_SCHEDULE
    assert decide(utc(2026, 11, 18, 17, 59)).granted  # 18:59 local
    assert decide(utc(2026, 11, 18, 18, 0)).reason == OUTSIDE_SCHEDULE  # 19:00 local: end is exclusive
    assert decide(local(2026, 11, 21, 10, 0)).reason == OUTSIDE_SCHEDULE  # Saturday
    result = decide(local(2026, 11, 18, 12, 0))
    assert (result.granted, result.reason, result.group) == (True, GRANTED, "Office")


def test_window_crossing_midnight_belongs_to_its_start_day():
    night = [NIGHT]
    assert decide(local(2026, 11, 21, 21, 59), night).reason == OUTSIDE_SCHEDULE  # Sat before start
    assert decide(local(2026, 11, 21, 22, 0), night).granted
    assert decide(local(2026, 11, 21, 23, 59), night).granted
    assert decide(local(2026, 11, 22, 0, 0), night).granted  # Sunday, carried over from Saturday
    assert decide(local(2026, 11, 22, 5, 59), night).granted
    assert decide(local(2026, 11, 22, 6, 0), night).reason == OUTSIDE_SCHEDULE
    assert decide(local(2026, 11, 22, 22, 30), night).reason == OUTSIDE_SCHEDULE  # Sunday night: not in it
    assert decide(local(2026, 11, 21, 3, 0), night).reason == OUTSIDE_SCHEDULE  # Sat early: Friday has none


def test_spring_forward_night_ends_at_six_on_the_clock():
    """2026-03-29 02:00 CET -> 03:00 CEST: the Saturday night window lasts 7 real hours.
    22:00 CET = 21:00 UTC; adding 8 hours (naive duration arithmetic) would end at 05:00
    UTC = 07:00 CEST and let people in at 06:30."""
    night = [NIGHT]
    assert decide(utc(2026, 3, 28, 21, 0), night).granted  # Sat 22:00 CET
    assert decide(utc(2026, 3, 29, 0, 59), night).granted  # 01:59 CET
    assert decide(utc(2026, 3, 29, 1, 0), night).granted  # 03:00 CEST (02:00-03:00 does not exist)
    assert decide(utc(2026, 3, 29, 3, 59), night).granted  # 05:59 CEST
    assert decide(utc(2026, 3, 29, 4, 0), night).reason == OUTSIDE_SCHEDULE  # 06:00 CEST
    assert decide(utc(2026, 3, 29, 4, 30), night).reason == OUTSIDE_SCHEDULE  # 06:30 CEST


def test_fall_back_night_ends_at_six_on_the_clock():
    """2026-10-25 03:00 CEST -> 02:00 CET: the night lasts 9 real hours. 22:00 CEST = 20:00
    UTC + 8 h would end at 04:00 UTC = 05:00 CET and lock out the last hour of the shift."""
    night = [NIGHT]
    assert decide(utc(2026, 10, 24, 20, 0), night).granted  # Sat 22:00 CEST
    assert decide(local(2026, 10, 25, 2, 30, fold=0), night).granted  # first 02:30 (CEST)
    assert decide(local(2026, 10, 25, 2, 30, fold=1), night).granted  # second 02:30 (CET)
    assert decide(utc(2026, 10, 25, 4, 30), night).granted  # 05:30 CET
    assert decide(utc(2026, 10, 25, 5, 0), night).reason == OUTSIDE_SCHEDULE  # 06:00 CET


def test_window_inside_the_repeated_or_missing_hour():
    early = [AccessGroup(3, "Early", WeeklySchedule.from_dict({"sun": ["02:15-02:45"]}))]
    # Fall back: 02:15-02:45 happens twice on the clock and is open both times.
    assert decide(utc(2026, 10, 25, 0, 30), early).granted  # 02:30 CEST
    assert decide(utc(2026, 10, 25, 1, 30), early).granted  # 02:30 CET
    assert decide(utc(2026, 10, 25, 1, 0), early).reason == OUTSIDE_SCHEDULE  # 02:00 CET, before 02:15
    # Spring forward: 02:15-02:45 never happens on the clock, so the door stays shut.
    for minute in range(0, 120, 5):
        ts = utc(2026, 3, 29, 0, 0).replace(minute=minute % 60, hour=minute // 60)
        assert not decide(ts, early).granted, ts


def test_deny_reasons_in_order():
    at_work = local(2026, 11, 18, 12, 0)
    assert decide(at_work, employee=None) == decide(at_work, employee=None, groups=())
    assert decide(at_work, employee=None).reason == UNKNOWN
    assert decide(at_work, liveness=False).reason == LIVENESS_FAILED
    assert decide(at_work, employee=None, liveness=False).reason == LIVENESS_FAILED
    assert decide(at_work, liveness=True).granted
    inactive = Employee(1, "E001", "Ada", active=False)
    assert decide(at_work, employee=inactive).reason == INACTIVE
    assert decide(at_work, groups=()).reason == NO_GROUP
    assert decide(local(2026, 11, 21, 12, 0), groups=(OFFICE, NIGHT)).reason == OUTSIDE_SCHEDULE
    assert decide(local(2026, 11, 21, 23, 0), groups=(OFFICE, NIGHT)).group == "Night"
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(datetime(2026, 11, 18, 12, 0))


def test_schedule_json_round_trip_and_errors():
    s = WeeklySchedule.from_json('{"Monday": ["08:00-12:00", "13:00-17:30"], "sat": "22:00-06:00"}')
    assert s.to_dict() == {"mon": ["08:00-12:00", "13:00-17:30"], "sat": ["22:00-06:00"]}
    assert WeeklySchedule.from_json(s.to_json()) == s
    always = WeeklySchedule.always()
    assert always.allows(datetime(2026, 1, 1, 0, 0)) and always.allows(datetime(2026, 1, 4, 23, 59, 59))
    for bad, msg in [('{"funday": ["08:00-09:00"]}', "not a weekday"), ('{"mon": ["8-9"]}', "not a time like"),
                     ('{"mon": ["08:00-08:00"]}', "empty"), ('{"mon": ["25:00-26:00"]}', "not a time of day"),
                     ('{"mon": ["08:00"]}', "not a window"), ("[1, 2]", "mapping"), ("{", "not valid JSON")]:
        with pytest.raises(ScheduleError, match=msg):
            WeeklySchedule.from_json(bad)


# -- holidays closed ---------------------------------------------------------------------------

def test_a_group_closed_on_holidays_denies_on_a_holiday_with_its_own_reason() -> None:
    from datetime import date
    from faceapp.access.rules import HOLIDAY_CLOSED

    closed = AccessGroup(3, "Office", OFFICE.schedule, holidays_closed=True)
    holiday = {date(2026, 11, 18)}  # a Wednesday
    d = RULES.evaluate(ADA, [closed], local(2026, 11, 18, 10, 0), holidays=holiday)
    assert (d.granted, d.reason) == (False, HOLIDAY_CLOSED)
    assert RULES.evaluate(ADA, [closed], local(2026, 11, 19, 10, 0), holidays=holiday).granted  # the next day
    # a group that stays open on holidays still lets in, and outside hours it is the schedule that says no
    assert RULES.evaluate(ADA, [OFFICE], local(2026, 11, 18, 10, 0), holidays=holiday).granted
    assert RULES.evaluate(ADA, [closed, OFFICE], local(2026, 11, 18, 10, 0), holidays=holiday).granted
    assert RULES.evaluate(ADA, [closed], local(2026, 11, 18, 20, 0), holidays=holiday).reason == OUTSIDE_SCHEDULE


def test_a_holiday_closes_the_windows_that_start_on_it_not_the_night_from_its_eve() -> None:
    from datetime import date

    night = AccessGroup(4, "Night", NIGHT.schedule, holidays_closed=True)  # Sat 22:00 - Sun 06:00
    sunday = {date(2026, 11, 22)}
    # the window started on Saturday (not a holiday): Sunday 05:00 is still inside
    assert RULES.evaluate(ADA, [night], local(2026, 11, 22, 5, 0), holidays=sunday).granted
    saturday = {date(2026, 11, 21)}
    assert not RULES.evaluate(ADA, [night], local(2026, 11, 21, 23, 0), holidays=saturday).granted
    assert not RULES.evaluate(ADA, [night], local(2026, 11, 22, 5, 0), holidays=saturday).granted
    # the holiday is a local date: 23:30 UTC on Friday is already Saturday in Berlin
    assert RULES.wall_date(utc(2026, 11, 20, 23, 30)) == date(2026, 11, 21)
