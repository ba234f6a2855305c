"""Employees page: photo, samples, enrolment date, access groups and status per person;
sort, search and filter; edit, deactivate, delete, erase (right to erasure), re-enrol, the
selected person's photo (their enrolment face crop) and Rebuild templates...."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ..attendance.rules import AttendanceRules
from ..shared.errors import FaceAppError
from ..shared.records import Employee
from .correction_dialog import admin_actor
from .messages import error_text
from .workers import run_in_thread

if TYPE_CHECKING:
    from ..services.employees import EmployeeOverview
    from .rebuild_dialog import RebuildDialog

log = logging.getLogger(__name__)

PHOTO_PX = 160
ICON_PX = 40  # the photo next to each name in the list


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
    """Lists employees through the employee service (off the GUI thread) and edits them:
    photo (their sharpest enrolment crop), samples, first enrolment, access groups, status;
    sorted by any column; filtered by text, status and access group. Erased people are
    hidden unless the status filter asks for them."""

    changed = Signal()  # someone was edited/deleted: the gallery must reload
    reenrol_requested = Signal(object)  # Employee
    enrol_requested = Signal()
    import_requested = Signal()

    COLUMNS = (QT_TRANSLATE_NOOP("EmployeesPage", "Number"), QT_TRANSLATE_NOOP("EmployeesPage", "Name"),
               QT_TRANSLATE_NOOP("EmployeesPage", "Department"), QT_TRANSLATE_NOOP("EmployeesPage", "Status"),
               QT_TRANSLATE_NOOP("EmployeesPage", "Samples"), QT_TRANSLATE_NOOP("EmployeesPage", "Enrolled on"),
               QT_TRANSLATE_NOOP("EmployeesPage", "Access groups"))
    # status filter: (label, which people)
    SHOW = ((QT_TRANSLATE_NOOP("EmployeesPage", "Current employees"), "current"),
            (QT_TRANSLATE_NOOP("EmployeesPage", "Active"), "active"),
            (QT_TRANSLATE_NOOP("EmployeesPage", "Inactive"), "inactive"),
            (QT_TRANSLATE_NOOP("EmployeesPage", "Erased"), "erased"),
            (QT_TRANSLATE_NOOP("EmployeesPage", "Everyone"), "all"))

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.employees: list[Employee] = []  # shown, in the table's order of filling
        self.rows: list[EmployeeOverview] = []  # everyone, as last read
        self.photos: dict[int, bytes] = {}
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search by name, number or department"))
        self.search.textChanged.connect(self._fill)
        self.show_filter = QComboBox(self)
        for label, key in self.SHOW:
            self.show_filter.addItem(QCoreApplication.translate("EmployeesPage", label), key)
        self.show_filter.setToolTip(self.tr("Erased people (right to erasure) are shown only under Erased or "
                                            "Everyone."))
        self.show_filter.currentIndexChanged.connect(self._fill)
        self.group_filter = QComboBox(self)
        self.group_filter.addItem(self.tr("All access groups"), None)
        self.group_filter.currentIndexChanged.connect(self._fill)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels([QCoreApplication.translate("EmployeesPage", c) for c in self.COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setIconSize(QSize(ICON_PX, ICON_PX))
        self.table.verticalHeader().setDefaultSectionSize(ICON_PX + 6)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.table.doubleClicked.connect(self.edit_selected)
        buttons = QGridLayout()  # two rows: one row of eight would not fit an 800 px wide screen
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot, tip in [
                ("enrol", self.tr("Enrol new…"), self.enrol_requested.emit, ""),
                ("import", self.tr("Import…"), self.import_requested.emit, ""),
                ("edit", self.tr("Edit…"), self.edit_selected, ""),
                ("active", self.tr("Activate / deactivate"), self.toggle_active, ""),
                ("reenrol", self.tr("Re-enrol face…"), self.reenrol_selected, ""),
                ("delete", self.tr("Delete…"), self.delete_selected, self.tr(
                    "Removes the person from the list with their face data; their attendance rows stay but no "
                    "longer belong to anyone. For someone who was entered by mistake.")),
                ("erase", self.tr("Erase…"), self.erase_selected, self.tr(
                    "Right to erasure: face data, name, number, department and consent are deleted; attendance and "
                    "door history stay with an anonymous code, so totals still add up. For someone who left and "
                    "asked to be forgotten.")),
                ("rebuild", self.tr("Rebuild templates…"), self.rebuild_templates, "")]:
            b = QPushButton(text, self)
            b.clicked.connect(lambda _=False, s=slot: s())
            b.setToolTip(tip)
            buttons.addWidget(b, len(self.buttons) // 4, len(self.buttons) % 4)
            self.buttons[key] = b
        self.photo = QLabel(self)  # the selected person's enrolment face crop
        self.photo.setFixedSize(PHOTO_PX, PHOTO_PX)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setWordWrap(True)
        self.table.itemSelectionChanged.connect(self.show_photo)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(QLabel(self.tr("Show:"), self))
        filters.addWidget(self.show_filter)
        filters.addWidget(self.group_filter)
        middle = QHBoxLayout()
        middle.addWidget(self.table, 1)
        middle.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addLayout(middle, 1)
        lay.addLayout(buttons)

    def refresh(self) -> None:
        svc = self.ctx.employees()
        run_in_thread(lambda: (svc.overview(), svc.photos()), self._show)

    def _show(self, result: "tuple[list[EmployeeOverview], dict[int, bytes]]") -> None:
        self.rows, self.photos = result
        groups = sorted({g for r in self.rows for g in r.groups}, key=str.casefold)
        current = self.group_filter.currentData()
        self.group_filter.blockSignals(True)
        self.group_filter.clear()
        self.group_filter.addItem(self.tr("All access groups"), None)
        for g in groups:
            self.group_filter.addItem(g, g)
        self.group_filter.setCurrentIndex(max(0, self.group_filter.findData(current)) if current else 0)
        self.group_filter.blockSignals(False)
        self._fill()

    def shown_rows(self) -> "list[EmployeeOverview]":
        """The people the filters let through."""
        text = self.search.text().strip().casefold()
        show, group = self.show_filter.currentData(), self.group_filter.currentData()

        def wanted(r: EmployeeOverview) -> bool:
            e = r.employee
            status = "erased" if r.erased else "active" if e.active else "inactive"
            if show == "current" and r.erased or show in ("active", "inactive", "erased") and status != show:
                return False
            if group is not None and group not in r.groups:
                return False
            return not text or any(text in v.casefold() for v in (e.number, e.name, e.department))

        return [r for r in self.rows if wanted(r)]

    def _fill(self, *_args) -> None:  # noqa: ANN002 - signal arguments
        rows = self.shown_rows()
        tz = AttendanceRules.from_settings(self.ctx.settings.attendance).tz
        self.table.setSortingEnabled(False)  # rows stay where they are put while filling
        self.table.clearContents()
        self.table.setRowCount(len(rows))
        self.employees = [r.employee for r in rows]
        for i, r in enumerate(rows):
            e = r.employee
            status = self.tr("erased") if r.erased else self.tr("active") if e.active else self.tr("inactive")
            enrolled = r.enrolled_at.astimezone(tz).strftime("%Y-%m-%d") if r.enrolled_at else ""
            cells: list[QTableWidgetItem] = [QTableWidgetItem(v) for v in (e.number, e.name, e.department, status)]
            samples = QTableWidgetItem()
            samples.setData(Qt.ItemDataRole.DisplayRole, r.samples)  # sorted as a number
            cells += [samples, QTableWidgetItem(enrolled), QTableWidgetItem(", ".join(r.groups))]
            cells[0].setData(Qt.ItemDataRole.UserRole, e.id)
            pix = QPixmap()
            if self.photos.get(e.id) and pix.loadFromData(self.photos[e.id]):
                cells[1].setIcon(QIcon(pix.scaled(ICON_PX, ICON_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation)))
            for c, item in enumerate(cells):
                self.table.setItem(i, c, item)
        self.table.setSortingEnabled(True)

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
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)  # sorting moves rows: the id travels with them
        emp_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return next((e for e in self.employees if e.id == emp_id), None)

    def _do(self, fn, what: str) -> None:
        """Repository writes on a worker: short locally, but on a site kiosk they go to the
        site server first, which must not freeze the window; errors go to the user."""
        def failed(exc: BaseException) -> None:
            if not isinstance(exc, FaceAppError):
                raise exc
            QMessageBox.warning(self, what, error_text(exc))

        def done(_result: object) -> None:
            self.changed.emit()
            self.refresh()

        run_in_thread(fn, done, failed)

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
                        "without the name. This cannot be undone.").replace("%1", emp.name).replace("%2", emp.number)
                + "\n\n" + self.tr("To keep the attendance totals of a person who left, use Erase instead.")):
            return
        self._do(lambda: self.ctx.employees().delete(emp.id, actor="admin"), self.tr("Delete employee"))

    def erase_selected(self, confirm: bool = True) -> None:
        """Right to erasure: unlike Delete, the person's row stays as an anonymous code, so
        their attendance and door history still add up (EmployeeService.erase)."""
        emp = self.selected()
        if emp is None:
            return
        if confirm and not ask_yes_no(
                self, self.tr("Erase employee"),
                self.tr("Erase %1 (no. %2)? Their face data, name, number, department and consent are deleted and "
                        "replaced by an anonymous code; their attendance and door history stay under that code, so "
                        "totals still add up. This cannot be undone.")
                .replace("%1", emp.name).replace("%2", emp.number)
                + "\n\n" + self.tr("Delete instead removes the person from the list altogether.")):
            return
        self._do(lambda: self.ctx.employees().erase(emp.id, actor="admin"), self.tr("Erase employee"))
