"""Recording and reading attendance events (mixed into storage.repository.Repository).

Booking with the in/out rule inside the write lock is storage.attendance_writes; this is the
plain insert (imports, tests) and the queries the log page, reports and exports read.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..shared.records import AttendanceEvent, Employee
from .convert import float_or_nan, like_pattern, nan_to_none, ts_from_db, ts_to_db

if TYPE_CHECKING:
    from contextlib import AbstractContextManager


def _event(row: Sequence[Any]) -> AttendanceEvent:
    return AttendanceEvent(employee_id=row[1], ts=ts_from_db(row[2]), kind=row[3], source=row[4] or "",
                           score=float_or_nan(row[5]), margin=float_or_nan(row[6]), id=row[0],
                           employee_number=row[7] or "", employee_name=row[8] or "", department=row[9] or "")


class AttendanceRepositoryMixin:
    """add_attendance, last_event and events (with the employee's current details joined)."""

    if TYPE_CHECKING:
        def _write(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _require_employee(self, c: sqlite3.Connection, employee_id: int) -> Employee: ...

    def add_attendance(self, event: AttendanceEvent) -> AttendanceEvent:
        """Store one decision; returns it with its id and the employee's current details."""
        if event.kind not in ("in", "out"):
            raise ValueError(f"attendance kind must be 'in' or 'out', got {event.kind!r}")
        ts = ts_to_db(event.ts, "event ts")
        with self._write(f"recording attendance for employee {event.employee_id}") as c:
            emp = self._require_employee(c, event.employee_id)
            cur = c.execute("INSERT INTO attendance (employee_id, ts, kind, source, score, margin) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (emp.id, ts, event.kind, event.source or "", nan_to_none(event.score),
                             nan_to_none(event.margin)))
        return dataclasses.replace(event, id=int(cur.lastrowid), employee_number=emp.number,
                                   employee_name=emp.name, department=emp.department)

    _EVENT_SQL = ("SELECT a.id, a.employee_id, a.ts, a.kind, a.source, a.score, a.margin, e.number, e.name, "
                  "e.department FROM attendance a LEFT JOIN employees e ON e.id = a.employee_id")

    def last_event(self, employee_id: int) -> AttendanceEvent | None:
        """The person's latest event: the attendance rules decide in/out and cooldown from it."""
        with self._read("reading the last attendance event") as c:
            row = c.execute(self._EVENT_SQL + " WHERE a.employee_id = ? ORDER BY a.ts DESC, a.id DESC LIMIT 1",
                            (int(employee_id),)).fetchone()
        return _event(row) if row else None

    def events(self, start: datetime | None = None, end: datetime | None = None,
               employee_ids: Iterable[int] | None = None, department: str | None = None,
               department_contains: str | None = None) -> list[AttendanceEvent]:
        """Events with start <= ts < end (either bound optional), oldest first, joined with the
        employee's number/name/department (empty for deleted people, whose employee_id is
        None). `department` filters on the employee's current department (exact, the CLI's
        --department); `department_contains` on a part of it, ignoring case (the log page)."""
        sql, args = self._EVENT_SQL + " WHERE 1 = 1", []
        if start is not None:
            sql, args = sql + " AND a.ts >= ?", args + [ts_to_db(start, "start")]
        if end is not None:
            sql, args = sql + " AND a.ts < ?", args + [ts_to_db(end, "end")]
        if employee_ids is not None:
            sql, args = sql + " AND a.employee_id IN (SELECT value FROM json_each(?))", \
                args + [json.dumps([int(i) for i in employee_ids])]
        if department is not None:
            sql, args = sql + " AND e.department = ?", args + [department]
        if department_contains:
            sql, args = sql + " AND e.department LIKE ? ESCAPE '\\'", args + [like_pattern(department_contains)]
        with self._read("reading attendance events") as c:
            return [_event(r) for r in c.execute(sql + " ORDER BY a.ts, a.id", args)]
