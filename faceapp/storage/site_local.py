"""The kiosk's side of a site: its SQLite database as replica of the server's master data
and outbox of its own events (the SQL of faceapp.sync on the kiosk).

- site_state: the server's DSN, this kiosk's name, the last pulled revision, sync health.
- site_outbox: one row per local event to push, written by a trigger in the same
  transaction as the event row itself (nothing is lost across a crash or power cut).
- site_journal: master rows changed by a local transaction; Repository's before-commit
  gate (gate()) publishes them to the server before the local COMMIT, or the whole local
  transaction is rolled back (enrolment, editing, erasure need the server).

The tables and triggers are made by join (and again, idempotently, by every sync, so a
table added to site_pg.tables gets its triggers without a migration of its own).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .access_repo import AccessRepositoryMixin
from .db import open_db
from .errors import StorageError, translate
from .site_pg.records import MasterChange, PullBatch
from .site_pg.tables import EVENT_TABLES, MASTER_TABLES, SyncedTable, table

log = logging.getLogger(__name__)

# publish(changes, expected_rev, erased employee ids) -> the site revision after the change
Publisher = Callable[[Sequence[MasterChange], int, Sequence[int]], int]

_TABLES = (
    "CREATE TABLE IF NOT EXISTS site_state (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE IF NOT EXISTS site_outbox (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, row_id INTEGER NOT NULL,
       queued_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))""",
    "CREATE TABLE IF NOT EXISTS site_journal (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, pk TEXT NOT NULL)",
)


def _pk_json(t: SyncedTable, row: str) -> str:
    return "json_array(" + ", ".join(f"{row}.{c}" for c in t.pk) + ")"


def _triggers(t: SyncedTable) -> list[str]:
    if t.kind == "event":
        return [f"""CREATE TRIGGER IF NOT EXISTS site_outbox_{t.name} AFTER INSERT ON {t.name}
                    BEGIN INSERT INTO site_outbox (tbl, row_id) VALUES ('{t.name}', NEW.id); END"""]
    out = []
    for op, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        out.append(f"""CREATE TRIGGER IF NOT EXISTS site_journal_{t.name}_{op.lower()} AFTER {op} ON {t.name}
                       BEGIN INSERT INTO site_journal (tbl, pk) VALUES ('{t.name}', {_pk_json(t, row)}); END""")
    out.append(  # a key change moves the row: the old key goes too
        f"""CREATE TRIGGER IF NOT EXISTS site_journal_{t.name}_rekey AFTER UPDATE ON {t.name}
                       WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in t.pk)}
                   BEGIN INSERT INTO site_journal (tbl, pk) VALUES ('{t.name}', {_pk_json(t, 'OLD')}); END""")
    return out


def prepare(conn: sqlite3.Connection) -> None:
    """Create the replica's tables and triggers (idempotent), in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for stmt in _TABLES:
            conn.execute(stmt)
        for t in MASTER_TABLES + EVENT_TABLES:
            for stmt in _triggers(t):
                conn.execute(stmt)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def is_joined(conn: sqlite3.Connection) -> bool:
    """Whether this database is a site kiosk's (cheap: read at every start)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'site_state'").fetchone():
        return False
    return conn.execute("SELECT 1 FROM site_state WHERE key = 'dsn' AND value IS NOT NULL").fetchone() is not None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class LocalReplica:
    """The replica/outbox tables of one kiosk database, on a connection of its own."""

    def __init__(self, path: str | Path, settings_key: str = "recognition",
                 site_setting_keys: Iterable[str] = ()) -> None:
        self.path = str(path)
        self.db = open_db(path)
        self.conn: sqlite3.Connection = self.db.conn
        self.settings_key = settings_key
        self.site_setting_keys = frozenset(site_setting_keys)
        try:
            prepare(self.conn)
        except sqlite3.Error as exc:
            self.conn.close()
            raise translate(exc, self.path, "preparing the site replica") from exc

    def close(self) -> None:
        self.conn.close()

    # -- state ------------------------------------------------------------------------------

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM site_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row and row[0] is not None else default

    def set(self, **values: Any) -> None:
        with self._write("saving the sync state") as c:
            _set_state(c, values)

    @property
    def dsn(self) -> str:
        return self.get("dsn") or ""

    @property
    def kiosk(self) -> str:
        return self.get("kiosk") or ""

    @property
    def last_rev(self) -> int:
        return int(self.get("last_rev", "0") or 0)

    def join(self, dsn: str, kiosk: str, site_id: str) -> int:
        """Record the site and queue every event this database already has (its history
        goes to the server too). Refused for a database with people of its own: their ids
        would collide with the site's. Returns the number of events queued."""
        if self.get("dsn") and self.get("site_id") not in (None, site_id):
            raise StorageError(f"{self.path} belongs to another site already; use a new database for this one",
                               self.path)
        if self.get("dsn") and self.get("kiosk") not in (None, kiosk):
            # its events are numbered as that kiosk's: pushed in another name they would be doubled
            raise StorageError(f"{self.path} is kiosk {self.get('kiosk')} of this site already; a database is one "
                               f"kiosk for good: to make this PC kiosk {kiosk}, join with a new database file "
                               "(--db NEW.db --new-db)", self.path)
        with self._write("joining the site") as c:
            if not self.get("dsn"):
                own = c.execute("SELECT count(*) FROM employees").fetchone()[0]
                if own:
                    raise StorageError(f"{self.path} has {own} employee(s) of its own: a kiosk joins a site with an "
                                       "empty database and gets the site's people from the server (start from a new "
                                       "database file: --db NEW.db --new-db)", self.path)
                for t in EVENT_TABLES:
                    c.execute(f"INSERT INTO site_outbox (tbl, row_id) SELECT '{t.name}', id FROM {t.name} "
                              f"WHERE id NOT IN (SELECT row_id FROM site_outbox WHERE tbl = '{t.name}')")
                c.execute("DELETE FROM site_journal")
            _set_state(c, {"dsn": dsn, "kiosk": kiosk, "site_id": site_id,
                           "last_rev": self.get("last_rev", "0")})
            return int(c.execute("SELECT count(*) FROM site_outbox").fetchone()[0])

    # -- pull --------------------------------------------------------------------------------

    def apply_pull(self, batch: PullBatch, expected_rev: int) -> int:
        """Apply what was pulled (tombstones first, children first; then rows, parents
        first) and move last_rev, in one transaction: a pull cut half-way leaves the replica
        as it was. Returns the rows applied."""
        with self._write("applying master data from the site server") as c:
            if int(_get(c, "last_rev", "0")) != expected_rev:  # another sync applied meanwhile
                return 0
            c.execute("PRAGMA defer_foreign_keys = ON")  # the batch is checked whole, at COMMIT
            for tbl, pk in batch.tombstones:
                t = table(tbl)
                c.execute(f"DELETE FROM {t.name} WHERE " + " AND ".join(f"{k} = ?" for k in t.pk),
                          [pk[k] for k in t.pk])
            for t in MASTER_TABLES:
                rows = batch.rows.get(t.name)
                if not rows:
                    continue
                if t.name == "settings":
                    self._apply_settings(c, rows)
                    continue
                cols = list(rows[0])
                upd = [x for x in cols if x not in t.pk]
                q = (f"INSERT INTO {t.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                     f"ON CONFLICT ({', '.join(t.pk)}) DO "
                     + (("UPDATE SET " + ", ".join(f"{x} = excluded.{x}" for x in upd)) if upd else "NOTHING"))
                c.executemany(q, [[r[x] for x in cols] for r in rows])
            erased = [r["id"] for r in batch.rows.get("employees", []) if r.get("anonymised_at")]
            erased += [pk["id"] for tbl, pk in batch.tombstones if tbl == "employees"]
            for emp in erased:  # an erasure elsewhere: this kiosk's audit rows of the person too
                AccessRepositoryMixin._redact_audit(c, int(emp), _now())
            c.execute("DELETE FROM site_journal")  # the server's own changes need no publishing
            _set_state(c, {"last_rev": max(batch.rev, expected_rev), "last_pull_at": _now()})
        return batch.count

    def _apply_settings(self, c: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
        """Site-wide settings from the server, merged into the kiosk's own (camera, door stay)."""
        for r in rows:
            if r["key"] != self.settings_key:
                c.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                          "value = excluded.value", (r["key"], r["value"]))
                continue
            site = json.loads(r["value"])
            row = c.execute("SELECT value FROM settings WHERE key = ?", (self.settings_key,)).fetchone()
            local = json.loads(row[0]) if row else {}
            merged = {**{k: v for k, v in local.items() if k not in self.site_setting_keys}, **site}
            c.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                      "value = excluded.value", (self.settings_key, json.dumps(merged, sort_keys=True)))
            _set_state(c, {f"mirror:{self.settings_key}": json.dumps(site, sort_keys=True)})

    def forget_missing(self, server_keys: dict[str, set[tuple]]) -> int:
        """After the server was restored from an older backup: drop the master rows it no
        longer has and pull everything again (last_rev 0). Returns rows dropped."""
        dropped = 0
        with self._write("resynchronising with a restored site server") as c:
            for t in reversed(MASTER_TABLES):
                if t.name == "settings":
                    continue
                have = server_keys.get(t.name, set())
                cols = ", ".join(t.pk)
                for key in c.execute(f"SELECT {cols} FROM {t.name}").fetchall():
                    if tuple(key) not in have:
                        c.execute(f"DELETE FROM {t.name} WHERE " + " AND ".join(f"{k} = ?" for k in t.pk), key)
                        dropped += 1
            c.execute("DELETE FROM site_journal")
            _set_state(c, {"last_rev": 0})
        return dropped

    # -- push --------------------------------------------------------------------------------

    def outbox_batch(self, limit: int, columns: Callable[[str], list[str]]) -> tuple[int, dict[str, list[dict]]]:
        """The oldest `limit` queued events: (highest outbox id taken, rows per table)."""
        queued = self.conn.execute("SELECT id, tbl, row_id FROM site_outbox ORDER BY id LIMIT ?", (limit,)).fetchall()
        if not queued:
            return 0, {}
        out: dict[str, list[dict]] = {}
        for t in EVENT_TABLES:
            ids = [r[2] for r in queued if r[1] == t.name]
            if not ids:
                continue
            cols = ["id"] + [x for x in columns(t.name) if x not in t.local_only]
            rows = self.conn.execute(f"SELECT {', '.join(cols)} FROM {t.name} WHERE id IN "
                                     "(SELECT value FROM json_each(?))", (json.dumps(ids),)).fetchall()
            out[t.name] = [dict(zip(cols, r)) for r in rows]
        return int(queued[-1][0]), out

    def ack(self, up_to: int, pushed: dict[str, list[dict]]) -> None:
        """The server has these rows: take them off the outbox, remember the high marks."""
        with self._write("taking pushed events off the outbox") as c:
            c.execute("DELETE FROM site_outbox WHERE id <= ?", (up_to,))
            marks = {f"pushed:{name}": max([int(r["id"]) for r in rows] + [int(_get(c, f"pushed:{name}", "0"))])
                     for name, rows in pushed.items() if rows}
            _set_state(c, {**marks, "last_push_at": _now()})

    def requeue_lost(self, server_marks: dict[str, int]) -> int:
        """The server holds less of this kiosk than it acknowledged (restored from an older
        backup): queue the rows it lost again. Returns how many."""
        n = 0
        with self._write("queueing events the server lost") as c:
            for t in EVENT_TABLES:
                mine = int(_get(c, f"pushed:{t.name}", "0"))
                theirs = int(server_marks.get(t.name, 0))
                if theirs >= mine:
                    continue
                n += c.execute(f"INSERT INTO site_outbox (tbl, row_id) SELECT '{t.name}', id FROM {t.name} "
                               f"WHERE id > ? AND id NOT IN (SELECT row_id FROM site_outbox WHERE tbl = ?)",
                               (theirs, t.name)).rowcount
                _set_state(c, {f"pushed:{t.name}": theirs})
        return n

    def queued(self) -> tuple[int, str | None]:
        """(events waiting in the outbox, when the oldest was queued)."""
        n, oldest = self.conn.execute("SELECT count(*), min(queued_at) FROM site_outbox").fetchone()
        return int(n), oldest

    # -- transactions -----------------------------------------------------------------------

    def _write(self, doing: str):  # noqa: ANN202
        return _Tx(self.conn, self.path, doing)


def _get(c: sqlite3.Connection, key: str, default: str) -> str:
    row = c.execute("SELECT value FROM site_state WHERE key = ?", (key,)).fetchone()
    return row[0] if row and row[0] is not None else default


def _set_state(c: sqlite3.Connection, values: dict[str, Any]) -> None:
    c.executemany("INSERT INTO site_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                  "value = excluded.value", [(k, None if v is None else str(v)) for k, v in values.items()])


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT, sqlite3 errors as StorageError after a rollback."""

    def __init__(self, conn: sqlite3.Connection, path: str, doing: str) -> None:
        self.conn, self.path, self.doing = conn, path, doing

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise translate(exc, self.path, self.doing) from exc
        return self.conn

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> bool:
        if kind is None:
            try:
                self.conn.execute("COMMIT")
                return False
            except sqlite3.Error as err:
                exc = err
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise translate(exc, self.path, self.doing) from exc
        return False


# -- the before-commit gate of Repository -------------------------------------------------------

def journal_changes(c: sqlite3.Connection) -> list[MasterChange]:
    """The master rows this transaction changed, as they are now (None: deleted), in the
    order first touched, each once."""
    seen: dict[tuple[str, str], None] = {}
    for tbl, pk in c.execute("SELECT tbl, pk FROM site_journal ORDER BY seq"):
        seen.setdefault((tbl, pk), None)
    out = []
    for tbl, pk_text in seen:
        t = table(tbl)
        key = dict(zip(t.pk, json.loads(pk_text)))
        cur = c.execute(f"SELECT * FROM {t.name} WHERE " + " AND ".join(f"{k} = ?" for k in t.pk),
                        [key[k] for k in t.pk])
        row = cur.fetchone()
        values = dict(zip([d[0] for d in cur.description], row)) if row else None
        out.append(MasterChange(t.name, key, values))
    return out


def gate(publish: Publisher, settings_key: str, site_setting_keys: Iterable[str],
         site_defaults: dict[str, Any] | None = None) -> Callable[[sqlite3.Connection], None]:
    """Repository's before-commit hook on a joined kiosk: master rows this transaction
    changed are published to the server (publish raises when the server or an admin login
    is missing, and the local transaction rolls back); events and
    the kiosk's own settings (camera, door, desktop) commit locally as they are.
    site_defaults: the site-wide settings' defaults, what the site has while its server
    stores none."""
    site_keys = frozenset(site_setting_keys)

    def before_commit(c: sqlite3.Connection) -> None:
        if not c.execute("SELECT 1 FROM site_journal LIMIT 1").fetchone():
            return
        changes, mirror = [], None
        for ch in journal_changes(c):
            if ch.table != "settings":
                changes.append(ch)
                continue
            if ch.pk["key"] != settings_key or ch.values is None:
                continue  # the desktop's own preferences and other keys: this kiosk's
            site = {k: v for k, v in json.loads(ch.values["value"]).items() if k in site_keys}
            text = json.dumps(site, sort_keys=True)
            before = _get(c, f"mirror:{settings_key}", "")
            if (json.loads(before) if before else site_defaults) == site:
                continue  # only per-kiosk settings changed
            changes.append(MasterChange("settings", ch.pk, {"key": settings_key, "value": text}))
            mirror = text
        if changes:
            erased = [int(ch.values["id"]) for ch in changes
                      if ch.table == "employees" and ch.values and ch.values.get("anonymised_at")]
            erased += [int(ch.pk["id"]) for ch in changes if ch.table == "employees" and ch.values is None]
            expected = int(_get(c, "last_rev", "0"))
            new_rev = publish(changes, expected, erased)
            _set_state(c, {"last_rev": new_rev, **({f"mirror:{settings_key}": mirror} if mirror else {})})
        c.execute("DELETE FROM site_journal")

    return before_commit


def joined_state(conn: sqlite3.Connection) -> dict[str, str]:
    """site_state of a joined database (empty when not joined)."""
    if not is_joined(conn):
        return {}
    return {k: v for k, v in conn.execute("SELECT key, value FROM site_state") if v is not None}


def retry_when_behind(repo: Any, pull: Callable[[], None]) -> None:
    """A master write refused because another PC changed master data since this kiosk's last
    pull (SiteStaleError) is pulled for and retried once, whole: the repository call ran in
    one local transaction that rolled back, so running it again after the pull redoes its
    checks (the duplicate check sees the person the other PC enrolled). Only the outermost
    call retries, and only when none of its transactions had committed."""
    import functools
    import inspect
    import threading
    from types import FunctionType

    from .site_pg.errors import SiteStaleError

    depth = threading.local()

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            if getattr(depth, "n", 0):
                return fn(*args, **kwargs)
            depth.n = 1
            try:
                before = repo.commits
                try:
                    return fn(*args, **kwargs)
                except SiteStaleError as exc:
                    if repo.commits != before:
                        raise
                    log.info("%s; pulling and trying once more", exc)
                    pull()
                    return fn(*args, **kwargs)
            finally:
                depth.n = 0
        return call

    for name in dir(type(repo)):
        if name.startswith("_") or name == "close":
            continue
        if isinstance(inspect.getattr_static(type(repo), name), FunctionType):
            setattr(repo, name, wrap(getattr(repo, name)))
