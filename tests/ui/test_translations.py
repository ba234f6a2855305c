"""Simplified Chinese everywhere a front-desk admin or a visitor looks (issue 13 item 14):
settings sections, labels and help, Qt's own buttons (qtbase_zh_CN), box labels, the
head-turn prompt, the kiosk PIN prompt and error messages."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWizard

from faceapp.recognition.views import Announcement, FrameResult, TrackView
from faceapp.settings import Settings
from faceapp.ui.launch import install_translator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def chinese():
    app = QApplication.instance()
    assert install_translator(app, "zh_CN")
    yield app
    for tr in getattr(app, "_faceapp_translators", []):
        app.removeTranslator(tr)


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_settings_dialog_is_chinese_with_qt_buttons(ctx, qtbot, chinese):
    from faceapp.ui.prefs import UiPrefs
    from faceapp.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(ctx, UiPrefs())
    qtbot.addWidget(dlg)
    sections = [dlg.section_list.item(i).text() for i in range(dlg.section_list.count())]
    assert all(_cjk(s) for s in sections), sections  # "Recognition" was English
    assert dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).text().replace("&", "") in ("确定", "好")
    assert _cjk(dlg.buttons.button(QDialogButtonBox.StandardButton.Cancel).text())
    assert _cjk(dlg.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).text())
    for info in Settings.describe():
        assert _cjk(dlg.fields[info.key].toolTip()), info.key  # every help text


def test_wizard_buttons_are_chinese(ctx, qtbot, chinese):
    from faceapp.ui.wizard import EnrolWizard

    wiz = EnrolWizard(ctx, None, lambda: None, None)
    qtbot.addWidget(wiz)
    for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                  QWizard.WizardButton.CancelButton):
        assert _cjk(wiz.buttonText(which)), wiz.buttonText(which)


def test_box_labels_prompt_and_errors_are_chinese(ctx, qtbot, chinese):
    from faceapp.storage.errors import DatabaseLockedError
    from faceapp.ui.live import VideoWidget
    from faceapp.ui.main_window import MainWindow
    from faceapp.ui.messages import error_text
    from faceapp.ui.prefs import UiPrefs

    video = VideoWidget()
    qtbot.addWidget(video)
    box = np.array([10, 10, 60, 60], np.float32)
    tracks = [TrackView(1, box, "unknown", "Unknown"), TrackView(2, box, "identifying", "Identifying…"),
              TrackView(3, box, "known", "Ana"), TrackView(4, box, "closer", "Please come closer"),
              TrackView(5, box, "refused", "Not let in"), TrackView(6, box, "turn_head", "Please turn your head")]
    assert [video.label_of(t) for t in tracks] == ["未识别", "识别中…", "Ana", "请靠近一点", "未放行", "请转动头部"]
    video.show_result(FrameResult(0, np.zeros((120, 160, 3), np.uint8), tracks, [], 10.0, 0, 1.0))

    w = MainWindow(ctx, UiPrefs(sound=False), translated=True, autostart=False)
    qtbot.addWidget(w)
    ts = datetime(2026, 11, 23, 7, 59, tzinfo=timezone.utc)
    prompt = Announcement(ts, 1, "Ana", "challenge", "Ana: please turn your head slightly left, then right")
    assert w.banner_text(prompt).startswith("Ana：") and _cjk(w.banner_text(prompt))
    closer = Announcement(ts, None, "Unknown", "unknown", "Not recognised - please come closer to the camera",
                          "come_closer")
    assert w.banner_text(closer) == "无法识别 - 请靠近摄像头"
    failed = Announcement(ts, 1, "Ana", "liveness_failed", "Ana: not confirmed - please look at the camera")
    assert _cjk(w.banner_text(failed))
    text = error_text(DatabaseLockedError("the attendance database /x.db is busy"))
    assert _cjk(text.splitlines()[0]) and "/x.db" in text  # translated, details kept


def test_kiosk_pin_prompt_is_chinese(qtbot, chinese):
    from faceapp.ui.kiosk import pin_prompt_texts

    assert all(_cjk(t) for t in pin_prompt_texts())


def test_settings_texts_are_current():
    """settings_texts.py lists every label and help for lupdate: regenerate after changing them."""
    proc = subprocess.run([sys.executable, str(ROOT / "build" / "translations.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_choice_in_settings_is_chinese(ctx, qtbot, chinese):
    """Issue 18: the advanced "calibrated / fixed" choice stayed English (a choice without a
    label was not in the catalogue)."""
    from faceapp.ui.prefs import UiPrefs
    from faceapp.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(ctx, UiPrefs())
    qtbot.addWidget(dlg)
    combo = dlg.fields["threshold_mode"]
    words = [combo.itemText(i) for i in range(combo.count())]
    assert all(_cjk(w) for w in words), words
    assert [combo.itemData(i) for i in range(combo.count())] == ["calibrated", "fixed"]  # stored as before
    for key in ("provider", "attendance_mode", "door_backend"):
        box = dlg.fields[key]
        assert all(_cjk(box.itemText(i)) for i in range(box.count())), key


def test_catalogue_covers_every_text_of_the_ui_sources(tmp_path):
    """A tr() text added to faceapp/ui without its Chinese stayed English silently: the
    catalogue check above only sees messages already in the .ts (seen after merging branches
    that each added texts). pyside6-lupdate into a copy must find nothing unfinished."""
    import shutil
    import xml.etree.ElementTree as ET

    lupdate = shutil.which("pyside6-lupdate") or shutil.which("pyside6-lupdate", path=str(Path(sys.executable).parent))
    if lupdate is None:
        pytest.skip("pyside6-lupdate not found (it comes with PySide6)")
    ts = tmp_path / "faceapp_zh_CN.ts"
    shutil.copy(ROOT / "resources" / "translations" / "faceapp_zh_CN.ts", ts)
    sources = sorted(str(p) for p in (ROOT / "faceapp" / "ui").glob("*.py"))
    subprocess.run([lupdate, *sources, "-no-obsolete", "-ts", str(ts)], check=True, capture_output=True, cwd=ROOT)
    missing = [m.findtext("source") for m in ET.parse(ts).getroot().iter("message")
               if m.find("translation") is not None and m.find("translation").get("type") == "unfinished"]
    assert not missing, f"run build/translations.py and translate: {missing[:5]}"


def test_kiosk_door_words_idle_screen_and_checklist_are_chinese(ctx, qtbot, chinese, tmp_path):
    """Issue 21: what the door did, the idle screen and the first-run checklist."""
    from faceapp.access.rules import REASONS
    from faceapp.recognition.views import DoorResult
    from faceapp.ui.feedback import DENIED_WORDS, denied_words
    from faceapp.ui.main_window import MainWindow
    from faceapp.ui.prefs import UiPrefs

    assert set(REASONS) - {"granted"} <= set(DENIED_WORDS)  # every deny reason has its plain words
    assert all(_cjk(denied_words(r)) for r in REASONS if r != "granted")
    w = MainWindow(ctx, UiPrefs(sound=False, camera_source=str(tmp_path / "none.mp4")), translated=True,
                   autostart=False)
    qtbot.addWidget(w)
    ts = datetime(2026, 11, 23, 7, 59, tzinfo=timezone.utc)
    w._on_announcement(Announcement(ts, 1, "Ana", "repeat", "Hello again, Ana - already recorded", "",
                                    DoorResult(True, "granted")))
    assert w.live_page.banner.text().startswith("门已打开") and "Ana" in w.live_page.banner.text()
    w._on_announcement(Announcement(ts, 1, "Ana", "repeat", "", "", DoorResult(False, "outside schedule")))
    assert w.live_page.banner.text() == "此时间无通行权限"
    assert _cjk(w.live_page.idle.hint.text())
    w.live_page.idle.set_site("Acme", "", "zh_CN")  # the date in the window's language
    assert "年" in w.live_page.idle.date.text()
    assert all(_cjk(label.text()) and _cjk(go.text()) for label, go in w.checklist.items.values())
    w.checklist.stop()
