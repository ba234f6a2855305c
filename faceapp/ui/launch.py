"""Start the desktop app: QApplication, translator, main window, optional kiosk mode."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def translations_dir() -> Path:
    from ..shared import paths

    return paths.resources_dir() / "translations"  # checkout, wheel or PyInstaller bundle


def qt_translations_dir() -> Path:
    """Qt's own catalogues (qtbase_*.qm: OK, Cancel, Back, Next, ...), shipped with PySide6."""
    from PySide6.QtCore import QLibraryInfo

    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


def install_translator(app, language: str) -> bool:
    """Load faceapp_<language>.qm and Qt's qtbase_<language>.qm (English needs none); False
    when faceapp's is missing. Qt's missing only costs its buttons, with a warning."""
    from PySide6.QtCore import QTranslator

    for old in getattr(app, "_faceapp_translators", []):  # the start-up offer's, before the window's
        app.removeTranslator(old)
    app._faceapp_translators = []
    if language in ("", "en"):
        return False
    tr = QTranslator(app)
    base = translations_dir()
    if not tr.load(f"faceapp_{language}", str(base)):
        log.warning("no translation for %s in %s; using English", language, base)
        return False
    app.installTranslator(tr)
    app._faceapp_translator = tr  # keep it alive
    app._faceapp_translators = [tr]
    qt = QTranslator(app)
    if qt.load(f"qtbase_{language}", str(qt_translations_dir())) or qt.load(f"qtbase_{language}", str(base)):
        app.installTranslator(qt)
        app._faceapp_translators.append(qt)
    else:
        log.warning("Qt's own translation qtbase_%s not found in %s: standard buttons stay English",
                    language, qt_translations_dir())
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
        _note_language(ctx.db_path, prefs.language)
        translated = install_translator(app, prefs.language)
        win = MainWindow(ctx, prefs, translated=translated)
        win.show()
        if kiosk or prefs.kiosk:
            if not win.enter_kiosk():
                log.warning("kiosk mode requested but no admin PIN is set; running as a normal window")
        return int(app.exec())
    finally:
        restore()


def _note_language(db_path, language: str) -> None:  # noqa: ANN001
    from ..services.backups import note_ui_language

    note_ui_language(db_path, language)


def startup_language(db_path) -> str:  # noqa: ANN001
    """The language of the start-up questions, asked before any database is open (it may be
    missing or damaged, and the language preference lives in it): the one last recorded for
    this database outside it (databases.json), else Chinese on a Chinese system, else English."""
    from PySide6.QtCore import QLocale

    from ..services.backups import ui_language_of
    from .prefs import LANGUAGES

    recorded = ui_language_of(db_path) if db_path else None
    if recorded in LANGUAGES:
        return recorded
    return "zh_CN" if QLocale.system().language() == QLocale.Language.Chinese else "en"


def _translate_start_up(db_path) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_translator(app, startup_language(db_path))


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
    """What `faceapp` without a sub-command runs: the CLI's --db/--provider/--models-dir/--kiosk/--new-db."""
    try:
        import PySide6  # noqa: F401
    except ImportError:
        print("error: the desktop window needs PySide6 (pip install PySide6-Essentials)", file=sys.stderr)
        return 5
    from .system_libs import xcb_problem

    problem = xcb_problem()  # Qt would abort the process (exit 134) with a page about plugins
    if problem:
        print(problem, file=sys.stderr)
        return 5
    from ..app import DatabaseCorruptError, DatabaseMissingError, build_context
    from ..shared.errors import FaceAppError
    from ..shared.logfile import install_log_file
    from .messages import error_text

    log_path = install_log_file()
    allow_new = bool(getattr(args, "new_db", False))
    try:
        try:
            ctx = build_context(args.db, args.provider, args.models_dir, allow_new_db=allow_new)
        except DatabaseMissingError as exc:  # never a silent new, empty database: the admin decides
            backup = _restorable(exc)
            # not an error yet: the window asks first (and may restore); an error only if the admin quits
            log.warning("%s; asking the admin: %s", exc, f"restore the backup {backup.path}, start a new, "
                        "empty database or quit" if backup else "start a new, empty database or quit")
            _translate_start_up(exc.path)
            choice = ask_restore_backup(exc, backup, True, log_path) if backup else \
                ("new" if ask_new_database(exc, log_path) else "quit")
            if choice == "quit":
                log.error("cannot start: %s; the admin chose to quit rather than %s", exc,
                          "restore the backup or start a new, empty database" if backup
                          else "start a new, empty database")
                return 1
            if choice == "restore":
                _restore(backup, exc)
            else:
                log.warning("the admin chose to start a new, empty database at %s", exc.path)
            ctx = build_context(args.db, args.provider, args.models_dir, allow_new_db=choice == "new")
        except DatabaseCorruptError as exc:  # damaged: a verified backup is offered, else the error
            backup = _restorable(exc)
            if backup is None:
                raise
            log.warning("%s; offering the backup %s to the admin", exc, backup.path)
            _translate_start_up(exc.path)
            if ask_restore_backup(exc, backup, False, log_path) != "restore":
                log.error("cannot start: %s; the admin chose to quit rather than restore the backup %s", exc,
                          backup.path)
                return 1
            _restore(backup, exc)
            ctx = build_context(args.db, args.provider, args.models_dir, allow_new_db=allow_new)
    except FaceAppError as exc:  # locked, damaged or newer database, full disk: say so, in a window
        log.error("cannot start: %s", exc)
        _translate_start_up(getattr(exc, "path", None) or getattr(args, "db", None))
        show_fatal(error_text(exc), log_path)
        return 1
    return run_gui(ctx, kiosk=bool(getattr(args, "kiosk", False)))


def ask_new_database(exc: BaseException, log_path: Path | None) -> bool:
    """The database used before is gone: quit (the default) or start a new, empty one."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication, QMessageBox

    QApplication.instance() or QApplication(sys.argv[:1])
    box = QMessageBox(QMessageBox.Icon.Warning, "faceapp",
                      QCoreApplication.translate("launch", "The attendance database %1 that faceapp used before is "
                                                           "missing.").replace("%1", str(getattr(exc, "path", "") or "")))
    box.setInformativeText(QCoreApplication.translate(
        "launch", "If the drive holding it is not connected, connect it and start faceapp again, or restore the "
                  "file from a backup. A new, empty database starts without employees, attendance or settings."))
    box.setDetailedText(str(exc) + (f"\n\nLog file: {log_path}" if log_path else ""))
    quit_button = box.addButton(QCoreApplication.translate("launch", "Quit"), QMessageBox.ButtonRole.RejectRole)
    new_button = box.addButton(QCoreApplication.translate("launch", "Start with a new, empty database"),
                               QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(quit_button)
    box.setEscapeButton(quit_button)
    box.exec()
    return box.clickedButton() is new_button


def _restorable(exc: BaseException):  # noqa: ANN202 - services.backups.BackupCopy | None
    from ..services.backups import restorable_backup

    path = getattr(exc, "path", None)
    return restorable_backup(path) if path else None


def _restore(backup, exc: BaseException) -> None:  # noqa: ANN001 - services.backups.BackupCopy
    """The admin chose the backup: put it in place (the damaged file is kept aside)."""
    from ..services.backups import restore_backup

    result = restore_backup(backup.path, exc.path)  # a refusal is a FaceAppError: shown as fatal
    log.warning("the admin restored %s from the backup %s; kept aside: %s", exc.path, backup.path,
                ", ".join(map(str, result.kept_aside)) or "nothing")


def restore_offer_box(exc: BaseException, backup, missing: bool, log_path: Path | None):  # noqa: ANN001, ANN201
    """The start-up question when the database is missing or damaged and a verified backup
    exists: restore it (the default), start empty (missing only) or quit. Returns the box and
    its buttons {"restore", "new", "quit"}, so tests and screenshots can look at it."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication, QMessageBox

    QApplication.instance() or QApplication(sys.argv[:1])
    path = str(getattr(exc, "path", "") or "")
    if missing:
        text = QCoreApplication.translate("launch", "The attendance database %1 that faceapp used before is missing.")
    else:
        text = QCoreApplication.translate("launch", "The attendance database %1 is damaged.")
    box = QMessageBox(QMessageBox.Icon.Warning, "faceapp", text.replace("%1", path))
    info = QCoreApplication.translate("launch", "A checked backup from %1 was found:\n%2\n\nRestore it? Changes made "
                                                "after that time are not in it. The current file, if any, is kept aside.")
    box.setInformativeText(info.replace("%1", backup.taken.strftime("%Y-%m-%d %H:%M")).replace("%2", str(backup.path)))
    box.setDetailedText(str(exc) + (f"\n\nLog file: {log_path}" if log_path else ""))
    restore = QCoreApplication.translate("launch", "Restore the backup")
    buttons = {"restore": box.addButton(restore, QMessageBox.ButtonRole.AcceptRole)}
    if missing:
        buttons["new"] = box.addButton(QCoreApplication.translate("launch", "Start with a new, empty database"),
                                       QMessageBox.ButtonRole.DestructiveRole)
    buttons["quit"] = box.addButton(QCoreApplication.translate("launch", "Quit"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(buttons["restore"])
    box.setEscapeButton(buttons["quit"])
    return box, buttons


def ask_restore_backup(exc: BaseException, backup, missing: bool, log_path: Path | None) -> str:  # noqa: ANN001
    """"restore", "new" or "quit", as the admin answers restore_offer_box."""
    box, buttons = restore_offer_box(exc, backup, missing, log_path)
    box.exec()
    return next((k for k, b in buttons.items() if box.clickedButton() is b), "quit")


def show_fatal(message: str, log_path: Path | None) -> None:
    """A start-up error in a dialog: a double-clicked app has no console to print to."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    box = QMessageBox(QMessageBox.Icon.Critical, "faceapp",
                      app.translate("launch", "faceapp cannot start:") + "\n\n" + message)
    if log_path is not None:
        box.setInformativeText(app.translate("launch", "Log file: %1").replace("%1", str(log_path)))
    box.exec()
