"""Attendance log page through the real window: daily summary, filters, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
from PySide6.QtCore import QDate

from faceapp.shared.records import AttendanceEvent


def _person(ctx, number: str, name: str, dept: str):
    emb = np.random.default_rng(int(number)).standard_normal((1, 128)).astype(np.float32)
    return ctx.repo.enrol(number, name, dept, datetime.now(timezone.utc), emb, [1.0], "test-model")


def _day_of_events(ctx, emp, start: datetime) -> None:
    ctx.repo.add_attendance(AttendanceEvent(emp.id, start, "in", "cam"))
    ctx.repo.add_attendance(AttendanceEvent(emp.id, start + timedelta(hours=8), "out", "cam"))


def _cells(table) -> list[list[str]]:
    return [[table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def test_summary_shows_deleted_employees_history(ctx, window_factory, qtbot, tmp_path):
    """Issue 13 item 4: after deleting an employee with history the summary failed and the
    page silently kept the raw table."""
    start = datetime.now(timezone.utc).replace(hour=6, minute=0, second=0, microsecond=0)
    gone, kept = _person(ctx, "41", "Gone Person", "Ops"), _person(ctx, "42", "Kept Person", "Ops")
    _day_of_events(ctx, gone, start)
    _day_of_events(ctx, kept, start)
    ctx.employees().delete(gone.id)
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.log_page
    page.first.setDate(QDate.currentDate().addDays(-1))
    page.last.setDate(QDate.currentDate().addDays(1))
    w.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() == 4, timeout=5000)
    page.summary.setChecked(True)
    qtbot.waitUntil(lambda: page.table.columnCount() == 8 and page.table.rowCount() == 2, timeout=5000)
    rows = _cells(page.table)
    assert rows[0][1:3] == ["42", "Kept Person"] and rows[0][6] == "8:00"
    assert rows[1][2] == "(deleted)" and rows[1][6] == "" and rows[1][7] == "2"
    assert "Could not" not in page.status.text()


def test_a_failed_query_empties_the_table_and_says_why(ctx, window_factory, qtbot, tmp_path, monkeypatch):
    """The old rows must not stay under a "Daily summary" tick when the summary fails."""
    from faceapp.services.reports import ReportService
    from faceapp.storage.errors import DatabaseLockedError

    _day_of_events(ctx, _person(ctx, "43", "Ana", "Ops"), datetime.now(timezone.utc).replace(hour=6))
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.log_page
    page.first.setDate(QDate.currentDate().addDays(-1))
    page.last.setDate(QDate.currentDate().addDays(1))
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=5000)

    def locked(*_a, **_k):
        raise DatabaseLockedError("the attendance database is busy")

    monkeypatch.setattr(ReportService, "summaries", locked)
    page.summary.setChecked(True)
    qtbot.waitUntil(lambda: "busy" in page.status.text(), timeout=5000)
    assert page.table.rowCount() == 0


def test_department_filter_matches_part_of_the_name_in_any_case_while_typing(ctx, window_factory, qtbot,
                                                                             tmp_path):
    """Issue 13 item 13: the Department filter was exact, case-sensitive and applied only on Enter."""
    from PySide6.QtTest import QTest

    start = datetime.now(timezone.utc).replace(hour=6, minute=0, second=0, microsecond=0)
    _day_of_events(ctx, _person(ctx, "51", "Ana", "Front Desk"), start)
    _day_of_events(ctx, _person(ctx, "52", "Bo", "Kitchen"), start)
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.log_page
    page.first.setDate(QDate.currentDate().addDays(-1))
    page.last.setDate(QDate.currentDate().addDays(1))
    qtbot.waitUntil(lambda: page.table.rowCount() == 4, timeout=5000)
    QTest.keyClicks(page.department, "desk")  # typed, no Enter
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=5000)
    assert {page.table.item(r, 2).text() for r in range(2)} == {"Ana"}
    page.department.clear()
    qtbot.waitUntil(lambda: page.table.rowCount() == 4, timeout=5000)


def test_a_from_date_after_the_to_date_is_refused(ctx, window_factory, qtbot, tmp_path):
    """Issue 13 item 13: a From date after the To date was accepted (and showed nothing)."""
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.log_page
    page.first.setDate(QDate.currentDate().addDays(3))
    qtbot.waitUntil(lambda: "after" in page.status.text(), timeout=5000)
    assert "From" in page.status.text() and not page.export_button.isEnabled()
    assert page.table.rowCount() == 0
    page.first.setDate(QDate.currentDate())
    qtbot.waitUntil(lambda: page.export_button.isEnabled(), timeout=5000)


def test_raw_and_summary_exports_have_their_own_names_and_an_excel_layout(ctx, window_factory, qtbot, tmp_path,
                                                                          monkeypatch):
    """Issue 13 item 16: raw and summary exports shared the default name attendance.csv, and
    Excel showed times as text and lost the zeros of "0042"."""
    import csv

    from faceapp.ui import file_dialogs

    _day_of_events(ctx, _person(ctx, "42", "Ana", "Ops"), datetime.now(timezone.utc).replace(hour=6))
    ctx.repo.update_employee(ctx.repo.find_employee("42").id, number="0042")
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.log_page
    page.first.setDate(QDate.currentDate().addDays(-1))
    page.last.setDate(QDate.currentDate().addDays(1))
    proposed = []
    monkeypatch.setattr(file_dialogs, "save_file", lambda _p, _t, default, _f: proposed.append(default) or None)
    page.ask_export()
    page.summary.setChecked(True)
    page.ask_export()
    raw_name, summary_name = (p.name for p in proposed)
    assert raw_name != summary_name and "events" in raw_name and "summary" in summary_name
    assert QDate.currentDate().addDays(-1).toString("yyyy-MM-dd") in raw_name

    page.excel_layout.setChecked(True)
    out = tmp_path / summary_name
    with qtbot.waitSignal(page.exported, timeout=10000):
        page.export_to(out)
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["employee_number"] == '="0042"' and len(rows[0]["first_in"]) == 8  # HH:MM:SS


def test_log_left_on_today_follows_the_next_day(ctx, window_factory, qtbot, tmp_path, monkeypatch):
    """The front-desk window runs overnight: opened yesterday, its To date must not hide today's
    punches (the same as the access log page, ui/date_range.FollowToday)."""
    from faceapp.ui.log_page import LogPage

    ana = _person(ctx, "44", "Ana", "Ops")
    real_today = LogPage._today
    monkeypatch.setattr(LogPage, "_today", lambda self: real_today(self) - timedelta(days=1))
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)  # opened yesterday
    page = w.log_page
    monkeypatch.setattr(LogPage, "_today", real_today)  # ... and now it is the next day
    ctx.repo.add_attendance(AttendanceEvent(ana.id, datetime.now(timezone.utc), "in", "cam"))
    page.on_event()  # the live view booked a punch
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=5000)
    assert page.last.date().toPython() == page.first.date().toPython() == real_today(page)
