"""Kiosk lock: swallow the keys that leave a full-screen window, and the admin PIN prompt."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget


class KeySwallower(QObject):
    """Application-wide filter: Esc, Alt+F4 and Ctrl+W/Q do nothing while kiosk mode is on.
    (Alt+Tab, Ctrl+Alt+Del and the Windows key belong to the OS: use a kiosk user account.)"""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            key, mods = event.key(), event.modifiers()
            if key == Qt.Key.Key_Escape or (key == Qt.Key.Key_F4 and mods & Qt.KeyboardModifier.AltModifier):
                return True
            if mods & Qt.KeyboardModifier.ControlModifier and key in (Qt.Key.Key_W, Qt.Key.Key_Q):
                return True
        return False


def pin_prompt_texts() -> tuple[str, str]:
    """Title and label of the PIN prompt, in a fixed context ("Kiosk"): parent.tr() looked them
    up under the caller's class name, where the catalogue does not have them."""
    return (QCoreApplication.translate("Kiosk", "Administrator"), QCoreApplication.translate("Kiosk", "Admin PIN:"))


def ask_pin(parent: QWidget, note: str = "") -> str | None:
    """The admin PIN, or None when cancelled; `note` (why the last one was refused) above it."""
    title, label = pin_prompt_texts()
    dlg = QInputDialog(parent)
    dlg.setObjectName("pin_prompt")
    dlg.setWindowTitle(title)
    dlg.setLabelText(f"{note}\n\n{label}" if note else label)
    dlg.setTextEchoMode(QLineEdit.EchoMode.Password)
    ok = dlg.exec() == QInputDialog.DialogCode.Accepted
    pin = dlg.textValue()
    dlg.deleteLater()
    return pin if ok else None
