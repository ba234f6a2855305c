"""Unknown faces page: faces nobody recognised, grouped so one stranger is one row (count,
first and last seen, best picture), with the admin's answers: enrol as a new employee (the
enrolment wizard with these faces as samples), add to an existing employee (after the
same-person check), dismiss. Every answer is audited by the services."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QMessageBox,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..attendance.rules import AttendanceRules
from ..services.enrolment import UnlikePersonError
from ..services.unknown_review import UnknownGroup
from .employees import ask_yes_no
from .messages import error_text
from .workers import run_in_thread

log = logging.getLogger(__name__)

THUMB_PX = 72


class UnknownFacesPage(QWidget):
    """Reads the groups through the unknown-review service, off the GUI thread."""

    enrol_requested = Signal(object, object)  # UnknownGroup, list of Face samples
    changed = Signal()  # someone got templates: the gallery must reload

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.groups: list[UnknownGroup] = []
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.note = QLabel(self)  # what the last answer did
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels([self.tr("Picture"), self.tr("Times seen"), self.tr("First seen"),
                                              self.tr("Last seen"), self.tr("Camera")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setIconSize(QPixmap(THUMB_PX, THUMB_PX).size())
        self.table.verticalHeader().setDefaultSectionSize(THUMB_PX + 6)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(0, THUMB_PX + 12)
        self.enrol_button = QPushButton(self.tr("Enrol as new employee…"), self)
        self.enrol_button.setToolTip(self.tr("Opens the enrolment wizard with this person's pictures as samples; "
                                             "pictures that fail the quality checks are left out."))
        self.add_button = QPushButton(self.tr("Add to employee…"), self)
        self.add_button.setToolTip(self.tr("Adds these pictures to an enrolled employee's face samples, after "
                                           "checking that they look like that employee."))
        self.dismiss_button = QPushButton(self.tr("Dismiss"), self)
        self.dismiss_button.setToolTip(self.tr("Not someone to enrol: the pictures and face data are deleted; "
                                               "the sightings stay counted."))
        refresh = QPushButton(self.tr("Refresh"), self)
        self.enrol_button.clicked.connect(self.enrol_selected)
        self.add_button.clicked.connect(self.add_selected)
        self.dismiss_button.clicked.connect(lambda: self.dismiss_selected())
        refresh.clicked.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        buttons = QHBoxLayout()
        for b in (self.enrol_button, self.add_button, self.dismiss_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(refresh)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.note)
        self._update_buttons()

    def _service(self):  # noqa: ANN202 - UnknownReviewService
        return self.ctx.unknown_review()

    def refresh(self) -> None:
        svc = self._service()
        run_in_thread(lambda: (svc.groups(), svc.counts()), self._show,
                      lambda exc: self.summary.setText(error_text(exc)))

    def _show(self, result: tuple[list[UnknownGroup], dict[str, int]]) -> None:
        groups, counts = result
        self.groups = groups
        tz = AttendanceRules.from_settings(self.ctx.settings.attendance).tz
        text = self.tr("%1 people not recognised, seen %2 times in all.").replace("%1", str(len(groups))) \
            .replace("%2", str(sum(g.count for g in groups)))
        if counts.get("without_face"):
            text += " " + self.tr("%1 more sightings have no picture (pictures of unknown faces not kept, "
                                  "or older than the privacy limit).").replace("%1", str(counts["without_face"]))
        self.summary.setText(text)
        self.table.setRowCount(len(groups))
        for r, g in enumerate(groups):
            pic = QTableWidgetItem()
            pix = QPixmap()
            if g.thumbnail and pix.loadFromData(g.thumbnail):
                pic.setIcon(QIcon(pix.scaled(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation)))
            self.table.setItem(r, 0, pic)
            cells = [str(g.count), g.first_seen.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                     g.last_seen.astimezone(tz).strftime("%Y-%m-%d %H:%M"), ", ".join(g.sources)]
            for c, v in enumerate(cells, start=1):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self._update_buttons()

    def selected(self) -> UnknownGroup | None:
        rows = self.table.selectionModel().selectedRows()
        return self.groups[rows[0].row()] if rows and rows[0].row() < len(self.groups) else None

    def _update_buttons(self) -> None:
        on = self.selected() is not None
        for b in (self.enrol_button, self.add_button, self.dismiss_button):
            b.setEnabled(on)

    # answers ------------------------------------------------------------------------------
    def enrol_selected(self) -> None:
        group = self.selected()
        if group is None:
            return
        svc = self._service()
        run_in_thread(lambda: svc.samples(group), lambda r: self._enrol(group, r),
                      lambda exc: QMessageBox.warning(self, self.tr("Enrol as new employee"), error_text(exc)))

    def _enrol(self, group: UnknownGroup, result: tuple[list, int]) -> None:
        faces, refused = result
        if not faces:
            QMessageBox.information(self, self.tr("Enrol as new employee"), self.tr(
                "None of the %1 pictures of this person passes the quality checks (too small, dark, blurred or "
                "turned). Enrol them at the camera instead.").replace("%1", str(refused)))
            return
        self.enrol_requested.emit(group, faces)

    def add_selected(self, employee_id: int | None = None) -> None:
        """Choose the employee (or take `employee_id`), then add after the same-person check."""
        group = self.selected()
        if group is None:
            return
        if employee_id is None:
            people = [e for e in self.ctx.employees().list(active_only=False)]
            if not people:
                QMessageBox.information(self, self.tr("Add to employee"), self.tr("Nobody is enrolled yet."))
                return
            names = [f"{e.name} ({e.number})" for e in people]
            choice, ok = QInputDialog.getItem(self, self.tr("Add to employee"),
                                              self.tr("Whose pictures are these?"), names, 0, False)
            if not ok:
                return
            employee_id = people[names.index(choice)].id
        self._add(group, employee_id, confirmed=False)

    def _add(self, group: UnknownGroup, employee_id: int, confirmed: bool) -> None:
        svc, enrolment = self._service(), self.ctx.enrolment()
        run_in_thread(lambda: svc.add_to_employee(group, employee_id, enrolment, confirmed=confirmed, actor="admin"),
                      self._added, lambda exc: self._add_failed(group, employee_id, exc))

    def _added(self, emp) -> None:  # noqa: ANN001 - Employee
        self.note.setText(self.tr("Pictures added to %1.").replace("%1", emp.name))
        self.changed.emit()
        self.refresh()

    def _add_failed(self, group: UnknownGroup, employee_id: int, exc: BaseException) -> None:
        if isinstance(exc, UnlikePersonError):
            if ask_yes_no(self, self.tr("Add to employee"), self.tr(
                    "These pictures do not clearly look like %1 (no. %2). Add them anyway? Only if you are sure "
                    "it is the same person (recorded in the audit log).")
                    .replace("%1", exc.person.name).replace("%2", exc.person.number)):
                self._add(group, employee_id, confirmed=True)
            return
        QMessageBox.warning(self, self.tr("Add to employee"), error_text(exc))

    def dismiss_selected(self, confirm: bool = True) -> None:
        group = self.selected()
        if group is None:
            return
        if confirm and not ask_yes_no(self, self.tr("Dismiss"), self.tr(
                "Dismiss this person (seen %1 times)? Their pictures and face data are deleted; the sightings "
                "stay counted.").replace("%1", str(group.count))):
            return
        svc = self._service()
        run_in_thread(lambda: svc.dismiss(group, actor="admin"), lambda _n: self.refresh(),
                      lambda exc: QMessageBox.warning(self, self.tr("Dismiss"), error_text(exc)))
