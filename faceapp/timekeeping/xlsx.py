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
    first = True
    for table in tables:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = table.name.translate(_BAD_SHEET_CHARS)[:31]
        ws.append(table.header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        kinds = [c.kind for c in table.columns]
        for row in table.rows:
            values = [_cell(k, v) for k, v in zip(kinds, row)]
            ws.append(values)
            for j, v in enumerate(values, start=1):
                if isinstance(v, str) and v.startswith("="):  # openpyxl would store it as a formula
                    ws.cell(ws.max_row, j).data_type = "s"
        for j, kind in enumerate(kinds, start=1):
            fmt = FORMATS.get(kind)
            letter = get_column_letter(j)
            width = max([len(table.columns[j - 1].title)] + [len(str(r[j - 1] or "")) for r in table.rows[:200]])
            ws.column_dimensions[letter].width = min(max(8, width + 2), 40) if kind != "clock" else 8
            if fmt and fmt != "General":
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions


def write_xlsx(tables: Iterable[Table], path: str | os.PathLike) -> Path:
    """Write the tables, one sheet each, to `path` (atomically). OSError on failure."""
    path = Path(path)
    wb = Workbook()
    fill_workbook(wb, tables)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
