"""CSV export of attendance events and daily summaries for payroll and spreadsheets.

RFC 4180 (comma, CRLF, quotes only where needed), UTF-8 with a BOM so Excel reads
non-ASCII names, ISO 8601 timestamps with their UTC offset. Text that a spreadsheet
would run as a formula (= + - @, tab, CR first) gets a leading single quote (OWASP CSV
injection advice). Writing a path goes through a temporary file in the same folder and a
rename, so a failed export (disk full, file open in Excel) never leaves a half-written file;
an existing target that is not a regular file (a FIFO, /dev/null) is refused, not replaced.

Event columns (write_events_csv):
  id               database id of the event ("" if not stored yet)
  timestamp        ISO 8601 with UTC offset, in `tz` when given, else as stored
  date             calendar date of `timestamp` (YYYY-MM-DD; not shifted by day_start_hour)
  employee_number, employee_name, department
  kind             in | out
  source           camera name or "cli:<file>"
  distance, margin descriptor distance of the decision and gap to the next person (4 places;
                   "" when unknown or infinite)
Summary columns (write_summary_csv):
  date             the attendance day (site's local day)
  employee_number, employee_name, department
  first_in, last_out  ISO 8601 with offset, "" when missing
  worked           H:MM:SS;  worked_hours: decimal hours, two places
  events           number of events that day
  The day's events of deleted employees are one row with empty number, name, times and
  worked time: they can no longer be told apart by person, so only their count is known.

layout="excel" is for people opening the file in a spreadsheet: Excel turns ISO timestamps
into text it cannot sort or sum, and "0042" into the number 42. So that layout has the local
date and time in separate columns (which Excel reads as a date and a time), writes plain
identifiers (employee numbers) as ="0042" so they stay text, and still ends with the ISO
timestamp(s) for programs:
  events:    id, date, time, employee_number, employee_name, department, kind, source,
             distance, margin, timestamp
  summaries: date, employee_number, employee_name, department, first_in, last_out (local
             HH:MM:SS), worked, worked_hours, events, first_in_timestamp, last_out_timestamp
Filtering and ordering are the caller's.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import IO, Union

from ..shared.errors import FaceAppError
from ..shared.records import AttendanceEvent, DailySummary
from ..shared.text import is_control

log = logging.getLogger(__name__)

EVENT_COLUMNS: tuple[str, ...] = ("id", "timestamp", "date", "employee_number", "employee_name",
                                  "department", "kind", "source", "distance", "margin")
SUMMARY_COLUMNS: tuple[str, ...] = ("date", "employee_number", "employee_name", "department",
                                    "first_in", "last_out", "worked", "worked_hours", "events")

EXCEL_EVENT_COLUMNS: tuple[str, ...] = ("id", "date", "time", "employee_number", "employee_name", "department",
                                        "kind", "source", "distance", "margin", "timestamp")
EXCEL_SUMMARY_COLUMNS: tuple[str, ...] = ("date", "employee_number", "employee_name", "department", "first_in",
                                          "last_out", "worked", "worked_hours", "events", "first_in_timestamp",
                                          "last_out_timestamp")
LAYOUTS: tuple[str, ...] = ("iso", "excel")

Target = Union[str, os.PathLike, IO[str], IO[bytes]]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z ._/:-]{0,63}")  # nothing a formula could do harm with


class ExcelText(str):
    """A cell written as ="..." on purpose (built only from a plain identifier): not neutralised."""


class ExportError(FaceAppError):
    """The export file could not be written; nothing was left behind at its path."""


def neutralise(cell: str) -> str:
    """Prefix a cell a spreadsheet would treat as a formula with a single quote, and replace
    control characters other than tab and line breaks (NUL, ESC, ...: rows written before
    names were checked) with U+FFFD, which every CSV reader takes as text. ExcelText cells
    (identifiers written as ="0042") are written as they are."""
    if isinstance(cell, ExcelText):
        return cell
    if any(is_control(ch) and ch not in "\t\r\n" for ch in cell):
        cell = "".join("\ufffd" if is_control(ch) and ch not in "\t\r\n" else ch for ch in cell)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def excel_text(value: str) -> str:
    """="0042" for a plain identifier, so a spreadsheet keeps it as text; anything else as is."""
    return ExcelText(f'="{value}"') if _PLAIN_ID.fullmatch(value) else value


def _check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise ValueError(f"layout={layout!r}: choose one of {', '.join(LAYOUTS)}")


def _local(dt: datetime | None, tz: tzinfo | None) -> datetime | None:
    if dt is None:
        return None
    _ts(dt, None)  # refuses naive timestamps
    return dt.astimezone(tz) if tz is not None else dt


def _ts(dt: datetime | None, tz: tzinfo | None) -> str:
    if dt is None:
        return ""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"refusing to export a timestamp without time zone: {dt!r}")
    return (dt.astimezone(tz) if tz is not None else dt).isoformat(timespec="seconds")


def _num(x: float) -> str:
    return "" if x is None or not math.isfinite(x) else f"{x:.4f}"


def _hms(td: timedelta) -> str:
    secs = int(td.total_seconds())
    sign, secs = ("-" if secs < 0 else ""), abs(secs)
    return f"{sign}{secs // 3600}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


def event_row(ev: AttendanceEvent, tz: tzinfo | None = None) -> list[str]:
    """tz: convert timestamps to the site's zone (None keeps each event's own offset)."""
    ts = _ts(ev.ts, tz)
    return ["" if ev.id is None else str(ev.id), ts, ts[:10], ev.employee_number, ev.employee_name,
            ev.department, ev.kind, ev.source, _num(ev.score), _num(ev.margin)]


def excel_event_row(ev: AttendanceEvent, tz: tzinfo | None = None) -> list[str]:
    local = _local(ev.ts, tz)
    return ["" if ev.id is None else str(ev.id), local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S"),
            excel_text(ev.employee_number), ev.employee_name, ev.department, ev.kind, ev.source, _num(ev.score),
            _num(ev.margin), _ts(ev.ts, tz)]


def excel_summary_row(s: DailySummary) -> list[str]:
    iso = summary_row(s)
    clock = [_local(t, None).strftime("%H:%M:%S") if t is not None else "" for t in (s.first_in, s.last_out)]
    return [iso[0], excel_text(s.employee_number), *iso[2:4], *clock, *iso[6:9], iso[4], iso[5]]


def summary_row(s: DailySummary) -> list[str]:
    known = s.employee_id is not None  # the deleted employees' row has no worked time to report
    return [s.day.isoformat(), s.employee_number, s.employee_name, s.department,
            _ts(s.first_in, None), _ts(s.last_out, None), _hms(s.worked) if known else "",
            f"{s.worked.total_seconds() / 3600:.2f}" if known else "", str(s.events)]


def write_events_csv(events: Iterable[AttendanceEvent], target: Target, tz: tzinfo | None = None,
                     layout: str = "iso") -> int:
    """Write events to a path (atomically) or an open file; returns the rows written."""
    _check_layout(layout)
    if layout == "excel":
        return _write(target, EXCEL_EVENT_COLUMNS, (excel_event_row(e, tz) for e in events))
    return _write(target, EVENT_COLUMNS, (event_row(e, tz) for e in events))


def write_summary_csv(summaries: Iterable[DailySummary], target: Target, layout: str = "iso") -> int:
    """Write daily summaries to a path (atomically) or an open file; returns the rows written."""
    _check_layout(layout)
    if layout == "excel":
        return _write(target, EXCEL_SUMMARY_COLUMNS, (excel_summary_row(s) for s in summaries))
    return _write(target, SUMMARY_COLUMNS, (summary_row(s) for s in summaries))


def write_table_csv(target: Target, header: Sequence[str], rows: Iterable[list[str]]) -> int:
    """Any table of text cells (time-keeping reports) with the same rules: BOM, RFC 4180,
    formula-looking cells neutralised, atomic write to a path. Returns the rows written."""
    return _write(target, header, rows)


def _write_rows(fh: IO[str], header: Sequence[str], rows: Iterable[list[str]]) -> int:
    fh.write("\ufeff")
    writer = csv.writer(fh, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
        n += 1
    return n


def _write(target: Target, header: Sequence[str], rows: Iterable[list[str]]) -> int:
    if isinstance(target, (str, os.PathLike)):
        return _write_path(Path(target), lambda fh: _write_rows(fh, header, rows))
    if isinstance(target, io.TextIOBase):
        # Caller's text handle: open it with newline="" and encoding "utf-8"; we write U+FEFF.
        return _write_rows(target, header, rows)
    wrapper = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)  # type: ignore[arg-type]
    try:
        return _write_rows(wrapper, header, rows)
    finally:
        wrapper.flush()
        wrapper.detach()  # leave the caller's binary handle open


def _create_temp(folder: Path, name: str) -> tuple[int, Path]:
    """A new temporary file next to the target, created 0666 minus the umask like any file
    the user makes (mkstemp's 0600 would need a chmod, and a fixed 0644 ignored umask 077)."""
    for _ in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def _refuse_special(path: Path) -> None:
    """The atomic rename would replace a FIFO or a device node (as root: /dev/null) with a
    regular file: an existing target must be a regular file (a symlink to one is fine)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(mode):
        what = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe or a device)"
        raise ExportError(f"cannot write {path}: it is {what}; choose a file name")


def _write_path(path: Path, body: Callable[[IO[str]], int]) -> int:
    _refuse_special(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = _create_temp(folder, path.name)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            n = body(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            try:
                os.chmod(tmp, path.stat().st_mode & 0o7777)  # replacing a file keeps its mode
            except OSError:
                pass  # permissions of a file we may not own; the data matters
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, PermissionError):
            raise ExportError(f"cannot write {path}: permission denied (is it open in another "
                              "program, e.g. Excel?)") from exc
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}; nothing was written") from exc
        raise
    log.info("exported %d rows to %s", n, path)
    return n
