"""The audit log (mixed into storage.repository.Repository): appending entries, and reading
them with filters for the viewer page.

Append-only: the table itself refuses UPDATE and DELETE (triggers); nothing here changes a row.
The person filter matches the number or name the row carries, and also rows that name only the
employee id (most employee actions), through the employees table.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .convert import json_dumps, like_pattern, ts_from_db, ts_to_db
from .rows import AuditEntry

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

MAX_AUDIT_ROWS = 10_000  # what the viewer shows at most (newest first)


class AuditRepositoryMixin:
    if TYPE_CHECKING:
        def _write(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        @staticmethod
        def _now() -> str: ...

    def audit(self, actor: str, action: str, details: dict[str, Any] | None = None) -> int:
        """Append to the audit log (who changed what); the table rejects UPDATE and DELETE."""
        with self._write(f"writing audit entry {action}") as c:
            return self._audit(c, actor, action, details or {})

    def _audit(self, c: sqlite3.Connection, actor: str, action: str, details: dict[str, Any]) -> int:
        cur = c.execute("INSERT INTO audit_log (ts, actor, action, details) VALUES (?, ?, ?, ?)",
                        (self._now(), actor or "unknown", action, json_dumps(details)))
        return int(cur.lastrowid)

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        """Newest first."""
        with self._read("reading the audit log") as c:
            rows = c.execute("SELECT id, ts, actor, action, details FROM audit_log ORDER BY id DESC LIMIT ?",
                             (int(limit),)).fetchall()
        return [AuditEntry(r[0], ts_from_db(r[1]), r[2], r[3], json.loads(r[4] or "{}")) for r in rows]

    def audit_entries(self, action: str = "", actor: str = "", person: str = "", start: datetime | None = None,
                      end: datetime | None = None, limit: int = MAX_AUDIT_ROWS) -> list[AuditEntry]:
        """Newest first. action, actor: exact; person: a part of a number or name; start
        (inclusive) and end (exclusive): aware datetimes."""
        where: list[str] = []
        args: list[Any] = []
        if action:
            where.append("a.action = ?")
            args.append(action)
        if actor:
            where.append("a.actor = ?")
            args.append(actor)
        if person.strip():
            p = like_pattern(person)
            where.append("(json_extract(a.details, '$.number') LIKE ? ESCAPE '\\' "
                         "OR json_extract(a.details, '$.name') LIKE ? ESCAPE '\\' "
                         "OR json_extract(a.details, '$.employee_id') IN "
                         "(SELECT id FROM employees WHERE number LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\'))")
            args += [p, p, p, p]
        if start is not None:
            where.append("a.ts >= ?")
            args.append(ts_to_db(start))
        if end is not None:
            where.append("a.ts < ?")
            args.append(ts_to_db(end))
        sql = ("SELECT a.id, a.ts, a.actor, a.action, a.details, "
               "coalesce(e.name || ' (' || e.number || ')', json_extract(a.details, '$.name'), "
               "json_extract(a.details, '$.number'), '') FROM audit_log a "
               "LEFT JOIN employees e ON e.id = json_extract(a.details, '$.employee_id')")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY a.id DESC LIMIT ?"
        with self._read("reading the audit log") as c:
            rows = c.execute(sql, (*args, int(limit))).fetchall()
        out = []
        for r in rows:
            try:
                details = json.loads(r[4] or "{}")
            except ValueError:
                details = {"details": r[4]}
            out.append(AuditEntry(r[0], ts_from_db(r[1]), r[2], r[3], details if isinstance(details, dict)
                                  else {"details": details}, str(r[5] or "")))
        return out

    def audit_choices(self) -> tuple[list[str], list[str]]:
        """The actions and the actors (admins, kiosk, cli, ...) the log holds, sorted."""
        with self._read("reading the audit log") as c:
            actions = [r[0] for r in c.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")]
            actors = [r[0] for r in c.execute("SELECT DISTINCT actor FROM audit_log ORDER BY actor")]
        return actions, actors
