"""The idle screen shown instead of the empty camera picture when nobody is in view: clock,
date, the site's name and logo (desktop preferences site_name / logo_path) and what to do."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QDateTime, QLocale, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

LOGO_MAX_PX = 160


class IdleScreen(QWidget):
    """Read-only; the clock ticks only while shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("idle_screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#idle_screen { background: #10233f; } QLabel { color: white; }")
        self.logo = QLabel(self)
        self.site = QLabel(self)
        self.clock = QLabel(self)
        self.date = QLabel(self)
        self.hint = QLabel(self.tr("Look at the camera to check in"), self)
        for label, px, bold in ((self.site, 34, True), (self.clock, 110, True), (self.date, 28, False),
                                (self.hint, 30, False)):
            label.setStyleSheet(f"font-size: {px}px; font-weight: {'bold' if bold else 'normal'};")
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        for label in (self.logo, self.site, self.clock, self.date):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            lay.addWidget(label)
        lay.addStretch(1)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.hint)
        lay.addStretch(1)
        self.logo_path: str | None = None
        self.locale = QLocale()
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self.update_clock)
        self.set_site("", "")
        self.update_clock()

    def set_site(self, name: str, logo_path: str, language: str = "") -> None:
        """The site's name and logo, and the window's language for the date; a logo file that
        is missing or not an image is left out (and said in the log once per path), never an
        error on the visitors' screen."""
        self.locale = QLocale(language) if language else QLocale()
        self.update_clock()
        self.site.setText(name)
        self.site.setVisible(bool(name))
        if logo_path == self.logo_path:  # read (and complained about) once per path
            return
        self.logo_path = logo_path
        pixmap = QPixmap(logo_path) if logo_path and Path(logo_path).is_file() else QPixmap()
        if logo_path and pixmap.isNull():
            log.warning("site logo %r is missing or not an image; the idle screen is shown without it", logo_path)
        if pixmap.isNull():
            self.logo.clear()
            self.logo.hide()
            return
        self.logo.setPixmap(pixmap.scaled(LOGO_MAX_PX, LOGO_MAX_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))
        self.logo.show()

    def update_clock(self, now: QDateTime | None = None) -> None:
        now = now or QDateTime.currentDateTime()
        self.clock.setText(now.toString("HH:mm"))
        self.date.setText(self.locale.toString(now.date(), QLocale.FormatType.LongFormat))

    def showEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        self.update_clock()
        self._tick.start()
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        self._tick.stop()
        super().hideEvent(event)
