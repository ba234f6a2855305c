"""Access groups: who may open the door when (as `faceapp access groups|add-group|assign`).

The list of groups on the left; the selected group's weekly schedule grid, its "closed on
public holidays" flag and its members on the right. Every read and write goes through
AccessAdminService on the thread pool; each write is audited there with the admin."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QFrame, QGroupBox, QHBoxLayout,
                               QHeaderView, QInputDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QScrollArea, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..access.rules import DAYS, AccessGroup, ScheduleError, WeeklySchedule
from .correction_dialog import admin_actor
from .employees import ask_yes_no
from .messages import error_text
from .schedule_grid import ScheduleGrid, WeekPreview
from .workers import run_in_thread

log = logging.getLogger(__name__)

TITLE_BAR_EXTRA_PX = 160  # a title bar's icon, close/maximise/minimise buttons and margins
NEW_GROUP_SCHEDULE = {d: ["08:00-18:00"] for d in DAYS[:5]}  # a start to edit; a new group has no members


class PeoplePicker(QDialog):
    """Tick the people to add to a group."""

    def __init__(self, people, parent: QWidget | None = None) -> None:  # noqa: ANN001 - list[Employee]
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add people"))
        self.list = QListWidget(self)
        for e in people:
            text = f"{e.name} ({e.number})" + ("" if e.active else " - " + self.tr("inactive"))
            item = QListWidgetItem(text, self.list)
            item.setData(Qt.ItemDataRole.UserRole, e.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.list)
        lay.addWidget(buttons)
        self.resize(360, 420)

    def chosen(self) -> list[int]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]


class AccessGroupsPage(QWidget):
    changed = Signal()  # a group or its members changed

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.summaries: list = []  # GroupSummary of the last read
        self.members: list = []  # Employee of the selected group
        self.everyone: list = []
        self.current: AccessGroup | None = None
        self._message = ""  # what the last write did, for the status line
        self.groups = QTableWidget(0, 3, self)
        self.groups.setHorizontalHeaderLabels([self.tr("Group"), self.tr("Members"), self.tr("Holidays")])
        self.groups.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.groups.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.groups.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.groups.verticalHeader().hide()
        self.groups.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.groups.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.groups.itemSelectionChanged.connect(self._selected)
        self.new_button = QPushButton(self.tr("New group…"), self)
        self.rename_button = QPushButton(self.tr("Rename…"), self)
        self.delete_button = QPushButton(self.tr("Delete…"), self)
        self.new_button.clicked.connect(lambda: self.ask_new())
        self.rename_button.clicked.connect(lambda: self.ask_rename())
        self.delete_button.clicked.connect(lambda: self.ask_delete())
        left = QWidget(self)
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        for b in (self.new_button, self.rename_button, self.delete_button):
            row.addWidget(b)
        left_lay.addLayout(row)
        left_lay.addWidget(self.groups, 1)

        self.schedule_box = QGroupBox(self.tr("Weekly schedule"), self)
        self.grid = ScheduleGrid(self.schedule_box)
        self.holidays_closed = QCheckBox(self.tr("Closed on public holidays (the list on Schedules > Holidays)"),
                                         self.schedule_box)
        self.copy_button = QPushButton(self.tr("Copy Monday to Tuesday-Friday"), self.schedule_box)
        self.clear_button = QPushButton(self.tr("Clear"), self.schedule_box)
        self.save_button = QPushButton(self.tr("Save schedule"), self.schedule_box)
        self.copy_button.clicked.connect(self.grid.copy_monday_to_weekdays)
        self.clear_button.clicked.connect(self.grid.clear_all)
        self.save_button.clicked.connect(lambda: self.save_schedule())
        self.grid.edited.connect(self._grid_edited)
        box_lay = QVBoxLayout(self.schedule_box)
        self.preview = WeekPreview(self.grid, self.schedule_box)
        box_lay.addWidget(self.grid, 1)
        box_lay.addWidget(self.preview)
        box_lay.addWidget(self.holidays_closed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch()
        buttons.addWidget(self.save_button)
        box_lay.addLayout(buttons)

        self.members_box = QGroupBox(self.tr("Members"), self)
        self.member_list = QListWidget(self.members_box)
        self.member_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.add_button = QPushButton(self.tr("Add people…"), self.members_box)
        self.remove_button = QPushButton(self.tr("Remove"), self.members_box)
        self.add_button.clicked.connect(lambda: self.ask_add())
        self.remove_button.clicked.connect(lambda: self.remove_selected())
        m_lay = QVBoxLayout(self.members_box)
        m_lay.addWidget(self.member_list, 1)
        m_row = QHBoxLayout()
        m_row.addStretch()
        m_row.addWidget(self.add_button)
        m_row.addWidget(self.remove_button)
        m_lay.addLayout(m_row)

        right = QWidget(self)
        right_lay = QVBoxLayout(right)
        right_lay.setContentsMargins(0, 0, 0, 0)
        right_lay.addWidget(self.schedule_box, 3)
        right_lay.addWidget(self.members_box, 2)
        # scrolled rather than stacked at full height: the grid, its preview and the members
        # list would otherwise make the whole window taller than a 1366x768 screen
        scroll = QScrollArea(self)
        scroll.setWidget(right)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        split = QSplitter(self)
        split.addWidget(left)
        split.addWidget(scroll)
        split.setStretchFactor(1, 3)
        # the group list narrow by default: at 800 px the schedule grid's cells must show whole
        # time ranges ("06:00-14:00", not "06:00…"); the admin can widen it
        split.setSizes([220, 880])
        self.splitter = split
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        lay.addWidget(self.status)
        self._enable()

    # reading ---------------------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        svc = self.ctx.access_admin()
        keep = select if select is not None else (self.current.id if self.current else None)
        run_in_thread(lambda: (svc.groups(), svc.employees()), lambda data: self._show(data, keep), self._failed)

    def _show(self, data, select: int | None) -> None:  # noqa: ANN001
        self.summaries, self.everyone = data
        self.groups.blockSignals(True)
        self.groups.setRowCount(len(self.summaries))
        for r, s in enumerate(self.summaries):
            holidays = self.tr("closed") if s.group.holidays_closed else self.tr("open")
            for c, v in enumerate([s.group.name, str(s.members), holidays]):
                self.groups.setItem(r, c, QTableWidgetItem(v))
        self.groups.blockSignals(False)
        ids = [s.group.id for s in self.summaries]
        if select in ids:
            self.groups.selectRow(ids.index(select))
            self._selected()
        elif self.summaries:
            self.groups.selectRow(0)
            self._selected()
        else:
            self.current = None
            self.member_list.clear()
            self.grid.set_schedule(WeeklySchedule())
            self.status.setText(self.tr("No access groups yet: nobody is let in until a group is created and "
                                        "people are added to it."))
        if self._message:
            self.status.setText(self._message)
            self._message = ""
        self._enable()

    def _selected(self) -> None:
        rows = self.groups.selectionModel().selectedRows()
        if not rows:
            return
        group = self.summaries[rows[0].row()].group
        if self.current is not None and group.id != self.current.id and self.unsaved() and not ask_yes_no(
                self, self.tr("Unsaved schedule"),
                self.tr("The schedule of %1 has changes that are not saved. Discard them?")
                .replace("%1", self.current.name)):
            ids = [s.group.id for s in self.summaries]
            self.groups.blockSignals(True)
            self.groups.selectRow(ids.index(self.current.id))
            self.groups.blockSignals(False)
            return
        if self.current is None or group.id != self.current.id or group != self.current:
            self.current = group
            self.grid.set_schedule(group.schedule)
            self.holidays_closed.setChecked(group.holidays_closed)
        self.schedule_box.setTitle(self.tr("Weekly schedule of %1").replace("%1", group.name))
        self.members_box.setTitle(self.tr("Members of %1").replace("%1", group.name))
        self.status.clear()
        svc = self.ctx.access_admin()
        gid = group.id
        run_in_thread(lambda: (gid, svc.members(gid)), self._show_members, self._failed)
        self._enable()

    def _show_members(self, data) -> None:  # noqa: ANN001
        gid, members = data
        if self.current is None or gid != self.current.id:
            return
        self.members = members
        self.member_list.clear()
        for e in members:
            item = QListWidgetItem(f"{e.name} ({e.number})" + ("" if e.active else " - " + self.tr("inactive")),
                                   self.member_list)
            item.setData(Qt.ItemDataRole.UserRole, e.id)

    def unsaved(self) -> bool:
        """The grid or the holidays box differ from the stored group."""
        if self.current is None:
            return False
        try:
            schedule = self.grid.schedule()
        except ScheduleError:
            return True
        return schedule != self.current.schedule or self.holidays_closed.isChecked() != self.current.holidays_closed

    def _enable(self) -> None:
        has = self.current is not None
        for w in (self.rename_button, self.delete_button, self.schedule_box, self.members_box):
            w.setEnabled(has)

    def _grid_edited(self) -> None:
        bad = self.grid.problems()
        self.save_button.setEnabled(not bad)
        self.status.setText(bad[0] if bad else "")

    # writing ---------------------------------------------------------------------------
    def _write(self, fn, done_text: str, select: int | None = None) -> None:  # noqa: ANN001
        def ok(result) -> None:  # noqa: ANN001
            self._message = done_text  # shown once the list is read again
            self.changed.emit()
            self.refresh(select if select is not None else getattr(result, "id", None))

        run_in_thread(fn, ok, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(error_text(exc))

    def create_group(self, name: str) -> None:
        svc, actor = self.ctx.access_admin(), admin_actor()
        self._write(lambda: svc.create_group(name, WeeklySchedule.from_dict(NEW_GROUP_SCHEDULE), actor=actor),
                    self.tr("Group %1 created: set its schedule and add people.").replace("%1", name))

    def _ask_name(self, title: str, label: str, text: str = "") -> tuple[str, bool]:
        """QInputDialog.getText is as narrow as its field (188 px): a window manager then clips
        the title ("New a... group"). Wide enough for the title and its title-bar buttons."""
        dlg = QInputDialog(self)
        dlg.setWindowTitle(title)
        dlg.setLabelText(label)
        dlg.setTextValue(text)
        bold = QFont(dlg.font())
        bold.setBold(True)  # title bars often are
        # on the field: the dialog's own minimum is replaced by its layout's when it is shown
        dlg.findChild(QLineEdit).setMinimumWidth(max(300, QFontMetrics(bold).horizontalAdvance(title)
                                                     + TITLE_BAR_EXTRA_PX))
        ok = dlg.exec() == QDialog.DialogCode.Accepted
        return dlg.textValue(), ok

    def ask_new(self) -> None:
        name, ok = self._ask_name(self.tr("New access group"), self.tr("Name of the group:"))
        if ok and name.strip():
            self.create_group(name.strip())

    def rename_group(self, name: str) -> None:
        if self.current is None:
            return
        svc, actor, gid = self.ctx.access_admin(), admin_actor(), self.current.id
        self._write(lambda: svc.update_group(gid, name=name, actor=actor),
                    self.tr("Group renamed to %1.").replace("%1", name))

    def ask_rename(self) -> None:
        if self.current is None:
            return
        name, ok = self._ask_name(self.tr("Rename access group"), self.tr("New name:"), self.current.name)
        if ok and name.strip() and name.strip() != self.current.name:
            self.rename_group(name.strip())

    def delete_group(self) -> None:
        if self.current is None:
            return
        svc, actor, gid, name = self.ctx.access_admin(), admin_actor(), self.current.id, self.current.name
        self.current = None
        self._write(lambda: svc.delete_group(gid, actor=actor), self.tr("Group %1 deleted.").replace("%1", name))

    def ask_delete(self) -> None:
        if self.current is None:
            return
        n = len(self.members)
        if ask_yes_no(self, self.tr("Delete access group"),
                      self.tr("Delete the group %1? Its %2 member(s) lose the door access it gave.")
                      .replace("%1", self.current.name).replace("%2", str(n))):
            self.delete_group()

    def save_schedule(self) -> None:
        if self.current is None:
            return
        try:
            schedule = self.grid.schedule()
        except ScheduleError as exc:
            self.status.setText(str(exc))
            return
        svc, actor, gid = self.ctx.access_admin(), admin_actor(), self.current.id
        closed = self.holidays_closed.isChecked()
        self.current = None  # the saved group is shown again as stored
        self._write(lambda: svc.update_group(gid, schedule=schedule, holidays_closed=closed, actor=actor),
                    self.tr("Schedule saved."), gid)

    def set_members(self, employee_ids) -> None:  # noqa: ANN001
        if self.current is None:
            return
        svc, actor, gid = self.ctx.access_admin(), admin_actor(), self.current.id
        ids = sorted(set(employee_ids))
        self._write(lambda: svc.set_members(gid, ids, actor=actor), self.tr("Members saved."), gid)

    def ask_add(self) -> None:
        if self.current is None:
            return
        have = {e.id for e in self.members}
        dlg = PeoplePicker([e for e in self.everyone if e.id not in have], self)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.chosen():
            self.set_members(have | set(dlg.chosen()))

    def remove_selected(self) -> None:
        gone = {i.data(Qt.ItemDataRole.UserRole) for i in self.member_list.selectedItems()}
        if gone:
            self.set_members({e.id for e in self.members} - gone)
