"""Report tables drawn to PDF with Qt's printing (faceapp.ui.report_pdf), off screen."""

from __future__ import annotations

from datetime import date, datetime

from faceapp.timekeeping.reports import Column, Table
from faceapp.ui.report_pdf import tables_html, write_pdf


def test_pdf_has_pages_and_the_names(tmp_path, qapp):
    rows = [["0042", "李小龙", date(2026, 6, 1), datetime(2026, 6, 1, 22, 1), 450]] * 120
    t = Table("Time card", (Column("Number", "id"), Column("Name"), Column("Date", "date"), Column("In", "clock"),
                            Column("Worked", "duration")), rows)
    html = tables_html([t], "Time card <June>")
    assert "李小龙" in html and "22:01" in html and "7:30" in html and "&lt;June&gt;" in html
    out = tmp_path / "r.pdf"
    write_pdf([t], out, "Time card June")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + \
        data.count(b"/Type/Page") >= 2  # 120 rows do not fit on one page
    assert not list(tmp_path.glob(".*tmp"))
