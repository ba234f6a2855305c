"""Access log: every door attempt, granted or denied, with filters (result, reason, person,
date range in the site's time zone), as `faceapp access log`, read through
AccessAdminService on the thread pool. "Open door now…" is here too (the window asks the
admin PIN)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..access.rules import AccessRules
from .date_range import FollowToday, date_edit, pydate, site_today
from .door_widgets import reason_text, relay_text
from .messages import error_text
from .workers import run_in_thread

log = logging.getLogger(__name__)

MAX_ROWS = 2000
UNKNOWN_PERSON = -1  # the person filter's "unknown faces" entry
GRANTED_BG, DENIED_BG = QColor("#e3f1e4"), QColor("#fbe4e3")


class AccessLogPage(QWidget):
    open_door_requested = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list = []
        today = self._today()
        self.first = date_edit(self, today - timedelta(days=6))
        self.last = date_edit(self, today)
        self.dates = FollowToday(self.first, self.last, lambda: self._today())  # To on today follows the calendar
        self.result = QComboBox(self)
        for text, value in [(self.tr("All results"), None), (self.tr("Granted"), True), (self.tr("Denied"), False)]:
            self.result.addItem(text, value)
        self.reason = QComboBox(self)
        self.reason.addItem(self.tr("All reasons"), None)
        for r in ctx.access_admin().reasons():
            self.reason.addItem(reason_text(r), r)
        self.person = QComboBox(self)
        self.person.addItem(self.tr("Everyone"), None)
        self.person.addItem(self.tr("Unknown faces"), UNKNOWN_PERSON)
        self.open_button = QPushButton(self.tr("Open door now…"), self)
        self.open_button.clicked.connect(self.open_door_requested.emit)
        filters = QHBoxLayout()
        for w in (QLabel(self.tr("From"), self), self.first, QLabel(self.tr("To"), self), self.last,
                  self.result, self.reason, self.person):
            filters.addWidget(w)
        filters.addStretch()
        filters.addWidget(self.open_button)
        self.table = QTableWidget(0, 7, self)
        self.table.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Person"), self.tr("Number"),
                                              self.tr("Result"), self.tr("Reason"), self.tr("Door"),
                                              self.tr("Camera")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.status = QLabel(self)
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status)
        for combo in (self.result, self.reason, self.person):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        for combo in (self.reason, self.person):  # long reasons and names scroll in the list, not widen the window
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        for d in (self.first, self.last):
            d.dateChanged.connect(lambda _d: self.refresh())
        self._loading = False
        self._again = False

    def _today(self) -> date:
        return site_today(AccessRules.from_timezone(self.ctx.settings.attendance.timezone).tz)

    def load_people(self) -> None:
        svc = self.ctx.access_admin()
        run_in_thread(svc.employees, self._people, lambda exc: log.warning("people for the access log: %s", exc))

    def _people(self, people) -> None:  # noqa: ANN001
        keep = self.person.currentData()
        self.person.blockSignals(True)
        while self.person.count() > 2:
            self.person.removeItem(2)
        for e in people:
            self.person.addItem(f"{e.name} ({e.number})", e.id)
        i = self.person.findData(keep)
        self.person.setCurrentIndex(max(i, 0))
        self.person.blockSignals(False)

    def refresh(self) -> None:
        if self._loading:
            self._again = True
            return
        self.dates.follow()
        first, last = pydate(self.first.date()), pydate(self.last.date())
        if first > last:
            self.table.setRowCount(0)
            self.status.setText(self.tr("The From date is after the To date."))
            return
        tz = AccessRules.from_timezone(self.ctx.settings.attendance.timezone).tz
        start = datetime.combine(first, time(0), tzinfo=tz)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
        person = self.person.currentData()
        kw = {"granted": self.result.currentData(), "reason": self.reason.currentData(), "limit": MAX_ROWS,
              "employee_id": person if person not in (None, UNKNOWN_PERSON) else None,
              "unknown_only": person == UNKNOWN_PERSON}
        svc = self.ctx.access_admin()
        self._loading = True
        run_in_thread(lambda: (svc.log(start, end, **kw), tz), self._show, self._failed)

    def _done(self) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.table.setRowCount(0)
        self.status.setText(error_text(exc))
        self._done()

    def _show(self, data) -> None:  # noqa: ANN001
        rows, tz = data
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, a in enumerate(rows):
            who = a.employee_name if a.employee_id is not None else self.tr("unknown face")
            cells = [a.ts.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), who, a.employee_number,
                     self.tr("granted") if a.granted else self.tr("denied"), reason_text(a.reason),
                     relay_text(a.relay), a.source]
            for c, v in enumerate(cells):
                item = QTableWidgetItem(v)
                item.setToolTip(v)
                if c == 3:
                    item.setBackground(QBrush(GRANTED_BG if a.granted else DENIED_BG))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
        granted = sum(1 for a in rows if a.granted)
        text = self.tr("%1 attempts: %2 granted, %3 denied").replace("%1", str(len(rows))) \
            .replace("%2", str(granted)).replace("%3", str(len(rows) - granted))
        if len(rows) >= MAX_ROWS:
            text += " - " + self.tr("only the newest %1 shown; narrow the dates").replace("%1", str(MAX_ROWS))
        self.status.setText(text)
        self._done()

    def on_event(self) -> None:
        """A new attempt was logged (the live page): show it if the page is on today."""
        if self.dates.shows_today():
            self.refresh()
