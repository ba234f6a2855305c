"""Daily results from punches and rules (faceapp.timekeeping.daily)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from faceapp.timekeeping.daily import Schedules, compute_results, resolve_assignment
from faceapp.timekeeping.rules import Assignment, Holiday, Leave, Punch, Rounding, Shift, Timetable

TZ = ZoneInfo("Europe/Berlin")
MON = date(2026, 6, 1)  # a Monday
DAY = Timetable("Day", time(9), time(17), break_minutes=30, late_grace=5, early_grace=5, ot_after=30, min_ot=15)
WEEK = Shift("Office", "weekly", ("Day",) * 5 + (None, None))


@dataclass(frozen=True)
class P:
    id: int
    department: str = "Sales"


def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=TZ)


def run(punches, first=MON, last=None, tts=(DAY,), shifts=(WEEK,), assignments=None, people=(P(1),), **kw):
    assignments = assignments if assignments is not None else [Assignment(shifts[0].name, date(2026, 1, 1),
                                                                          department="Sales")]
    s = Schedules({t.name: t for t in tts}, {x.name: x for x in shifts}, assignments, **kw)
    ps = [p if isinstance(p, Punch) else Punch(1, p) for p in punches]
    return compute_results(people, ps, s, first, last or first, TZ)


def test_an_ordinary_day_deducts_the_break():
    [r] = run([at(MON, 8, 55), at(MON, 17, 2)])
    assert (r.status, r.late_min, r.early_min, r.worked_min, r.ot_normal_min) == ("present", 0, 0, 450, 0)
    assert r.scheduled_min == 450 and r.check_in == at(MON, 8, 55)


@pytest.mark.parametrize("late_s, late_min", [(4 * 60 + 59, 0), (5 * 60, 0), (5 * 60 + 1, 5), (12 * 60, 12)])
def test_grace_boundary_is_on_seconds(late_s, late_min):
    [r] = run([at(MON, 9) + timedelta(seconds=late_s), at(MON, 17)])
    assert r.late_min == late_min
    assert ("late" in r.exceptions) == bool(late_min)


def test_early_leave_beyond_grace():
    [r] = run([at(MON, 9), at(MON, 16, 54, 30)])
    assert r.early_min == 5 and "early leave" in r.exceptions


def test_rounding_changes_worked_time_not_lateness():
    tt = Timetable("R", time(9), time(17), round_in=Rounding(15, "up"), round_out=Rounding(15, "down"), late_grace=0)
    shift = Shift("RS", "weekly", ("R",) * 7)
    [r] = run([at(MON, 9, 7), at(MON, 16, 58)], tts=(tt,), shifts=(shift,))
    # in 09:07 -> 09:15, out 16:58 -> 16:45: 7 h 30 worked; late measured on the real punch
    assert (r.worked_min, r.late_min, r.early_min) == (450, 7, 2)
    nearest = Timetable("N", time(9), time(17), round_in=Rounding(10, "nearest"), round_out=Rounding(10, "nearest"),
                        ot_after=0)
    [r] = run([at(MON, 8, 56), at(MON, 17, 14)], tts=(nearest,), shifts=(Shift("NS", "weekly", ("N",) * 7),))
    assert (r.worked_min, r.ot_normal_min) == (490, 10)  # 09:00 .. 17:10


def test_overtime_after_the_threshold_and_minimum():
    [r] = run([at(MON, 9), at(MON, 18, 30)])  # 90 min past end, 30 min threshold: 60 min overtime
    assert (r.ot_normal_min, r.worked_min) == (60, 450 + 60)
    [r] = run([at(MON, 9), at(MON, 17, 40)])  # 10 min past the threshold: under the 15 min minimum
    assert (r.ot_normal_min, r.worked_min) == (0, 450)
    early = Timetable("E", time(9), time(17), ot_before=0)
    [r] = run([at(MON, 7, 30), at(MON, 17)], tts=(early,), shifts=(Shift("ES", "weekly", ("E",) * 7),))
    assert r.ot_normal_min == 90


def test_missing_out_punch():
    [r] = run([at(MON, 9, 1)])
    assert (r.status, r.missing, r.worked_min) == ("present", "out", 0)
    assert "missing check-out" in r.exceptions
    [r] = run([at(MON, 17, 5)])
    assert r.missing == "in"


def test_absent_on_a_scheduled_day_and_day_off_at_the_weekend():
    res = run([], first=MON, last=MON + timedelta(days=6))
    assert [r.status for r in res] == ["absent"] * 5 + ["day_off"] * 2
    assert [r.absent_days for r in res] == [1.0] * 5 + [0.0] * 2


def test_work_on_a_day_off_is_day_off_overtime():
    sat = MON + timedelta(days=5)
    [r] = run([at(sat, 10), at(sat, 14)], first=sat)
    assert (r.status, r.worked_min, r.ot_dayoff_min) == ("day_off", 240, 240)


def test_leave_and_holiday():
    tue, wed, thu = (MON + timedelta(days=i) for i in (1, 2, 3))
    res = run([at(thu, 9), at(thu, 13)], first=MON, last=thu,
              leave=[Leave(1, MON, "sick"), Leave(1, tue, "unpaid", paid=False), Leave(1, thu, "annual", "half")],
              holidays={wed: Holiday(wed, "Founders' day")})
    by = {r.day: r for r in res}
    assert (by[MON].status, by[MON].leave_kind, by[MON].leave_min, by[MON].leave_paid) == ("leave", "sick", 450, True)
    assert (by[tue].leave_kind, by[tue].leave_paid, by[tue].absent_days) == ("unpaid", False, 0)
    assert (by[wed].status, by[wed].holiday_min, by[wed].holiday) == ("holiday", 450, "Founders' day")
    # half a day's leave: half the hours are leave, no early leave counted for the afternoon off
    assert (by[thu].status, by[thu].leave_min, by[thu].early_min, by[thu].worked_min) == ("present", 225, 0, 210)
    assert by[thu].absent_days == 0  # the leave covers one half, the punches the other (was 0.5: counted twice)


def test_work_on_a_holiday_is_holiday_overtime():
    [r] = run([at(MON, 9), at(MON, 12)], holidays={MON: Holiday(MON, "Whit Monday")})
    assert (r.status, r.ot_holiday_min, r.worked_min) == ("holiday", 180, 180)


def test_late_beyond_n_counts_as_absent_or_half_day():
    strict = Timetable("S", time(9), time(17), late_absent_after=60)
    half = Timetable("H", time(9), time(17), late_absent_after=60, late_absent_as="half_day")
    [r] = run([at(MON, 10, 30), at(MON, 17)], tts=(strict,), shifts=(Shift("SS", "weekly", ("S",) * 7),))
    assert (r.status, r.absent_days, r.worked_min) == ("absent", 1.0, 0)
    [r] = run([at(MON, 10, 30), at(MON, 17)], tts=(half,), shifts=(Shift("HS", "weekly", ("H",) * 7),))
    assert (r.status, r.absent_days, r.worked_min, r.late_min) == ("present", 0.5, 390, 90)


def test_night_shift_across_midnight_belongs_to_the_day_it_starts():
    night = Timetable("Night", time(22), time(6), crosses_midnight=True, in_after=120, out_before=120)
    shift = Shift("Nights", "weekly", ("Night",) * 7)
    tue = MON + timedelta(days=1)
    res = run([at(MON, 21, 58), at(tue, 6, 3), at(tue, 22, 10)], first=MON, last=tue, tts=(night,), shifts=(shift,))
    assert [(r.day, r.status, r.worked_min, r.missing) for r in res] == [
        (MON, "present", 480, ""), (tue, "present", 0, "out")]
    assert res[1].late_min == 10


def test_night_shift_across_a_dst_change_counts_real_hours():
    night = Timetable("Night", time(22), time(6), crosses_midnight=True, in_after=120, out_before=120)
    shift = Shift("Nights", "weekly", ("Night",) * 7)
    autumn, spring = date(2026, 10, 24), date(2026, 3, 28)  # Berlin: clocks back 25 Oct, forward 29 Mar
    [r] = run([at(autumn, 22), at(autumn + timedelta(days=1), 6)], first=autumn, tts=(night,), shifts=(shift,))
    assert (r.scheduled_min, r.worked_min, r.late_min, r.early_min) == (540, 540, 0, 0)
    [r] = run([at(spring, 22), at(spring + timedelta(days=1), 6)], first=spring, tts=(night,), shifts=(shift,))
    assert (r.scheduled_min, r.worked_min) == (420, 420)


def test_a_night_shift_begun_the_day_before_the_range_keeps_its_check_out():
    night = Timetable("Night", time(22), time(6), crosses_midnight=True, in_after=120, out_before=120)
    shift = Shift("Nights", "weekly", ("Night",) * 7)
    tue = MON + timedelta(days=1)
    [r] = run([at(MON, 22), at(tue, 6)], first=tue, tts=(night,), shifts=(shift,))
    assert (r.day, r.status) == (tue, "absent")  # the 06:00 punch was Monday's night, not Tuesday's


def test_four_on_four_off_rotation_counts_from_the_assignment_start():
    rot = Shift("4on4off", "rotation", ("Day",) * 4 + (None,) * 4)
    start = date(2026, 6, 3)
    res = run([], first=start, last=start + timedelta(days=9), shifts=(rot,),
              assignments=[Assignment("4on4off", start, employee_id=1)])
    assert [r.status for r in res] == ["absent"] * 4 + ["day_off"] * 4 + ["absent"] * 2


def test_flexible_shift_required_hours():
    flex = Timetable("Flex", kind="flexible", required_minutes=480, break_minutes=30, ot_after=0, early_grace=0)
    shift = Shift("FlexWeek", "weekly", ("Flex",) * 5 + (None, None))
    tue = MON + timedelta(days=1)
    res = run([at(MON, 7), at(MON, 15, 30), at(tue, 11), at(tue, 19)], first=MON, last=tue, tts=(flex,),
              shifts=(shift,))
    assert [(r.worked_min, r.late_min, r.early_min, r.ot_normal_min) for r in res] == [(480, 0, 0, 0),
                                                                                    (450, 0, 30, 0)]
    [r] = run([at(MON, 7), at(MON, 17)], tts=(flex,), shifts=(shift,))
    assert (r.worked_min, r.ot_normal_min) == (570, 90)


def test_must_punch_break_deducts_the_punched_gap():
    tt = Timetable("B", time(9), time(17), break_minutes=30, break_must_punch=True)
    shift = Shift("BS", "weekly", ("B",) * 7)
    [r] = run([at(MON, 9), at(MON, 12), at(MON, 12, 50), at(MON, 17)], tts=(tt,), shifts=(shift,))
    assert r.worked_min == 480 - 50
    [r] = run([at(MON, 9), at(MON, 17)], tts=(tt,), shifts=(shift,))
    assert r.worked_min == 480 - 30  # no break punched: the fixed minutes


def test_a_voided_punch_changes_the_result_and_marks_the_day_corrected():
    punches = [Punch(1, at(MON, 9), id=1), Punch(1, at(MON, 17), id=2)]
    [r] = run(punches)
    assert (r.worked_min, r.missing, r.corrected) == (450, "", False)
    [r] = run([punches[0], Punch(1, at(MON, 17), id=2, voided=True)])
    assert (r.worked_min, r.missing, r.corrected) == (0, "out", True)
    [r] = run([punches[0], Punch(1, at(MON, 17, 30), id=3, corrected=True)])
    assert (r.worked_min, r.corrected) == (450, True)


def test_employee_assignment_beats_department_and_temporary_beats_both():
    night = Timetable("Night", time(22), time(6), crosses_midnight=True, in_after=120, out_before=120)
    nights = Shift("Nights", "weekly", ("Night",) * 7)
    dept = Assignment("Office", date(2026, 1, 1), department="Sales")
    own = Assignment("Nights", date(2026, 6, 2), employee_id=1)
    temp = Assignment("Office", date(2026, 6, 4), employee_id=1, end=date(2026, 6, 4), temporary=True)
    res = run([], first=MON, last=MON + timedelta(days=3), tts=(DAY, night), shifts=(WEEK, nights),
              assignments=[dept, own, temp], people=(P(1), P(2)))
    assert [(r.employee_id, r.timetable) for r in res] == [
        (1, "Day"), (1, "Night"), (1, "Night"), (1, "Day"), (2, "Day"), (2, "Day"), (2, "Day"), (2, "Day")]
    assert resolve_assignment(date(2025, 1, 1), 1, "Sales", [own], {"Sales": [dept]}) is None


def test_people_without_a_schedule_appear_only_when_they_punched():
    res = run([Punch(2, at(MON, 9)), Punch(2, at(MON, 12))], people=(P(1, "Other"), P(2, "Other")))
    assert [(r.employee_id, r.status, r.worked_min) for r in res] == [(2, "unscheduled", 180)]
