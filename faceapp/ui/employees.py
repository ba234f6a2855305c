"""Employees page: search, edit, deactivate, delete (erases templates), re-enrol, the
selected person's photo (their enrolment face crop) and Rebuild templates...."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ..shared.errors import FaceAppError
from ..shared.records import Employee
from .correction_dialog import admin_actor
from .messages import error_text
from .workers import run_in_thread

if TYPE_CHECKING:
    from .rebuild_dialog import RebuildDialog

log = logging.getLogger(__name__)

PHOTO_PX = 160


class EditDialog(QDialog):
    """Edits one employee and saves on OK (on a worker); a refused save keeps the dialog open
    with the edits and the reason. A changed employee number is confirmed first: the person's
    attendance history stays theirs and is shown and exported with the new number."""

    def __init__(self, ctx, emp: Employee, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.emp = ctx, emp
        self.saved: Employee | None = None
        self.setWindowTitle(self.tr("Edit employee"))
        form = QFormLayout(self)
        self.number = QLineEdit(emp.number)
        self.name = QLineEdit(emp.name)
        self.department = QLineEdit(emp.department)
        form.addRow(self.tr("Employee number"), self.number)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Department"), self.department)
        from .door_widgets import GroupChecklist

        self.groups = GroupChecklist(ctx, emp.id, self)  # door access: saved with OK
        form.addRow(self.tr("Access groups"), self.groups)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.resize(460, self.sizeHint().height())

    def values(self) -> dict[str, str]:
        return {"number": self.number.text().strip(), "name": self.name.text().strip(),
                "department": self.department.text().strip()}

    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.values().items() if v != getattr(self.emp, k)}

    def show_error(self, text: str) -> None:
        """The reason, every line of it: a wrapped label does not grow a dialog by itself."""
        self.error.setText(text)
        QTimer.singleShot(0, self._fit)

    def _fit(self) -> None:
        self.layout().activate()
        need = self.layout().totalHeightForWidth(self.width()) if self.layout().hasHeightForWidth() else -1
        need = max(need, self.layout().totalMinimumSize().height(), self.sizeHint().height())
        if self.height() < need:
            self.resize(self.width(), need)

    def accept(self) -> None:
        vals = self.changes()
        if not self.values()["number"] or not self.values()["name"]:
            self.show_error(self.tr("Number and name are required."))
            return
        self.group_ids = self.groups.changed_ids()
        if not vals and self.group_ids is None:
            super().accept()
            return
        self.buttons.setEnabled(False)
        if "number" in vals:  # is it free? Asked before the question, not after it
            self.error.setText(self.tr("Checking the employee number…"))
            number = vals["number"]
            run_in_thread(lambda: self.ctx.employees().find(number),
                          lambda existing: self._number_checked(vals, existing), self._failed)
            return
        self._save(vals)

    def _number_checked(self, vals: dict[str, str], existing: Employee | None) -> None:
        self.buttons.setEnabled(True)
        if existing is not None and existing.id != self.emp.id:
            self.show_error(QCoreApplication.translate(
                "DetailsPage", "Employee number %1 is already used by %2. Choose another number, or re-enrol that "
                               "employee from the Employees page.").replace("%1", vals["number"])
                .replace("%2", existing.name))
            return
        self.error.clear()
        if not ask_yes_no(self, self.tr("Change employee number"), self.tr(
                "Change the employee number of %1 from %2 to %3? Their attendance history stays with "
                "them and will be shown and exported with the new number.")
                .replace("%1", self.emp.name).replace("%2", self.emp.number).replace("%3", vals["number"])):
            return
        self.buttons.setEnabled(False)
        self._save(vals)

    def _save(self, vals: dict[str, str]) -> None:
        self.error.setText(self.tr("Saving…"))
        emps, access, groups = self.ctx.employees(), self.ctx.access_admin(), self.group_ids

        def save() -> Employee:
            emp = emps.update(self.emp.id, **vals) if vals else self.emp
            if groups is not None:
                access.set_employee_groups(self.emp.id, groups, actor=admin_actor())
            return emp

        run_in_thread(save, self._saved, self._failed)

    def _saved(self, emp: Employee) -> None:
        self.buttons.setEnabled(True)
        self.saved = emp
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.show_error(error_text(exc))

    def reject(self) -> None:
        if self.buttons.isEnabled():  # not while a save is under way: it would still land
            super().reject()


def ask_yes_no(parent: QWidget, title: str, text: str) -> bool:
    """A Yes/No question whose default (Enter, Esc) is No: nothing destructive by accident."""
    answer = QMessageBox.question(parent, title, text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class EmployeesPage(QWidget):
    """Lists employees through the employee service (off the GUI thread) and edits them."""

    changed = Signal()  # someone was edited/deleted: the gallery must reload
    reenrol_requested = Signal(object)  # Employee
    enrol_requested = Signal()
    import_requested = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.employees: list[Employee] = []
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search by name, number or department"))
        self.search.textChanged.connect(self.refresh)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([self.tr("Number"), self.tr("Name"), self.tr("Department"),
                                              self.tr("Status")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self.edit_selected)
        buttons = QHBoxLayout()
        for text, slot in [(self.tr("Enrol new…"), self.enrol_requested.emit),
                           (self.tr("Import…"), self.import_requested.emit), (self.tr("Edit…"), self.edit_selected),
                           (self.tr("Activate / deactivate"), self.toggle_active),
                           (self.tr("Re-enrol face…"), self.reenrol_selected), (self.tr("Delete…"), self.delete_selected),
                           (self.tr("Rebuild templates…"), self.rebuild_templates)]:
            b = QPushButton(text, self)
            b.clicked.connect(lambda _=False, s=slot: s())
            buttons.addWidget(b)
        self.photo = QLabel(self)  # the selected person's enrolment face crop
        self.photo.setFixedSize(PHOTO_PX, PHOTO_PX)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setWordWrap(True)
        self.table.itemSelectionChanged.connect(self.show_photo)
        middle = QHBoxLayout()
        middle.addWidget(self.table, 1)
        middle.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.addWidget(self.search)
        lay.addLayout(middle, 1)
        lay.addLayout(buttons)

    def refresh(self) -> None:
        text = self.search.text().strip() or None
        run_in_thread(lambda: self.ctx.employees().list(active_only=False, search=text), self._show)

    def _show(self, employees: list[Employee]) -> None:
        self.employees = employees
        self.table.setRowCount(len(employees))
        for r, e in enumerate(employees):
            status = self.tr("active") if e.active else self.tr("inactive")
            for c, v in enumerate([e.number, e.name, e.department, status]):
                self.table.setItem(r, c, QTableWidgetItem(v))

    def show_photo(self) -> None:
        """Read the selected person's crop off the GUI thread; the latest selection wins."""
        emp = self.selected()
        self.photo.clear()
        if emp is None:
            return
        self._photo_for = emp.id
        run_in_thread(lambda: (emp.id, self.ctx.employees().photo(emp.id)), self._set_photo,
                      lambda exc: log.warning("photo of employee %s: %s", emp.id, exc))

    def _set_photo(self, result: tuple[int, bytes | None]) -> None:
        emp_id, data = result
        if emp_id != getattr(self, "_photo_for", None):
            return
        pix = QPixmap()
        if data and pix.loadFromData(data):
            self.photo.setPixmap(pix.scaled(PHOTO_PX, PHOTO_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation))
        else:
            self.photo.setText(self.tr("No photo (enrolled before photos were kept)"))

    def rebuild_templates(self) -> "RebuildDialog":
        from .rebuild_dialog import RebuildDialog

        dlg = RebuildDialog(self.ctx, self)
        dlg.rebuilt.connect(lambda _n: self.changed.emit())
        dlg.open()
        return dlg

    def selected(self) -> Employee | None:
        rows = self.table.selectionModel().selectedRows()
        return self.employees[rows[0].row()] if rows else None

    def _do(self, fn, what: str) -> None:
        """Short repository writes; errors go to the user, not the log only."""
        try:
            fn()
        except FaceAppError as exc:
            QMessageBox.warning(self, what, error_text(exc))
            return
        self.changed.emit()
        self.refresh()

    def edit_selected(self) -> None:
        emp = self.selected()
        if emp is None:
            return
        dlg = EditDialog(self.ctx, emp, self)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.saved is not None:
            self.changed.emit()
            self.refresh()

    def toggle_active(self) -> None:
        emp = self.selected()
        if emp is not None:
            self._do(lambda: self.ctx.employees().set_active(emp.id, not emp.active, actor="admin"),
                     self.tr("Activate / deactivate"))

    def reenrol_selected(self) -> None:
        emp = self.selected()
        if emp is not None:
            self.reenrol_requested.emit(emp)

    def delete_selected(self, confirm: bool = True) -> None:
        emp = self.selected()
        if emp is None:
            return
        if confirm and not ask_yes_no(
                self, self.tr("Delete employee"),
                self.tr("Delete %1 (no. %2)? Their face templates are erased; attendance history is kept "
                        "without the name. This cannot be undone.").replace("%1", emp.name).replace("%2", emp.number)):
            return
        self._do(lambda: self.ctx.employees().delete(emp.id, actor="admin"), self.tr("Delete employee"))
