"""Reports page: filters, a preview of each report, and exports read back (XLSX with
openpyxl: dates are dates, employee numbers keep their zeros; CSV; PDF)."""

from __future__ import annotations

import csv
from datetime import date, datetime

import openpyxl
from PySide6.QtCore import QDate

from timekeeping_helpers import MONDAY, cells, office_week, person, punch, utc_site


def _page(ctx, window_factory, tmp_path, qtbot):
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.reports_page
    w.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.employee.count() > 1, timeout=5000)
    page.first.setDate(QDate(2026, 11, 2))
    page.last.setDate(QDate(2026, 11, 6))
    return page


def _two_people(ctx):
    utc_site(ctx)
    ana, bo = person(ctx, "0042", "Ana Silva", "Ops"), person(ctx, "7", "李波", "Lab")
    office_week(ctx, ana, bo, grace=5)
    punch(ctx, ana, MONDAY, 9, 12)  # late 12 min
    punch(ctx, ana, MONDAY, 17, 0, "out")
    return ana, bo


def test_time_card_preview_and_xlsx_export(ctx, window_factory, qtbot, tmp_path):
    _two_people(ctx)
    page = _page(ctx, window_factory, tmp_path, qtbot)
    page.employee.setCurrentIndex(page.employee.findData("0042"))
    page.refresh()
    qtbot.waitUntil(lambda: bool(page.tables) and not page._busy, timeout=5000)
    preview = page.previews.widget(0)
    heads = [preview.horizontalHeaderItem(c).text() for c in range(preview.columnCount())]
    rows = cells(preview)
    assert len(rows) == 5  # Ana's week, Mon-Fri
    monday = dict(zip(heads, rows[0]))
    assert (monday["Number"], monday["Date"], monday["Check-in"], monday["Late (min)"]) == \
        ("0042", "2026-11-02", "09:12", "12")
    assert dict(zip(heads, rows[1]))["Absent (days)"] == "1"  # Tuesday without punches
    assert page.print_button.isEnabled()

    out = tmp_path / "timecard.xlsx"
    page.export_to(out)
    qtbot.waitUntil(lambda: not page._busy, timeout=10000)
    assert "Exported 5 row(s)" in page.status.text()
    ws = openpyxl.load_workbook(out)["Time card"]
    head = [c.value for c in ws[1]]
    first = {h: c for h, c in zip(head, ws[2])}
    assert first["Number"].value == "0042" and first["Number"].data_type == "s"
    assert isinstance(first["Date"].value, datetime) and first["Date"].value.date() == date(2026, 11, 2)
    assert first["Late (min)"].value == 12
    assert ws.max_row == 6


def test_summary_by_department_exceptions_and_payroll(ctx, window_factory, qtbot, tmp_path):
    _two_people(ctx)
    page = _page(ctx, window_factory, tmp_path, qtbot)
    page.kind.setCurrentIndex(page.kind.findData("summary"))  # a new kind previews by itself
    qtbot.waitUntil(lambda: page.previews.count() == 2 and not page._busy, timeout=5000)
    assert [page.previews.tabText(i) for i in range(2)] == ["Summary by employee (2)", "Summary by department (2)"]
    page.department.setCurrentText("lab")  # any part of the name, any case
    page.kind.setCurrentIndex(page.kind.findData("exceptions"))
    qtbot.waitUntil(lambda: page.previews.count() == 1 and not page._busy, timeout=5000)
    rows = cells(page.previews.widget(0))
    assert len(rows) == 5 and {r[1] for r in rows} == {"李波"} and {r[6] for r in rows} == {"absent"}

    page.department.setCurrentText("")
    page.kind.setCurrentIndex(page.kind.findData("payroll"))
    qtbot.waitUntil(lambda: page.previews.count() == 1 and "Payroll" in page.previews.tabText(0) and not page._busy,
                    timeout=5000)
    out = tmp_path / "pay.csv"
    page.export_to(out)
    qtbot.waitUntil(lambda: not page._busy and out.exists(), timeout=10000)
    got = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    reg = [r for r in got if r["pay_code"] == "REG" and r["employee_number"].endswith("0042")]
    assert reg and float(reg[0]["hours"]) == 7.8  # 09:12-17:00

    pdf = tmp_path / "pay.pdf"
    page.export_to(pdf)
    qtbot.waitUntil(lambda: not page._busy and pdf.exists(), timeout=10000)
    assert pdf.read_bytes()[:4] == b"%PDF"


def test_a_department_nobody_is_in_says_so(ctx, window_factory, qtbot, tmp_path):
    _two_people(ctx)
    page = _page(ctx, window_factory, tmp_path, qtbot)
    page.department.setCurrentText("Finance")
    page.refresh()
    qtbot.waitUntil(lambda: not page._busy and "No report" in page.status.text(), timeout=5000)
    assert "Finance" in page.status.text() and page.previews.count() == 0
    assert not page.print_button.isEnabled()
