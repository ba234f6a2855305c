"""SiteServer: one connection to the site's PostgreSQL server and every statement faceapp
sends it (schema, kiosk roles, pull, push, publish of master changes, central reports).

Errors come out as site_pg.errors (never psycopg's): unreachable, refused (privileges),
stale (the master data moved on), or a duplicate employee number."""

from __future__ import annotations

import logging
import re
import secrets
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Iterator, Sequence

from ..errors import DuplicateEmployeeError
from .errors import SiteDriverMissingError, SiteError, SiteRefusedError, SiteStaleError, SiteUnreachableError

try:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
except ImportError as exc:  # e.g. the Linux bundle, which uses the system's libpq (libpq5)
    raise SiteDriverMissingError(
        f"cannot use a site server: the PostgreSQL client library is missing ({exc}); install libpq "
        "(Debian/Ubuntu: apt install libpq5; Fedora: dnf install libpq)") from exc
from .records import MasterChange, PullBatch
from .schema import MASTER_CHANNEL, MASTER_LOCK, PG_MIGRATIONS, PgMigration
from .tables import EVENT_TABLES, MASTER_TABLES, SyncedTable, table

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5
KIOSK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_SERVER_ONLY = {"rev", "kiosk", "local_id", "received_at"}


def redacted_dsn(dsn: str) -> str:
    """The DSN without its password, for messages and logs."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(unreadable DSN)"
    if "password" in parts:
        parts["password"] = "***"
    return make_conninfo(**parts)


_LOGIN_REFUSED = re.compile(r"FATAL:\s+(password authentication failed|role \S+ does not exist|no pg_hba\.conf entry"
                            r"|Ident authentication failed|Peer authentication failed)"
                            r"|fe_sendauth: no password supplied")  # libpq's own: the server asked for one


def with_login(dsn: str, user: str, password: str) -> str:
    """`dsn` (the kiosk's: server, database, TLS settings) with another login, the site admin's."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise SiteError(f"not a PostgreSQL connection string: {exc}") from None
    parts.update(user=user, password=password)
    return make_conninfo(**parts)


def _translate(exc: psycopg.Error, doing: str, dsn: str) -> SiteError:
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return SiteRefusedError(f"the site server refused {doing}: {exc.diag.message_primary or exc}")
    if isinstance(exc, psycopg.errors.UniqueViolation) and "employees_number_key" in str(exc):
        found = re.search(r"=\((.*)\)", exc.diag.message_detail or "")
        return DuplicateEmployeeError(found.group(1) if found else "?", "the site server")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName,
                        psycopg.errors.UndefinedFunction)):  # `site init` never ran on this database
        return SiteError(f"the site server {redacted_dsn(dsn)} has no faceapp site schema ({doing}: {first}): run "
                         "`faceapp site init --dsn ADMIN_DSN` on it first, with this faceapp version")
    refused = _LOGIN_REFUSED.search(first) if isinstance(exc, psycopg.OperationalError) else None
    if refused:  # the server answered: a wrong user or password is not a network problem
        return SiteRefusedError(f"the site server {redacted_dsn(dsn)} refused the login ({doing}): "
                                f"{first[refused.start():].removeprefix('FATAL:').strip()}")
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        return SiteUnreachableError(f"the site server {redacted_dsn(dsn)} is unreachable ({doing}): {first}")
    return SiteError(f"the site server failed {doing}: {first}")  # one line: not the LINE 1 / ^ pointer


class SiteServer:
    """One open connection; use as a context manager or close()."""

    def __init__(self, conn: psycopg.Connection, dsn: str) -> None:
        self.conn = conn
        self.dsn = dsn
        self._columns: dict[str, list[str]] = {}

    @classmethod
    def connect(cls, dsn: str, timeout_s: float = CONNECT_TIMEOUT_S) -> "SiteServer":
        """Connect (TLS and every other libpq setting as given in the DSN: sslmode, ...)."""
        try:
            params = conninfo_to_dict(dsn)
        except psycopg.ProgrammingError as exc:
            raise SiteError(f"not a PostgreSQL connection string: {exc}") from None
        params.setdefault("connect_timeout", max(1, int(timeout_s)))
        params.setdefault("application_name", "faceapp")
        try:
            conn = psycopg.connect(make_conninfo(**params))
        except psycopg.Error as exc:
            raise _translate(exc, "connecting", dsn) from None
        return cls(conn, dsn)

    def close(self) -> None:
        try:
            self.conn.close()
        except psycopg.Error:  # already broken: nothing to release
            pass

    def __enter__(self) -> "SiteServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self, doing: str, isolation: psycopg.IsolationLevel | None = None) -> Iterator[psycopg.Cursor]:
        """One transaction; psycopg errors become SiteError after the rollback."""
        try:
            if isolation is not None:
                self.conn.isolation_level = isolation
            with self.conn.transaction():
                with self.conn.cursor() as cur:
                    yield cur
        except psycopg.Error as exc:
            raise _translate(exc, doing, self.dsn) from None
        finally:
            if isolation is not None and not self.conn.broken and not self.conn.closed:
                try:
                    self.conn.isolation_level = None
                except psycopg.Error:
                    pass

    # -- schema and kiosks (admin) -----------------------------------------------------------

    def migrate(self, migrations: Sequence[PgMigration] = PG_MIGRATIONS) -> list[str]:
        """Create or update the site schema; returns the migrations applied now."""
        known = {m.name for m in migrations}
        done: list[str] = []
        with self._tx("creating the migrations table") as cur:
            cur.execute("CREATE SCHEMA IF NOT EXISTS faceapp")
            cur.execute("CREATE TABLE IF NOT EXISTS faceapp.migrations (name TEXT PRIMARY KEY, "
                        "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            applied = {r[0] for r in cur.execute("SELECT name FROM faceapp.migrations")}
        if applied - known:
            raise SiteError(f"the site schema was written by a newer faceapp (it has {', '.join(sorted(applied - known))}); "
                            "update faceapp on this PC first")
        for m in migrations:
            if m.name in applied:
                continue
            with self._tx(f"applying site schema change {m.name}") as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (MASTER_LOCK + 1,))  # one migrator at a time
                if cur.execute("SELECT 1 FROM faceapp.migrations WHERE name = %s", (m.name,)).fetchone():
                    continue
                for step in m.steps:
                    cur.execute(step.encode())
                cur.execute("INSERT INTO faceapp.migrations (name) VALUES (%s)", (m.name,))
            log.info("site schema: applied %s", m.name)
            done.append(m.name)
        return done

    def add_kiosk(self, name: str) -> str:
        """Create the kiosk's own login role (read master data, insert its own events) and
        return the kiosk's DSN: this server's address with the new login."""
        if not KIOSK_NAME.match(name):
            raise SiteError(f"kiosk name {name!r}: use 1-40 lower-case letters, digits, '-' or '_'")
        role = f"faceapp_kiosk_{name.replace('-', '_')}"
        password = secrets.token_urlsafe(18)
        ident = sql.Identifier(role)
        with self._tx(f"adding kiosk {name}") as cur:
            if cur.execute("SELECT 1 FROM faceapp.kiosks WHERE name = %s", (name,)).fetchone():
                raise SiteError(f"kiosk {name} exists already on this site")
            others = [r[0] for r in cur.execute(  # logins are per server, sites per database
                "SELECT d.datname FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname <> current_database() "
                "AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = %s) ORDER BY 1", (role,))]
            if others:  # a new password here would lock that site's kiosk out
                raise SiteError(f"kiosk name {name}: its login {role} belongs to another site database on this server "
                                f"({', '.join(others)}); PostgreSQL logins are per server: choose another name")
            if cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                # left by a site database dropped since (re-created site): reuse it with a new password
                cur.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(password)))
            else:
                cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(password)))
            db = cur.execute("SELECT current_database()").fetchone()[0]
            cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(db), ident))
            cur.execute(sql.SQL("GRANT USAGE ON SCHEMA faceapp TO {}").format(ident))
            for t in MASTER_TABLES:
                cur.execute(sql.SQL("GRANT SELECT ON faceapp.{} TO {}").format(sql.Identifier(t.name), ident))
            for t in EVENT_TABLES:  # row-level security: its own rows only; the receive time is the server's
                cols = ["kiosk", "local_id", *self.columns(t.name)]
                cur.execute(sql.SQL("GRANT SELECT, INSERT ({}) ON faceapp.{} TO {}").format(
                    sql.SQL(", ").join(map(sql.Identifier, cols)), sql.Identifier(t.name), ident))
            for obj in ("tombstones", "meta", "attendance_report", "punch_report"):
                cur.execute(sql.SQL("GRANT SELECT ON faceapp.{} TO {}").format(sql.Identifier(obj), ident))
            cur.execute(sql.SQL("GRANT EXECUTE ON FUNCTION faceapp.kiosk_seen(DOUBLE PRECISION), "
                                "faceapp.current_kiosk() TO {}").format(ident))
            cur.execute("INSERT INTO faceapp.kiosks (name, role) VALUES (%s, %s)", (name, role))
        params = conninfo_to_dict(self.dsn)
        params.update(user=role, password=password)
        return make_conninfo(**params)

    def kiosks(self) -> list[tuple[str, datetime | None, float | None]]:
        with self._tx("listing kiosks") as cur:
            return [tuple(r) for r in cur.execute(  # type: ignore[misc]
                "SELECT name, last_seen, clock_skew_s FROM faceapp.kiosks ORDER BY name")]

    # -- what every kiosk does --------------------------------------------------------------

    def wait_for_master_change(self, timeout_s: float) -> bool:
        """LISTEN for master-data commits; True when one came within timeout_s. The
        connection is in autocommit mode from the first call (a listener holds no transaction)."""
        try:
            if not self.conn.autocommit:
                self.conn.autocommit = True
                self.conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(MASTER_CHANNEL)))
            for _ in self.conn.notifies(timeout=timeout_s, stop_after=1):
                return True
            return False
        except psycopg.Error as exc:
            raise _translate(exc, "waiting for changes", self.dsn) from None

    def site_id(self) -> str:
        with self._tx("reading the site id") as cur:
            return str(cur.execute("SELECT value FROM faceapp.meta WHERE key = 'site_id'").fetchone()[0])

    def may_write_master(self) -> bool:
        """Whether this login may change the site's master data (the admin's; a kiosk's may not)."""
        with self._tx("checking this login's rights") as cur:
            row = cur.execute("SELECT has_table_privilege('faceapp.employees', 'UPDATE')").fetchone()
        return bool(row and row[0])

    def kiosk_name(self) -> str | None:
        with self._tx("reading this login's kiosk") as cur:
            row = cur.execute("SELECT faceapp.current_kiosk()").fetchone()
        return row[0] if row else None

    def columns(self, name: str) -> list[str]:
        """The replicated columns of a table: the server's, without its own bookkeeping."""
        if name not in self._columns:
            with self._tx(f"reading the columns of {name}") as cur:
                rows = cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'faceapp' "
                                   "AND table_name = %s ORDER BY ordinal_position", (name,)).fetchall()
            if not rows:
                raise SiteError(f"the site schema has no table {name}: run `faceapp site init` with this version")
            self._columns[name] = [r[0] for r in rows if r[0] not in _SERVER_ONLY]
        return self._columns[name]

    def clock(self) -> datetime:
        with self._tx("reading the server clock") as cur:
            return cur.execute("SELECT now()").fetchone()[0]

    def seen(self, skew_s: float) -> None:
        with self._tx("reporting this kiosk alive") as cur:
            cur.execute("SELECT faceapp.kiosk_seen(%s)", (float(skew_s),))

    def generation(self) -> str:
        """What changes when the site database is restored from a dump (recreated database or
        tables get new object ids), while revisions may have been reused since."""
        with self._tx("reading the site's generation") as cur:
            return str(cur.execute("SELECT d.oid::text || ':' || 'faceapp.employees'::regclass::oid::text "
                                   "FROM pg_database d WHERE d.datname = current_database()").fetchone()[0])

    def max_rev(self) -> int:
        with self._tx("reading the site revision") as cur:
            return self._max_rev(cur)

    @staticmethod
    def _max_rev(cur: psycopg.Cursor) -> int:
        parts = [f"SELECT max(rev) FROM faceapp.{t.name}" for t in MASTER_TABLES] + \
            ["SELECT max(rev) FROM faceapp.tombstones"]
        return int(cur.execute(f"SELECT coalesce(max(m), 0) FROM ({' UNION ALL '.join(parts)}) AS r(m)")
                   .fetchone()[0])

    def pull(self, since_rev: int) -> PullBatch:
        """Every master row and tombstone after `since_rev`, from one snapshot."""
        batch = PullBatch(rev=since_rev)
        for t in MASTER_TABLES:
            self.columns(t.name)
        with self._tx("pulling master data", psycopg.IsolationLevel.REPEATABLE_READ) as cur:
            for t in MASTER_TABLES:
                cols = self.columns(t.name)
                q = sql.SQL("SELECT {}, rev FROM faceapp.{} WHERE rev > %s ORDER BY rev").format(
                    sql.SQL(", ").join(map(sql.Identifier, cols)), sql.Identifier(t.name))
                rows = cur.execute(q, (since_rev,)).fetchall()
                if rows:
                    batch.rows[t.name] = [dict(zip(cols, r[:-1])) for r in rows]
                    batch.rev = max(batch.rev, max(r[-1] for r in rows))
            for rev, tbl, pk in cur.execute("SELECT rev, tbl, pk FROM faceapp.tombstones WHERE rev > %s ORDER BY rev",
                                            (since_rev,)):
                batch.tombstones.append((tbl, pk))
                batch.rev = max(batch.rev, int(rev))
        return batch

    def all_keys(self) -> dict[str, set[tuple]]:
        """Primary keys of every master row (a full resync after the server was restored)."""
        out: dict[str, set[tuple]] = {}
        with self._tx("listing master rows", psycopg.IsolationLevel.REPEATABLE_READ) as cur:
            for t in MASTER_TABLES:
                q = sql.SQL("SELECT {} FROM faceapp.{}").format(sql.SQL(", ").join(map(sql.Identifier, t.pk)),
                                                                  sql.Identifier(t.name))
                out[t.name] = {tuple(r) for r in cur.execute(q)}
        return out

    def push(self, kiosk: str, rows: dict[str, list[dict[str, Any]]]) -> int:
        """Insert this kiosk's events, idempotently (global id = kiosk + local id): a row the
        server has already is skipped. All in one transaction. Returns rows new to the server."""
        new = 0
        with self._tx(f"pushing {sum(map(len, rows.values()))} queued event(s)") as cur:
            for name, items in rows.items():
                if not items:
                    continue
                cols = [c for c in self.columns(name)]
                q = sql.SQL("INSERT INTO faceapp.{} (kiosk, local_id, {}) VALUES (%s, %s, {}) "
                            "ON CONFLICT (kiosk, local_id) DO NOTHING").format(
                    sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, cols)),
                    sql.SQL(", ").join(sql.Placeholder() * len(cols)))
                params = [(kiosk, r["id"], *[r.get(c) for c in cols]) for r in items]
                cur.executemany(q, params)
                new += max(cur.rowcount, 0)
        return new

    def pushed_high_marks(self) -> dict[str, int]:
        """Per event table, the highest local id the server holds from this kiosk (its own
        rows: row-level security): lower than what the kiosk pushed means the server lost rows."""
        parts = [sql.SQL("SELECT {}, coalesce(max(local_id), 0) FROM faceapp.{} WHERE kiosk = faceapp.current_kiosk()")
                 .format(sql.Literal(t.name), sql.Identifier(t.name)) for t in EVENT_TABLES]
        with self._tx("reading what the server holds of this kiosk") as cur:
            return {r[0]: int(r[1]) for r in cur.execute(sql.SQL(" UNION ALL ").join(parts))}

    # -- master data (admin login) ------------------------------------------------------------

    def publish(self, changes: Sequence[MasterChange], expected_rev: int,
                redact_employees: Sequence[int] = ()) -> int:
        """Apply a kiosk's master-data change on the server, in one transaction, under the
        master lock, only if nobody changed master data since the kiosk's last pull
        (expected_rev): SiteStaleError otherwise. Erasures redact the audit rows of every
        kiosk on the server too. Returns the site revision after the change."""
        with self._tx("saving master data") as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (MASTER_LOCK,))
            now_rev = self._max_rev(cur)
            if now_rev > expected_rev:
                raise SiteStaleError("the site's master data changed on another PC since this one last synced "
                                     f"(revision {now_rev} > {expected_rev}); nothing was saved: sync and try again")
            for ch in changes:
                t = table(ch.table)
                where = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in t.pk)
                keys = [ch.pk[c] for c in t.pk]
                if ch.values is None:
                    cur.execute(sql.SQL("DELETE FROM faceapp.{} WHERE ").format(sql.Identifier(t.name)) + where, keys)
                    continue
                cols = [c for c in self.columns(t.name) if c in ch.values]
                upd = [c for c in cols if c not in t.pk]
                q = sql.SQL("INSERT INTO faceapp.{} ({}) VALUES ({}) ON CONFLICT ({}) DO ").format(
                    sql.Identifier(t.name), sql.SQL(", ").join(map(sql.Identifier, cols)),
                    sql.SQL(", ").join(sql.Placeholder() * len(cols)), sql.SQL(", ").join(map(sql.Identifier, t.pk)))
                q += (sql.SQL("UPDATE SET ") + sql.SQL(", ").join(
                    sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c)) for c in upd)) if upd else sql.SQL("NOTHING")
                cur.execute(q, [ch.values[c] for c in cols])
            for emp in redact_employees:
                cur.execute("UPDATE faceapp.audit_log SET details = (details::jsonb - 'number' - 'name')::text, "
                            "redacted_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US+00:00') "
                            "WHERE redacted_at IS NULL AND details::jsonb ->> 'employee_id' = %s", (str(emp),))
            return self._max_rev(cur)

    # -- central reports ---------------------------------------------------------------------

    def attendance_report(self, start: str | None, end: str | None) -> list[tuple]:
        """The whole site's attendance, start <= ts < end (ISO text as stored), in time order:
        (kiosk, local_id, employee_id, ts, kind, source, score, margin, received_at, number,
        name, department)."""
        q = "SELECT kiosk, local_id, employee_id, ts, kind, source, score, margin, received_at, number, name, " \
            "department FROM faceapp.attendance_report WHERE TRUE"
        args: list[Any] = []
        if start is not None:
            q, args = q + " AND ts >= %s", args + [start]
        if end is not None:
            q, args = q + " AND ts < %s", args + [end]
        with self._tx("reading the site's attendance") as cur:
            return cur.execute(q + " ORDER BY ts, kiosk, local_id", args).fetchall()

    def punch_report(self, start: str, end: str) -> list[tuple]:
        """The whole site's punches start <= ts < end: (kiosk, local_id, employee_id, ts,
        corrected, voided), in time order."""
        with self._tx("reading the site's punches") as cur:
            return cur.execute("SELECT kiosk, local_id, employee_id, ts, corrected, voided FROM faceapp.punch_report "
                               "WHERE ts >= %s AND ts < %s ORDER BY ts, kiosk, local_id", (start, end)).fetchall()

    def event_counts(self) -> dict[str, int]:
        """Rows per event table this login can see (all for an admin)."""
        with self._tx("counting events") as cur:
            return {t.name: int(cur.execute(sql.SQL("SELECT count(*) FROM faceapp.{}")
                                            .format(sql.Identifier(t.name))).fetchone()[0]) for t in EVENT_TABLES}
