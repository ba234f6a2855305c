"""First-run checklist on a fresh database: set the camera, set the admin PIN, enrol the first
person. Each item ticks when done (read through the services on a worker, every few seconds
while shown); the admin may dismiss it (remembered in the desktop preferences)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .prefs import KEY, UiPrefs
from .workers import run_in_thread

log = logging.getLogger(__name__)

REFRESH_MS = 2000
DONE_MARK, OPEN_MARK = "\u2714", "\u2610"  # ✔ / ☐


@dataclass(frozen=True)
class FirstRunState:
    camera: bool  # the camera (or video) source gives pictures: chosen and working
    pin: bool  # the admin PIN is set
    enrolled: bool  # at least one person has face templates

    @property
    def done(self) -> bool:
        return self.camera and self.pin and self.enrolled


def read_state(ctx, camera_running: bool) -> FirstRunState:  # noqa: ANN001 - app.AppContext
    """What is done, from the stored preferences and the employees service (a worker thread).
    A stored camera_source alone proves nothing (every preference save stores all fields,
    and the default camera 0 may not exist): the camera counts once it gives pictures."""
    stored = ctx.stored_preferences(KEY)
    counts = ctx.employees().template_counts()
    return FirstRunState(camera_running, bool(stored.get("kiosk_pin_hash")), any(n > 0 for n in counts.values()))


class FirstRunChecklist(QFrame):
    """A panel above the tabs; `wanted()` says whether to show it at all."""

    camera_requested = Signal()
    pin_requested = Signal()
    enrol_requested = Signal()

    def __init__(self, ctx, camera_running: Callable[[], bool], parent: QWidget | None = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.ctx = ctx
        self.camera_running = camera_running
        self.state: FirstRunState | None = None
        self.setObjectName("first_run")
        self.setStyleSheet("#first_run { background: #fff8e1; border: 1px solid #e0c060; border-radius: 6px; }")
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel(self.tr("Getting started"), self)
        title.setStyleSheet("font-weight: bold; font-size: 15px;")
        self.dismiss_button = QPushButton(self.tr("Dismiss"), self)
        self.dismiss_button.clicked.connect(self.dismiss)
        top.addWidget(title, 1)
        top.addWidget(self.dismiss_button)
        outer.addLayout(top)
        self.items: dict[str, tuple[QLabel, QPushButton]] = {}
        for key, text, button, signal in (
                ("camera", self.tr("Set the camera"), self.tr("Choose camera…"), self.camera_requested),
                ("pin", self.tr("Set the admin PIN"), self.tr("Settings…"), self.pin_requested),
                ("enrolled", self.tr("Enrol the first person"), self.tr("Enrol…"), self.enrol_requested)):
            row = QHBoxLayout()
            label = QLabel(f"{OPEN_MARK}  {text}", self)
            label.setProperty("text_only", text)
            go = QPushButton(button, self)
            go.clicked.connect(signal)
            row.addWidget(label, 1)
            row.addWidget(go, 0, Qt.AlignmentFlag.AlignRight)
            outer.addLayout(row)
            self.items[key] = (label, go)
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._busy = False
        self.blocked = False  # kiosk mode: visitors never see it
        self.hide()  # until the first read says something is left to do

    @staticmethod
    def wanted(prefs: UiPrefs) -> bool:
        return not prefs.first_run_dismissed

    def start(self) -> None:
        """Read the state now and while shown; hides itself when everything was done already."""
        self.refresh()
        self._timer.start()

    def stop(self) -> None:
        """No more reads (the window closes; the database may be closed next)."""
        self._timer.stop()
        self.blocked = True

    def refresh(self) -> None:
        if self._busy:
            return
        self._busy = True
        running = self.camera_running()
        run_in_thread(lambda: read_state(self.ctx, running), self._show_state, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        log.warning("first-run checklist not updated: %s", exc)

    def _show_state(self, state: FirstRunState) -> None:
        self._busy = False
        if self.blocked and not self._timer.isActive():  # stopped meanwhile
            return
        first = self.state is None
        self.state = state
        for key, (label, go) in self.items.items():
            done = getattr(state, key)
            label.setText(f"{DONE_MARK if done else OPEN_MARK}  {label.property('text_only')}")
            label.setStyleSheet("color: #1b7f3a;" if done else "")
            go.setEnabled(not done)
        if not state.done:
            if first and not self.blocked:
                self.show()
            return
        self._timer.stop()  # an existing site is never shown it; one completed here goes after a moment
        if not first:
            QTimer.singleShot(3000, self.hide)

    def dismiss(self) -> None:
        """Closed by the admin: not shown again on this database."""
        self._timer.stop()
        self.hide()
        ctx = self.ctx

        def save() -> None:
            replace(UiPrefs.load(ctx), first_run_dismissed=True).save(ctx)

        run_in_thread(save, None, lambda exc: log.warning("first-run checklist dismissal not saved: %s", exc))
