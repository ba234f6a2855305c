"""Repository methods for the admin PIN lock-out (mixed into storage.repository.Repository).

The lock-out rule itself lives in access.pin; here its state is read and written, each
attempt in one BEGIN IMMEDIATE transaction with its audit row, so two kiosk windows (or
a restart between two guesses) count every wrong PIN.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from ..access.pin import AuditRule, PinState
from .convert import ts_from_db, ts_to_db

if TYPE_CHECKING:
    from contextlib import AbstractContextManager


class PinRepositoryMixin:
    """pin_guard table: failures, lock-outs and the lock-out end per guarded PIN."""

    if TYPE_CHECKING:
        def _write(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _audit(self, c: sqlite3.Connection, actor: str, action: str, details: dict[str, Any]) -> int: ...
        @staticmethod
        def _now() -> str: ...

    @staticmethod
    def _pin_state(row: Any) -> PinState:
        if row is None:
            return PinState()
        until = ts_from_db(row[2])
        return PinState(int(row[0]), int(row[1]), until.timestamp() if until is not None else 0.0)

    def pin_state(self, scope: str) -> PinState:
        with self._read("reading the admin PIN lock-out") as c:
            return self._pin_state(c.execute("SELECT failures, lockouts, locked_until FROM pin_guard WHERE scope = ?",
                                             (scope,)).fetchone())

    def update_pin_state(self, scope: str, rule: Callable[[PinState], PinState], audit: AuditRule,
                         actor: str = "kiosk") -> PinState:
        """Read, apply `rule`, write and audit in one write transaction; the new state."""
        with self._write("recording an admin PIN attempt") as c:
            old = self._pin_state(c.execute("SELECT failures, lockouts, locked_until FROM pin_guard WHERE scope = ?",
                                            (scope,)).fetchone())
            new = rule(old)
            until = ts_to_db(datetime.fromtimestamp(new.locked_until, timezone.utc)) if new.locked_until else None
            c.execute("INSERT INTO pin_guard (scope, failures, lockouts, locked_until, updated_at) "
                      "VALUES (?, ?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts, "
                      "locked_until = excluded.locked_until, updated_at = excluded.updated_at",
                      (scope, new.failures, new.lockouts, until, self._now()))
            action, details = audit(old, new)
            self._audit(c, actor, action, {"scope": scope, **details})
        return new
