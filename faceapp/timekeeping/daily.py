"""The daily result of every scheduled employee: pure functions over punches and rules.

Instants are compared in UTC (real elapsed time), the schedule is read on the site's
wall clock: a 22:00-06:00 night over a DST change lasts 7 or 9 real hours, and so does
the work in it. A shift belongs to the day it starts. Days are processed in order and
each punch counts for one shift only; a punch outside every window is left over (it
shows on a day off, a holiday or an unscheduled day as worked time there).

Minutes are whole minutes, cut down (4 min 59 s late is 4 min); grace is compared on
seconds, so with 5 min grace 5:00 is on time and 5:01 late (5 min)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Iterable, Protocol, Sequence

from ..shared.timezones import day_bounds
from .rules import Assignment, Holiday, Leave, Punch, Shift, Timetable

UTC = timezone.utc
STATUSES: tuple[str, ...] = ("present", "absent", "leave", "holiday", "day_off", "unscheduled")


class ScheduledPerson(Protocol):
    """What the day rules need of a person (an Employee fits): who, and which department's shifts."""

    id: int
    department: str


@dataclass(frozen=True)
class Schedules:
    """Everything the rules need besides punches; names of timetables and shifts are keys."""

    timetables: dict[str, Timetable] = field(default_factory=dict)
    shifts: dict[str, Shift] = field(default_factory=dict)
    assignments: Sequence[Assignment] = ()
    holidays: dict[date, Holiday] = field(default_factory=dict)
    leave: Sequence[Leave] = ()


@dataclass(frozen=True)
class DayResult:
    """One employee's day. Durations in whole minutes; check_in/out local to the site.
    worked includes overtime; regular = worked - all overtime."""

    employee_id: int
    day: date
    status: str
    timetable: str = ""
    scheduled_min: int = 0  # net of the break (flexible: the required minutes)
    check_in: datetime | None = None
    check_out: datetime | None = None
    late_min: int = 0
    early_min: int = 0
    worked_min: int = 0
    ot_normal_min: int = 0
    ot_dayoff_min: int = 0
    ot_holiday_min: int = 0
    absent_days: float = 0.0
    leave_kind: str = ""
    leave_min: int = 0
    leave_paid: bool = False
    holiday_min: int = 0  # scheduled minutes that fell on a public holiday (paid holiday)
    holiday: str = ""
    missing: str = ""  # "in": out without in; "out": in without out
    corrected: bool = False

    @property
    def scheduled(self) -> bool:
        return bool(self.timetable)

    @property
    def ot_min(self) -> int:
        return self.ot_normal_min + self.ot_dayoff_min + self.ot_holiday_min

    @property
    def regular_min(self) -> int:
        return self.worked_min - self.ot_min

    @property
    def exceptions(self) -> tuple[str, ...]:
        out = []
        if self.late_min:
            out.append("late")
        if self.early_min:
            out.append("early leave")
        if self.absent_days:
            out.append("absent" if self.absent_days >= 1 else "absent half day")
        if self.missing:
            out.append(f"missing {'check-out' if self.missing == 'out' else 'check-in'}")
        return tuple(out)


def resolve_assignment(day: date, employee_id: int, department: str,
                       mine: Sequence[Assignment], departments: dict[str, list[Assignment]]) -> Assignment | None:
    """The assignment that decides `day`: a temporary schedule covering it, else the
    employee's own latest-started one, else the department's latest-started one."""
    best: Assignment | None = None
    for tier in ([a for a in mine if a.temporary], [a for a in mine if not a.temporary],
                 departments.get(department, []) if department else []):
        for a in tier:
            if a.covers(day) and (best is None or a.start >= best.start):
                best = a
        if best is not None:
            return best
    return None


def _minutes(seconds: float) -> int:
    return max(0, int(seconds // 60))


class _Punches:
    """One employee's punches in UTC order, with which ones a shift has claimed."""

    def __init__(self, punches: Iterable[Punch]) -> None:
        ps = sorted(punches, key=lambda p: p.ts.astimezone(UTC))
        self.live = [p for p in ps if not p.voided]
        self.ts = [p.ts.astimezone(UTC) for p in self.live]
        self.used = [False] * len(self.live)
        self.voided = sorted(p.ts.astimezone(UTC) for p in ps if p.voided)

    def free(self, lo: datetime, hi: datetime) -> list[int]:
        a, b = bisect_left(self.ts, lo), bisect_right(self.ts, hi)
        return [i for i in range(a, b) if not self.used[i]]

    def claim(self, idx: Iterable[int]) -> None:
        for i in idx:
            self.used[i] = True

    def touched(self, idx: Sequence[int], lo: datetime, hi: datetime) -> bool:
        """Whether the day was corrected: an added punch used, or a voided one in its span."""
        if any(self.live[i].corrected for i in idx):
            return True
        return bisect_right(self.voided, hi) > bisect_left(self.voided, lo)


def _wall(day: date, t, tz: tzinfo) -> datetime:  # noqa: ANN001 - a time
    return datetime(day.year, day.month, day.day, t.hour, t.minute, tzinfo=tz).astimezone(UTC)


def _break_seconds(tt: Timetable, ps: _Punches, between: Sequence[int]) -> float:
    """Unpaid break: the punched gaps (out, in pairs between check-in and check-out) when it
    must be punched and was, else the fixed minutes."""
    if tt.break_must_punch and len(between) >= 2:
        pairs = zip(between[0::2], between[1::2])
        return sum((ps.ts[b] - ps.ts[a]).total_seconds() for a, b in pairs)
    return tt.break_minutes * 60.0


def _free_day(emp: int, day: date, status: str, ps: _Punches, tz: tzinfo, hour: int, kind: str,
              **extra) -> DayResult | None:
    """A day with no timetable to follow (day off, holiday, no schedule): first to last punch
    is worked time, overtime of `kind` ("dayoff", "holiday" or "" for none)."""
    lo, hi = day_bounds(day, tz, hour)
    idx = ps.free(lo, hi - timedelta(microseconds=1))
    ps.claim(idx)
    corrected = ps.touched(idx, lo, hi)
    if not idx and status == "unscheduled":
        return None
    worked = _minutes((ps.ts[idx[-1]] - ps.ts[idx[0]]).total_seconds()) if len(idx) >= 2 else 0
    ot = {f"ot_{kind}_min": worked} if kind else {}
    return DayResult(emp, day, status, check_in=ps.ts[idx[0]].astimezone(tz) if idx else None,
                     check_out=ps.ts[idx[-1]].astimezone(tz) if len(idx) >= 2 else None,
                     worked_min=worked, missing="out" if len(idx) == 1 else "", corrected=corrected,
                     **ot, **extra)


def _flexible(emp: int, day: date, tt: Timetable, ps: _Punches, tz: tzinfo, hour: int,
              leave: Leave | None) -> DayResult:
    lo, hi = day_bounds(day, tz, hour)
    idx = ps.free(lo, hi - timedelta(microseconds=1))
    ps.claim(idx)
    required = tt.required_minutes
    common = dict(timetable=tt.name, scheduled_min=required, corrected=ps.touched(idx, lo, hi))
    half = leave is not None and leave.portion == "half"
    if half:
        common.update(leave_kind=leave.kind, leave_min=required // 2, leave_paid=leave.paid)
        required -= required // 2
    if not idx:
        return DayResult(emp, day, "absent", absent_days=0.5 if half else 1.0, **common)
    if len(idx) == 1:
        return DayResult(emp, day, "present", check_in=ps.ts[idx[0]].astimezone(tz), missing="out", **common)
    t_in, t_out = ps.ts[idx[0]], ps.ts[idx[-1]]
    span = (tt.round_out.apply(t_out, tz) - tt.round_in.apply(t_in, tz)).total_seconds()
    worked = _minutes(span - _break_seconds(tt, ps, idx[1:-1]))
    ot = 0
    if tt.ot_after is not None and worked > required + tt.ot_after:
        ot = worked - required - tt.ot_after
        ot = ot if ot >= tt.min_ot else 0
    short = required - worked
    early = short if short > tt.early_grace else 0
    return DayResult(emp, day, "present", check_in=t_in.astimezone(tz), check_out=t_out.astimezone(tz),
                     early_min=max(0, early), worked_min=worked, ot_normal_min=ot, **common)


def _fixed(emp: int, day: date, tt: Timetable, ps: _Punches, tz: tzinfo, leave: Leave | None,
           holiday: Holiday | None) -> DayResult:
    start = _wall(day, tt.start, tz)
    end = _wall(day + timedelta(days=1) if tt.crosses_midnight else day, tt.end, tz)
    in_lo, in_hi = start - timedelta(minutes=tt.in_before), start + timedelta(minutes=tt.in_after)
    out_lo, out_hi = end - timedelta(minutes=tt.out_before), end + timedelta(minutes=tt.out_after)
    ins, outs = ps.free(in_lo, in_hi), ps.free(out_lo, out_hi)
    claimed = ps.free(in_lo, out_hi)
    ps.claim(claimed)
    scheduled = _minutes((end - start).total_seconds() - tt.break_minutes * 60)
    common = dict(timetable=tt.name, scheduled_min=scheduled, corrected=ps.touched(claimed, in_lo, out_hi))
    t_in = ps.ts[ins[0]] if ins else None
    t_out = ps.ts[outs[-1]] if outs else None
    if holiday is not None:  # paid holiday; work on it is holiday overtime, first to last punch
        worked = _minutes((ps.ts[claimed[-1]] - ps.ts[claimed[0]]).total_seconds()) if len(claimed) >= 2 else 0
        return DayResult(emp, day, "holiday", holiday_min=scheduled, holiday=holiday.name, worked_min=worked,
                         ot_holiday_min=worked, check_in=t_in and t_in.astimezone(tz),
                         check_out=t_out and t_out.astimezone(tz), **common)
    half = leave is not None and leave.portion == "half"
    if leave is not None:
        common.update(leave_kind=leave.kind, leave_min=scheduled // 2 if half else scheduled, leave_paid=leave.paid)
        if not half:
            return DayResult(emp, day, "leave", **common)
    if t_in is None and t_out is None:
        return DayResult(emp, day, "absent", absent_days=0.5 if half else 1.0, **common)
    late = early = 0
    if not half and t_in is not None and (t_in - start).total_seconds() > tt.late_grace * 60:
        late = _minutes((t_in - start).total_seconds())
    if not half and t_out is not None and (end - t_out).total_seconds() > tt.early_grace * 60:
        early = _minutes((end - t_out).total_seconds())
    local_in = t_in.astimezone(tz) if t_in is not None else None
    local_out = t_out.astimezone(tz) if t_out is not None else None
    if t_in is None or t_out is None:
        return DayResult(emp, day, "present", check_in=local_in, check_out=local_out, late_min=late,
                         early_min=early, missing="in" if t_in is None else "out", **common)
    if tt.late_absent_after is not None and late > tt.late_absent_after and tt.late_absent_as == "absent":
        return DayResult(emp, day, "absent", check_in=local_in, check_out=local_out, late_min=late,
                         early_min=early, absent_days=1.0, **common)
    r_in, r_out = tt.round_in.apply(t_in, tz), tt.round_out.apply(t_out, tz)
    regular = (min(r_out, end) - max(r_in, start)).total_seconds()
    between = [i for i in claimed if t_in < ps.ts[i] < t_out]
    regular = max(0.0, regular - min(max(regular, 0.0), _break_seconds(tt, ps, between)))
    ot = 0.0
    if tt.ot_after is not None and r_out > end + timedelta(minutes=tt.ot_after):
        ot += (r_out - end - timedelta(minutes=tt.ot_after)).total_seconds()
    if tt.ot_before is not None and r_in < start - timedelta(minutes=tt.ot_before):
        ot += (start - timedelta(minutes=tt.ot_before) - r_in).total_seconds()
    ot_min = _minutes(ot)
    ot_min = ot_min if ot_min >= tt.min_ot else 0
    # with half a day's leave, punching in and out covers the other half: not absent (a day
    # without punches is absent 0.5, above); lateness is not judged on such a day either
    absent = 0.0
    if tt.late_absent_after is not None and late > tt.late_absent_after:  # "half_day"
        absent = 0.5
    return DayResult(emp, day, "present", check_in=local_in, check_out=local_out, late_min=late,
                     early_min=early, worked_min=_minutes(regular) + ot_min, ot_normal_min=ot_min,
                     absent_days=absent, **common)


def compute_results(people: Iterable[ScheduledPerson], punches: Iterable[Punch], schedules: Schedules,
                    first: date, last: date, tz: tzinfo, day_change_hour: int = 0) -> list[DayResult]:
    """Results for first..last (inclusive), ordered by employee (as given) then day: one
    row per scheduled day of everyone with a schedule, and per day with punches of anyone
    without one ("unscheduled"). The day before `first` is computed too (not returned), so
    a night shift that began then keeps its morning check-out."""
    by_emp: dict[int, list[Punch]] = defaultdict(list)
    for p in punches:
        by_emp[p.employee_id].append(p)
    mine: dict[int, list[Assignment]] = defaultdict(list)
    depts: dict[str, list[Assignment]] = defaultdict(list)
    for a in schedules.assignments:
        (mine[a.employee_id] if a.employee_id is not None else depts[a.department or ""]).append(a)
    leave = {(lv.employee_id, lv.day): lv for lv in schedules.leave}
    days = [first + timedelta(days=i) for i in range(-1, (last - first).days + 1)]
    out: list[DayResult] = []
    for person in people:
        ps = _Punches(by_emp.get(person.id, ()))
        for day in days:
            res = _one_day(person, day, ps, schedules, mine.get(person.id, []), depts, leave, tz, day_change_hour)
            if res is not None and day >= first:
                out.append(res)
    return out


def _one_day(person: ScheduledPerson, day: date, ps: _Punches, s: Schedules, mine: list[Assignment],
             depts: dict[str, list[Assignment]], leave: dict, tz: tzinfo, hour: int) -> DayResult | None:
    emp = person.id
    a = resolve_assignment(day, emp, person.department or "", mine, depts)
    shift = s.shifts.get(a.shift) if a is not None else None
    if shift is None:
        return _free_day(emp, day, "unscheduled", ps, tz, hour, "")
    name = shift.timetable_on(day, a.start)
    tt = s.timetables.get(name) if name else None
    holiday = s.holidays.get(day)
    if tt is None:
        if holiday is not None:
            return _free_day(emp, day, "holiday", ps, tz, hour, "holiday", holiday=holiday.name)
        return _free_day(emp, day, "day_off", ps, tz, hour, "dayoff")
    lv = leave.get((emp, day))
    if tt.flexible:
        if holiday is not None:
            return _free_day(emp, day, "holiday", ps, tz, hour, "holiday", holiday=holiday.name,
                             timetable=tt.name, scheduled_min=tt.required_minutes, holiday_min=tt.required_minutes)
        if lv is not None and lv.portion == "full":
            lo, hi = day_bounds(day, tz, hour)
            return DayResult(emp, day, "leave", timetable=tt.name, scheduled_min=tt.required_minutes,
                             leave_kind=lv.kind, leave_min=tt.required_minutes, leave_paid=lv.paid,
                             corrected=ps.touched([], lo, hi))
        return _flexible(emp, day, tt, ps, tz, hour, lv)
    return _fixed(emp, day, tt, ps, tz, lv, holiday)
