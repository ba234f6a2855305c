"""Repository methods for door access and privacy (mixed into storage.repository.Repository).

Same rules as the rest of the Repository: every write is one BEGIN IMMEDIATE transaction
with its audit row, sqlite3 errors become StorageError. Kept in its own file so the
employee/attendance code stays readable.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..shared.errors import InvalidValueError
from ..shared.text import control_characters
from ..access.rules import AccessAttempt, AccessGroup, ScheduleError, WeeklySchedule
from .convert import float_or_nan, nan_to_none, ts_from_db, ts_to_db
from .errors import AccessGroupNotFoundError, CorruptRowError, DuplicateAccessGroupError
from .rows import ErasureResult, PurgeResult
from .unknown_repo import purge_faces_before

if TYPE_CHECKING:  # the host class provides these
    from contextlib import AbstractContextManager

log = logging.getLogger(__name__)

_ANON_PREFIX = "anon-"
_GROUP_COLUMNS = "id, name, schedule, holidays_closed"


def _group_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidValueError("access group name must not be empty")
    bad = control_characters(name)
    if bad:
        raise InvalidValueError(f"access group name {name!r} contains control characters ({', '.join(bad)})")
    return name


class AccessRepositoryMixin:
    """Access groups, employee assignment, the access log, retention and erasure."""

    path: str

    if TYPE_CHECKING:
        def _write(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _audit(self, c: sqlite3.Connection, actor: str, action: str, details: dict[str, Any]) -> int: ...
        def _require_employee(self, c: sqlite3.Connection, employee_id: int) -> Any: ...
        @staticmethod
        def _now() -> str: ...

    # -- access groups -----------------------------------------------------------------------

    def _group(self, row: Sequence[Any]) -> AccessGroup:
        try:
            schedule = WeeklySchedule.from_json(row[2])
        except ScheduleError as exc:
            raise CorruptRowError(f"access group {row[1]!r} (id {row[0]}) in {self.path} has a damaged "
                                  f"schedule: {exc}. Edit the group's schedule.", self.path,
                                  table="access_groups", row_id=int(row[0])) from None
        return AccessGroup(int(row[0]), row[1], schedule, bool(row[3]))

    def _require_group(self, c: sqlite3.Connection, group_id: int) -> AccessGroup:
        row = c.execute(f"SELECT {_GROUP_COLUMNS} FROM access_groups WHERE id = ?", (int(group_id),)).fetchone()
        if row is None:
            raise AccessGroupNotFoundError(f"no access group with id {group_id} in {self.path}", self.path)
        return self._group(row)

    @staticmethod
    def _schedule_json(schedule: WeeklySchedule | dict) -> str:
        if isinstance(schedule, dict):
            schedule = WeeklySchedule.from_dict(schedule)  # ScheduleError (a ValueError) if malformed
        return schedule.to_json()

    def _refuse_name_in_use(self, c: sqlite3.Connection, name: str, group_id: int | None = None) -> None:
        """Names are looked up in any case (`faceapp access assign 1001 office`), so "office" next to
        "Office" would be a group the command line can never name: refused like an exact duplicate."""
        for gid, other in c.execute("SELECT id, name FROM access_groups").fetchall():
            if gid != group_id and other.casefold() == name.casefold():
                raise DuplicateAccessGroupError(other, self.path)

    def create_access_group(self, name: str, schedule: WeeklySchedule | dict, actor: str = "admin",
                            holidays_closed: bool = False) -> AccessGroup:
        """A named weekly schedule, e.g. "Office" Mon-Fri 07:00-19:00 (closed on holidays)."""
        name = _group_name(name)
        text, now = self._schedule_json(schedule), self._now()
        with self._write(f"creating access group {name}") as c:
            self._refuse_name_in_use(c, name)
            try:
                cur = c.execute("INSERT INTO access_groups (name, schedule, holidays_closed, created_at, updated_at) "
                                "VALUES (?, ?, ?, ?, ?)", (name, text, 1 if holidays_closed else 0, now, now))
            except sqlite3.IntegrityError as exc:
                if "access_groups.name" in str(exc):
                    raise DuplicateAccessGroupError(name, self.path) from exc
                raise
            gid = int(cur.lastrowid)
            self._audit(c, actor, "access_group.create", {"group_id": gid, "name": name, "schedule": json.loads(text),
                                                          "holidays_closed": bool(holidays_closed)})
            return self._require_group(c, gid)

    def update_access_group(self, group_id: int, *, name: str | None = None,
                            schedule: WeeklySchedule | dict | None = None, actor: str = "admin",
                            holidays_closed: bool | None = None) -> AccessGroup:
        new_name = None if name is None else _group_name(name)
        text = None if schedule is None else self._schedule_json(schedule)
        closed = None if holidays_closed is None else (1 if holidays_closed else 0)
        with self._write(f"updating access group {group_id}") as c:
            old = self._require_group(c, group_id)
            if new_name is not None:
                self._refuse_name_in_use(c, new_name, old.id)
            try:
                c.execute("UPDATE access_groups SET name = coalesce(?, name), schedule = coalesce(?, schedule), "
                          "holidays_closed = coalesce(?, holidays_closed), updated_at = ? WHERE id = ?",
                          (new_name, text, closed, self._now(), old.id))
            except sqlite3.IntegrityError as exc:
                if "access_groups.name" in str(exc):
                    raise DuplicateAccessGroupError(new_name or "", self.path) from exc
                raise
            details: dict[str, Any] = {"group_id": old.id, "name": new_name or old.name}
            if new_name is not None and new_name != old.name:
                details["old_name"] = old.name
            if text is not None:
                details["schedule"] = json.loads(text)
            if closed is not None:
                details["holidays_closed"] = bool(closed)
            self._audit(c, actor, "access_group.update", details)
            return self._require_group(c, old.id)

    def delete_access_group(self, group_id: int, actor: str = "admin") -> int:
        """Delete the group (members lose it); returns how many people were in it."""
        with self._write(f"deleting access group {group_id}") as c:
            group = self._require_group(c, group_id)
            n = c.execute("SELECT count(*) FROM employee_access_groups WHERE group_id = ?", (group.id,)).fetchone()[0]
            c.execute("DELETE FROM access_groups WHERE id = ?", (group.id,))
            self._audit(c, actor, "access_group.delete", {"group_id": group.id, "name": group.name, "members": n})
        return int(n)

    def get_access_group(self, group_id: int) -> AccessGroup | None:
        with self._read("reading an access group") as c:
            row = c.execute(f"SELECT {_GROUP_COLUMNS} FROM access_groups WHERE id = ?", (int(group_id),)).fetchone()
        return self._group(row) if row else None

    def list_access_groups(self) -> list[AccessGroup]:
        with self._read("listing access groups") as c:
            rows = c.execute(f"SELECT {_GROUP_COLUMNS} FROM access_groups ORDER BY name COLLATE NOCASE").fetchall()
        return [self._group(r) for r in rows]

    def set_employee_access_groups(self, employee_id: int, group_ids: Iterable[int],
                                   actor: str = "admin") -> list[AccessGroup]:
        """Replace the person's groups with `group_ids` (empty: no door access)."""
        ids = sorted({int(g) for g in group_ids})
        with self._write(f"assigning access groups to employee {employee_id}") as c:
            emp = self._require_employee(c, employee_id)
            for gid in ids:
                self._require_group(c, gid)
            c.execute("DELETE FROM employee_access_groups WHERE employee_id = ?", (emp.id,))
            c.executemany("INSERT INTO employee_access_groups (employee_id, group_id) VALUES (?, ?)",
                          [(emp.id, gid) for gid in ids])
            self._audit(c, actor, "employee.access_groups", {"employee_id": emp.id, "group_ids": ids})
            return self._employee_groups(c, emp.id)

    def _employee_groups(self, c: sqlite3.Connection, employee_id: int) -> list[AccessGroup]:
        rows = c.execute("SELECT g.id, g.name, g.schedule, g.holidays_closed FROM access_groups g "
                         "JOIN employee_access_groups m ON m.group_id = g.id WHERE m.employee_id = ? "
                         "ORDER BY g.name COLLATE NOCASE",
                         (int(employee_id),)).fetchall()
        return [self._group(r) for r in rows]

    def employee_access_groups(self, employee_id: int) -> list[AccessGroup]:
        with self._read("reading an employee's access groups") as c:
            return self._employee_groups(c, employee_id)

    def access_group_members(self, group_id: int) -> list[int]:
        with self._read("listing access group members") as c:
            return [int(r[0]) for r in c.execute(
                "SELECT employee_id FROM employee_access_groups WHERE group_id = ? ORDER BY employee_id",
                (int(group_id),))]

    def set_access_group_members(self, group_id: int, employee_ids: Iterable[int],
                                 actor: str = "admin") -> list[int]:
        """Replace the group's members with `employee_ids`, in one transaction (the group's
        member list in the window: add and remove people)."""
        ids = sorted({int(e) for e in employee_ids})
        with self._write(f"setting the members of access group {group_id}") as c:
            group = self._require_group(c, group_id)
            for eid in ids:
                self._require_employee(c, eid)
            before = {int(r[0]) for r in c.execute(
                "SELECT employee_id FROM employee_access_groups WHERE group_id = ?", (group.id,))}
            c.execute("DELETE FROM employee_access_groups WHERE group_id = ?", (group.id,))
            c.executemany("INSERT INTO employee_access_groups (employee_id, group_id) VALUES (?, ?)",
                          [(eid, group.id) for eid in ids])
            self._audit(c, actor, "access_group.members", {
                "group_id": group.id, "name": group.name, "added": sorted(set(ids) - before),
                "removed": sorted(before - set(ids))})
        return ids

    def last_audit(self, actions: Sequence[str]) -> tuple[datetime, str, str, dict[str, Any]] | None:
        """The newest audit row with one of `actions`: (ts, actor, action, details)."""
        with self._read("reading the audit log") as c:
            row = c.execute("SELECT ts, actor, action, details FROM audit_log WHERE action IN "
                            "(SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT 1",
                            (json.dumps(list(actions)),)).fetchone()
        return None if row is None else (ts_from_db(row[0]), row[1], row[2], json.loads(row[3] or "{}"))

    # -- access log ------------------------------------------------------------------------------

    def add_access_attempt(self, attempt: AccessAttempt) -> AccessAttempt:
        """Log one attempt. Not audited: the access log is itself the record, one row a visitor."""
        ts = ts_to_db(attempt.ts, "access ts")
        with self._write("recording a door access attempt") as c:
            emp_id = None
            if attempt.employee_id is not None:
                emp_id = self._require_employee(c, attempt.employee_id).id
            cur = c.execute("INSERT INTO access_log (ts, employee_id, score, granted, reason, source, relay) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (ts, emp_id, nan_to_none(attempt.score), 1 if attempt.granted else 0,
                             attempt.reason, attempt.source or "", attempt.relay or ""))
        return AccessAttempt(attempt.ts, emp_id, attempt.granted, attempt.reason, attempt.score,
                             attempt.source, int(cur.lastrowid), relay=attempt.relay or "")

    def set_access_relay(self, attempt_id: int, relay: str) -> None:
        """Record what the relay did for a logged grant (it answers after the row is written)."""
        with self._write("recording the door relay's answer") as c:
            c.execute("UPDATE access_log SET relay = ? WHERE id = ?", (relay, int(attempt_id)))

    def access_log(self, start: datetime | None = None, end: datetime | None = None, *,
                   employee_id: int | None = None, granted: bool | None = None,
                   unknown_only: bool = False, reason: str | None = None, limit: int = 1000) -> list[AccessAttempt]:
        """Attempts with start <= ts < end, newest first, with the person's current number/name."""
        sql = ("SELECT a.id, a.ts, a.employee_id, a.score, a.granted, a.reason, a.source, e.number, e.name, a.relay "
               "FROM access_log a LEFT JOIN employees e ON e.id = a.employee_id WHERE 1 = 1")
        args: list[Any] = []
        if start is not None:
            sql, args = sql + " AND a.ts >= ?", args + [ts_to_db(start, "start")]
        if end is not None:
            sql, args = sql + " AND a.ts < ?", args + [ts_to_db(end, "end")]
        if employee_id is not None:
            sql, args = sql + " AND a.employee_id = ?", args + [int(employee_id)]
        if granted is not None:
            sql, args = sql + " AND a.granted = ?", args + [1 if granted else 0]
        if unknown_only:
            sql += " AND a.employee_id IS NULL"
        if reason is not None:
            sql, args = sql + " AND a.reason = ?", args + [reason]
        sql, args = sql + " ORDER BY a.ts DESC, a.id DESC LIMIT ?", args + [int(limit)]
        with self._read("reading the access log") as c:
            rows = c.execute(sql, args).fetchall()
        return [AccessAttempt(ts_from_db(r[1]), r[2], bool(r[4]), r[5], float_or_nan(r[3]), r[6] or "", r[0],
                              r[7] or "", r[8] or "", r[9] or "") for r in rows]

    # -- privacy -------------------------------------------------------------------------------

    def _track_deactivation(self, c: sqlite3.Connection, employee_id: int) -> None:
        """Keep deactivated_at in step with active (template retention counts from it)."""
        c.execute("UPDATE employees SET deactivated_at = CASE WHEN active = 1 THEN NULL "
                  "ELSE coalesce(deactivated_at, ?) END WHERE id = ?", (self._now(), int(employee_id)))

    def purge_expired(self, now: datetime, unknown_days: int, inactive_days: int,
                      actor: str = "system", templates: bool = True) -> PurgeResult:
        """Retention: drop unknown-face thumbnails older than unknown_days and the face
        templates of people deactivated more than inactive_days ago (attendance stays).
        templates=False: the unknown faces only (a site kiosk without the admin login: its
        people are the server's, its unknown faces its own)."""
        if unknown_days < 1 or inactive_days < 1:
            raise ValueError("retention periods must be at least 1 day")
        thumb_cut = ts_to_db(now - timedelta(days=unknown_days), "now")
        tpl_cut = ts_to_db(now - timedelta(days=inactive_days), "now")
        with self._write("purging expired personal data") as c:
            thumbs = purge_faces_before(c, thumb_cut)  # the sightings' pictures and face data
            people = [] if not templates else [int(r[0]) for r in c.execute(
                "SELECT e.id FROM employees e WHERE e.active = 0 AND e.deactivated_at IS NOT NULL "
                "AND e.deactivated_at < ? AND (EXISTS (SELECT 1 FROM templates t WHERE t.employee_id = e.id) "
                "OR EXISTS (SELECT 1 FROM enrolment_crops k WHERE k.employee_id = e.id)) ORDER BY e.id", (tpl_cut,))]
            tpls = c.execute("DELETE FROM templates WHERE employee_id IN (SELECT value FROM json_each(?))",
                             (json.dumps(people),)).rowcount if people else 0
            if people:  # the face crops are templates-to-be: they go with them
                c.execute("DELETE FROM enrolment_crops WHERE employee_id IN (SELECT value FROM json_each(?))",
                          (json.dumps(people),))
            result = PurgeResult(int(thumbs), int(tpls), len(people))
            if thumbs or tpls:
                self._audit(c, actor, "privacy.purge", {"thumbnails": result.thumbnails, "templates": result.templates,
                                                        "employee_ids": people, "unknown_before": thumb_cut,
                                                        "deactivated_before": tpl_cut})
        return result

    def erase_person(self, employee_id: int, actor: str = "admin") -> ErasureResult:
        """Right to erasure that keeps payroll history: templates and group assignments are
        deleted, name/number/department/consent replaced by an anonymous token; attendance
        and access-log rows stay, linked to the anonymised person, so counts still add up.
        The enrolment face crops go with the templates (unknown-face thumbnails are not
        linked to anyone)."""
        self._conn.execute("PRAGMA secure_delete = ON")  # whatever the connection was opened with
        with self._write(f"erasing employee {employee_id}") as c:
            emp = self._require_employee(c, employee_id)
            done = c.execute("SELECT anonymised_at FROM employees WHERE id = ?", (emp.id,)).fetchone()[0]
            token = emp.number if done else f"{_ANON_PREFIX}{secrets.token_hex(6)}"
            n_tpl = c.execute("DELETE FROM templates WHERE employee_id = ?", (emp.id,)).rowcount
            c.execute("DELETE FROM enrolment_crops WHERE employee_id = ?", (emp.id,))  # the person's face photos
            c.execute("DELETE FROM employee_access_groups WHERE employee_id = ?", (emp.id,))
            now = self._now()
            c.execute("UPDATE employees SET number = ?, name = ?, department = '', consent_at = NULL, active = 0, "
                      "deactivated_at = coalesce(deactivated_at, ?), anonymised_at = coalesce(anonymised_at, ?), "
                      "updated_at = ? WHERE id = ?", (token, token, now, now, now, emp.id))
            n_att = c.execute("SELECT count(*) FROM attendance WHERE employee_id = ?", (emp.id,)).fetchone()[0]
            n_acc = c.execute("SELECT count(*) FROM access_log WHERE employee_id = ?", (emp.id,)).fetchone()[0]
            result = ErasureResult(emp.id, token, int(n_tpl), int(n_att), int(n_acc))
            self._redact_audit(c, emp.id, now)
            # No name or number in the audit row: it is append-only and would keep them forever.
            self._audit(c, actor, "employee.erase", {"employee_id": emp.id, "token": token,
                                                     "templates_erased": result.templates_erased,
                                                     "attendance_kept": result.attendance_kept,
                                                     "access_log_kept": result.access_log_kept})
        self._checkpoint_after_erasure()
        return result

    @staticmethod
    def _redact_audit(c: sqlite3.Connection, employee_id: int, now: str) -> None:
        """Earlier audit rows of this person (employee.enrol, activate, ...) name the number
        next to the id: redacted (erasure and deletion), so the history no longer leads back."""
        c.execute("UPDATE audit_log SET details = json_remove(details, '$.number', '$.name'), redacted_at = ? "
                  "WHERE redacted_at IS NULL AND json_valid(details) "
                  "AND json_extract(details, '$.employee_id') = ? AND (json_extract(details, '$.number') "
                  "IS NOT NULL OR json_extract(details, '$.name') IS NOT NULL)", (now, int(employee_id)))

    def _checkpoint_after_erasure(self) -> None:
        """Copy the WAL into the database and truncate it: until then the WAL still holds the
        pages as they were before the erasure (templates, name). Best effort: a reader holding
        an old snapshot defers it to the next checkpoint, which SQLite runs by itself."""
        try:
            busy, _, _ = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as exc:
            log.warning("erasure checkpoint of %s failed: %s", self.path, exc)
            return
        if busy:
            log.warning("erasure checkpoint of %s deferred: another connection is reading", self.path)
