"""Every file dialog of the app, made so that it never opens a file it only lists.

Why: on Linux and macOS, SQLite's locks are POSIX advisory locks, which belong to the process
and are all dropped when the process closes ANY descriptor of the locked file. Qt's own file
dialog (and GTK's, which runs in our process) opens the files of the folder it shows to sniff
their type for an icon. Showing the database's folder once was enough to drop the app's locks
on faceapp.db-wal/-shm; the next CLI process then believed it was the last connection and
deleted the write-ahead log under the running app, whose later writes were lost
(sqlite.org/howtocorrupt.html, section 2.2). So:

* the dialog is Qt's own, never the platform's in-process one (off Windows, whose locks are
  not POSIX locks), with an icon provider that decides icon and type from the name alone;
* nothing else in ui/ creates a QFileDialog (tests/ui/test_file_dialogs.py checks the
  source), and paths chosen here are refused when they are the database or its side files
  (AppContext.check_not_database).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QFileInfo
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QStyle, QWidget


class NameOnlyIconProvider(QAbstractFileIconProvider):
    """Icons and type names from the file name only: never opens the file to sniff it."""

    def icon(self, what) -> QIcon:  # noqa: ANN001 - IconType or QFileInfo (Qt overloads)
        style = QApplication.style()
        if isinstance(what, QFileInfo):
            kind = QStyle.StandardPixmap.SP_DirIcon if what.isDir() else QStyle.StandardPixmap.SP_FileIcon
        elif what == QAbstractFileIconProvider.IconType.Folder:
            kind = QStyle.StandardPixmap.SP_DirIcon
        elif what == QAbstractFileIconProvider.IconType.Drive:
            kind = QStyle.StandardPixmap.SP_DriveHDIcon
        else:
            kind = QStyle.StandardPixmap.SP_FileIcon
        return style.standardIcon(kind) if style is not None else QIcon()

    def type(self, info: QFileInfo) -> str:
        if info.isDir():
            return "Folder"
        suffix = info.suffix()
        return f"{suffix.upper()} file" if suffix else "File"


_PROVIDER: NameOnlyIconProvider | None = None


def make_dialog(parent: QWidget | None, title: str, directory: str | Path = "", name_filter: str = "",
                mode: QFileDialog.FileMode = QFileDialog.FileMode.ExistingFile,
                accept: QFileDialog.AcceptMode = QFileDialog.AcceptMode.AcceptOpen) -> QFileDialog:
    """A configured dialog (tests drive it; the helpers below exec() it)."""
    global _PROVIDER
    dlg = QFileDialog(parent, title, str(directory), name_filter)
    if sys.platform != "win32":
        dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    if _PROVIDER is None:
        _PROVIDER = NameOnlyIconProvider()  # one instance for the process: the dialog does not own it
    dlg.setIconProvider(_PROVIDER)
    dlg.setFileMode(mode)
    dlg.setAcceptMode(accept)
    dlg.setObjectName("faceappFileDialog")
    return dlg


def open_file(parent: QWidget | None, title: str, name_filter: str = "", directory: str | Path = "") -> str | None:
    dlg = make_dialog(parent, title, directory, name_filter)
    return dlg.selectedFiles()[0] if dlg.exec() and dlg.selectedFiles() else None


def open_files(parent: QWidget | None, title: str, name_filter: str = "", directory: str | Path = "") -> list[str]:
    dlg = make_dialog(parent, title, directory, name_filter, QFileDialog.FileMode.ExistingFiles)
    return list(dlg.selectedFiles()) if dlg.exec() else []


def save_file(parent: QWidget | None, title: str, default: str | Path, name_filter: str = "") -> str | None:
    """`default` is a file name or path proposed to the user."""
    default = Path(default)
    dlg = make_dialog(parent, title, default.parent if default.parent != Path(".") else "", name_filter,
                      QFileDialog.FileMode.AnyFile, QFileDialog.AcceptMode.AcceptSave)
    dlg.selectFile(default.name)
    dlg.setDefaultSuffix(default.suffix.lstrip("."))
    return dlg.selectedFiles()[0] if dlg.exec() and dlg.selectedFiles() else None
