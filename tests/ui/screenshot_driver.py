"""Run under a real X server (xvfb-run): main window on the Hamilton clip, the enrolment and
re-enrolment wizards, the attendance log, the settings dialog (English and Chinese) and the
kiosk without a camera, saved as PNGs into the folder given as argv[1]."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "faces"


def wait(cond, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        if cond():
            return True
        time.sleep(0.01)
    return False


def settings_shots(ctx, out: Path, lang: str) -> None:
    """The settings dialog: the Recognition page, then the Enrolment page with Advanced open."""
    from faceapp.ui.prefs import UiPrefs
    from faceapp.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(ctx, UiPrefs())
    dlg.show()
    dlg.show_section("recognition")
    wait(lambda: False, 0.5)
    dlg.grab().save(str(out / f"settings_{lang}.png"))
    dlg.show_advanced.setChecked(True)
    dlg.show_section("enrolment")
    wait(lambda: False, 0.3)
    dlg.grab().save(str(out / f"settings_advanced_{lang}.png"))
    dlg.reject()


def kiosk_shot(ctx, out: Path, name: str, translated: bool) -> None:
    """Kiosk mode with a camera that is not there: the full-screen 'see reception' state."""
    from faceapp.access.pin import hash_pin
    from faceapp.ui.main_window import MainWindow
    from faceapp.ui.prefs import UiPrefs

    k = MainWindow(ctx, UiPrefs(sound=False, camera_source="/dev/no-such-camera.mp4",
                                kiosk_pin_hash=hash_pin("2580")), translated=translated, autostart=False)
    k.show()
    k.load_engine()
    k.enter_kiosk()
    wait(lambda: k.live.state == "no-camera" and k.live_page.empty.isVisible(), 120)
    wait(lambda: False, 0.5)
    k.grab().save(str(out / f"{name}.png"))
    k.exit_kiosk("2580")
    k.close()


def main(out: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from faceapp.app import build_context
    from faceapp.ui.main_window import MainWindow
    from faceapp.ui.prefs import UiPrefs

    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    ctx = build_context(Path(tempfile.mkdtemp()) / "shots.db", provider="cpu")
    ctx.save_settings(type(ctx.settings).from_dict({**ctx.settings.to_dict(), "match_threshold": 0.6}))
    photo = SHARED / "face_recognition_examples" / "lin_manuel_miranda" / "lin-manuel-miranda.png"
    clip = SHARED / "video" / "short_hamilton_clip.mp4"
    w = MainWindow(ctx, UiPrefs(sound=False, camera_source=str(clip)), autostart=False)
    w.resize(1280, 800)
    w.show()
    w.load_engine()
    wait(lambda: w.engine is not None, 120)
    w.live.stop()
    svc = ctx.enrolment()
    checks = svc.check_photos([photo])
    svc.enrol("1001", "Lin-Manuel Miranda", "Cast", [c.face for c in checks if c.ok],
              consent_at=__import__("faceapp.services.enrolment", fromlist=["x"]).consent_now())
    w.employees_page.refresh()
    anns = []
    w.announced.connect(anns.append)
    w.start_camera(str(clip))
    wait(lambda: bool(anns) and w.live_page.banner.text() != "", 60)
    wait(lambda: False, 0.5)
    w.grab().save(str(out / "main_window.png"))

    wiz = w.make_wizard()
    wiz.show()
    wiz.details.number.setText("1002")
    wiz.details.name.setText("Alex Lacamoire")
    wiz.details.department.setText("Band")
    wiz.next()
    wait(lambda: wiz.currentPage() is wiz.consent, 10)  # the number is checked on a worker
    wiz.consent.check.setChecked(True)
    wiz.next()
    alex = sorted((SHARED / "face_recognition_examples" / "alex_lacamoire").iterdir())
    wiz.capture.add_photos([str(p) for p in alex])
    wait(lambda: wiz.capture.isComplete(), 60)
    wiz.grab().save(str(out / "wizard_capture.png"))
    wiz.next()
    wait(lambda: False, 0.3)
    wiz.grab().save(str(out / "wizard_review.png"))
    wiz.reject()

    lin = ctx.employees().find("1001")
    reenrol = w.make_wizard(lin)  # re-enrolment: samples, review and save only
    reenrol.show()
    reenrol.capture.add_photos([str(photo)])
    wait(lambda: reenrol.capture.isComplete(), 60)
    reenrol.grab().save(str(out / "reenrol_samples.png"))
    reenrol.next()
    wait(lambda: False, 0.3)
    reenrol.grab().save(str(out / "reenrol_review.png"))
    reenrol.next()
    wait(lambda: reenrol.save.checked, 60)
    reenrol.grab().save(str(out / "reenrol_save.png"))
    reenrol.reject()

    settings_shots(ctx, out, "en")

    wait(lambda: w.live.state == "ended", 120)
    w.tabs.setCurrentWidget(w.log_page)
    wait(lambda: w.log_page.table.rowCount() > 0, 10)
    w.grab().save(str(out / "attendance_log.png"))
    w.log_page.summary.setChecked(True)
    wait(lambda: w.log_page.table.columnCount() == 8, 10)
    w.grab().save(str(out / "attendance_summary.png"))
    w.live.stop(wait=True)

    kiosk_shot(ctx, out, "kiosk_no_camera", translated=False)

    from faceapp.ui.launch import install_translator

    if install_translator(app, "zh_CN"):  # the Simplified Chinese UI (needs a CJK font, e.g. fonts-noto-cjk)
        zh = MainWindow(ctx, UiPrefs(sound=False, camera_source=str(clip)), translated=True, autostart=False)
        zh.resize(1280, 800)
        zh.show()
        zh.tabs.setCurrentWidget(zh.log_page)
        wait(lambda: zh.log_page.table.rowCount() > 0, 10)
        zh.grab().save(str(out / "attendance_log_zh_CN.png"))
        settings_shots(ctx, out, "zh_CN")
        kiosk_shot(ctx, out, "kiosk_no_camera_zh_CN", translated=True)
    print("saved", sorted(p.name for p in out.glob("*.png")))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
