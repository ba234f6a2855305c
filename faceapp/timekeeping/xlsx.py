"""Report tables as an .xlsx workbook (openpyxl), one sheet per table, made for Excel users:
dates are dates, check-in/out real date-times shown as hh:mm, durations numbers of days
with [h]:mm (so totals sum past 24 h), counts numbers, employee numbers text ("0042"),
the header frozen and filtered. Written to a temporary file and renamed, so a failed
export leaves nothing half-written."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from .reports import Table

FORMATS = {"date": "yyyy-mm-dd", "clock": "hh:mm", "duration": "[h]:mm", "number": "General", "id": "@"}
_MINUTES_PER_DAY = 24 * 60
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _cell(kind: str, value):  # noqa: ANN001, ANN202
    if value is None or value == "":
        return None
    if kind == "duration":
        return value / _MINUTES_PER_DAY
    if kind == "id":
        return str(value)
    return value


def fill_workbook(wb: Workbook, tables: Iterable[Table]) -> None:
    """One sheet per table in a write-only workbook (streamed: a month of 500 people is
    15,000 rows), each cell with its kind's number format."""
    for table in tables:
        ws = wb.create_sheet(table.name.translate(_BAD_SHEET_CHARS)[:31])
        kinds = [c.kind for c in table.columns]
        for j, kind in enumerate(kinds, start=1):
            width = max([len(table.columns[j - 1].title)] + [len(str(r[j - 1] or "")) for r in table.rows[:200]])
            ws.column_dimensions[get_column_letter(j)].width = 8 if kind == "clock" else min(max(8, width + 2), 40)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(kinds))}{len(table.rows) + 1}"
        bold = Font(bold=True)
        header = []
        for title in table.header:
            cell = WriteOnlyCell(ws, title)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        formats = [FORMATS.get(k) for k in kinds]
        for row in table.rows:
            cells = []
            for kind, fmt, v in zip(kinds, formats, row):
                value = _cell(kind, v)
                if value is None or (fmt in (None, "General") and not (isinstance(value, str) and value.startswith("="))):
                    cells.append(value)
                    continue
                cell = WriteOnlyCell(ws, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                if fmt and fmt != "General":
                    cell.number_format = fmt
                cells.append(cell)
            ws.append(cells)


def write_xlsx(tables: Iterable[Table], path: str | os.PathLike) -> Path:
    """Write the tables, one sheet each, to `path` (atomically). OSError on failure."""
    path = Path(path)
    wb = Workbook(write_only=True)
    fill_workbook(wb, tables)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
