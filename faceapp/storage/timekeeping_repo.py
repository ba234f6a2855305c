"""Repository methods for time keeping (mixed into storage.repository.Repository):
timetables, shifts and their days, shift assignments, public holidays, leave, and punch
corrections.

Corrections never edit a punch: adding one inserts a new attendance row marked by an
"add" correction, voiding and restoring append "void"/"restore" rows; the latest of those
decides. Each carries a reason and who did it, and is audited in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..shared.records import Employee, Kind
from ..shared.text import control_characters
from ..timekeeping.rules import (Assignment, Holiday, Leave, Punch, Shift, Timetable, TimekeepingRuleError,
                                 timetable_from_dict, timetable_to_dict)
from .convert import ts_from_db, ts_to_db
from .errors import CorruptRowError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager


class PunchNotFoundError(TimekeepingRuleError):
    """No punch (attendance row) with this id."""


def _name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise TimekeepingRuleError(f"{what} must not be empty")
    bad = control_characters(value)
    if bad:
        raise TimekeepingRuleError(f"{what} {value!r} contains control characters ({', '.join(bad)})")
    return value


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise TimekeepingRuleError("a correction needs a reason (--reason TEXT)")
    return _name(reason, "reason")


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class TimekeepingRepositoryMixin:
    if TYPE_CHECKING:
        path: str

        def _write(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _audit(self, c: sqlite3.Connection, actor: str, action: str, details: dict[str, Any]) -> int: ...
        def _require_employee(self, c: sqlite3.Connection, employee_id: int) -> Employee: ...
        @staticmethod
        def _now() -> str: ...

    # -- timetables and shifts ------------------------------------------------------------

    def add_timetable(self, tt: Timetable, actor: str = "admin") -> Timetable:
        name = _name(tt.name, "timetable name")
        rules = json.dumps(timetable_to_dict(tt), sort_keys=True)
        now = self._now()
        with self._write(f"saving timetable {name}") as c:
            try:
                c.execute("INSERT INTO timetables (name, rules, created_at, updated_at) VALUES (?, ?, ?, ?)",
                          (name, rules, now, now))
            except sqlite3.IntegrityError:
                raise TimekeepingRuleError(f"timetable {name!r} already exists; pick another name") from None
            self._audit(c, actor, "timekeeping.timetable_add", {"name": name, "rules": json.loads(rules)})
        return tt

    def update_timetable(self, tt: Timetable, actor: str = "admin") -> Timetable:
        """New rules for an existing timetable (the Schedules page's Edit): results are
        computed on demand, so every day, past ones included, follows the new rules."""
        name = _name(tt.name, "timetable name")
        rules = json.dumps(timetable_to_dict(tt), sort_keys=True)
        with self._write(f"updating timetable {name}") as c:
            old = c.execute("SELECT rules FROM timetables WHERE name = ?", (name,)).fetchone()
            if old is None:
                raise TimekeepingRuleError(f"unknown timetable {name!r}")
            c.execute("UPDATE timetables SET rules = ?, updated_at = ? WHERE name = ?", (rules, self._now(), name))
            self._audit(c, actor, "timekeeping.timetable_update",
                        {"name": name, "old": json.loads(old[0]), "rules": json.loads(rules)})
        return tt

    def timetables(self) -> dict[str, Timetable]:
        with self._read("reading timetables") as c:
            rows = c.execute("SELECT id, name, rules FROM timetables ORDER BY name").fetchall()
        out = {}
        for rid, name, rules in rows:
            try:
                out[name] = timetable_from_dict(name, json.loads(rules))
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                raise CorruptRowError(f"timetable {name!r} in {self.path} is damaged: {exc}", self.path,
                                      table="timetables", row_id=int(rid)) from exc
        return out

    def add_shift(self, shift: Shift, actor: str = "admin") -> Shift:
        name = _name(shift.name, "shift name")
        now = self._now()
        with self._write(f"saving shift {name}") as c:
            ids = dict(c.execute("SELECT name, id FROM timetables").fetchall())
            unknown = sorted({d for d in shift.days if d is not None and d not in ids})
            if unknown:
                raise TimekeepingRuleError(f"unknown timetable {', '.join(map(repr, unknown))}; "
                                           "add it first (faceapp timetable add)")
            try:
                cur = c.execute("INSERT INTO shifts (name, kind, cycle_days, created_at, updated_at) "
                                "VALUES (?, ?, ?, ?, ?)", (name, shift.kind, len(shift.days), now, now))
            except sqlite3.IntegrityError:
                raise TimekeepingRuleError(f"shift {name!r} already exists; pick another name") from None
            sid = int(cur.lastrowid)
            c.executemany("INSERT INTO shift_days (shift_id, day_index, timetable_id) VALUES (?, ?, ?)",
                          [(sid, i, ids[d] if d else None) for i, d in enumerate(shift.days)])
            self._audit(c, actor, "timekeeping.shift_add", {"name": name, "kind": shift.kind, "days": list(shift.days)})
        return shift

    def shifts(self) -> dict[str, Shift]:
        with self._read("reading shifts") as c:
            heads = c.execute("SELECT id, name, kind, cycle_days FROM shifts ORDER BY name").fetchall()
            days = c.execute("SELECT d.shift_id, d.day_index, t.name FROM shift_days d "
                             "LEFT JOIN timetables t ON t.id = d.timetable_id").fetchall()
        by_shift: dict[int, dict[int, str | None]] = {}
        for sid, idx, tname in days:
            by_shift.setdefault(sid, {})[idx] = tname
        return {name: Shift(name, kind, tuple(by_shift.get(sid, {}).get(i) for i in range(n)))
                for sid, name, kind, n in heads}

    # -- assignments, holidays, leave -----------------------------------------------------------

    def assign_shift(self, a: Assignment, actor: str = "admin") -> Assignment:
        with self._write(f"assigning shift {a.shift}") as c:
            row = c.execute("SELECT id FROM shifts WHERE name = ?", (a.shift,)).fetchone()
            if row is None:
                raise TimekeepingRuleError(f"unknown shift {a.shift!r}; add it first (faceapp shift add)")
            if a.employee_id is not None:
                self._require_employee(c, a.employee_id)
            cur = c.execute("INSERT INTO shift_assignments (shift_id, employee_id, department, start_day, end_day, "
                            "temporary, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (row[0], a.employee_id, a.department, a.start.isoformat(),
                             a.end.isoformat() if a.end else None, int(a.temporary), actor, self._now()))
            self._audit(c, actor, "timekeeping.assign", {"shift": a.shift, "employee_id": a.employee_id,
                                                         "department": a.department, "start": a.start.isoformat(),
                                                         "end": a.end.isoformat() if a.end else None,
                                                         "temporary": a.temporary})
        return Assignment(a.shift, a.start, a.employee_id, a.department, a.end, a.temporary, int(cur.lastrowid))

    def assignments(self) -> list[Assignment]:
        with self._read("reading shift assignments") as c:
            rows = c.execute("SELECT a.id, s.name, a.employee_id, a.department, a.start_day, a.end_day, a.temporary "
                             "FROM shift_assignments a JOIN shifts s ON s.id = a.shift_id ORDER BY a.id").fetchall()
        return [Assignment(name, date.fromisoformat(start), emp, dept, _day(end), bool(temp), rid)
                for rid, name, emp, dept, start, end, temp in rows]

    def add_holidays(self, holidays: Iterable[Holiday], actor: str = "admin") -> int:
        """Add or rename public holidays (one per day); returns how many were written."""
        rows = [(h.day.isoformat(), _name(h.name, "holiday name")) for h in holidays]
        with self._write("saving public holidays") as c:
            c.executemany("INSERT INTO holidays (day, name, created_at) VALUES (?, ?, ?) "
                          "ON CONFLICT(day) DO UPDATE SET name = excluded.name",
                          [(d, n, self._now()) for d, n in rows])
            self._audit(c, actor, "timekeeping.holidays", {"days": [d for d, _ in rows]})
        return len(rows)

    def holidays(self, first: date | None = None, last: date | None = None) -> dict[date, Holiday]:
        with self._read("reading public holidays") as c:
            rows = c.execute("SELECT day, name FROM holidays WHERE day >= ? AND day <= ? ORDER BY day",
                             ((first or date.min).isoformat(), (last or date.max).isoformat())).fetchall()
        return {date.fromisoformat(d): Holiday(date.fromisoformat(d), n) for d, n in rows}

    def add_leave(self, entries: Sequence[Leave], actor: str = "admin") -> int:
        """Leave days of one or more employees, all or none (a day already on leave refuses all)."""
        with self._write("saving leave") as c:
            for lv in entries:
                self._require_employee(c, lv.employee_id)
                try:
                    c.execute("INSERT INTO leave (employee_id, day, kind, portion, paid, note, actor, created_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                              (lv.employee_id, lv.day.isoformat(), lv.kind, lv.portion, int(lv.paid),
                               lv.note or "", actor, self._now()))
                except sqlite3.IntegrityError:
                    raise TimekeepingRuleError(f"employee id {lv.employee_id} already has leave on {lv.day}") from None
            self._audit(c, actor, "timekeeping.leave_add",
                        {"entries": [{"employee_id": lv.employee_id, "day": lv.day.isoformat(), "kind": lv.kind,
                                      "portion": lv.portion, "paid": lv.paid} for lv in entries]})
        return len(entries)

    def leave(self, first: date, last: date) -> list[Leave]:
        with self._read("reading leave") as c:
            rows = c.execute("SELECT id, employee_id, day, kind, portion, paid, note FROM leave "
                             "WHERE day >= ? AND day <= ? ORDER BY day, employee_id",
                             (first.isoformat(), last.isoformat())).fetchall()
        return [Leave(emp, date.fromisoformat(d), kind, portion, bool(paid), note or "", rid)
                for rid, emp, d, kind, portion, paid, note in rows]

    # -- punches and their corrections -------------------------------------------------------------

    def punches(self, start: datetime, end: datetime) -> list[Punch]:
        """Every punch of a known employee with start <= ts < end, voided ones included
        (marked); `corrected` for one added, voided or restored; two queries, whatever the range."""
        lo, hi = ts_to_db(start, "start"), ts_to_db(end, "end")
        with self._read("reading punches") as c:
            rows = c.execute("SELECT id, employee_id, ts FROM attendance WHERE ts >= ? AND ts < ? "
                             "AND employee_id IS NOT NULL ORDER BY ts, id", (lo, hi)).fetchall()
            fixes = c.execute("SELECT c.attendance_id, c.action FROM punch_corrections c JOIN attendance a "
                              "ON a.id = c.attendance_id WHERE a.ts >= ? AND a.ts < ? ORDER BY c.id",
                              (lo, hi)).fetchall()
        added, state = set(), {}
        for aid, action in fixes:
            if action == "add":
                added.add(aid)
            else:
                state[aid] = action
        return [Punch(emp, ts_from_db(ts), rid, rid in added or rid in state, state.get(rid) == "void")
                for rid, emp, ts in rows]

    def add_punch(self, employee_id: int, ts: datetime, kind: Kind, reason: str, actor: str) -> int:
        """A forgotten punch, added by an admin: a new attendance row and its "add" correction."""
        reason, actor = _reason(reason), _name(actor, "the name of who corrects (--by)")
        if kind not in ("in", "out"):
            raise TimekeepingRuleError(f"punch kind {kind!r}: choose in or out")
        stamp = ts_to_db(ts, "punch time")
        with self._write(f"adding a punch for employee {employee_id}") as c:
            emp = self._require_employee(c, employee_id)
            aid = int(c.execute("INSERT INTO attendance (employee_id, ts, kind, source) VALUES (?, ?, ?, ?)",
                                (emp.id, stamp, kind, "correction")).lastrowid)
            self._correction(c, aid, "add", reason, actor)
            self._audit(c, actor, "timekeeping.punch_add", {"attendance_id": aid, "employee_id": emp.id,
                                                            "ts": stamp, "kind": kind, "reason": reason})
        return aid

    def void_punch(self, attendance_id: int, reason: str, actor: str) -> Punch:
        return self._set_punch_state(attendance_id, "void", reason, actor)

    def restore_punch(self, attendance_id: int, reason: str, actor: str) -> Punch:
        return self._set_punch_state(attendance_id, "restore", reason, actor)

    def _set_punch_state(self, attendance_id: int, action: str, reason: str, actor: str) -> Punch:
        reason, actor = _reason(reason), _name(actor, "the name of who corrects (--by)")
        with self._write(f"{'voiding' if action == 'void' else 'restoring'} punch {attendance_id}") as c:
            row = c.execute("SELECT id, employee_id, ts FROM attendance WHERE id = ?", (int(attendance_id),)).fetchone()
            if row is None or row[1] is None:
                raise PunchNotFoundError(f"no punch with id {attendance_id} (of a known employee)")
            last = c.execute("SELECT action FROM punch_corrections WHERE attendance_id = ? AND action != 'add' "
                             "ORDER BY id DESC LIMIT 1", (row[0],)).fetchone()
            voided = last is not None and last[0] == "void"
            if action == "void" and voided:
                raise TimekeepingRuleError(f"punch {attendance_id} is already void")
            if action == "restore" and not voided:
                raise TimekeepingRuleError(f"punch {attendance_id} is not void; nothing to restore")
            self._correction(c, row[0], action, reason, actor)
            self._audit(c, actor, f"timekeeping.punch_{action}", {"attendance_id": row[0], "employee_id": row[1],
                                                                   "ts": row[2], "reason": reason})
        return Punch(row[1], ts_from_db(row[2]), row[0], voided=action == "void")

    def _correction(self, c: sqlite3.Connection, aid: int, action: str, reason: str, actor: str) -> None:
        c.execute("INSERT INTO punch_corrections (attendance_id, action, reason, actor, created_at) "
                  "VALUES (?, ?, ?, ?, ?)", (aid, action, reason, actor, self._now()))

    def punch_corrections(self, attendance_id: int) -> list[tuple[str, str, str, datetime]]:
        """(action, reason, actor, when) of one punch, oldest first: its history for the log."""
        with self._read("reading punch corrections") as c:
            rows = c.execute("SELECT action, reason, actor, created_at FROM punch_corrections "
                             "WHERE attendance_id = ? ORDER BY id", (int(attendance_id),)).fetchall()
        return [(a, r, who, ts_from_db(when)) for a, r, who, when in rows]
