"""Report tables as a printable PDF with Qt's own printing (QTextDocument + QPdfWriter):
A4 landscape, a title, one table per report with its header repeated on each page.
Chinese and other non-Latin names are drawn with the system's fallback fonts."""

from __future__ import annotations

import html
import os
import sys
from pathlib import Path
from typing import Sequence

from ..timekeeping.reports import Table, cell_text


def _app() -> None:
    """A QGuiApplication for the fonts; off screen when there is no display (a shell)."""
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app.keep = QGuiApplication(["faceapp"])  # type: ignore[attr-defined]


def tables_html(tables: Sequence[Table], title: str) -> str:
    parts = [f"<h2>{html.escape(title)}</h2>"]
    for t in tables:
        kinds = [c.kind for c in t.columns]
        parts.append(f"<h3>{html.escape(t.name)} ({len(t.rows)})</h3>")
        parts.append('<table border="1" cellspacing="0" cellpadding="2"><thead><tr>')
        parts += [f"<th>{html.escape(c.title)}</th>" for c in t.columns]
        parts.append("</tr></thead><tbody>")
        for row in t.rows:
            cells = [cell_text(k, v) if k != "clock" or v is None else v.strftime("%H:%M") for k, v in zip(kinds, row)]
            align = ['align="right" style="white-space:nowrap"' if k in ("number", "duration", "clock")
                     else 'style="white-space:nowrap"' for k in kinds]
            parts.append("<tr>" + "".join(f"<td {a}>{html.escape(c)}</td>" for a, c in zip(align, cells)) + "</tr>")
        parts.append("</tbody></table>")
    return "".join(parts)


def write_pdf(tables: Sequence[Table], path: Path, title: str = "") -> None:
    """Draw the tables into `path` (A4 landscape), through a temporary file and a rename."""
    _app()
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    writer = QPdfWriter(str(tmp))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setPageMargins(QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter)
    writer.setTitle(title)
    writer.setCreator("faceapp")
    doc = QTextDocument()
    doc.setDefaultFont(QFont("Sans Serif", 6))
    doc.setHtml(tables_html(tables, title))
    try:
        doc.print_(writer)
        del writer  # finishes the file
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
