"""XLSX read back with openpyxl: real types and formats (faceapp.timekeeping.xlsx)."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl

from faceapp.timekeeping import reports
from faceapp.timekeeping.daily import Schedules, compute_results
from faceapp.timekeeping.rules import Assignment, Punch, Shift, Timetable
from faceapp.timekeeping.xlsx import write_xlsx

TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class E:
    id: int
    number: str
    name: str
    department: str


def _sheet_xml(path, n: int) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{n}.xml").decode()


def _period():
    people = {1: E(1, "0042", "李小龙", "生产部"), 2: E(2, "=1+1", "Ann", "Office")}
    tt = Timetable("Day", time(9), time(17), break_minutes=60, late_grace=5, ot_after=0)
    s = Schedules({"Day": tt}, {"W": Shift("W", "weekly", ("Day",) * 7)},
                  [Assignment("W", date(2026, 1, 1), department="生产部"),
                   Assignment("W", date(2026, 1, 1), department="Office")])
    d = date(2026, 6, 1)
    punches = [Punch(1, datetime(2026, 6, 1, 9, 12, tzinfo=TZ)), Punch(1, datetime(2026, 6, 1, 19, 0, tzinfo=TZ))]
    return compute_results(people.values(), punches, s, d, d, TZ), people


def test_timecard_cells_have_real_types(tmp_path):
    results, people = _period()
    out = write_xlsx([reports.timecard(results, people), reports.summary_by_employee(results, people)],
                     tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Time card", "Summary by employee"]
    ws = wb["Time card"]
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2])}
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions
    assert row["Number"].value == "0042" and row["Number"].data_type == "s"  # the zeros stay
    assert row["Name"].value == "李小龙" and row["Department"].value == "生产部"
    assert row["Date"].is_date and row["Date"].value == datetime(2026, 6, 1)
    assert row["Check-in"].is_date and row["Check-in"].value == datetime(2026, 6, 1, 9, 12)
    assert row["Check-in"].number_format == "hh:mm"
    worked = row["Worked"]  # a number of days with a time format: openpyxl hands it back as a timedelta
    assert worked.number_format == "[h]:mm" and worked.value == timedelta(minutes=9 * 60 + 48 - 60)
    assert re.search(rf'<c r="{worked.coordinate}" s="\d+"( t="n")?><v>0\.3[0-9]*</v>', _sheet_xml(out, 1))
    assert row["Late (min)"].value == 12 and row["Late (min)"].data_type == "n"
    assert row["OT normal"].value == timedelta(minutes=120)
    second = {h: c.value for h, c in zip(header, ws[3])}
    assert second["Number"] == "=1+1" and ws.cell(3, 1).data_type == "s"  # text, never a formula
    summary = wb["Summary by employee"]
    assert [c.value for c in summary[1]][:4] == ["Number", "Name", "Department", "Days scheduled"]
    assert summary.cell(2, 4).value == 1 and summary.cell(2, 4).data_type == "n"


def test_payroll_has_every_pay_code_per_employee():
    results, people = _period()
    t = reports.payroll(results, people, date(2026, 6, 1), date(2026, 6, 1))
    assert [r[5] for r in t.rows[:len(reports.PAY_CODES)]] == [c for c, _ in reports.PAY_CODES]
    by = {(r[0], r[5]): r for r in t.rows}
    assert by[("0042", "REG")][6] == 6.8 and by[("0042", "OT_NORMAL")][6] == 2.0
    assert by[("=1+1", "ABSENT_DAYS")][7] == 1.0
