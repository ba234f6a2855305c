"""The weekly schedule grid of an access group: one row a weekday, one cell a time range
("08:00-12:00"), several per day; a range may cross midnight ("22:00-06:00" belongs to the
day it starts on). Bad cells turn red with the reason as their tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from ..access.rules import DAYS, ScheduleError, WeeklySchedule, Window

RANGES = 4  # columns shown; more appear when a stored schedule (the CLI) has more
BAD = QColor("#f9d6d5")


class ScheduleGrid(QTableWidget):
    edited = Signal()  # a cell changed (valid or not)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(len(DAYS), RANGES, parent)
        self.setVerticalHeaderLabels([self.tr("Monday"), self.tr("Tuesday"), self.tr("Wednesday"),
                                      self.tr("Thursday"), self.tr("Friday"), self.tr("Saturday"), self.tr("Sunday")])
        self._headers()
        self.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setToolTip(self.tr("Type a time range like 08:00-12:00 in a cell; leave cells empty for no access. "
                                "22:00-06:00 crosses midnight, 00:00-24:00 is the whole day."))
        self._filling = False
        self.itemChanged.connect(self._changed)
        self.setMinimumHeight(7 * 26 + 28)

    def _headers(self) -> None:
        self.setHorizontalHeaderLabels([self.tr("Range %1").replace("%1", str(i + 1))
                                        for i in range(self.columnCount())])

    def set_schedule(self, schedule: WeeklySchedule) -> None:
        self._filling = True
        self.clearContents()
        self.setColumnCount(max(RANGES, *(len(d) for d in schedule.days)))
        self._headers()
        for r, windows in enumerate(schedule.days):
            for c in range(self.columnCount()):
                self.setItem(r, c, QTableWidgetItem(str(windows[c]) if c < len(windows) else ""))
        self._filling = False
        self.edited.emit()

    def cell_text(self, row: int, col: int) -> str:
        item = self.item(row, col)
        return item.text().strip() if item is not None else ""

    def set_cell(self, row: int, col: int, text: str) -> None:
        item = self.item(row, col)
        if item is None:
            self.setItem(row, col, QTableWidgetItem(text))
        else:
            item.setText(text)

    def problems(self) -> list[str]:
        """ "Tuesday, range 2: ..." for each cell that is not a time range."""
        out = []
        for r in range(self.rowCount()):
            for c in range(self.columnCount()):
                text = self.cell_text(r, c)
                if not text:
                    continue
                try:
                    Window.parse(text)
                except ScheduleError:
                    out.append(self.tr("%1, range %2: \"%3\" is not a time range like 08:00-12:00")
                               .replace("%1", self.verticalHeaderItem(r).text()).replace("%2", str(c + 1))
                               .replace("%3", text))
        return out

    def schedule(self) -> WeeklySchedule:
        """The grid as a schedule. Raises ScheduleError when a cell is bad."""
        bad = self.problems()
        if bad:
            raise ScheduleError(bad[0])
        return WeeklySchedule.from_dict({DAYS[r]: [self.cell_text(r, c) for c in range(self.columnCount())
                                                   if self.cell_text(r, c)] for r in range(self.rowCount())})

    def copy_monday_to_weekdays(self) -> None:
        for r in range(1, 5):
            for c in range(self.columnCount()):
                self.set_cell(r, c, self.cell_text(0, c))

    def clear_all(self) -> None:
        for r in range(self.rowCount()):
            for c in range(self.columnCount()):
                self.set_cell(r, c, "")

    def _changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        text = item.text().strip()
        try:
            if text:
                Window.parse(text)
            item.setBackground(QBrush())
            item.setToolTip("")
        except ScheduleError:
            item.setBackground(BAD)
            item.setToolTip(self.tr("Not a time range: use 08:00-12:00 (24-hour clock)"))
        self.edited.emit()


class WeekPreview(QWidget):
    """The grid at a glance: one bar a day over 24 hours, a night range spilling into the
    next morning, so a wrong 22:00-06:00 shows where it lands."""

    def __init__(self, grid: ScheduleGrid, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = grid
        self.setMinimumHeight(7 * 12 + 18)
        grid.edited.connect(self.update)

    def spans(self) -> list[list[tuple[int, int]]]:
        """Minutes [start, end) lit on each weekday, from the grid's valid cells."""
        days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
        for r in range(self.grid.rowCount()):
            for c in range(self.grid.columnCount()):
                try:
                    w = Window.parse(self.grid.cell_text(r, c)) if self.grid.cell_text(r, c) else None
                except ScheduleError:
                    w = None
                if w is None:
                    continue
                if w.crosses_midnight:
                    days[r].append((w.start, 24 * 60))
                    days[(r + 1) % 7].append((0, w.end))
                else:
                    days[r].append((w.start, w.end))
        return days

    def paintEvent(self, _event) -> None:  # noqa: N802, ANN001 - Qt override
        p = QPainter(self)
        labels = [(h.text()[:3] if (h := self.grid.verticalHeaderItem(r)) else DAYS[r]) for r in range(7)]
        label_w, top = max(self.fontMetrics().horizontalAdvance(t) for t in labels) + 8, 14
        width = max(1, self.width() - label_w - 14)
        row_h = max(8, (self.height() - top) // 7)
        p.setPen(QColor("#666"))
        for h in range(0, 25, 6):
            x = label_w + width * h // 24
            p.drawText(x - 12, 0, 24, top, Qt.AlignmentFlag.AlignCenter, f"{h:02d}")
        for r, spans in enumerate(self.spans()):
            y = top + r * row_h
            p.fillRect(label_w, y + 1, width, row_h - 2, QColor("#eeeeee"))
            p.setPen(QColor("#333"))
            p.drawText(0, y, label_w - 4, row_h, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       labels[r])
            for start, end in spans:
                p.fillRect(label_w + width * start // 1440, y + 1, max(1, width * (end - start) // 1440), row_h - 2,
                           QColor("#43a047"))
        p.end()
