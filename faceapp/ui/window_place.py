"""Where the main window opens: where it was last closed, or a size that fits the screen.

A fixed 1100x760 cut the status bar off on a 1366x768 laptop (the title bar and the task bar
take their share). The place is a per-PC preference, not a site setting, so it lives in a
small ini file in the per-user config folder (shared.paths.config_dir), not in the database.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QPoint, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from ..shared.paths import config_dir

log = logging.getLogger(__name__)

PREFERRED = QSize(1100, 760)
FRAME_ALLOWANCE = QSize(16, 48)  # borders and title bar a window manager adds around the window
KEY = "main_window/geometry"


def _store() -> QSettings:
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


def _on_a_screen(rect: QRect) -> bool:
    """The window is wholly on one of the screens there are now (a monitor may be gone)."""
    return any(screen.availableGeometry().contains(rect) for screen in QGuiApplication.screens())


def fits(win: QWidget) -> bool:
    """The window, its frame included, is on one screen."""
    return _on_a_screen(win.frameGeometry())


def place(win: QWidget, remembered: bool = True) -> None:
    """Before the first show(): the remembered geometry when it is still on a screen, else
    the preferred size shrunk to the screen and centred on it (remembered=False: that)."""
    data = _store().value(KEY) if remembered else None
    if isinstance(data, QByteArray) and not data.isEmpty() and win.restoreGeometry(data):
        if _on_a_screen(win.geometry()):
            return
        log.info("the window's remembered place is off every screen; centring it")
    screen = win.screen() or QGuiApplication.primaryScreen()
    avail = screen.availableGeometry()
    size = QSize(min(PREFERRED.width(), avail.width() - FRAME_ALLOWANCE.width()),
                 min(PREFERRED.height(), avail.height() - FRAME_ALLOWANCE.height()))
    win.resize(size)
    free = avail.size() - size - FRAME_ALLOWANCE
    win.move(avail.topLeft() + QPoint(max(0, free.width() // 2), max(0, free.height() // 2)))


def remember(win: QWidget) -> None:
    """Store size, position and maximised state (never the kiosk's full screen)."""
    store = _store()
    store.setValue(KEY, win.saveGeometry())
    store.sync()
    if store.status() != QSettings.Status.NoError:
        log.warning("could not store the window's place in %s", store.fileName())
