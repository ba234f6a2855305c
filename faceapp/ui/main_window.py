"""The main window: live view, employees, attendance log; enrolment, settings and kiosk mode.

Every engine or database call on a user-visible path runs on a worker thread; the GUI thread
only draws what LiveController and the workers send back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCursor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QLabel, QMainWindow, QMessageBox, QSizePolicy, QTabWidget, QVBoxLayout,
                               QWidget)

from ..attendance.rules import AttendanceRules
from ..hardware.capture import CameraError, VideoFileMissingError
from ..recognition.views import Announcement, FrameResult
from ..shared.records import Employee
from . import window_place
from .audit_page import AuditPage
from .backup_status import BackupStatus
from .database_alert import DatabaseAlert
from .access_groups_page import AccessGroupsPage
from .access_log_page import AccessLogPage
from .door_widgets import open_door_now
from .employees import EmployeesPage
from .feedback import feedback
from .first_run import FirstRunChecklist
from .unknown_page import UnknownFacesPage
from .kiosk import KeySwallower, ask_pin
from .live import LiveController, LivePage
from .log_page import LogPage
from .messages import error_text, operating_point_text, sentence
from .prefs import UiPrefs
from .reports_page import ReportsPage
from .schedules_page import SchedulesPage
from .settings_dialog import SettingsDialog
from .sounds import SoundPlayer
from .workers import run_in_thread

log = logging.getLogger(__name__)
KIOSK_WATCH_MS = 500  # how often the kiosk checks it is still on screen
SITE_STATUS_MS = 2000  # how often the status bar reads the site sync's state


class MainWindow(QMainWindow):
    engine_ready = Signal()
    announced = Signal(object)  # Announcement (GUI thread), for tests and the log page
    writes_changed = Signal(object)  # WritesState, hopped from the recognition / retry threads
    database_changed = Signal(object)  # storage.watch.DatabaseChanges by another process, hopped from the watcher

    def __init__(self, ctx, prefs: UiPrefs | None = None, translated: bool = False, autostart: bool = True,
                 start_time: datetime | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.prefs = prefs or UiPrefs.load(ctx)
        self.translated = translated
        self.start_time = start_time  # fixed clock for video files (tests, demos)
        self.engine = None
        self.kiosk = False
        self._logged_camera_state: tuple[str, str] = ("", "")  # (state, source) last written to the log
        self._allow_close = False
        self.pin_refusal = ""  # why the last PIN was refused ("Wrong PIN", "Locked for 60 s")
        self._window_geometry = None  # saveGeometry() of the window before kiosk mode
        self.guard = ctx.admin_pin(self.prefs.kiosk_pin_hash or None)
        self._swallower = KeySwallower(self)
        self.setWindowTitle(self.tr("faceapp - attendance and door access"))

        self.live = LiveController(ctx, self)
        self.live_page = LivePage(self)
        self.live_page.banner_seconds = self.prefs.banner_seconds
        self.sounds = SoundPlayer(self)  # granted / denied / not recognised, behind prefs.sound
        self.employees_page = EmployeesPage(ctx, self)
        self.log_page = LogPage(ctx, self)
        self.schedules_page = SchedulesPage(ctx, self)
        self.reports_page = ReportsPage(ctx, self)
        self.access_groups_page = AccessGroupsPage(ctx, self)
        self.access_log_page = AccessLogPage(ctx, self)
        self.audit_page = AuditPage(ctx, self)
        self.unknown_page = UnknownFacesPage(ctx, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.live_page, self.tr("Live"))
        self.tabs.addTab(self.employees_page, self.tr("Employees"))
        self.tabs.addTab(self.log_page, self.tr("Attendance log"))
        self.tabs.addTab(self.schedules_page, self.tr("Schedules"))
        self.tabs.addTab(self.reports_page, self.tr("Reports"))
        self.tabs.addTab(self.access_groups_page, self.tr("Access groups"))
        self.tabs.addTab(self.access_log_page, self.tr("Access log"))
        self.access_log_page.open_door_requested.connect(self.open_door)
        self.tabs.addTab(self.audit_page, self.tr("Audit log"))
        self.tabs.addTab(self.unknown_page, self.tr("Unknown faces"))
        self.db_alert = DatabaseAlert(ctx, self)  # the database file deleted or replaced under the app
        self.db_alert.problem_changed.connect(self._database_problem)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.db_alert)
        self.checklist = FirstRunChecklist(ctx, lambda: self.live.state in ("running", "ended"), self)
        column.addWidget(self.checklist)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.tabs.currentChanged.connect(self._tab_changed)

        self.fps_label, self.provider_label, self.camera_label = QLabel(self), QLabel(self), QLabel(self)
        self.db_label = QLabel(self.tr("Database: %1").replace("%1", str(ctx.db_path)), self)
        for w in (self.fps_label, self.provider_label, self.camera_label):
            self.statusBar().addWidget(w)
        self.statusBar().addPermanentWidget(self.db_label)
        self.recognition_label = QLabel(self)  # "1,204 enrolled: threshold 0.41, about 1 stranger in 1,000 ..."
        self.recognition_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.recognition_label.setMinimumWidth(60)  # elided by the status bar, whole in the tooltip
        self.statusBar().addWidget(self.recognition_label, 1)
        # Decided events waiting for a locked or full database (they are saved by themselves)
        self.writes_label = QLabel(self)
        self.writes_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.writes_label.hide()
        self.statusBar().addPermanentWidget(self.writes_label)
        self.backup_status = BackupStatus(ctx, self)  # "Last backup 02:00, 7 kept"; runs the schedule
        self.statusBar().addPermanentWidget(self.backup_status)
        self.writes_changed.connect(self._on_writes)
        ctx.pending_writes().add_listener(self.writes_changed.emit)
        # A site kiosk: "Site: online, 0 queued" / "Site: offline since 09:12, 14 queued"
        self.site_label = QLabel(self)
        self.site_label.hide()
        self.statusBar().addPermanentWidget(self.site_label)
        if ctx.start_site_sync():
            self._site_timer = QTimer(self, interval=SITE_STATUS_MS, timeout=self._show_site)
            self._site_timer.start()
            self._show_site()
        self._menus()

        self.live.frame.connect(self._on_frame)
        self.live.announced.connect(self._on_announcement)
        self.live.state_changed.connect(self._on_camera_state)
        self.live.operating_point.connect(self._show_operating_point)
        self.live_page.choose_camera.connect(lambda: self.open_settings(camera=True))
        self.checklist.camera_requested.connect(lambda: self.open_settings(camera=True))
        self.checklist.pin_requested.connect(lambda: self.open_settings())
        self.checklist.enrol_requested.connect(lambda: self.enrol())
        if FirstRunChecklist.wanted(self.prefs):
            self.checklist.start()
        self.live_page.idle.set_site(self.prefs.site_name, self.prefs.logo_path, self.prefs.language)
        self.employees_page.changed.connect(self._employees_changed)
        self.employees_page.reenrol_requested.connect(self.reenrol)
        self.employees_page.enrol_requested.connect(lambda: self.enrol())
        self.employees_page.import_requested.connect(self.import_employees)
        self.unknown_page.enrol_requested.connect(lambda group, faces: self._run_wizard(None, faces, group.sighting_ids))
        self.unknown_page.changed.connect(self._employees_changed)
        self.employees_page.refresh()
        self.log_page.load_employees()
        self.log_page.refresh()
        # Erasures, enrolments, settings and bookings by other processes (the CLI, another kiosk):
        # the context re-reads the settings and the live pipeline its gallery; the pages follow here.
        self._settings_seen = ctx.settings
        self.database_changed.connect(self._on_database_changed)
        ctx.changes().subscribe(self._database_changed_elsewhere)
        window_place.place(self)  # last place, or a size that fits this screen
        if autostart:
            QTimer.singleShot(0, self.load_engine)

    # set-up ---------------------------------------------------------------------------
    def _menus(self) -> None:
        m = self.menuBar()
        file_ = m.addMenu(self.tr("&File"))
        # Qt passes `checked` to triggered's slot: never let it reach a parameter of enrol().
        self.act_enrol = QAction(self.tr("&Enrol employee…"), self, triggered=lambda _checked=False: self.enrol())
        self.act_settings = QAction(self.tr("&Settings…"), self, triggered=self.open_settings)
        self.act_kiosk = QAction(self.tr("&Kiosk mode"), self, triggered=lambda: self.enter_kiosk())
        self.act_quit = QAction(self.tr("&Quit"), self, triggered=self.close)
        self.act_backup = QAction(self.tr("&Back up now"), self, triggered=self.backup_status.back_up_now)
        self.act_enrol.setEnabled(False)
        self.act_quit.setShortcut(QKeySequence.StandardKey.Quit)
        for a in (self.act_enrol, self.act_settings, self.act_backup, self.act_kiosk, self.act_quit):
            file_.addAction(a)
        # a site kiosk: master writes need the site admin's login (memory only, this session)
        self.act_site_sign_in = QAction(self.tr("Sign &in as site admin…"), self,
                                        triggered=lambda _c=False: self.site_sign_in())
        self.act_site_sign_out = QAction(self.tr("Sign &out (site admin)"), self,
                                         triggered=lambda _c=False: self.site_sign_out())
        for a in (self.act_site_sign_in, self.act_site_sign_out):
            a.setVisible(bool(self.ctx.site))
            file_.insertAction(self.act_quit, a)
        self._site_admin_changed()
        door = m.addMenu(self.tr("&Door"))
        self.act_open_door = QAction(self.tr("&Open door now…"), self, triggered=lambda _c=False: self.open_door())
        door.addAction(self.act_open_door)
        help_ = m.addMenu(self.tr("&Help"))
        self.act_about = QAction(self.tr("&About faceapp…"), self, triggered=self.show_about)
        help_.addAction(self.act_about)
        self.admin_shortcut = QShortcut(QKeySequence("Ctrl+Alt+A"), self, activated=self.admin_unlock)
        # Kiosk: a window manager may hide the window without minimising it (openbox's Super+D
        # "show desktop" unmaps it; Qt sees no state change): look, and bring it back.
        self._kiosk_watch = QTimer(self, interval=KIOSK_WATCH_MS)
        self._kiosk_watch.timeout.connect(self._keep_kiosk_shown)

    def open_door(self) -> bool:
        """Door > Open door now: the admin PIN, then a pulse of the app's door (audited)."""
        return open_door_now(self, self.ctx, self.guard, lambda _cmd: self.access_log_page.refresh())

    def show_about(self) -> None:
        """Version, provider and each shipped model's licence, source and training data."""
        from .about import AboutDialog

        provider = str(self.engine.provider) if self.engine is not None else ""
        dlg = AboutDialog(self.ctx.model_notices(), provider, self)
        dlg.open()
        self.about_dialog = dlg  # kept for tests and so it is not collected while open

    def load_engine(self) -> None:
        """Models load on a worker thread (seconds on CPU); the window stays usable meanwhile."""
        self.provider_label.setText(self.tr("Loading face models…"))
        self.live_page.set_message(self.tr("Loading face models…"), offer_camera=False)
        run_in_thread(lambda: self.ctx.engine, self._engine_loaded, self._engine_failed)

    def _engine_loaded(self, engine) -> None:
        self.engine = engine
        self.provider_label.setText(self.tr("Provider: %1").replace("%1", str(engine.provider)))
        self.act_enrol.setEnabled(True)
        self.engine_ready.emit()
        self.start_camera()  # the pipeline sends the operating point; _on_camera_state covers no camera

    def refresh_operating_point(self) -> None:
        """The status bar's recognition line from the stored gallery and settings (the live
        pipeline sends it too when it (re)loads; this covers a window without a camera)."""
        run_in_thread(self.ctx.operating_point, self._show_operating_point,
                      lambda exc: log.warning("operating point not available: %s", exc))

    def _engine_failed(self, exc: BaseException) -> None:
        self.provider_label.setText(self.tr("Face models unavailable"))
        self.live_page.set_message(self.tr("The face models could not be loaded:\n%1\n\nRun 'faceapp doctor' "
                                           "for details.").replace("%1", error_text(exc)), offer_camera=False)

    def start_camera(self, source: str | None = None) -> None:
        self.live.start(source if source is not None else self.prefs.camera_source, self.start_time)

    # live -----------------------------------------------------------------------------
    def _on_frame(self, result: FrameResult) -> None:
        if self.live_page.video.isHidden():
            self.live_page.set_message(None)
        self.live_page.video.show_result(result)
        self.live_page.follow_tracks(result)
        self.fps_label.setText(self.tr("%1 fps").replace("%1", f"{result.fps:.0f}")
                               + (self.tr(", %1 dropped").replace("%1", str(result.dropped)) if result.dropped else ""))

    def banner_text(self, ann: Announcement) -> str:
        if not self.translated:
            return ann.message
        local = ann.ts.astimezone(AttendanceRules.from_settings(self.ctx.settings.attendance).tz).strftime("%H:%M")
        text = {"in": self.tr("Welcome, %1 - checked in %2"), "out": self.tr("Goodbye, %1 - checked out %2"),
                "repeat": self.tr("Hello again, %1 - already recorded"),
                "unknown": self.tr("Not recognised - please come closer to the camera") if ann.reason == "come_closer"
                else self.tr("Not recognised - please see reception"),
                "challenge": self.tr("%1: please turn your head slightly left, then right"),
                "liveness_failed": self.tr("%1: not confirmed - please look at the camera and turn your head"),
                "spoof": self.tr("Not let in - this looks like a photo or a screen; please see reception"),
                }.get(ann.kind, ann.message)
        return text.replace("%1", ann.name).replace("%2", local)

    def _on_announcement(self, ann: Announcement) -> None:
        local = ann.ts.astimezone(AttendanceRules.from_settings(self.ctx.settings.attendance).tz).strftime("%H:%M")
        said = feedback(ann, self.banner_text(ann), local)  # the door's decision first (ui/feedback.py)
        self.live_page.set_banner(said.text, said.style)
        if ann.kind == "in" and ann.employee_id is not None and self.ctx.settings.attendance.announce_late:
            self._add_lateness(ann, said.text)
        if self.prefs.sound and said.sound:
            self.sounds.play(said.sound)
        if ann.kind in ("in", "out"):
            self.log_page.on_event()
        self.announced.emit(ann)

    def _add_lateness(self, ann: Announcement, text: str) -> None:
        """The announce_late setting: "... - late 12 min" by the person's shift, worked out on
        a worker (a database read) and added while the greeting is still the one shown."""
        svc = self.ctx.timekeeping()

        def show(minutes: int) -> None:
            if minutes > 0 and self.live_page.banner.text() == text:
                late = self.tr("late %1 min") if self.translated else "late %1 min"
                self.live_page.set_banner(f"{text} - {late.replace('%1', str(minutes))}", self.live_page.banner_kind)

        run_in_thread(lambda: svc.late_minutes(ann.employee_id, ann.ts), show,
                      lambda exc: log.warning("lateness for the banner not available: %s", exc))

    def _on_camera_state(self, state: str, detail: str) -> None:
        names = {"opening": self.tr("opening"), "running": self.tr("running"), "reconnecting": self.tr("reconnecting…"),
                 "ended": self.tr("video ended"), "failed": self.tr("failed"), "no-camera": self.tr("no camera"),
                 "stopped": self.tr("stopped")}
        self.camera_label.setText(self.tr("Camera %1: %2").replace("%1", self.live.source).replace("%2",
                                                                                              names.get(state, state)))
        if state != "running":
            self.fps_label.clear()  # no frames: an old rate would pass for a live one
        unavailable = state in ("no-camera", "ended", "failed", "reconnecting")
        if unavailable and (state, self.live.source) != self._logged_camera_state:
            extra = f" - {detail}" if detail and detail != self.live.source else ""
            log.warning("camera not available (%s): %s%s%s", state, self.live.source, extra,
                        "; the kiosk shows 'please see reception'" if self.kiosk else "")
            if self.live.service is None:  # no pipeline to send the operating point: work it out once
                self.refresh_operating_point()
        if unavailable or state == "running":  # a retry that fails again is the same outage: logged once
            self._logged_camera_state = (state, self.live.source)
        self.show_camera_state()

    def show_camera_state(self) -> None:
        """The live page for a camera that gives no frames: a message instead of the frozen
        last frame and its boxes. Frames coming back hide it again (_on_frame)."""
        state, detail, source = self.live.state, self.live.detail, self.live.source
        if state not in ("no-camera", "ended", "failed", "reconnecting"):
            return
        if self.kiosk:  # the person at the desk: what to do, not why
            text = self.tr("Camera not available - please see reception")
            if self.live.retrying():
                text += "\n\n" + self.tr("Retrying automatically…")
            self.live_page.set_message(text, offer_camera=False)
            return
        if state == "no-camera" and isinstance(self.live.error, VideoFileMissingError):
            msg = self.tr("The video file %1 does not exist.\n\nChoose another source in Settings.").replace("%1", source)
        elif state == "no-camera" and self.live.is_file():
            msg = self.tr("The video file %1 could not be opened.\n\nChoose another source in Settings.") \
                .replace("%1", source)
        elif state == "no-camera" and self.live.error is not None and not isinstance(self.live.error, CameraError):
            msg = self.tr("Recognition could not start:\n%1").replace("%1", error_text(self.live.error))
        elif state == "no-camera":
            msg = self.tr("No camera found.\n%1\n\nConnect a camera or choose another source in Settings.") \
                .replace("%1", error_text(self.live.error) if self.live.error else detail)
        elif state == "ended":
            msg = self.tr("The video %1 has ended.").replace("%1", source.replace("\\", "/").rsplit("/", 1)[-1])
        elif state == "failed" and self.live.retrying():
            msg = self.tr("The camera stopped because of an error:\n%1\n\nRetrying automatically…").replace("%1", sentence(detail))
        elif state == "failed":
            msg = self.tr("The video stopped because of an error:\n%1").replace("%1", sentence(detail))
        else:
            msg = self.tr("Camera lost - reconnecting…")
        self.live_page.set_message(msg, offer_camera=True)

    def _database_problem(self, problem) -> None:
        self.db_label.setStyleSheet("color: #b3261e; font-weight: bold;" if problem is not None else "")

    def _on_writes(self, state) -> None:  # noqa: ANN001 - services.pending_writes.WritesState
        if not state.busy:
            self.writes_label.hide()
            self.log_page.on_event()  # the rows that waited are in now
            return
        self.writes_label.setText(self.tr("Database busy - %1 events waiting, saved automatically")
                                  .replace("%1", str(state.waiting)))
        self.writes_label.setToolTip(state.last_error)
        self.writes_label.show()

    def _show_operating_point(self, point) -> None:  # noqa: ANN001 - recognition.calibration.OperatingPoint
        text = operating_point_text(point)
        self.recognition_label.setText(text)
        self.recognition_label.setToolTip(text)

    def _database_changed_elsewhere(self, changes) -> None:  # noqa: ANN001 - on the watcher thread
        self.database_changed.emit(changes)

    def _on_database_changed(self, changes) -> None:  # noqa: ANN001 - storage.watch.DatabaseChanges
        """Another process changed the database: the employees list, the log (names, new
        rows) and the status bar follow; new settings restart the camera pipeline when the
        door changed (as Settings OK does), desktop preferences are read again. The audit page
        follows any change (every topic may come with audit rows)."""
        self.audit_page.on_database_change()
        if "people" in changes:
            self.employees_page.refresh()
            self.log_page.load_employees()
            self.log_page.refresh()
            self.reports_page.load_people()
            if self.live.service is None:  # else the pipeline's reload sends the operating point
                self.refresh_operating_point()
        elif "attendance" in changes:
            self.log_page.on_event()
        if "settings" in changes:
            changed = self._settings_seen.changed_sections(self.ctx.settings)
            self._settings_seen = self.ctx.settings
            run_in_thread(lambda: UiPrefs.load(self.ctx), self._preferences_reloaded)
            if changed:
                self.log_page.refresh()  # the time zone and day start decide the days shown
                if self.live.service is None:
                    self.refresh_operating_point()
                elif "door" in changed and self.engine is not None and not self.live.recognition_paused:
                    self.start_camera()  # the door is rebuilt from the new settings

    def _preferences_reloaded(self, prefs: UiPrefs) -> None:
        old, self.prefs = self.prefs, prefs
        if prefs.kiosk_pin_hash != old.kiosk_pin_hash:
            self.guard = self.ctx.admin_pin(prefs.kiosk_pin_hash or None)
        self.live_page.banner_seconds = prefs.banner_seconds
        self.live_page.idle.set_site(prefs.site_name, prefs.logo_path, prefs.language)
        # not while the enrolment wizard reads the camera: a restart would cut its frames
        if prefs.camera_source != old.camera_source and self.engine is not None and not self.live.recognition_paused:
            self.start_camera()

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.log_page:
            self.log_page.refresh()
        elif self.tabs.widget(index) is self.schedules_page:
            self.schedules_page.refresh()
        elif self.tabs.widget(index) is self.reports_page:
            self.reports_page.load_people()
        elif self.tabs.widget(index) is self.audit_page:
            self.audit_page.load_choices()
            self.audit_page.refresh()
        elif self.tabs.widget(index) is self.unknown_page:
            self.unknown_page.refresh()
        elif self.tabs.widget(index) is self.employees_page:
            self.employees_page.refresh()  # people enrolled meanwhile by the CLI or another PC
        elif self.tabs.widget(index) is self.access_groups_page:
            self.access_groups_page.refresh()
        elif self.tabs.widget(index) is self.access_log_page:
            self.access_log_page.load_people()
            self.access_log_page.refresh()

    def _employees_changed(self) -> None:
        self.live.reload_gallery()
        if self.live.service is None:
            self.refresh_operating_point()
        self.log_page.load_employees()
        self.reports_page.load_people()

    # enrolment ------------------------------------------------------------------------
    def make_wizard(self, employee=None, samples=None, sightings=()):
        """The wizard reads the live camera through a tap (one owner of the device); recognition
        pauses while it is open, so the person enrolling is not logged as a stranger."""
        from .wizard import EnrolWizard

        wiz = EnrolWizard(self.ctx, self.ctx.enrolment(), self.live.tap, employee, self, samples, sightings)
        wiz.enrolled.connect(self._enrolled)
        self.live.pause_recognition()
        wiz.finished.connect(lambda _: self.live.resume_recognition())
        return wiz

    def enrol(self) -> None:
        """File > Enrol employee / Employees > Enrol new: the wizard for a new person."""
        self._run_wizard(None)

    def site_sign_in(self) -> bool:
        """File > Sign in as site admin: the login enrolling, editing and erasing publish with."""
        from .site_admin_dialog import SiteAdminDialog

        ok = SiteAdminDialog(self.ctx, self).exec() == SiteAdminDialog.DialogCode.Accepted
        self._site_admin_changed()
        return ok

    def site_sign_out(self) -> None:
        self.ctx.site_sign_out()
        self._site_admin_changed()

    def _site_admin_changed(self) -> None:
        signed_in = bool(self.ctx.site) and self.ctx.site_admin_signed_in
        self.act_site_sign_in.setEnabled(not signed_in)
        self.act_site_sign_out.setEnabled(signed_in)

    def import_employees(self) -> None:
        """Employees > Import...: many people from a CSV list of photos."""
        from .import_dialog import ImportDialog

        if self.engine is None:
            QMessageBox.information(self, self.tr("Import employees"), self.tr("The face models are still loading."))
            return
        dlg = ImportDialog(self.ctx, self)
        dlg.imported.connect(lambda _n: (self.employees_page.refresh(), self._employees_changed()))
        dlg.exec()

    def reenrol(self, employee: Employee) -> None:
        """Employees > Re-enrol face: new samples replace this person's templates."""
        self._run_wizard(employee)

    def _run_wizard(self, employee: Employee | None, samples: list | None = None,
                    sightings: tuple[int, ...] = ()) -> None:
        if self.ctx.site and not self.ctx.site_admin_signed_in:  # before the samples are taken, not after
            QMessageBox.information(self, self.tr("Enrol employee"), self.tr(
                "Sign in as the site admin to enrol on a site kiosk (File > Sign in as site admin…)."))
            return
        if self.engine is None:
            QMessageBox.information(self, self.tr("Enrol employee"), self.tr("The face models are still loading."))
            return
        try:
            wiz = self.make_wizard(employee, samples, sightings)
        except Exception as exc:  # noqa: BLE001 - shown, never a silent dead menu item
            log.exception("cannot open the enrolment wizard")
            QMessageBox.critical(self, self.tr("Enrol employee"),
                                 self.tr("The enrolment wizard could not be opened:\n%1").replace("%1", error_text(exc)))
            self.live.resume_recognition()
            return
        wiz.exec()

    def _enrolled(self, emp) -> None:
        self.statusBar().showMessage(self.tr("Enrolled %1").replace("%1", emp.name), 5000)
        self.employees_page.refresh()
        self.unknown_page.refresh()
        self._employees_changed()

    # settings -------------------------------------------------------------------------
    def open_settings(self, *_checked, camera: bool = False) -> None:
        """File > Settings (General first); camera=True: "Choose camera…" opens at the camera source."""
        if self.kiosk:
            return
        dlg = SettingsDialog(self.ctx, self.prefs, self)
        if camera:
            dlg.show_camera_source()
        old, old_provider = self.prefs, self.ctx.settings.vision.provider  # saving replaces ctx.settings
        if dlg.exec():
            self.prefs = dlg.prefs
            self.live_page.idle.set_site(self.prefs.site_name, self.prefs.logo_path, self.prefs.language)
            self.guard = self.ctx.admin_pin(self.prefs.kiosk_pin_hash or None)
            if self.prefs.language != old.language or self.ctx.settings.vision.provider != old_provider:
                QMessageBox.information(self, self.tr("Settings"),
                                        self.tr("Language and provider changes take effect after a restart."))
            self.log_page.refresh()
            if self.engine is not None:
                if self.live.state != "running":  # no frames: the restart below may not send it
                    self.refresh_operating_point()
                self.start_camera()  # new thresholds, new source

    # kiosk ----------------------------------------------------------------------------
    def enter_kiosk(self) -> bool:
        if not self.guard.has_pin:
            QMessageBox.warning(self, self.tr("Kiosk mode"), self.tr("Set an admin PIN in Settings first."))
            return False
        window_place.remember(self)  # the window's place, not the kiosk's full screen
        self._window_geometry = self.saveGeometry()  # to come back to when the admin unlocks
        self.kiosk = True
        self.db_alert.set_kiosk(True)
        self.menuBar().hide()
        self.tabs.setCurrentWidget(self.live_page)
        self.tabs.tabBar().hide()
        self.statusBar().hide()
        self.checklist.blocked = True
        self.checklist.hide()
        self.live_page.banner_px = 56
        self.live_page.empty_text.setStyleSheet("font-size: 36px;")
        self.show_camera_state()
        self.setWindowFlags(self.windowFlags() | Qt.WindowType.FramelessWindowHint
                            | Qt.WindowType.WindowStaysOnTopHint)
        QApplication.instance().installEventFilter(self._swallower)
        QApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
        self.showFullScreen()
        self.raise_()
        self.activateWindow()  # the keyboard here: Ctrl+Alt+A reaches the window
        self._kiosk_watch.start()
        log.info("kiosk mode on")
        return True

    def exit_kiosk(self, pin: str, close: bool = False) -> bool:
        """Leave kiosk mode (or quit the app) only with the admin PIN; lockout after failures."""
        if not self.kiosk:
            return True
        if not self.guard.attempt(pin):
            self.pin_refusal = self._pin_refusal_text()  # for the PIN prompt, not the visitors' banner
            return False
        self.pin_refusal = ""
        self.kiosk = False
        self._kiosk_watch.stop()
        self.db_alert.set_kiosk(False)
        QApplication.instance().removeEventFilter(self._swallower)
        QApplication.restoreOverrideCursor()
        self.setWindowFlags(self.windowFlags() & ~Qt.WindowType.FramelessWindowHint
                            & ~Qt.WindowType.WindowStaysOnTopHint)
        self.live_page.banner_px = 32
        self.live_page.empty_text.setStyleSheet("font-size: 22px;")
        self.show_camera_state()
        self.menuBar().show()
        self.tabs.tabBar().show()
        self.statusBar().show()
        self.showNormal()
        # showNormal() alone kept the full screen's size, plus a title bar: taller than the screen
        if self._window_geometry is None or not self.restoreGeometry(self._window_geometry) \
                or not window_place.fits(self):
            window_place.place(self, remembered=False)
        log.info("kiosk mode off")
        if close:
            self.close()
        return True

    def _pin_refusal_text(self) -> str:
        left = self.guard.locked_for()
        return self.tr("Locked for %1 s").replace("%1", str(int(left) or 1)) if left else self.tr("Wrong PIN")

    def admin_unlock(self) -> None:
        """Ctrl+Alt+A: the PIN prompt, asked again with the reason after a wrong PIN or while
        locked out (the banner is the visitors', it says nothing about the admin's PIN)."""
        note = self._pin_refusal_text() if self.guard.locked_for() else ""
        while self.kiosk:
            pin = ask_pin(self, note)
            if pin is None or self.exit_kiosk(pin):
                return
            note = self.pin_refusal

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Kiosk: a minimised or un-fullscreened window goes straight back to full screen."""
        super().changeEvent(event)
        if self.kiosk and event.type() == QEvent.Type.WindowStateChange and not self.isFullScreen():
            QTimer.singleShot(0, self._keep_kiosk_shown)

    def kiosk_hidden(self) -> bool:
        """Minimised, out of full screen, or not on screen at all (hidden by the window manager)."""
        handle = self.windowHandle()
        return (self.isMinimized() or not self.isFullScreen() or not self.isVisible()
                or (handle is not None and not handle.isExposed()))

    def _keep_kiosk_shown(self) -> None:
        if not self.kiosk or not self.kiosk_hidden():
            return
        log.warning("kiosk window was hidden or minimised by the window manager; showing it again")
        handle = self.windowHandle()
        if self.isVisible() and handle is not None and not handle.isExposed():
            self.hide()  # unmapped by the window manager ("show desktop"): map it anew
        self.showFullScreen()
        self.raise_()
        self.activateWindow()  # a window manager showing the desktop gives the window back on activation

    def _show_site(self) -> None:
        """The site sync's state, as the status bar says it (ctx.site_sync runs on its own thread)."""
        try:
            st = self.ctx.site_sync().status()
        except Exception:  # noqa: BLE001 - the local database busy this second: next tick
            return
        if st.online is False:
            since = st.offline_clock or "?"
            text = self.tr("Site: offline since %1, %2 queued").replace("%1", since).replace("%2", str(st.queued))
            self.site_label.setStyleSheet("color: #b3261e;")
        else:
            text = self.tr("Site: online, %1 queued").replace("%1", str(st.queued))
            self.site_label.setStyleSheet("")
        self.site_label.setText(text)
        self.site_label.setToolTip(st.last_error or "")
        self.site_label.show()

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.kiosk:
            event.ignore()
            log.info("close refused in kiosk mode")
            return
        window_place.remember(self)
        self.checklist.stop()
        self.ctx.changes().unsubscribe(self._database_changed_elsewhere)
        self.live.stop(wait=True)
        writes = self.ctx.pending_writes()
        writes.remove_listener(self.writes_changed.emit)
        if not writes.drain(5.0):  # the database is still busy: the log file keeps the record
            for what in writes.waiting():
                log.error("closing with a decided event not saved (database busy): %s", what)
        super().closeEvent(event)
