"""The real main window on a temp database: empty camera state and kiosk lock."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from faceapp.access.pin import hash_pin
from faceapp.app import build_context


def test_empty_camera_state_when_source_cannot_be_opened(ctx, window_factory, qtbot, tmp_path):
    w = window_factory(ctx, camera_source=str(tmp_path / "no-such-camera.mp4"), autostart=False)
    w.start_camera()
    qtbot.waitUntil(lambda: w.live.state == "no-camera", timeout=5000)
    assert w.live_page.empty.isVisible() and not w.live_page.video.isVisible()
    assert "no-such-camera.mp4 does not exist" in w.live_page.empty_text.text()
    assert "no camera" in w.camera_label.text()
    assert str(ctx.db_path) in w.db_label.text()
    assert w.isVisible()  # the app still opens and is usable
    w.tabs.setCurrentWidget(w.log_page)
    w.tabs.setCurrentWidget(w.employees_page)


def test_kiosk_refuses_to_close_without_pin(ctx, window_factory, qtbot, tmp_path):
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), kiosk_pin_hash=hash_pin("2580"),
                       autostart=False)
    assert w.enter_kiosk()
    assert w.isFullScreen() and w.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert not w.menuBar().isVisible() and not w.tabs.tabBar().isVisible()
    w.close()
    assert w.isVisible(), "kiosk window closed without the PIN"
    esc = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    assert w._swallower.eventFilter(w, esc)
    altf4 = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert w._swallower.eventFilter(w, altf4)
    QApplication.sendEvent(w, altf4)
    assert w.isVisible()
    assert not w.exit_kiosk("0000", close=True)
    assert w.isVisible() and w.kiosk and w.pin_refusal == "Wrong PIN"
    assert w.exit_kiosk("2580", close=True)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=2000)


def test_kiosk_lockout_outlives_a_restart_of_the_window(ctx, window_factory, tmp_path):
    """Five wrong PINs lock the kiosk; closing the app (kill, power cycle) and starting it
    again used to give five fresh guesses."""
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), kiosk_pin_hash=hash_pin("2580"),
                       autostart=False)
    assert w.enter_kiosk()
    for _ in range(5):
        assert not w.exit_kiosk("0000")
    assert "Locked for" in w.pin_refusal
    restarted = build_context(ctx.db_path, provider="cpu")  # a new process would open the same file
    try:
        w2 = window_factory(restarted, camera_source=str(tmp_path / "none.mp4"), kiosk_pin_hash=hash_pin("2580"),
                            autostart=False)
        assert w2.enter_kiosk()
        assert not w2.exit_kiosk("2580") and w2.kiosk
        assert "Locked for" in w2.pin_refusal
    finally:
        restarted.repo.close()


def test_kiosk_needs_a_pin(ctx, window_factory, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    w = window_factory(ctx, autostart=False)
    assert not w.enter_kiosk() and not w.kiosk


def test_chinese_translation_loads(ctx, qtbot):
    from PySide6.QtWidgets import QApplication

    from faceapp.ui.launch import install_translator
    from faceapp.ui.main_window import MainWindow
    from faceapp.ui.prefs import UiPrefs

    app = QApplication.instance()
    assert install_translator(app, "zh_CN"), "resources/translations/faceapp_zh_CN.qm missing (run pyside6-lrelease)"
    try:
        w = MainWindow(ctx, UiPrefs(sound=False), translated=True, autostart=False)
        qtbot.addWidget(w)
        assert w.windowTitle() == "faceapp - 考勤与门禁"
        assert [w.tabs.tabText(i) for i in range(3)] == ["实时", "员工", "考勤记录"]
        from datetime import datetime, timezone

        from faceapp.recognition.views import Announcement

        ann = Announcement(datetime(2026, 11, 23, 7, 59, tzinfo=timezone.utc), 1, "Ana", "in", "Welcome, Ana")
        assert w.banner_text(ann).startswith("欢迎，Ana - ")
    finally:
        for tr in app._faceapp_translators:  # faceapp's and Qt's own
            app.removeTranslator(tr)


def test_settings_dialog_validates_and_persists(ctx, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from faceapp.ui.prefs import UiPrefs
    from faceapp.ui.settings_dialog import SettingsDialog

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    dlg = SettingsDialog(ctx, UiPrefs())
    qtbot.addWidget(dlg)
    assert "Lower is stricter" in dlg.fields["strangers_per_1000"].toolTip()
    dlg.fields["timezone"].setText("Mars/Olympus")
    dlg.accept()
    assert warnings and "Time zone of the site: 'Mars/Olympus'" in warnings[-1] and dlg.result() == 0
    dlg.fields["timezone"].setText("Europe/Berlin")
    dlg.fields["cooldown_s"].setValue(120)
    dlg.kiosk.setChecked(True)
    dlg.accept()
    assert "admin PIN" in warnings[-1]
    dlg.pin.setText("13579")
    dlg.pin2.setText("13579")
    dlg.camera.setEditText("rtsp://10.0.0.5/stream1")
    dlg.accept()  # hashes the PIN and saves on a worker; the dialog closes when that succeeded
    assert not dlg.buttons.isEnabled()
    qtbot.waitUntil(lambda: dlg.result() == 1, timeout=10_000)
    assert dlg.buttons.isEnabled()
    assert ctx.settings.attendance.cooldown_s == 120 and ctx.repo.get_setting("recognition")["timezone"] == "Europe/Berlin"
    prefs = UiPrefs.load(ctx)
    assert prefs.kiosk and prefs.camera_source == "rtsp://10.0.0.5/stream1"
    assert prefs.kiosk_pin_hash.startswith("scrypt$") and "13579" not in str(ctx.repo.get_setting("ui"))


def test_settings_dialog_saves_nothing_when_the_database_is_locked(ctx, qtbot, monkeypatch):
    """Recognition settings and desktop preferences go in one transaction: all or nothing,
    and the window stays responsive while the save waits for the lock."""
    import sqlite3

    from PySide6.QtWidgets import QMessageBox

    from faceapp.ui.prefs import UiPrefs
    from faceapp.ui.settings_dialog import SettingsDialog

    ctx.repo.busy_timeout_ms = 300
    ctx.repo._conn.execute("PRAGMA busy_timeout = 300")
    before = (ctx.repo.get_setting("recognition"), ctx.repo.get_setting("ui"), len(ctx.repo.audit_log()))
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    dlg = SettingsDialog(ctx, UiPrefs())
    qtbot.addWidget(dlg)
    dlg.fields["cooldown_s"].setValue(321)
    dlg.camera.setEditText("2")
    blocker = sqlite3.connect(ctx.repo.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        dlg.accept()
        ticks = []
        qtbot.waitUntil(lambda: ticks.append(1) or bool(warnings), timeout=10_000)  # the event loop kept running
        assert len(ticks) > 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "Nothing was saved" in warnings[-1] and dlg.result() == 0 and dlg.buttons.isEnabled()
    assert (ctx.repo.get_setting("recognition"), ctx.repo.get_setting("ui"), len(ctx.repo.audit_log())) == before
    assert ctx.settings.attendance.cooldown_s != 321
    dlg.accept()  # lock gone: the same dialog saves both
    qtbot.waitUntil(lambda: dlg.result() == 1, timeout=10_000)
    assert ctx.repo.get_setting("recognition")["cooldown_s"] == 321 and ctx.repo.get_setting("ui")["camera_source"] == "2"
    actions = [e.action for e in ctx.repo.audit_log(limit=2)]
    assert sorted(actions) == ["settings.update", "ui.settings"]


def test_chinese_catalogue_is_complete():
    """Every message in faceapp_zh_CN.ts has a finished Chinese translation, and the .qm exists."""
    import xml.etree.ElementTree as ET
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "resources" / "translations"
    root = ET.parse(folder / "faceapp_zh_CN.ts").getroot()
    messages = root.findall("./context/message")
    assert len(messages) > 100
    for m in messages:
        tr = m.find("translation")
        text = "".join(tr.itertext()).strip()
        assert tr.get("type") is None and text, m.findtext("source")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text) or text.startswith(("%", "✘ %1：")), text
    assert (folder / "faceapp_zh_CN.qm").stat().st_size > 1000


def test_status_bar_says_when_decided_events_wait_for_the_database(ctx, window_factory, qtbot, tmp_path):
    """Issue 13/14: while the database is locked the live loop keeps deciding; the events
    wait in memory, the status bar says so, and it clears by itself once they are saved."""
    import sqlite3
    from datetime import datetime, timezone

    import numpy as np

    from faceapp.shared.records import AttendanceEvent

    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    emp = ctx.repo.enrol("7", "Eileen", "", datetime.now(timezone.utc), np.ones((1, 128), np.float32), [1.0], "m")
    ctx.repo.db.conn.execute("PRAGMA busy_timeout = 50")
    writes = ctx.pending_writes()
    writes.first_delay_s = writes.max_delay_s = 0.1
    other = sqlite3.connect(ctx.db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    try:
        for minute in (0, 5):
            ts = datetime(2026, 11, 23, 8, minute, tzinfo=timezone.utc)
            writes.submit("event", lambda ts=ts: ctx.repo.add_attendance(AttendanceEvent(emp.id, ts, "in")))
        qtbot.waitUntil(lambda: w.writes_label.isVisible() and "2 events waiting" in w.writes_label.text(),
                        timeout=3000)
        assert "busy" in w.writes_label.text().lower()
    finally:
        other.execute("ROLLBACK")
        other.close()
    qtbot.waitUntil(lambda: not w.writes_label.isVisible(), timeout=5000)
    assert len(ctx.repo.events()) == 2


def test_a_provider_change_says_it_takes_effect_after_a_restart(ctx, qtbot, monkeypatch):
    """Saving replaced ctx.settings before the comparison, so a provider change alone never
    showed the restart notice."""
    from dataclasses import replace

    from faceapp.ui import main_window as mw
    from faceapp.ui.prefs import UiPrefs

    class ProviderToCpu:
        def __init__(self, c, prefs, _parent) -> None:
            self.ctx, self.prefs = c, prefs

        def exec(self) -> bool:
            s = self.ctx.settings
            self.ctx.save_settings(replace(s, vision=replace(s.vision, provider="cpu")))
            return True

    shown: list[str] = []
    monkeypatch.setattr(mw, "SettingsDialog", ProviderToCpu)
    monkeypatch.setattr(mw.QMessageBox, "information", lambda _p, _t, text, *a: shown.append(text))
    w = mw.MainWindow(ctx, UiPrefs(sound=False), autostart=False)
    qtbot.addWidget(w)
    assert ctx.settings.vision.provider == "auto"
    w.open_settings()
    assert ctx.settings.vision.provider == "cpu" and shown and "restart" in shown[0]


def test_wrong_pin_and_lockout_are_said_in_the_pin_prompt_not_on_the_visitor_banner(ctx, window_factory, qtbot,
                                                                                     tmp_path):
    """Issue 18: "Wrong PIN" and "Locked for 60 s" showed on the visitors' banner."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QInputDialog

    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), kiosk_pin_hash=hash_pin("2580"),
                       autostart=False)
    assert w.enter_kiosk()
    prompts: list[str] = []
    answers = ["0000"] * 5 + [None]  # five wrong PINs, then the admin gives up

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QInputDialog):
            QTimer.singleShot(20, answer)
            return
        prompts.append(box.labelText())
        pin = answers.pop(0)
        if pin is None:
            box.reject()
            return
        box.setTextValue(pin)
        QTimer.singleShot(20, answer)  # the next prompt
        box.accept()

    QTimer.singleShot(0, answer)
    w.admin_unlock()
    assert len(prompts) == 6 and "Wrong PIN" not in prompts[0]
    assert "Wrong PIN" in prompts[1]
    assert "Locked for" in prompts[5]
    assert w.kiosk and w.live_page.banner.text() == ""
    w.kiosk = False
