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
PERIOD: list = []  # first and last day of the time-keeping shots' data


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


def timekeeping_data(ctx) -> None:
    """Two weeks of a small office for the Schedules, Reports and corrected-log shots: a
    day, a night and a flexible timetable, a week and a rotation, holidays, leave, punches
    with a late arrival, a missing check-out and two corrections."""
    from datetime import date, datetime, time, timedelta, timezone

    import numpy as np

    from faceapp.shared.records import AttendanceEvent
    from faceapp.timekeeping.rules import Assignment, Holiday, Rounding, Shift, Timetable

    tk = ctx.timekeeping()
    tk.add_timetable(Timetable("Day", time(9), time(17, 30), break_minutes=30, late_grace=5, early_grace=5,
                               round_in=Rounding(5, "up"), ot_after=30, min_ot=15))
    tk.add_timetable(Timetable("Night", time(22), time(6), True, 60, 120, 120, 120, late_grace=5,
                               late_absent_after=120, late_absent_as="half_day"))
    tk.add_timetable(Timetable("Flex", kind="flexible", required_minutes=450))
    tk.add_shift(Shift("Office", "weekly", ("Day",) * 5 + (None, None)))
    tk.add_shift(Shift("Nights 4/4", "rotation", ("Night",) * 4 + (None,) * 4))
    tk.add_shift(Shift("Flexitime", "weekly", ("Flex",) * 5 + (None, None)))
    today = date.today()
    start = today - timedelta(days=today.weekday() + 14)  # Monday two weeks ago
    people = []
    for number, name, dept in [("0042", "Ana Silva", "Office"), ("0043", "王芳", "Office"),
                               ("0051", "Bo Chen", "Security"), ("0060", "Lena Fischer", "Design")]:
        emb = np.random.default_rng(int(number)).standard_normal((1, 128)).astype(np.float32)
        people.append(ctx.repo.enrol(number, name, dept, datetime.now(timezone.utc), emb, [1.0], "screenshot"))
    tk.assign(Assignment("Office", start, department="Office"))
    tk.assign(Assignment("Nights 4/4", start, employee_id=people[2].id))
    tk.assign(Assignment("Flexitime", start, employee_id=people[3].id))
    tk.assign(Assignment("Flexitime", start + timedelta(days=7), employee_id=people[1].id,
                         end=start + timedelta(days=9), temporary=True))
    tk.add_holidays([Holiday(start + timedelta(days=4), "Founders' Day"), Holiday(date(today.year, 12, 25), "Christmas")])
    tk.add_leave(people[1].id, start + timedelta(days=2), start + timedelta(days=3), "annual")
    tk.add_leave(people[0].id, start + timedelta(days=8), start + timedelta(days=8), "sick", "half")
    tz = tk.tz
    forgot = None
    for i in range(12):
        day = start + timedelta(days=i)
        if day >= today:
            break
        at = lambda hh, mm, d=day: datetime(d.year, d.month, d.day, hh, mm, tzinfo=tz)  # noqa: E731
        if day.weekday() < 5:
            for p, (a, b) in zip(people[:2], [((9, 12 if i == 1 else 0), (17, 40)), ((8, 55), (17, 35))]):
                ctx.repo.add_attendance(AttendanceEvent(p.id, at(*a), "in", "camera 0"))
                if not (p is people[0] and i == 2):
                    ctx.repo.add_attendance(AttendanceEvent(p.id, at(*b), "out", "camera 0"))
            ctx.repo.add_attendance(AttendanceEvent(people[3].id, at(10, 5), "in", "camera 0"))
            ctx.repo.add_attendance(AttendanceEvent(people[3].id, at(17, 50), "out", "camera 0"))
        if i % 8 < 4:
            ctx.repo.add_attendance(AttendanceEvent(people[2].id, at(21, 55), "in", "camera 0"))
            ctx.repo.add_attendance(AttendanceEvent(people[2].id, at(6, 5) + timedelta(days=1), "out", "camera 0"))
        if i == 2:
            forgot = at(17, 30)
    tk.add_punch(people[0].id, forgot, "forgot to check out", "admin:reception")
    wrong = ctx.repo.add_attendance(AttendanceEvent(people[1].id, datetime.combine(
        start + timedelta(days=1), time(12, 3), tz), "out", "camera 0"))
    tk.void_punch(wrong.id, "colleague walked past the camera", "admin:reception")
    PERIOD[:] = (start, min(start + timedelta(days=11), today - timedelta(days=1)))


def timekeeping_shots(ctx, w, out: Path, lang: str) -> None:
    """Schedules (timetables, shifts, assignments, leave; the timetable dialog), the Reports
    page (time card, summary) and the log with corrected punches."""
    from PySide6.QtCore import QDate

    from faceapp.ui.schedule_dialogs import ShiftDialog, TimetableDialog

    first, last = PERIOD
    page = w.schedules_page
    w.tabs.setCurrentWidget(page)
    wait(lambda: page.timetables.table.rowCount() == 3, 10)
    page.leave_first.setDate(QDate(first.year, first.month, first.day))
    wait(lambda: page.leave.table.rowCount() == 3, 10)
    for i, name in enumerate(["timetables", "shifts", "assignments", "holidays", "leave"]):
        page.sections.setCurrentIndex(i)
        wait(lambda: False, 0.2)
        w.grab().save(str(out / f"schedules_{name}_{lang}.png"))
    dlg = TimetableDialog(ctx.timekeeping().timetables()["Night"], w)
    dlg.show()
    wait(lambda: False, 0.3)
    dlg.grab().save(str(out / f"timetable_dialog_{lang}.png"))
    dlg.reject()
    dlg = ShiftDialog(list(ctx.timekeeping().timetables()), w)
    dlg.show()
    wait(lambda: False, 0.3)
    dlg.grab().save(str(out / f"shift_dialog_{lang}.png"))
    dlg.reject()

    rp = w.reports_page
    w.tabs.setCurrentWidget(rp)
    rp.first.setDate(QDate(first.year, first.month, first.day))
    rp.last.setDate(QDate(last.year, last.month, last.day))
    rp.refresh()
    wait(lambda: bool(rp.tables) and not rp._busy, 20)
    wait(lambda: False, 0.3)
    w.grab().save(str(out / f"reports_timecard_{lang}.png"))
    rp.kind.setCurrentIndex(rp.kind.findData("summary"))
    wait(lambda: rp.previews.count() == 2 and not rp._busy, 20)
    wait(lambda: False, 0.3)
    w.grab().save(str(out / f"reports_summary_{lang}.png"))

    lp = w.log_page
    w.tabs.setCurrentWidget(lp)
    lp.summary.setChecked(False)
    lp.first.setDate(QDate(first.year, first.month, first.day))
    lp.last.setDate(QDate(first.year, first.month, first.day).addDays(2))
    wait(lambda: any("-" in (lp.table.item(r, 4).text() if lp.table.item(r, 4) else "")
                     for r in range(lp.table.rowCount())), 10)
    wait(lambda: False, 0.3)
    w.grab().save(str(out / f"log_corrections_{lang}.png"))


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

    timekeeping_data(ctx)
    w.schedules_page.refresh()
    timekeeping_shots(ctx, w, out, "en")

    kiosk_shot(ctx, out, "kiosk_no_camera", translated=False)

    from faceapp.ui.launch import install_translator

    if install_translator(app, "zh_CN"):  # the Simplified Chinese UI (needs a CJK font, e.g. fonts-noto-cjk)
        zh = MainWindow(ctx, UiPrefs(sound=False, camera_source=str(clip)), translated=True, autostart=False)
        zh.resize(1280, 800)
        zh.show()
        zh.tabs.setCurrentWidget(zh.log_page)
        wait(lambda: zh.log_page.table.rowCount() > 0, 10)
        zh.grab().save(str(out / "attendance_log_zh_CN.png"))
        zh.log_page.load_employees()
        timekeeping_shots(ctx, zh, out, "zh_CN")
        settings_shots(ctx, out, "zh_CN")
        kiosk_shot(ctx, out, "kiosk_no_camera_zh_CN", translated=True)
    print("saved", sorted(p.name for p in out.glob("*.png")))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
