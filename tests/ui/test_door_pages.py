"""Door in the window: the access groups page (schedule grid, holidays flag, members), the
group checklist of the employee dialog, the access log's filters, Open door now (admin PIN,
audited) and the relay box in Settings: real widgets offscreen, a real SQLite file, the
Simulated relay."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from faceapp.access.pin import hash_pin
from faceapp.access.rules import AccessAttempt, WeeklySchedule
from faceapp.services.access_admin import OPEN_NOW, TEST_RELAY


def _people(ctx, *names):
    emb = np.random.default_rng(0).standard_normal((1, 128)).astype(np.float32)
    now = datetime.now(timezone.utc)
    return [ctx.repo.enrol(f"{i:04d}", n, "", now, emb, [1.0], "m") for i, n in enumerate(names, 1)]


def _window(ctx, window_factory, tmp_path, **kw):
    return window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False, **kw)


def _rows(table):
    return [[table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def test_groups_page_grid_holidays_flag_rename_and_members(ctx, window_factory, qtbot, tmp_path):
    ana, bo, lin = _people(ctx, "Ana Silva", "Bo Chen", "Lin-Manuel Miranda")
    w = _window(ctx, window_factory, tmp_path)
    page = w.access_groups_page
    w.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: "No access groups" in page.status.text(), timeout=5000)
    page.create_group("Office")
    qtbot.waitUntil(lambda: page.groups.rowCount() == 1 and page.current is not None, timeout=5000)
    assert page.grid.cell_text(0, 0) == "08:00-18:00" and page.grid.cell_text(5, 0) == ""  # Mon-Fri to start
    page.grid.set_cell(0, 0, "08:00-12:00")
    page.grid.set_cell(0, 1, "13:00-17:00")  # several ranges a day
    page.grid.set_cell(5, 0, "22:00-6:00")  # Saturday night, across midnight
    page.grid.set_cell(6, 0, "25:00-26:00")
    assert not page.save_button.isEnabled() and "Sunday, range 1" in page.status.text()
    page.grid.set_cell(6, 0, "")
    assert page.save_button.isEnabled()
    spans = page.preview.spans()  # the week at a glance: the night lands on Sunday morning
    assert spans[0] == [(480, 720), (780, 1020)] and spans[5] == [(1320, 1440)] and spans[6] == [(0, 360)]
    page.holidays_closed.setChecked(True)
    page.save_schedule()
    qtbot.waitUntil(lambda: page.status.text() == "Schedule saved." and page.current is not None, timeout=5000)
    group = ctx.access_admin().groups()[0].group
    assert group.schedule.to_dict() == {"mon": ["08:00-12:00", "13:00-17:00"], "tue": ["08:00-18:00"],
                                        "wed": ["08:00-18:00"], "thu": ["08:00-18:00"], "fri": ["08:00-18:00"],
                                        "sat": ["22:00-06:00"]}
    assert group.holidays_closed and _rows(page.groups)[0] == ["Office", "0", "closed"]
    assert ctx.repo.audit_log(1)[0].actor.startswith("admin")

    page.set_members([ana.id, lin.id])  # what "Add people…" sends
    qtbot.waitUntil(lambda: page.member_list.count() == 2, timeout=5000)
    assert _rows(page.groups)[0][1] == "2"
    page.member_list.item(0).setSelected(True)  # Ana (by name)
    page.remove_selected()
    qtbot.waitUntil(lambda: page.member_list.count() == 1, timeout=5000)
    assert [e.id for e in ctx.access_admin().members(group.id)] == [lin.id]

    from faceapp.ui.access_groups_page import PeoplePicker
    picker = PeoplePicker([ana, bo], page)  # the people not yet in the group
    qtbot.addWidget(picker)
    picker.list.item(1).setCheckState(picker.list.item(1).checkState().Checked)
    assert picker.chosen() == [bo.id]

    page.rename_group("Front office")
    qtbot.waitUntil(lambda: _rows(page.groups) and _rows(page.groups)[0][0] == "Front office", timeout=5000)
    assert "Front office" in page.schedule_box.title()
    page.delete_group()
    qtbot.waitUntil(lambda: page.groups.rowCount() == 0, timeout=5000)
    assert ctx.access_admin().employee_groups(lin.id) == []


def test_switching_groups_asks_before_dropping_an_unsaved_schedule(ctx, window_factory, qtbot, tmp_path,
                                                                    monkeypatch):
    from faceapp.ui import access_groups_page

    svc = ctx.access_admin()
    svc.create_group("Alpha", WeeklySchedule.always())
    svc.create_group("Beta", WeeklySchedule.from_dict({"mon": ["08:00-09:00"]}))
    w = _window(ctx, window_factory, tmp_path)
    page = w.access_groups_page
    w.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.current is not None and page.current.name == "Alpha", timeout=5000)
    assert not page.unsaved()
    page.grid.set_cell(0, 0, "09:00-10:00")
    asked = []
    monkeypatch.setattr(access_groups_page, "ask_yes_no", lambda *a: asked.append(a[2]) or False)
    page.groups.selectRow(1)  # No: stay on Alpha with the edit
    assert asked and "Alpha" in asked[0] and page.current.name == "Alpha"
    assert page.grid.cell_text(0, 0) == "09:00-10:00" and page.groups.selectionModel().selectedRows()[0].row() == 0
    monkeypatch.setattr(access_groups_page, "ask_yes_no", lambda *a: True)
    page.groups.selectRow(1)  # Yes: Beta as stored
    assert page.current.name == "Beta" and page.grid.cell_text(0, 0) == "08:00-09:00"


def test_employee_dialog_sets_the_persons_access_groups(ctx, qtbot):
    from faceapp.ui.employees import EditDialog

    (ana,) = _people(ctx, "Ana Silva")
    svc = ctx.access_admin()
    office = svc.create_group("Office", WeeklySchedule.always())
    svc.create_group("Night", WeeklySchedule.from_dict({"sat": ["22:00-06:00"]}))
    dlg = EditDialog(ctx, ana)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.groups.initial is not None, timeout=5000)
    assert [dlg.groups.item(i).text() for i in range(dlg.groups.count())] == ["Night", "Office"]
    dlg.groups.item(1).setCheckState(dlg.groups.item(1).checkState().Checked)
    dlg.accept()
    qtbot.waitUntil(lambda: dlg.saved is not None, timeout=5000)
    assert [g.id for g in svc.employee_groups(ana.id)] == [office.id]
    assert ctx.repo.audit_log(1)[0].action == "employee.access_groups"


def test_access_log_page_filters(ctx, window_factory, qtbot, tmp_path):
    ana, bo = _people(ctx, "Ana Silva", "Bo Chen")
    now = datetime.now(timezone.utc)
    attempts = [(ana.id, True, "granted", "opened", 1), (bo.id, False, "outside schedule", "", 2),
                (None, False, "unknown", "", 3), (bo.id, False, "no access group", "", 4),
                (ana.id, True, "granted", "opened", 24 * 20)]
    for emp, ok, reason, relay, ago in attempts:
        ctx.repo.add_access_attempt(AccessAttempt(now - timedelta(hours=ago), emp, ok, reason, 0.3, "camera 0",
                                                  relay=relay))
    w = _window(ctx, window_factory, tmp_path)
    page = w.access_log_page
    w.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() == 4 and page.person.count() == 4, timeout=5000)
    assert _rows(page.table)[0][1:6] == ["Ana Silva", "0001", "granted", "granted", "opened"]
    assert page.status.text() == "4 attempts: 1 granted, 3 denied"  # the 20-day-old one is outside the week
    page.result.setCurrentIndex(page.result.findData(False))
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=5000)
    page.reason.setCurrentIndex(page.reason.findData("outside schedule"))
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=5000)
    assert _rows(page.table)[0][1] == "Bo Chen"
    page.reason.setCurrentIndex(0)
    page.person.setCurrentIndex(page.person.findData(-1))  # unknown faces
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and _rows(page.table)[0][1] == "unknown face", timeout=5000)
    page.person.setCurrentIndex(0)
    page.result.setCurrentIndex(0)
    page.first.setDate(page.first.date().addDays(-30))
    qtbot.waitUntil(lambda: page.table.rowCount() == 5, timeout=5000)
    page.first.setDate(page.last.date().addDays(1))
    qtbot.waitUntil(lambda: "after the To date" in page.status.text(), timeout=5000)


def _capture_messages(monkeypatch):
    said = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(QMessageBox, kind, lambda _p, title, text, *a, _k=kind, **kw: said.append((_k, text)))
    return said


def test_open_door_now_asks_the_pin_pulses_the_apps_door_and_is_audited(ctx, window_factory, qtbot, tmp_path,
                                                                          monkeypatch):
    from faceapp.ui import door_widgets

    said = _capture_messages(monkeypatch)
    pins = iter(["1111", "2580"])
    notes = []
    monkeypatch.setattr(door_widgets, "ask_pin", lambda _parent, note="": (notes.append(note), next(pins))[1])
    w = _window(ctx, window_factory, tmp_path, kiosk_pin_hash=hash_pin("2580"))
    assert w.open_door()  # no relay configured: said so, nothing audited as opened
    qtbot.waitUntil(lambda: len(said) == 1, timeout=5000)
    assert said[0][0] == "warning" and "No door relay is configured" in said[0][1]
    assert notes == ["Unlock the door for 3 s.", "Wrong PIN"]  # asked again after a wrong PIN, with why
    assert ctx.repo.last_audit([OPEN_NOW]) is None

    ctx.save_settings(ctx.settings.replace(door_backend="simulated", door_pulse_s=0.5), actor="t")
    pins = iter(["2580"])
    assert w.open_door()
    qtbot.waitUntil(lambda: len(said) == 2, timeout=5000)
    assert said[1] == ("information", "The door relay switched: the door is open.")
    assert ctx.door().backend.pulses == 1
    ts, actor, action, details = ctx.repo.last_audit([OPEN_NOW])
    assert actor.startswith("admin") and details["ok"] is True and details["result"] == "opened"

    monkeypatch.setattr(door_widgets, "ask_pin", lambda _parent, note="": None)  # cancelled: nothing sent
    assert not w.open_door() and ctx.door().backend.pulses == 1


def test_settings_relay_box_shows_the_state_and_tests_the_relay(ctx, qtbot):
    from faceapp.ui.prefs import UiPrefs
    from faceapp.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(ctx, UiPrefs())
    qtbot.addWidget(dlg)
    box = dlg.relay_box
    qtbot.waitUntil(lambda: box.backend.text() != "", timeout=5000)
    assert "No relay configured" in box.state.text() and not box.test_button.isEnabled()
    ctx.save_settings(ctx.settings.replace(door_backend="simulated"), actor="t")
    dlg = SettingsDialog(ctx, UiPrefs())
    qtbot.addWidget(dlg)
    box = dlg.relay_box
    qtbot.waitUntil(lambda: box.test_button.isEnabled(), timeout=5000)
    assert box.backend.text() == "Simulated (no door, for testing)" and box.state.text() == "Locked"
    with qtbot.waitSignal(box.tested, timeout=10000):
        box.test_button.click()
    assert box.result.text() == "The relay switched: it works."
    qtbot.waitUntil(lambda: "Test relay" in box.last_command.text(), timeout=5000)
    assert ctx.repo.last_audit([TEST_RELAY])[3]["ok"] is True


@pytest.mark.parametrize("lang", ["zh_CN"])
def test_door_pages_are_chinese(ctx, window_factory, qtbot, tmp_path, lang):
    from PySide6.QtWidgets import QApplication

    from faceapp.ui.launch import install_translator

    app = QApplication.instance()
    assert install_translator(app, lang)
    try:
        w = _window(ctx, window_factory, tmp_path)
        heads = [w.access_log_page.table.horizontalHeaderItem(i).text() for i in range(7)]
        tabs = [w.tabs.tabText(i) for i in range(w.tabs.count())]
        grid_days = [w.access_groups_page.grid.verticalHeaderItem(i).text() for i in range(7)]
        cjk = lambda t: any("\u4e00" <= ch <= "\u9fff" for ch in t)  # noqa: E731
        assert all(cjk(t) for t in heads + tabs[-2:] + grid_days), (heads, tabs, grid_days)
    finally:
        for tr in getattr(app, "_faceapp_translators", []):
            app.removeTranslator(tr)


def test_access_log_left_on_today_follows_the_next_day(ctx, window_factory, qtbot, tmp_path, monkeypatch):
    """The front-desk window runs for days: opened yesterday, its To date must not hide today's attempts."""
    from faceapp.ui.access_log_page import AccessLogPage

    (ana,) = _people(ctx, "Ana Silva")
    real_today = AccessLogPage._today
    monkeypatch.setattr(AccessLogPage, "_today", lambda self: real_today(self) - timedelta(days=1))
    w = _window(ctx, window_factory, tmp_path)  # the window was opened yesterday
    page = w.access_log_page
    monkeypatch.setattr(AccessLogPage, "_today", real_today)  # ... and now it is the next day
    ctx.repo.add_access_attempt(AccessAttempt(datetime.now(timezone.utc), ana.id, True, "granted", 0.3, "camera 0",
                                              relay="opened"))
    w.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=5000)
    assert page.last.date().toPython() == real_today(page)
    assert (page.last.date().toPython() - page.first.date().toPython()).days == 6  # still a week


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_new_group_dialog_and_the_schedule_grid_are_not_cut_at_800_px(ctx, window_factory, qtbot, tmp_path, lang):
    """"New a... group": the name dialog was as narrow as its field; at 800 px the group list
    took so much room that the grid's cells showed "06:00…"."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QFont, QFontMetrics
    from PySide6.QtWidgets import QApplication

    from faceapp.ui.launch import install_translator

    app = QApplication.instance()
    install_translator(app, lang)
    try:
        ctx.access_admin().create_group("Morning", WeeklySchedule.from_dict({"mon": ["06:00-14:00", "22:00-06:00"]}),
                                        actor="t")
        w = _window(ctx, window_factory, tmp_path)
        w.resize(800, 600)
        page = w.access_groups_page
        w.tabs.setCurrentWidget(page)
        qtbot.waitUntil(lambda: page.groups.rowCount() == 1, timeout=5000)
        page.groups.selectRow(0)
        qtbot.waitUntil(lambda: page.grid.cell_text(0, 1) == "22:00-06:00", timeout=5000)
        fm = page.grid.fontMetrics()
        need = fm.horizontalAdvance("22:00-06:00") + 2 * fm.horizontalAdvance("0")  # the cell's margins
        assert min(page.grid.columnWidth(c) for c in range(page.grid.columnCount())) >= need

        seen = {}

        def look() -> None:
            d = QApplication.activeModalWidget()
            bold = QFont(d.font())
            bold.setBold(True)
            seen["title"], seen["min"] = d.windowTitle(), d.minimumWidth()
            seen["need"] = QFontMetrics(bold).horizontalAdvance(d.windowTitle()) + 150  # the title bar's buttons
            d.reject()

        QTimer.singleShot(100, look)
        page.ask_new()
        assert seen["min"] >= seen["need"], seen
    finally:
        for tr in getattr(app, "_faceapp_translators", []):
            app.removeTranslator(tr)
        app._faceapp_translators = []
