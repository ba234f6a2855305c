"""TimekeepingService over a real SQLite file: results follow corrections and assignments."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from faceapp.attendance.settings import AttendanceSettings
from faceapp.services.timekeeping import PeriodError, TimekeepingService, UnknownPeopleError
from faceapp.shared.records import AttendanceEvent
from faceapp.storage.db import open_db
from faceapp.storage.repository import Repository
from faceapp.timekeeping.rules import Assignment, Shift, Timetable

TZ = ZoneInfo("Europe/Berlin")
MON = date(2026, 6, 1)


@pytest.fixture
def svc(tmp_path):
    repo = Repository(open_db(tmp_path / "t.db"))
    emb = np.ones((1, 128), np.float32)
    for number, dept in (("0001", "Sales"), ("0002", "Sales")):
        repo.enrol(number, f"P{number}", dept, datetime(2026, 1, 1, tzinfo=TZ), emb, [1.0], "m")
    s = TimekeepingService(repo, AttendanceSettings(timezone="Europe/Berlin"))
    s.add_timetable(Timetable("Day", time(9), time(17), break_minutes=30))
    s.add_timetable(Timetable("Night", time(22), time(6), crosses_midnight=True, in_after=120, out_before=120))
    s.add_shift(Shift("Office", "weekly", ("Day",) * 5 + (None, None)))
    s.add_shift(Shift("Nights", "weekly", ("Night",) * 7))
    s.assign(Assignment("Office", date(2026, 1, 1), department="Sales"))
    yield s
    repo.close()


def _punch(svc, number, hh, mm=0, day=MON):
    emp = svc.repo.find_employee(number)
    return svc.repo.add_attendance(AttendanceEvent(emp.id, datetime(day.year, day.month, day.day, hh, mm,
                                                                    tzinfo=TZ), "in")).id


def test_a_voided_punch_changes_the_result_and_a_restored_one_changes_it_back(svc):
    _punch(svc, "0001", 9)
    out = _punch(svc, "0001", 17)

    def day():
        [r] = svc.period(MON, MON, ["0001"]).results
        return r.worked_min, r.missing, r.corrected

    assert day() == (450, "", False)
    svc.void_punch(out, "camera booked the cleaner", "alice")
    assert day() == (0, "out", True)
    svc.restore_punch(out, "it was her after all", "alice")
    assert day() == (450, "", True)
    svc.add_punch(svc.repo.find_employee("0002").id, datetime(2026, 6, 1, 9, tzinfo=TZ), "forgot", "bob")
    [r] = svc.period(MON, MON, ["0002"]).results
    assert (r.missing, r.corrected) == ("out", True)


def test_employee_assignment_overrides_the_department(svc):
    emp = svc.repo.find_employee("0002")
    svc.assign(Assignment("Nights", MON, employee_id=emp.id))
    res = svc.period(MON, MON).results
    assert {(svc.repo.get_employee(r.employee_id).number, r.timetable) for r in res} == {("0001", "Day"),
                                                                                         ("0002", "Night")}


def test_bad_periods_and_unknown_people_are_usage_errors(svc):
    with pytest.raises(PeriodError, match="backwards"):
        svc.period(date(2026, 6, 2), MON)
    with pytest.raises(PeriodError, match="longer than a year"):
        svc.period(date(2025, 1, 1), MON)
    with pytest.raises(UnknownPeopleError, match="9999"):
        svc.period(MON, MON, ["9999"])
    with pytest.raises(UnknownPeopleError, match="Nope"):
        svc.period(MON, MON, department="Nope")
    with pytest.raises(UnknownPeopleError):
        svc.assign(Assignment("Office", MON, department="Nope"))


def test_late_minutes_for_the_kiosk_banner(svc):
    _punch(svc, "0001", 9, 12)
    emp = svc.repo.find_employee("0001")
    assert svc.late_minutes(emp.id, datetime(2026, 6, 1, 9, 12, tzinfo=TZ)) == 12
    assert svc.late_minutes(emp.id, datetime(2026, 6, 6, 9, 12, tzinfo=TZ)) == 0  # Saturday: off


def test_reports_export_csv_and_xlsx(svc, tmp_path):
    _punch(svc, "0001", 9)
    _punch(svc, "0001", 17, 5)
    period = svc.period(MON, MON)
    n = svc.export(svc.report_tables("payroll", period), tmp_path / "p.csv")
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig").splitlines()
    assert n == 20 and text[0].startswith("employee_number,employee_name,department,period_start")
    assert "0001,P0001,Sales,2026-06-01,2026-06-01,REG,7.5,,yes" in text
    assert svc.export(svc.report_tables("summary", period), tmp_path / "s.xlsx") == 3
    with pytest.raises(Exception, match="xlsx, .csv or .pdf"):
        svc.export(svc.report_tables("summary", period), tmp_path / "s.txt")


def test_edited_timetable_changes_every_day_and_is_audited(svc):
    """The Schedules page's Edit: new rules for an existing name, past days follow them."""
    from dataclasses import replace

    from faceapp.timekeeping.rules import TimekeepingRuleError

    _punch(svc, "0001", 9, 4)
    _punch(svc, "0001", 17)
    assert svc.period(MON, MON, ["0001"]).results[0].late_min == 4
    svc.update_timetable(replace(svc.timetables()["Day"], late_grace=5), actor="admin:test")
    assert svc.period(MON, MON, ["0001"]).results[0].late_min == 0
    entry = svc.repo.audit_log(1)[0]
    assert (entry.actor, entry.action) == ("admin:test", "timekeeping.timetable_update")
    with pytest.raises(TimekeepingRuleError, match="unknown timetable"):
        svc.update_timetable(Timetable("Nope"))


def test_punch_marks_for_the_log(svc):
    a, b = _punch(svc, "0001", 9), _punch(svc, "0001", 17)
    _punch(svc, "0001", 12)
    svc.void_punch(a, "wrong", "x")
    svc.void_punch(b, "wrong", "x")
    svc.restore_punch(b, "right after all", "x")
    added = svc.add_punch(svc.repo.find_employee("0002").id, datetime(2026, 6, 1, 9, tzinfo=TZ), "forgot", "x")
    assert svc.punch_marks(MON, MON) == {a: "void", b: "corrected", added: "corrected"}
    assert [act for act, *_ in svc.punch_history(b)] == ["void", "restore"]
