"""The punch-correction dialog of the attendance log: void, restore or add a punch, always
with a reason (OK stays disabled until one is typed; the service refuses an empty one too).
Adding asks for the person, the local date and time and, optionally, in or out."""

from __future__ import annotations

import getpass
from datetime import datetime

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QWidget)


def admin_actor() -> str:
    """Who corrects, for the audit: the desktop has one admin (the PIN holder in the kiosk),
    told apart by the operating-system account the app runs under."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name (a service account, a container)
        return "admin"
    return f"admin:{user}" if user else "admin"


class CorrectionDialog(QDialog):
    """action: "void", "restore" or "add". `what` describes the punch (void, restore)."""

    def __init__(self, action: str, what: str = "", employees=(), employee_id: int | None = None,
                 when: datetime | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action = action
        titles = {"void": self.tr("Void punch"), "restore": self.tr("Restore punch"),
                  "add": self.tr("Add missing punch")}
        self.setWindowTitle(titles[action])
        form = QFormLayout(self)
        if what:
            form.addRow(QLabel(what, self))
        self.employee = QComboBox(self)
        self.when = QDateTimeEdit(self, calendarPopup=True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.kind = QComboBox(self)
        if action == "add":
            for e in employees:
                self.employee.addItem(f"{e.name} ({e.number})", e.id)
            self.employee.setCurrentIndex(max(self.employee.findData(employee_id), 0))
            w = when or datetime.now()
            self.when.setDateTime(QDateTime(w.year, w.month, w.day, w.hour, w.minute, 0))
            self.kind.addItem(self.tr("Automatic (first of the day: in)"), None)
            self.kind.addItem(self.tr("in"), "in")
            self.kind.addItem(self.tr("out"), "out")
            form.addRow(self.tr("Employee"), self.employee)
            form.addRow(self.tr("Date and time"), self.when)
            form.addRow(self.tr("Event"), self.kind)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(self.tr("Required, e.g. forgot to check out"))
        form.addRow(self.tr("Reason"), self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.reason.textChanged.connect(self._update)
        self.employee.currentIndexChanged.connect(self._update)
        self._update()
        self.setMinimumWidth(420)

    def _update(self) -> None:
        ok = bool(self.reason.text().strip()) and (self.action != "add" or self.employee.currentData() is not None)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def accept(self) -> None:
        if not self.reason.text().strip():  # Enter in the reason field bypasses the disabled OK
            return
        super().accept()

    def local_time(self) -> datetime:
        """The typed wall-clock time (naive: the caller puts it in the site's time zone)."""
        d = self.when.dateTime()
        return datetime(d.date().year(), d.date().month(), d.date().day(), d.time().hour(), d.time().minute())
