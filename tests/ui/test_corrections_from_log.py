"""Punch corrections from the attendance log's right-click menu: a reason is required, the
time card changes, the corrected punch is marked in the log, and a void can be restored."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialogButtonBox

from faceapp.ui.correction_dialog import CorrectionDialog
from timekeeping_helpers import MONDAY, cells, office_week, person, punch, utc_site


def _log(ctx, window_factory, tmp_path, qtbot, rows: int):
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.log_page
    page.actor = lambda: "admin:test"
    page.first.setDate(QDate(MONDAY.year, MONDAY.month, MONDAY.day))
    page.last.setDate(QDate(MONDAY.year, MONDAY.month, MONDAY.day))
    w.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() == rows and not page._loading, timeout=5000)
    return page


def _day(ctx, emp):
    return ctx.timekeeping().period(MONDAY, MONDAY, [emp.number]).results[0]


def test_void_needs_a_reason_changes_the_time_card_is_marked_and_restores(ctx, window_factory, qtbot, tmp_path,
                                                                          monkeypatch):
    utc_site(ctx)
    ana = person(ctx, "42", "Ana Silva", "Ops")
    office_week(ctx, ana)
    punch(ctx, ana, MONDAY, 9, 0)
    wrong = punch(ctx, ana, MONDAY, 16, 0, "out")  # a colleague's face booked as Ana's check-out
    punch(ctx, ana, MONDAY, 17, 5, "out")
    assert _day(ctx, ana).early_min == 0
    page = _log(ctx, window_factory, tmp_path, qtbot, 3)
    row = [e.id for e in page.shown].index(wrong.id)
    menu = page.correction_menu(row)
    void, restore, add = menu.actions()
    assert void.isEnabled() and not restore.isEnabled() and add.isEnabled()

    dlg = CorrectionDialog("void", "Ana", parent=page)  # OK stays off until a reason is typed
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dlg.reason.setText("   ")
    assert not ok.isEnabled()
    dlg.reason.setText("colleague booked as Ana")
    assert ok.isEnabled()

    said = []
    monkeypatch.setattr("faceapp.ui.log_page.QMessageBox.warning", lambda *a: said.append(a[2]))
    page.correct("void", "  ", page.event_at(row))  # and the service refuses an empty one too
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert "reason" in said[0]

    # the 17:05 punch is the check-out either way: void the 09:00 check-in, the day misses it
    check_in = [e.id for e in page.shown].index(min(page.shown, key=lambda e: e.ts).id)
    page.correct("void", "wrong person", page.event_at(check_in))
    qtbot.waitUntil(lambda: "out" not in cells(page.table)[check_in][4] and "voided" in cells(page.table)[check_in][4],
                    timeout=5000)
    assert page.table.item(check_in, 0).font().strikeOut()
    day = _day(ctx, ana)
    assert day.corrected and day.check_in is None and day.missing == "in"  # 16:00 is past the check-in window
    history = ctx.timekeeping().punch_history(page.shown[check_in].id)
    assert [(a, r, who) for a, r, who, _ in history] == [("void", "wrong person", "admin:test")]

    menu = page.correction_menu(check_in)
    assert not menu.actions()[0].isEnabled() and menu.actions()[1].isEnabled()
    page.correct("restore", "it was Ana after all", page.event_at(check_in))
    qtbot.waitUntil(lambda: "corrected" in cells(page.table)[check_in][4], timeout=5000)
    assert not page.table.item(check_in, 0).font().strikeOut()
    day = _day(ctx, ana)
    assert day.check_in.hour == 9 and not day.missing and day.corrected


def test_add_missing_punch_completes_the_day(ctx, window_factory, qtbot, tmp_path):
    utc_site(ctx)
    ana = person(ctx, "42", "Ana Silva", "Ops")
    office_week(ctx, ana)
    punch(ctx, ana, MONDAY, 8, 55)
    assert _day(ctx, ana).missing == "out"
    page = _log(ctx, window_factory, tmp_path, qtbot, 1)
    dlg = page.correction_dialog("add", page.event_at(0))
    assert dlg.employee.currentData() == ana.id
    assert dlg.local_time() == datetime(2026, 11, 2, 8, 55)  # starts at the punch under the mouse
    when = datetime(2026, 11, 2, 17, 30, tzinfo=timezone.utc)
    page.correct("add", "forgot to check out", employee_id=ana.id, when=when)
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=5000)
    top = cells(page.table)[0]  # newest first
    assert top[0] == "2026-11-02 17:30:00" and top[4] == "out - corrected" and top[5] == "correction"
    day = _day(ctx, ana)
    assert not day.missing and day.corrected and day.worked_min == 8 * 60  # 09:00-17:00, no overtime rule
