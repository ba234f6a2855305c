"""The settings table (mixed into storage.repository.Repository): JSON values by key.

A dialog's values and their audit entries are written in one transaction; update_settings
reads, merges and writes under one write lock so two editors cannot lose each other's edits.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .convert import json_dumps

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

_UPSERT_SETTING = "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"


class SettingsRepositoryMixin:
    """get_setting, set_setting, set_settings, update_settings."""

    if TYPE_CHECKING:
        def _write(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _audit(self, c: sqlite3.Connection, actor: str, action: str, details: dict[str, Any]) -> int: ...

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._read(f"reading setting {key}") as c:
            row = c.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        text = json_dumps(value)
        with self._write(f"saving setting {key}") as c:
            c.execute(_UPSERT_SETTING, (key, text))

    def set_settings(self, values: dict[str, Any], audits: Sequence[tuple[str, str, dict[str, Any]]] = ()) -> None:
        """Several settings and their audit entries (actor, action, details) in one
        transaction: a settings dialog is saved whole or not at all."""
        rows = [(key, json_dumps(value)) for key, value in values.items()]
        with self._write("saving settings") as c:
            c.executemany(_UPSERT_SETTING, rows)
            for actor, action, details in audits:
                self._audit(c, actor, action, details)

    def update_settings(self, merge: Callable[[dict[str, Any]], tuple[dict[str, Any],
                                                             Sequence[tuple[str, str, dict[str, Any]]]]]) -> None:
        """Read every stored setting, let `merge(stored)` decide what to write (values and
        audit entries), and write it, in one BEGIN IMMEDIATE transaction: an editor saves its
        own edits on top of what another process stored meanwhile, and nothing can slip in
        between the comparison and the write. A stored value that is not JSON is passed as
        its raw text. `merge` may raise to write nothing."""
        with self._write("saving settings") as c:
            stored: dict[str, Any] = {}
            for key, text in c.execute("SELECT key, value FROM settings"):
                try:
                    stored[key] = json.loads(text)
                except (TypeError, ValueError):
                    stored[key] = text
            values, audits = merge(stored)
            c.executemany(_UPSERT_SETTING, [(key, json_dumps(value)) for key, value in values.items()])
            for actor, action, details in audits:
                self._audit(c, actor, action, details)
