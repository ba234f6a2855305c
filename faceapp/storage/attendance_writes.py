"""Booking attendance: deciding in/out and writing the row in one write transaction
(mixed into storage.repository.Repository).

The rule (attendance.rules: cooldown, first-in-last-out or toggle, local days) is passed
in, so storage keeps no attendance policy, but it runs inside BEGIN IMMEDIATE, after the
write lock is taken: two recognisers (two kiosks, a kiosk and `faceapp identify`) deciding
the same person at the same moment are serialised, and the second sees the first's row.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from ..shared.records import AttendanceEvent, Employee, Kind
from .convert import nan_to_none, ts_to_db

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

# The person's latest event (None: never booked) -> the kind to book, or None (cooldown).
BookingRule = Callable[[AttendanceEvent | None], Kind | None]


@dataclass(frozen=True)
class Booking:
    """What book_attendance did: `event` is the new row (with its id), or None when the
    rule said no (within the cooldown of `last`) or the person may not be booked any more
    (`refused`: "inactive", for a person deactivated or erased meanwhile)."""

    event: AttendanceEvent | None
    last: AttendanceEvent | None
    refused: str = ""

    @property
    def kind(self) -> Kind | None:
        return self.event.kind if self.event is not None else None


class AttendanceWriteMixin:
    if TYPE_CHECKING:
        path: str
        _EVENT_SQL: str

        def _write(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _require_employee(self, c: sqlite3.Connection, employee_id: int) -> Employee: ...

    def book_attendance(self, employee_id: int, ts: datetime, rule: BookingRule, source: str = "",
                        score: float = float("nan"), margin: float = float("nan")) -> Booking:
        """Decide with `rule` from the person's latest event and insert the row, in one
        BEGIN IMMEDIATE transaction. A person deactivated or erased by another process since
        the recogniser loaded its gallery is refused here, in the same transaction, so no row
        is ever booked on an inactive or anonymised record (a deleted one raises
        EmployeeNotFoundError)."""
        from .repository import _event  # the row decoder lives with the other attendance queries

        stamp = ts_to_db(ts, "event ts")
        with self._write(f"booking attendance for employee {employee_id}") as c:
            emp = self._require_employee(c, employee_id)
            if not emp.active:
                return Booking(None, None, refused="inactive")
            row = c.execute(self._EVENT_SQL + " WHERE a.employee_id = ? ORDER BY a.ts DESC, a.id DESC LIMIT 1",
                            (emp.id,)).fetchone()
            last = _event(row) if row else None
            kind = rule(last)
            if kind is None:
                return Booking(None, last)
            if kind not in ("in", "out"):
                raise ValueError(f"attendance kind must be 'in' or 'out', got {kind!r}")
            cur = c.execute("INSERT INTO attendance (employee_id, ts, kind, source, score, margin) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (emp.id, stamp, kind, source or "", nan_to_none(score), nan_to_none(margin)))
            event = AttendanceEvent(emp.id, ts, kind, source or "", score, margin, int(cur.lastrowid),
                                    emp.number, emp.name, emp.department)
        return Booking(event, last)


__all__ = ["AttendanceWriteMixin", "Booking", "BookingRule"]
