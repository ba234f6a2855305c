"""Reports: time card, monthly summary, exceptions and payroll for a period, department and
employee, as `faceapp report ...`: a preview table, Export (XLSX, CSV, PDF through the
service's exporter) and Print (Qt's print dialog, which also prints to PDF). Computing and
exporting run on the thread pool."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGridLayout, QHBoxLayout, QLabel, QMessageBox, QProgressBar,
                               QPushButton, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from ..timekeeping.reports import Table, cell_text
from . import file_dialogs
from .log_page import default_export_path
from .messages import error_text, site_offline_note
from .report_pdf import tables_html, write_pdf
from .date_range import date_edit, pydate
from .workers import run_in_thread

log = logging.getLogger(__name__)
PREVIEW_ROWS = 1000  # a month of 500 people is 15,500 rows: the preview shows the first ones, Export has all

# Column and sheet titles of timekeeping.reports, for the preview in the UI's language (the
# files keep them in English, as the CLI writes them; payroll's codes are a file format).
_TITLES = (
    QT_TRANSLATE_NOOP("ReportColumns", "Number"),
    QT_TRANSLATE_NOOP("ReportColumns", "Name"),
    QT_TRANSLATE_NOOP("ReportColumns", "Department"),
    QT_TRANSLATE_NOOP("ReportColumns", "Date"),
    QT_TRANSLATE_NOOP("ReportColumns", "Weekday"),
    QT_TRANSLATE_NOOP("ReportColumns", "Timetable"),
    QT_TRANSLATE_NOOP("ReportColumns", "Check-in"),
    QT_TRANSLATE_NOOP("ReportColumns", "Check-out"),
    QT_TRANSLATE_NOOP("ReportColumns", "Scheduled"),
    QT_TRANSLATE_NOOP("ReportColumns", "Worked"),
    QT_TRANSLATE_NOOP("ReportColumns", "Late (min)"),
    QT_TRANSLATE_NOOP("ReportColumns", "Early leave (min)"),
    QT_TRANSLATE_NOOP("ReportColumns", "Absent (days)"),
    QT_TRANSLATE_NOOP("ReportColumns", "Leave"),
    QT_TRANSLATE_NOOP("ReportColumns", "Leave hours"),
    QT_TRANSLATE_NOOP("ReportColumns", "OT normal"),
    QT_TRANSLATE_NOOP("ReportColumns", "OT day off"),
    QT_TRANSLATE_NOOP("ReportColumns", "OT holiday"),
    QT_TRANSLATE_NOOP("ReportColumns", "Status"),
    QT_TRANSLATE_NOOP("ReportColumns", "Exceptions"),
    QT_TRANSLATE_NOOP("ReportColumns", "Corrected"),
    QT_TRANSLATE_NOOP("ReportColumns", "Days scheduled"),
    QT_TRANSLATE_NOOP("ReportColumns", "Present"),
    QT_TRANSLATE_NOOP("ReportColumns", "Leave annual (days)"),
    QT_TRANSLATE_NOOP("ReportColumns", "Leave sick (days)"),
    QT_TRANSLATE_NOOP("ReportColumns", "Leave unpaid (days)"),
    QT_TRANSLATE_NOOP("ReportColumns", "Leave other (days)"),
    QT_TRANSLATE_NOOP("ReportColumns", "Holidays"),
    QT_TRANSLATE_NOOP("ReportColumns", "Regular"),
    QT_TRANSLATE_NOOP("ReportColumns", "Late (times)"),
    QT_TRANSLATE_NOOP("ReportColumns", "Early leave (times)"),
    QT_TRANSLATE_NOOP("ReportColumns", "Missing punches"),
    QT_TRANSLATE_NOOP("ReportColumns", "Corrected days"),
    QT_TRANSLATE_NOOP("ReportColumns", "Employees"),
    QT_TRANSLATE_NOOP("ReportColumns", "Exception"),
    QT_TRANSLATE_NOOP("ReportColumns", "Minutes"),
    QT_TRANSLATE_NOOP("ReportColumns", "Days"),
    QT_TRANSLATE_NOOP("ReportColumns", "Time card"),
    QT_TRANSLATE_NOOP("ReportColumns", "Summary by employee"),
    QT_TRANSLATE_NOOP("ReportColumns", "Summary by department"),
    QT_TRANSLATE_NOOP("ReportColumns", "Payroll"),
)


def title_text(title: str) -> str:
    return QCoreApplication.translate("ReportColumns", title)


class ReportsPage(QWidget):
    exported = Signal(int, str)  # rows, path

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tables: list[Table] = []
        self.offline_since: str | None = None  # set by a report computed from this kiosk only
        self.title = ""
        today = date.today()
        self.first = date_edit(self, today.replace(day=1))
        self.last = date_edit(self, today)
        self.department = QComboBox(self)
        self.department.setEditable(True)
        self.department.lineEdit().setPlaceholderText(self.tr("any department"))
        self.employee = QComboBox(self)
        self.department.setMinimumWidth(180)  # the placeholder and the names whole, in both languages
        self.employee.setMinimumWidth(220)
        self.employee.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind = QComboBox(self)
        for key, text in [("timecard", self.tr("Time card")), ("summary", self.tr("Monthly summary")),
                          ("exceptions", self.tr("Exceptions")), ("payroll", self.tr("Payroll"))]:
            self.kind.addItem(text, key)
        self.preview_button = QPushButton(self.tr("Preview"), self)
        self.export_button = QPushButton(self.tr("Export…"), self)
        self.print_button = QPushButton(self.tr("Print / PDF…"), self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.status = QLabel(self)
        self.previews = QTabWidget(self)
        # two rows, so the page (and the window) still fits an 800 px wide screen
        filters = QGridLayout()
        for i, (label, w) in enumerate([(self.tr("From"), self.first), (self.tr("To"), self.last),
                                        (self.tr("Department"), self.department),
                                        (self.tr("Employee"), self.employee)]):
            filters.addWidget(QLabel(label, self), i // 2, 2 * (i % 2))
            filters.addWidget(w, i // 2, 2 * (i % 2) + 1)
        filters.setColumnStretch(4, 1)
        actions = QHBoxLayout()
        actions.addWidget(QLabel(self.tr("Report"), self))
        actions.addWidget(self.kind)
        actions.addWidget(self.preview_button)
        actions.addStretch()
        actions.addWidget(self.progress)
        actions.addWidget(self.export_button)
        actions.addWidget(self.print_button)
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addLayout(actions)
        lay.addWidget(self.previews, 1)
        lay.addWidget(self.status)
        self.preview_button.clicked.connect(self.refresh)
        self.kind.currentIndexChanged.connect(self.refresh)
        self.export_button.clicked.connect(self.ask_export)
        self.print_button.clicked.connect(self.ask_print)
        self._busy = False
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        for b in (self.preview_button, self.export_button):
            b.setEnabled(not busy)
        self.print_button.setEnabled(not busy and bool(self.tables))

    def load_people(self) -> None:
        """The employee and department lists of the filters."""
        def show(emps) -> None:
            current, dept = self.employee.currentData(), self.department.currentText()
            self.employee.blockSignals(True)
            self.employee.clear()
            self.employee.addItem(self.tr("All employees"), None)
            for e in emps:
                self.employee.addItem(f"{e.name} ({e.number})", e.number)
            self.employee.setCurrentIndex(max(self.employee.findData(current), 0))
            self.employee.blockSignals(False)
            self.department.clear()
            self.department.addItems([""] + sorted({e.department for e in emps if e.department}))
            self.department.setCurrentText(dept)

        run_in_thread(lambda: self.ctx.employees().list(), show)

    def filters(self) -> tuple[str, date, date, list[str] | None, str | None]:
        number = self.employee.currentData()
        return (self.kind.currentData(), pydate(self.first.date()), pydate(self.last.date()),
                [number] if number else None, self.department.currentText().strip() or None)

    def report_title(self, kind: str, first: date, last: date) -> str:
        names = {"timecard": "Time card", "summary": "Summary", "exceptions": "Exceptions", "payroll": "Payroll"}
        return f"{names[kind]} {first} - {last}"

    def _compute(self):
        """A function for the worker: (tables, title) of the current filters."""
        kind, first, last, numbers, dept = self.filters()
        tk = self.ctx.timekeeping()

        def work():
            period = tk.period(first, last, numbers, dept)
            self.offline_since = tk.site.offline_since
            return tk.report_tables(kind, period), self.report_title(kind, first, last)

        return work

    def refresh(self) -> None:
        if self._busy:
            return
        self._set_busy(True)
        self.status.setText(self.tr("Computing…"))
        run_in_thread(self._compute(), self._show, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.tables = []
        self.previews.clear()
        self._set_busy(False)
        self.status.setText(self.tr("No report: %1").replace("%1", error_text(exc)))

    def _show(self, result) -> None:
        self.tables, self.title = result
        self.previews.clear()
        for t in self.tables:
            self.previews.addTab(self._table_widget(t), f"{title_text(t.name)} ({len(t.rows)})")
        rows = sum(len(t.rows) for t in self.tables)
        self._set_busy(False)
        text = self.tr("%n row(s)", "", rows)
        if any(len(t.rows) > PREVIEW_ROWS for t in self.tables):
            text += " - " + self.tr("the preview shows the first %1; Export writes all").replace("%1", str(PREVIEW_ROWS))
        self.status.setText(text + site_offline_note(self.offline_since))

    def _table_widget(self, t: Table) -> QTableWidget:
        w = QTableWidget(min(len(t.rows), PREVIEW_ROWS), len(t.columns), self.previews)
        w.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        w.setHorizontalHeaderLabels([title_text(c.title) for c in t.columns])
        w.verticalHeader().hide()
        kinds = [c.kind for c in t.columns]
        for r, row in enumerate(t.rows[:PREVIEW_ROWS]):
            for c, (k, v) in enumerate(zip(kinds, row)):
                if k in ("number", "duration") and v == 0 and t.name != "Payroll":
                    continue  # blank zeros: late 12 stands out (the files keep the 0)
                text = v.strftime("%H:%M") if k == "clock" and v is not None else cell_text(k, v)
                w.setItem(r, c, QTableWidgetItem(text))
        w.resizeColumnsToContents()
        return w

    # export and print --------------------------------------------------------------------
    def export_name(self) -> str:
        kind, first, last, _, _ = self.filters()
        return f"{kind}-{first}_{last}.xlsx"

    def ask_export(self) -> None:
        path = file_dialogs.save_file(self, self.tr("Export report"), default_export_path(self.export_name()),
                                      self.tr("Excel workbook (*.xlsx);;CSV (*.csv);;PDF (*.pdf)"))
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> None:
        """Compute the report of the current filters and write it by the file's suffix."""
        compute, tk = self._compute(), self.ctx.timekeeping()
        self._set_busy(True)
        self.status.setText(self.tr("Exporting…"))

        def work() -> int:
            tables, title = compute()
            return tk.export(tables, path, pdf_writer=write_pdf, title=title)

        def done(n: int) -> None:
            self._set_busy(False)
            self.status.setText(self.tr("Exported %1 row(s) to %2").replace("%1", str(n)).replace("%2", str(path)))
            self.exported.emit(int(n), str(path))

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self.status.setText("")
            QMessageBox.warning(self, self.tr("Export report"), error_text(exc))

        run_in_thread(work, done, failed)

    def document(self):
        """The previewed report as a printable document (the PDF export's layout)."""
        from PySide6.QtGui import QFont, QTextDocument

        doc = QTextDocument(self)
        doc.setDefaultFont(QFont("Sans Serif", 6))
        doc.setHtml(tables_html(self.tables, self.title))
        return doc

    def ask_print(self) -> None:
        from PySide6.QtGui import QPageLayout
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        if not self.tables:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        printer.setDocName(self.title)
        dlg = QPrintDialog(printer, self)
        dlg.setWindowTitle(self.tr("Print report"))
        if dlg.exec():
            self.document().print_(printer)


