from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from faceapp.attendance.rules import AttendanceRules, daily_summaries
from faceapp.shared.records import AttendanceEvent
from faceapp.settings import Settings
from faceapp.shared.timezones import LocalTimezone, day_bounds, elapsed, local_day, resolve_timezone

BER = ZoneInfo("Europe/Berlin")
UTC = timezone.utc


def t(s: str, fold: int = 0) -> datetime:
    """Berlin wall-clock time."""
    return datetime.fromisoformat(s).replace(tzinfo=BER, fold=fold)


def ev(kind: str, ts: datetime, emp: int = 1, **kw) -> AttendanceEvent:  # noqa: ANN003
    return AttendanceEvent(employee_id=emp, ts=ts, kind=kind, **kw)


@pytest.fixture
def rules() -> AttendanceRules:
    return AttendanceRules(cooldown_s=60, mode="first_in_last_out", tz="Europe/Berlin")


def test_first_in_last_out_with_cooldown(rules):
    assert rules.decide(1, t("2026-06-01T08:00"), None) == "in"
    last = ev("in", t("2026-06-01T08:00"))
    assert rules.decide(1, t("2026-06-01T08:00:30"), last) is None  # cooldown
    assert rules.decide(1, t("2026-06-01T08:01"), last) == "out"  # gap == cooldown is allowed
    last = ev("out", t("2026-06-01T12:00"))
    assert rules.decide(1, t("2026-06-01T17:00"), last) == "out"
    assert rules.decide(1, t("2026-06-02T08:00"), last) == "in"


def test_toggle_alternates_and_a_new_day_starts_with_in():
    r = AttendanceRules(cooldown_s=60, mode="toggle", tz=BER)
    assert r.decide(1, t("2026-06-01T12:00"), ev("in", t("2026-06-01T08:00"))) == "out"
    assert r.decide(1, t("2026-06-01T12:30"), ev("out", t("2026-06-01T12:00"))) == "in"
    assert r.decide(1, t("2026-06-01T12:00:10"), ev("out", t("2026-06-01T12:00"))) is None
    # forgot to clock out yesterday: today still starts with "in"
    assert r.decide(1, t("2026-06-02T08:00"), ev("in", t("2026-06-01T16:00"))) == "in"


def test_cooldown_applies_when_the_clock_goes_back(rules):
    last = ev("in", t("2026-06-01T08:00"))
    assert rules.decide(1, t("2026-06-01T07:59:30"), last) is None
    # same local day, far apart, but before the day's "in": it is the day's first event
    assert rules.decide(1, t("2026-06-01T06:00"), last) == "in"


def test_decided_within_the_events_own_day_from_the_events_before_it(rules):
    """Issue 18 item 5: a future-dated event (year typo) or yesterday back-filled after
    today's events used to be compared with the latest event overall ("in, in", 0 h)."""
    typo = ev("in", t("2027-06-01T08:00"), id=1)
    today_in = ev("in", t("2026-06-01T08:00"), id=2)
    assert rules.decide(1, t("2026-06-01T08:00"), [typo]) == "in"
    assert rules.decide(1, t("2026-06-01T17:00"), [typo, today_in]) == "out"
    tomorrow = [ev("in", t("2026-06-02T08:00"), id=3), ev("out", t("2026-06-02T17:00"), id=4)]
    assert rules.decide(1, t("2026-06-01T08:00"), tomorrow) == "in"  # back-filled yesterday
    assert rules.decide(1, t("2026-06-01T17:00"), tomorrow + [ev("in", t("2026-06-01T08:00"), id=5)]) == "out"
    # toggle: the kind follows the day's event just before it, whatever order they came in
    toggle = AttendanceRules(cooldown_s=60, mode="toggle", tz=BER)
    day = [ev("out", t("2026-06-01T12:00"), id=7), ev("in", t("2026-06-01T08:00"), id=6)]
    assert toggle.decide(1, t("2026-06-01T10:00"), day) == "out"
    assert toggle.decide(1, t("2026-06-01T13:00"), day) == "in"
    assert toggle.decide(1, t("2026-06-01T07:00"), day) == "in"
    assert toggle.decide(1, t("2026-06-01T12:00:30"), day) is None  # cooldown of a later event too


def test_booking_window_is_the_local_day_widened_by_the_cooldown(rules):
    start, end = rules.booking_window(t("2026-06-01T12:00"))
    minute = timedelta(seconds=60)
    assert (start, end) == (t("2026-06-01T00:00") - minute, t("2026-06-02T00:00") + minute)


def test_cooldown_is_real_elapsed_time_across_dst(rules):
    # 01:59:30 CET -> 03:00:10 CEST is 40 s of real time, though the wall clock moved an hour
    last = ev("in", t("2026-03-29T01:59:30"))
    assert rules.decide(1, t("2026-03-29T03:00:10"), last) is None


def test_day_boundary_is_the_sites_midnight_not_utc(rules):
    # 23:59 and 00:01:30 Berlin are the same UTC day (summer: UTC+2) but different local days
    last = ev("in", t("2026-06-01T23:59").astimezone(UTC))
    assert rules.decide(1, t("2026-06-02T00:01:30").astimezone(UTC), last) == "in"
    # 01:30 and 02:30 Berlin are different UTC days but the same local day
    last = ev("in", t("2026-06-02T01:30").astimezone(UTC))
    assert last.ts.day == 1
    assert rules.decide(1, t("2026-06-02T02:30").astimezone(UTC), last) == "out"


def test_day_start_hour_keeps_a_night_shift_on_one_day():
    r = AttendanceRules(cooldown_s=60, tz=BER, day_start_hour=6)
    last = ev("in", t("2026-06-01T22:00"))
    assert r.decide(1, t("2026-06-02T05:30"), last) == "out"
    assert r.decide(1, t("2026-06-02T06:30"), last) == "in"
    assert r.day_of(t("2026-06-02T05:59")) == date(2026, 6, 1)


def test_bad_input_is_refused(rules):
    with pytest.raises(ValueError, match="aware"):
        rules.decide(1, datetime(2026, 6, 1, 8), None)
    with pytest.raises(ValueError, match="employee 2"):
        rules.decide(1, t("2026-06-01T08:00"), ev("in", t("2026-06-01T07:00"), emp=2))
    with pytest.raises(ValueError, match="mode"):
        AttendanceRules(mode="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="time zone"):
        AttendanceRules(tz="Mars/Olympus")


def test_dst_days_last_23_and_25_hours():
    for day, hours in [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 1), 24)]:
        start, end = day_bounds(day, BER)
        assert end - start == timedelta(hours=hours)
        assert local_day(start, BER) == day and local_day(end - timedelta(seconds=1), BER) == day
    start, _ = day_bounds(date(2026, 6, 1), BER, day_start_hour=6)
    assert start == datetime(2026, 6, 1, 4, tzinfo=UTC)


def test_summary_on_spring_forward_day_counts_real_hours():
    evs = [ev("in", t("2026-03-29T01:30")), ev("out", t("2026-03-29T03:30"))]
    [s] = daily_summaries(evs, BER)
    assert s.worked == timedelta(hours=1)  # the wall clock says 2 h
    assert s.day == date(2026, 3, 29)


def test_summary_on_fall_back_day_counts_real_hours():
    evs = [ev("in", t("2026-10-25T01:30")), ev("out", t("2026-10-25T03:30"))]
    [s] = daily_summaries(evs, BER)
    assert s.worked == timedelta(hours=3)
    # the repeated hour: 02:30 CEST in, 02:30 CET out is one hour, same day
    evs = [ev("in", t("2026-10-25T02:30", fold=0)), ev("out", t("2026-10-25T02:30", fold=1))]
    for mode in ("first_in_last_out", "toggle"):
        [s] = daily_summaries(evs, "Europe/Berlin", mode=mode)
        assert s.worked == timedelta(hours=1)
        assert s.first_in.utcoffset() == timedelta(hours=2) and s.last_out.utcoffset() == timedelta(hours=1)


def test_midnight_crossing_events_in_any_order():
    # events arrive out of order and in UTC; split at Berlin midnight
    evs = [
        ev("out", t("2026-06-02T00:10").astimezone(UTC)),
        ev("in", t("2026-06-01T23:50").astimezone(UTC)),
        ev("in", t("2026-06-01T08:00").astimezone(UTC), emp=2, employee_name="Zoë"),
    ]
    rows = daily_summaries(evs, BER)
    assert [(r.day, r.employee_id) for r in rows] == [(date(2026, 6, 1), 1), (date(2026, 6, 1), 2),
                                                       (date(2026, 6, 2), 1)]
    d1, _, d2 = rows
    assert d1.first_in == t("2026-06-01T23:50") and d1.last_out is None and d1.worked == timedelta(0)
    assert d1.first_in.tzinfo == BER  # reported in the site's zone
    assert d2.first_in is None and d2.last_out == t("2026-06-02T00:10") and d2.worked == timedelta(0)
    assert rows[1].employee_name == "Zoë"
    # with the day starting at 06:00 the night shift is one row of 20 minutes
    [night, _] = daily_summaries(evs, BER, day_start_hour=6)
    assert night.worked == timedelta(minutes=20) and night.events == 2


def test_first_in_last_out_summary():
    evs = [ev("in", t("2026-06-01T08:00")), ev("out", t("2026-06-01T12:00")),
           ev("out", t("2026-06-01T17:15"), employee_number="E7", employee_name="Ana", department="Ops")]
    [s] = daily_summaries(evs, BER)
    assert s.first_in == t("2026-06-01T08:00") and s.last_out == t("2026-06-01T17:15")
    assert s.worked == timedelta(hours=9, minutes=15) and s.events == 3
    assert (s.employee_number, s.employee_name, s.department) == ("E7", "Ana", "Ops")


def test_toggle_summary_sums_pairs_and_ignores_unpaired():
    evs = [ev("out", t("2026-06-01T07:00")),  # unpaired out
           ev("in", t("2026-06-01T08:00")), ev("out", t("2026-06-01T12:00")),
           ev("in", t("2026-06-01T12:30")), ev("in", t("2026-06-01T12:45")), ev("out", t("2026-06-01T17:00")),
           ev("in", t("2026-06-01T20:00"))]  # trailing open in
    r = AttendanceRules(mode="toggle", tz=BER)
    [s] = r.summaries(evs)
    assert s.worked == timedelta(hours=8, minutes=30)
    assert s.first_in == t("2026-06-01T08:00") and s.last_out == t("2026-06-01T17:00") and s.events == 7
    # the same events under first_in_last_out: last out - first in
    [s2] = daily_summaries(evs, BER)
    assert s2.worked == timedelta(hours=9)


def test_out_before_in_gives_no_negative_time():
    [s] = daily_summaries([ev("out", t("2026-06-01T07:00")), ev("in", t("2026-06-01T08:00"))], BER)
    assert s.worked == timedelta(0)


def test_timezone_helpers():
    assert resolve_timezone("Europe/Berlin") == BER
    assert resolve_timezone(BER) is BER
    assert resolve_timezone("") is not None and resolve_timezone(None) is not None
    local = LocalTimezone()
    now = datetime.now(local)
    assert now.utcoffset() == datetime.now().astimezone().utcoffset()
    assert elapsed(t("2026-03-29T01:00"), t("2026-03-29T04:00")) == timedelta(hours=2)
    with pytest.raises(ValueError, match="aware"):
        local_day(datetime(2026, 1, 1), BER)


def test_rules_from_settings():
    s = Settings().replace(cooldown_s=120, attendance_mode="toggle", timezone="Europe/Berlin", day_start_hour=4)
    r = AttendanceRules.from_settings(s.attendance)
    assert (r.cooldown, r.mode, r.tz, r.day_start_hour) == (timedelta(seconds=120), "toggle", BER, 4)
    assert AttendanceRules.from_settings(Settings().attendance).tz is not None  # system local


@pytest.fixture
def berlin_process_tz(monkeypatch):
    import time

    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_system_zone_and_os_fallback_follow_dst(berlin_process_tz):
    assert resolve_timezone("") == BER  # found by name through TZ
    local = LocalTimezone()
    for s in ["2026-03-29T00:59:59", "2026-03-29T01:00:00", "2026-10-25T00:30:00", "2026-10-25T00:59:59",
              "2026-10-25T01:00:00", "2026-10-25T01:30:00",
              "2026-07-01T12:00:00"]:
        instant = datetime.fromisoformat(s).replace(tzinfo=UTC)
        via_os, via_zoneinfo = instant.astimezone(local), instant.astimezone(BER)
        assert via_os.replace(tzinfo=None) == via_zoneinfo.replace(tzinfo=None), s
        assert via_os.utcoffset() == via_zoneinfo.utcoffset(), s
    # wall times -> offsets, including the repeated hour (fold) and the skipped hour (gap)
    for s, fold in [("2026-10-25T02:30", 0), ("2026-10-25T02:30", 1), ("2026-03-29T02:30", 0),
                    ("2026-03-29T02:30", 1), ("2026-01-15T08:00", 0)]:
        wall = datetime.fromisoformat(s).replace(fold=fold)
        assert wall.replace(tzinfo=local).utcoffset() == wall.replace(tzinfo=BER).utcoffset(), (s, fold)
    assert day_bounds(date(2026, 3, 29), local) == day_bounds(date(2026, 3, 29), BER)
    assert day_bounds(date(2026, 10, 25), local) == day_bounds(date(2026, 10, 25), BER)


def test_summary_keeps_deleted_employees_without_inventing_their_hours():
    """Issue 13 item 4: deleting an employee with history sets their events' employee_id to
    None; the summary used to sort None against ints and raise TypeError."""
    evs = [ev("in", t("2026-06-01T08:00"), emp=2), ev("out", t("2026-06-01T17:00"), emp=2),
           ev("in", t("2026-06-01T07:00"), emp=None), ev("out", t("2026-06-01T09:00"), emp=None),
           ev("in", t("2026-06-01T10:00"), emp=None)]
    rows = daily_summaries(evs, BER)
    assert [r.employee_id for r in rows] == [2, None]  # known people first, then the deleted ones
    deleted = rows[1]
    assert deleted.events == 3 and deleted.employee_name == ""
    # several deleted people share one row, so no first in / last out / worked time is made up
    assert deleted.first_in is None and deleted.last_out is None and deleted.worked == timedelta(0)
    assert rows[0].worked == timedelta(hours=9)
