"""The audit-log viewer's use case: filtered, read-only rows and their CSV export.

Dates are the site's local days (the attendance time zone), turned into instants here, so the
page and the export agree with the attendance log on what "5 December" is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from ..attendance.csv_export import write_table_csv
from ..shared.errors import InvalidValueError
from ..storage.rows import AuditEntry

if TYPE_CHECKING:
    from ..storage.repository import Repository

__all__ = ["AuditEntry", "AuditFilter", "AuditService", "CSV_COLUMNS", "details_text"]

CSV_COLUMNS = ("id", "timestamp", "actor", "action", "person", "details")


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""  # exact action, "" for all
    actor: str = ""  # exact actor ("admin:ana", "kiosk", "cli"), "" for all
    person: str = ""  # a part of an employee's number or name
    first_day: date | None = None
    last_day: date | None = None  # inclusive


def details_text(details: dict) -> str:
    """One line for the table: key=value pairs in the stored order."""
    return "; ".join(f"{k}={v if isinstance(v, (str, int, float)) else json.dumps(v, ensure_ascii=False)}"
                     for k, v in details.items())


class AuditService:
    def __init__(self, repo: "Repository", tz: tzinfo) -> None:
        self.repo = repo
        self.tz = tz

    def entries(self, f: AuditFilter) -> list[AuditEntry]:
        if f.first_day and f.last_day and f.first_day > f.last_day:
            raise InvalidValueError("the From date is after the To date")
        start = datetime.combine(f.first_day, time(), self.tz) if f.first_day else None
        end = datetime.combine(f.last_day + timedelta(days=1), time(), self.tz) if f.last_day else None
        return self.repo.audit_entries(f.action, f.actor, f.person, start, end)

    def choices(self) -> tuple[list[str], list[str]]:
        """Actions and actors present in the log (the filter lists)."""
        return self.repo.audit_choices()

    def export_csv(self, entries: list[AuditEntry], out: str | Path) -> int:
        """The rows shown, as CSV (BOM, RFC 4180, formula-looking cells neutralised, atomic)."""
        self.repo.refuse_own_file(out, "an export file")
        rows = ([str(e.id), e.ts.astimezone(self.tz).isoformat(timespec="seconds"), e.actor, e.action, e.person,
                 json.dumps(e.details, ensure_ascii=False, sort_keys=True)] for e in entries)
        return write_table_csv(out, CSV_COLUMNS, rows)
