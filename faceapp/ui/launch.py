"""Start the desktop app: QApplication, translator, main window, optional kiosk mode."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def translations_dir() -> Path:
    from ..shared import paths

    return paths.resources_dir() / "translations"  # checkout, wheel or PyInstaller bundle


def install_translator(app, language: str) -> bool:
    """Load faceapp_<language>.qm (English needs none); False when it is missing."""
    from PySide6.QtCore import QTranslator

    if language in ("", "en"):
        return False
    tr = QTranslator(app)
    base = translations_dir()
    if not tr.load(f"faceapp_{language}", str(base)):
        log.warning("no translation for %s in %s; using English", language, base)
        return False
    app.installTranslator(tr)
    app._faceapp_translator = tr  # keep it alive
    return True


def run_gui(ctx, kiosk: bool = False) -> int:
    """The `faceapp` command without a sub-command. Returns the exit code."""
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow
    from .prefs import UiPrefs

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("faceapp")
    restore = _stop_on_signals(app)
    try:
        prefs = UiPrefs.load(ctx)
        translated = install_translator(app, prefs.language)
        win = MainWindow(ctx, prefs, translated=translated)
        win.show()
        if kiosk or prefs.kiosk:
            if not win.enter_kiosk():
                log.warning("kiosk mode requested but no admin PIN is set; running as a normal window")
        return int(app.exec())
    finally:
        restore()


def _stop_on_signals(app):  # noqa: ANN001, ANN202 - returns the restore function
    """SIGTERM & co. (and a Windows session ending) release the door relay and end the event
    loop, kiosk or not: app.exit() asks no window whether it may close.

    Python runs signal handlers only between bytecodes, and Qt's loop runs none while idle:
    a 200 ms timer gives the interpreter a moment to notice a signal."""
    from PySide6.QtCore import QTimer

    from ..hardware.door import close_all_doors, release_all_doors
    from ..hardware.exit_signals import install_exit_signals

    restore = install_exit_signals(lambda signum: app.exit(128 + signum))
    tick = QTimer(app)
    tick.timeout.connect(lambda: None)
    tick.start(200)
    app._faceapp_signal_tick = tick  # keep it alive
    app.commitDataRequest.connect(lambda _manager: release_all_doors())  # log-off / shutdown asked
    app.aboutToQuit.connect(lambda: close_all_doors(timeout=1.0))  # before the window and its threads go
    return restore


def main_from_args(args) -> int:
    """What `faceapp` without a sub-command runs: the CLI's --db/--provider/--models-dir/--kiosk."""
    try:
        import PySide6  # noqa: F401
    except ImportError:
        print("error: the desktop window needs PySide6 (pip install PySide6-Essentials)", file=sys.stderr)
        return 5
    from ..app import build_context
    from ..shared.errors import FaceAppError
    from ..shared.logfile import install_log_file

    log_path = install_log_file()
    try:
        ctx = build_context(args.db, args.provider, args.models_dir)
    except FaceAppError as exc:  # locked, damaged or newer database, full disk: say so, in a window
        log.error("cannot start: %s", exc)
        show_fatal(str(exc), log_path)
        return 1
    return run_gui(ctx, kiosk=bool(getattr(args, "kiosk", False)))


def show_fatal(message: str, log_path: Path | None) -> None:
    """A start-up error in a dialog: a double-clicked app has no console to print to."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    box = QMessageBox(QMessageBox.Icon.Critical, "faceapp",
                      app.translate("launch", "faceapp cannot start:") + "\n\n" + message)
    if log_path is not None:
        box.setInformativeText(app.translate("launch", "Log file: %1").replace("%1", str(log_path)))
    box.exec()
