"""Live camera: CaptureThread + LiveLoop off the GUI thread, results hopped over by a signal.

LiveLoop calls publish() on the inference thread; emitting a Signal of a QObject that lives
in the GUI thread makes Qt queue the call, so drawing always happens on the GUI thread.
"""

from __future__ import annotations

import logging
from datetime import datetime

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ..hardware.capture import CameraError, CaptureThread, FrameTap, is_file_source
from ..recognition.views import Announcement, FrameResult
from .idle import IdleScreen
from .workers import run_in_thread

log = logging.getLogger(__name__)

STATE_COLOURS = {"identifying": QColor(255, 176, 0), "known": QColor(0, 200, 80), "unknown": QColor(230, 40, 40),
                 "closer": QColor(255, 176, 0),  # closer: amber like identifying, it is not a verdict
                 "turn_head": QColor(255, 176, 0),  # amber: waiting for the head turn, not let in yet
                 "refused": QColor(230, 40, 40)}  # a photo/screen or a failed head turn: not drawn as that person
IDLE_AFTER_S = 5.0  # nobody in view this long: the idle screen (clock, site, "look at the camera")


class LiveController(QObject):
    """The one owner of the camera: one capture + inference pipeline, restarted when a camera
    comes back. Other readers (the enrolment wizard) get a FrameTap of the same capture
    instead of opening the device a second time."""

    frame = Signal(object)  # FrameResult, on the GUI thread
    announced = Signal(object)  # Announcement
    state_changed = Signal(str, str)  # state, detail (opening | running | reconnecting | ended | failed | no-camera)
    operating_point = Signal(object)  # recognition.calibration.OperatingPoint, after each (re)load of the gallery

    def __init__(self, ctx, parent: QObject | None = None, retry_ms: int = 5000) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.source: str = ""
        self.capture: CaptureThread | None = None
        self.loop = None
        self.service = None
        self.state = "stopped"
        self.detail = ""  # of the state: the source, or why it is not running
        self.error: BaseException | None = None  # why the last open failed
        self.start_time: datetime | None = None
        self._taps: list[FrameTap] = []  # attached to every capture this controller opens
        self._paused = False
        self._generation = 0
        self._watch = QTimer(self, interval=1000)
        self._watch.timeout.connect(self._check)
        self._retry = QTimer(self, singleShot=True, interval=retry_ms)
        self._retry.timeout.connect(lambda: self.start(self.source, self.start_time))
        self.frame.connect(self._on_frame)

    def _set_state(self, state: str, detail: str = "") -> None:
        if (state, detail) != (self.state, self.detail):
            self.state, self.detail = state, detail
            self.state_changed.emit(state, detail)

    def is_file(self) -> bool:
        return is_file_source(self.source)

    def start(self, source: str, start_time: datetime | None = None) -> None:
        """Open the source and the recognition service off the GUI thread (opening an RTSP URL
        or loading the gallery can take seconds)."""
        self.stop()
        self.source, self.start_time = str(source), start_time
        self.error = None
        self._generation += 1
        gen = self._generation
        self._set_state("opening", self.source)

        def open_all():
            if self.is_file():
                self.ctx.check_not_database(self.source, "a video")  # opening it would drop SQLite's locks
            cap = CaptureThread(self.source, realtime=True)
            cap.start()  # raises CameraError with a friendly message
            try:
                service = self.ctx.recognition(source=f"camera:{self.source}" if not self.is_file()
                                               else f"video:{self.source.rsplit('/', 1)[-1]}",
                                               access=True)
            except BaseException:
                cap.stop()
                raise
            return cap, service

        run_in_thread(open_all, lambda r: self._opened(gen, r), lambda e: self._open_failed(gen, e))

    def _opened(self, gen: int, result) -> None:
        from ..services.recognition import LiveLoop

        cap, service = result
        if gen != self._generation:  # stopped or restarted meanwhile
            cap.stop()
            return
        self.capture, self.service = cap, service
        self._taps = [t for t in self._taps if not t.closed]
        for tap in self._taps:
            cap.attach(tap)

        def publish(result: FrameResult, g: int = gen) -> None:  # inference thread
            if g == self._generation:  # frames of a stopped pipeline are dropped
                self.frame.emit(result)

        if service.operating_point is not None:
            self.operating_point.emit(service.operating_point)
        # reloads after a change here or by another process (storage.watch.ChangeWatch) show the new point
        service.on_reload = lambda point, g=gen: g == self._generation and self.operating_point.emit(point)
        self.loop = LiveLoop(service, cap, publish, self.start_time)
        if self._paused:
            self.loop.pause()
        self.loop.start()
        self._set_state("running", self.source)
        self._watch.start()

    def _open_failed(self, gen: int, exc: BaseException) -> None:
        if gen != self._generation:
            return
        log.debug("camera %r: %s", self.source, exc)  # the worker already logged it as a warning
        self.error = exc
        if not self.is_file() and isinstance(exc, CameraError):
            self._retry.start()  # a kiosk comes back by itself when the camera is plugged in
        self._set_state("no-camera", str(exc))  # after the retry is set: the view says whether one comes

    def _on_frame(self, result: FrameResult) -> None:
        for ann in result.announcements:
            self.announced.emit(ann)

    def _check(self) -> None:
        """Mirror the capture thread's state; restart a live camera whose loop ended."""
        if self.capture is None:
            return
        st = self.capture.stats
        if self.loop is not None and not self.loop.is_alive():
            self._watch.stop()
            if not self.is_file():
                self._retry.start()  # before the state, so the view can say a retry comes
            if self.loop.error is not None:
                self._set_state("failed", str(self.loop.error))
            elif self.is_file():
                self._set_state("ended", self.source)
            else:
                self._set_state("reconnecting", st.last_error)
            return
        self._set_state(st.state, st.last_error if st.state != "running" else self.source)

    def retrying(self) -> bool:
        """Whether the camera will be tried again by itself (live cameras, not video files)."""
        return self._retry.isActive()

    def tap(self, name: str = "enrolment") -> FrameTap:
        """A reader of the live camera's frames (now and after a reconnect); close() it when done.
        A video that ended or a camera that is not available gives an ended tap (get() -> None),
        never one that waits for frames that cannot come."""
        tap = FrameTap(name)
        if self.state in ("ended", "failed", "no-camera"):  # no frames will come: the reader hears it at once
            tap.offer(None)
            return tap
        self._taps.append(tap)
        if self.capture is not None:
            self.capture.attach(tap)
        return tap

    def pause_recognition(self) -> None:
        """No decisions while the camera serves enrolment: the person enrolling is not yet known."""
        self._paused = True
        if self.loop is not None:
            self.loop.pause()

    @property
    def recognition_paused(self) -> bool:
        return self._paused

    def resume_recognition(self) -> None:
        self._paused = False
        if self.loop is not None:
            self.loop.resume()

    def reload_gallery(self) -> None:
        """After an enrolment or a deletion here: new people, and the threshold recalibrated for
        them (the service's on_reload sends it). Changes by other processes reach the service
        by itself (AppContext.changes)."""
        service = self.service
        if service is not None:
            run_in_thread(service.reload_gallery)

    def stop(self, wait: bool = False) -> None:
        """wait=False joins the threads on a worker (an inference step or an RTSP read can take
        a while); wait=True when the device must be free now (closing the window)."""
        self._generation += 1
        self._watch.stop()
        self._retry.stop()
        if self.service is not None:
            self.ctx.changes().unsubscribe(self.service.on_database_change)
        loop, self.loop, self.capture, self.service = self.loop, None, None, None
        if loop is not None:
            if wait:
                loop.stop(timeout=3.0)
            else:
                run_in_thread(lambda: loop.stop(timeout=5.0))
        self._set_state("stopped")


def to_qimage(rgb: np.ndarray) -> QImage:
    h, w = rgb.shape[:2]
    rgb = np.ascontiguousarray(rgb)
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class VideoWidget(QLabel):
    """Draws the latest frame with a box, name and state colour per tracked face."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setStyleSheet("background: #111; color: #ddd; font-size: 20px;")
        self.frames_drawn = 0

    def label_of(self, track) -> str:
        """The box label: the person's name (only when a decision let them through), or "Unknown" /
        "Identifying…" / "Please turn your head" / "Not let in" in the UI's language."""
        if track.state == "unknown":
            return self.tr("Unknown")
        if track.state == "identifying":
            return self.tr("Identifying…")
        if track.state == "closer":
            return self.tr("Please come closer")
        if track.state == "turn_head":
            return self.tr("Please turn your head")
        if track.state == "refused":
            return self.tr("Not let in")
        return track.label

    def show_result(self, result: FrameResult) -> None:
        if result.image.size == 0:
            return
        img = to_qimage(result.image)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont()
        font.setPixelSize(max(14, img.height() // 30))
        font.setBold(True)
        p.setFont(font)
        for t in result.tracks:
            colour = STATE_COLOURS.get(t.state, QColor("white"))
            x1, y1, x2, y2 = (float(v) for v in t.box)
            p.setPen(QPen(colour, max(2, img.width() // 320)))
            p.drawRect(QRectF(x1, y1, x2 - x1, y2 - y1))
            label = self.label_of(t)
            fm = p.fontMetrics()
            tw, th = fm.horizontalAdvance(label) + 10, fm.height() + 4
            lx = min(max(0.0, x1), max(0.0, img.width() - tw))  # keep the name inside the frame
            ly = y1 - th if y1 - th >= 0 else min(y2, img.height() - th)
            p.fillRect(QRectF(lx, ly, tw, th), colour)
            p.setPen(QColor("black"))
            p.drawText(QRectF(lx + 5, ly, tw, th), Qt.AlignmentFlag.AlignVCenter, label)
        p.end()
        self.setPixmap(QPixmap.fromImage(img).scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation))
        self.frames_drawn += 1


class LivePage(QWidget):
    """Video, result banner and the empty state shown when no camera can be opened."""

    choose_camera = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.video = VideoWidget(self)
        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setWordWrap(True)
        self.banner.setMinimumHeight(80)
        self.banner_px = 32
        self.banner_kind = "idle"  # of the text shown: "in", "unknown", ...
        self._banner_style("idle")
        self.empty = QWidget(self)
        el = QVBoxLayout(self.empty)
        self.empty_text = QLabel(self.empty)
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text.setWordWrap(True)
        self.empty_text.setStyleSheet("font-size: 22px;")
        self.empty_button = QPushButton(self.tr("Choose camera…"), self.empty)
        self.empty_button.clicked.connect(self.choose_camera)
        el.addStretch()
        el.addWidget(self.empty_text)
        el.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignCenter)
        el.addStretch()
        self.idle = IdleScreen(self)
        lay = QVBoxLayout(self)
        lay.addWidget(self.video, 1)
        lay.addWidget(self.idle, 1)
        lay.addWidget(self.empty, 1)
        lay.addWidget(self.banner)
        self.empty.hide()
        self.idle.hide()
        self.idle_seconds = IDLE_AFTER_S
        self._nobody = QTimer(self, singleShot=True)  # runs while frames come without a face
        self._nobody.timeout.connect(self._go_idle)
        self._clear = QTimer(self, singleShot=True)
        self._clear.timeout.connect(lambda: self.set_banner("", "idle"))
        self.banner_seconds = 4.0
        self.banner_px = 32  # kiosk mode: larger

    def _banner_style(self, kind: str) -> None:
        bg = {"in": "#1b7f3a", "out": "#1d5fa8", "repeat": "#555", "unknown": "#b3261e",
              "challenge": "#b26a00", "liveness_failed": "#b3261e", "spoof": "#b3261e",
              "granted": "#1b7f3a", "denied": "#b3261e"}.get(kind, "#222")  # granted / denied: the door
        self.banner.setStyleSheet(f"background: {bg}; color: white; font-size: {self.banner_px}px; font-weight: bold; "
                                  "padding: 12px; border-radius: 8px;")

    def set_banner(self, text: str, kind: str) -> None:
        self.banner.setText(text)
        self.banner_kind = kind if text else "idle"
        self._banner_style(kind)
        if text:
            self._clear.start(int(self.banner_seconds * 1000))

    def show_announcement(self, ann: Announcement, text: str) -> None:
        self.set_banner(text, ann.kind)

    def follow_tracks(self, result: FrameResult) -> None:
        """"Not recognised" belongs to a face still in view as unknown: once every face in view
        is being identified (or known), it goes, instead of greeting the next person with it."""
        if self.banner_kind == "unknown" and result.tracks and all(t.state != "unknown" for t in result.tracks):
            self._clear.stop()
            self.set_banner("", "idle")
        self.note_presence(bool(result.tracks))

    def note_presence(self, someone: bool) -> None:
        """A frame with (someone=True) or without a face: the idle screen goes at once when
        someone is in view and comes after idle_seconds without anybody."""
        if someone:
            self._nobody.stop()
            if not self.idle.isHidden():
                self.idle.hide()
                if self.empty.isHidden():
                    self.video.show()
        elif self.idle.isHidden() and not self._nobody.isActive():
            self._nobody.start(int(self.idle_seconds * 1000))

    @property
    def idle_shown(self) -> bool:
        return not self.idle.isHidden()

    def _go_idle(self) -> None:
        if self.empty.isHidden():  # a "camera not available" message stays what is shown
            self.video.hide()
            self.idle.show()

    def set_message(self, text: str | None, offer_camera: bool = True) -> None:
        """text=None shows the video; otherwise a friendly full-page message instead of it."""
        if text is None:
            self.empty.hide()
            if self.idle.isHidden():
                self.video.show()
            return
        self._nobody.stop()
        self.idle.hide()
        self.empty_text.setText(text)
        self.empty_button.setVisible(offer_camera)
        if self.banner_kind != "idle":  # no picture: a greeting or "Not recognised" is stale
            self._clear.stop()
            self.set_banner("", "idle")
        self.video.hide()
        self.empty.show()
