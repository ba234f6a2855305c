"""Booking attendance: deciding in/out and writing the row in one write transaction
(mixed into storage.repository.Repository).

The rule (attendance.rules: cooldown, first-in-last-out or toggle, local days) is passed
in, so storage keeps no attendance policy, but it runs inside BEGIN IMMEDIATE, after the
write lock is taken: two recognisers (two kiosks, a kiosk and `faceapp identify`) deciding
the same person at the same moment are serialised, and the second sees the first's row.
The rule is given the person's events in a window around the new one (the rules' booking
window: its local day), in time order, so it decides from that day's events before it,
not from the latest event overall (a back-filled or future-dated event).
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

# The person's events in the window, oldest first -> the kind to book, or None (cooldown).
BookingRule = Callable[[list[AttendanceEvent]], Kind | None]


@dataclass(frozen=True)
class Booking:
    """What book_attendance did: `event` is the new row (with its id), or None when the
    rule said no (a cooldown) or the person may not be booked any more (`refused`:
    "inactive", for a person deactivated or erased meanwhile); `last` is the person's latest
    event at or before the new one's time within the window (None: none)."""

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
                        score: float = float("nan"), margin: float = float("nan"),
                        window: tuple[datetime, datetime] | None = None) -> Booking:
        """Decide with `rule` from the person's events with window[0] <= ts < window[1]
        (None: all of them), oldest first, and insert the row, in one BEGIN IMMEDIATE
        transaction. A person deactivated or erased by another process since the recogniser
        loaded its gallery is refused here, in the same transaction, so no row is ever booked
        on an inactive or anonymised record (a deleted one raises EmployeeNotFoundError)."""
        from .attendance_repo import _event  # the row decoder lives with the other attendance queries

        stamp = ts_to_db(ts, "event ts")
        sql, args = self._EVENT_SQL + " WHERE a.employee_id = ?", [employee_id]
        if window is not None:
            sql += " AND a.ts >= ? AND a.ts < ?"
            args += [ts_to_db(window[0], "window start"), ts_to_db(window[1], "window end")]
        with self._write(f"booking attendance for employee {employee_id}") as c:
            emp = self._require_employee(c, employee_id)
            if not emp.active:
                return Booking(None, None, refused="inactive")
            args[0] = emp.id
            events = [_event(r) for r in c.execute(sql + " ORDER BY a.ts, a.id", args).fetchall()]
            last = next((e for e in reversed(events) if e.ts <= ts), None)
            kind = rule(events)
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
