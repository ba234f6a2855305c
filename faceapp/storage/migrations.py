"""Named, ordered schema migrations, each applied in one transaction and recorded.

Add a new migration by appending to MIGRATIONS; never edit or reorder a released one.
A database that records a migration name this version does not know was written by a
newer faceapp and is refused rather than guessed at.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence, Union

from .errors import SchemaTooNewError, StorageError, translate

log = logging.getLogger(__name__)

Step = Union[str, Callable[[sqlite3.Connection], None]]


@dataclass(frozen=True)
class Migration:
    name: str
    steps: tuple[Step, ...]  # SQL statements (one each) or callables taking the connection


_INITIAL: tuple[Step, ...] = (
    """CREATE TABLE employees (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE CHECK (length(trim(number)) > 0),
        name TEXT NOT NULL,
        department TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        consent_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE templates (
        id INTEGER PRIMARY KEY,
        employee_id INTEGER NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
        embedding BLOB NOT NULL,
        dim INTEGER NOT NULL CHECK (dim > 0),
        model_id TEXT NOT NULL,
        quality REAL NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX templates_model ON templates(model_id, employee_id)",
    "CREATE INDEX templates_employee ON templates(employee_id)",
    """CREATE TABLE attendance (
        id INTEGER PRIMARY KEY,
        employee_id INTEGER REFERENCES employees(id) ON DELETE SET NULL,
        ts TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('in', 'out')),
        source TEXT NOT NULL DEFAULT '',
        score REAL,
        margin REAL
    )""",
    "CREATE INDEX attendance_ts ON attendance(ts)",
    "CREATE INDEX attendance_employee_ts ON attendance(employee_id, ts)",
    """CREATE TABLE unknown_sightings (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT '',
        score REAL,
        thumbnail BLOB
    )""",
    "CREATE INDEX unknown_sightings_ts ON unknown_sightings(ts)",
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
    )""",
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        details TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX audit_log_ts ON audit_log(ts)",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
)

# Door access (groups with weekly schedules, the access log) and privacy bookkeeping:
# when a person was deactivated (template retention) and anonymised (right to erasure).
_ACCESS: tuple[Step, ...] = (
    "ALTER TABLE employees ADD COLUMN deactivated_at TEXT",
    "ALTER TABLE employees ADD COLUMN anonymised_at TEXT",
    "UPDATE employees SET deactivated_at = updated_at WHERE active = 0",
    """CREATE TABLE access_groups (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
        schedule TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(schedule)),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE employee_access_groups (
        employee_id INTEGER NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
        group_id INTEGER NOT NULL REFERENCES access_groups(id) ON DELETE CASCADE,
        PRIMARY KEY (employee_id, group_id)
    )""",
    "CREATE INDEX employee_access_groups_group ON employee_access_groups(group_id)",
    """CREATE TABLE access_log (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        employee_id INTEGER REFERENCES employees(id) ON DELETE SET NULL,
        score REAL,
        granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
        reason TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX access_log_ts ON access_log(ts)",
    "CREATE INDEX access_log_employee_ts ON access_log(employee_id, ts)",
)

# The kiosk's admin PIN lock-out, kept here so a restart does not reset it (one row per
# guarded PIN, "kiosk" today). locked_until: ISO 8601 UTC, NULL when never locked.
_PIN_GUARD: tuple[Step, ...] = (
    """CREATE TABLE pin_guard (
        scope TEXT PRIMARY KEY,
        failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
        lockouts INTEGER NOT NULL DEFAULT 0 CHECK (lockouts >= 0),
        locked_until TEXT,
        updated_at TEXT NOT NULL
    )""",
)

# Right to erasure vs an append-only audit log: rows that name a person (employee.enrol
# keeps the number next to the id) are redacted once, on erasure, and marked so; who did
# what and when stays, nothing else about a row may change, and nothing is deleted.
_AUDIT_REDACTION: tuple[Step, ...] = (
    "ALTER TABLE audit_log ADD COLUMN redacted_at TEXT",
    "DROP TRIGGER audit_log_no_update",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       WHEN NOT (OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND NEW.id = OLD.id
                 AND NEW.ts = OLD.ts AND NEW.actor = OLD.actor AND NEW.action = OLD.action)
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (personal data is only redacted, once, on erasure)'); END""",
)

# Whether the relay really opened for a grant ("granted" is the rule's answer, not the
# door's): see access.rules.AccessAttempt.relay.
_ACCESS_RELAY: tuple[Step, ...] = (
    "ALTER TABLE access_log ADD COLUMN relay TEXT NOT NULL DEFAULT ''",
)

# Templates that survive a model change: each enrolment sample's encoder-neutral face crop
# (vision/crops.py: JPEG + the 5 dlib points in crop pixels), personal data erased with the
# person (cascade; erasure and retention delete them explicitly too). A template records the
# crop it was computed from, so `templates rebuild` re-embeds sample by sample.
_ENROLMENT_CROPS: tuple[Step, ...] = (
    """CREATE TABLE enrolment_crops (
        id INTEGER PRIMARY KEY,
        employee_id INTEGER NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
        image BLOB NOT NULL,
        format TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size > 0),
        points TEXT NOT NULL CHECK (json_valid(points)),
        quality REAL NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX enrolment_crops_employee ON enrolment_crops(employee_id)",
    "ALTER TABLE templates ADD COLUMN crop_id INTEGER REFERENCES enrolment_crops(id) ON DELETE SET NULL",
)

# Time keeping (timekeeping package): timetables (rules as JSON, checked by the domain),
# shifts as cycles of timetable days (NULL: day off), assignments to an employee or a
# department (temporary: a date range that beats both), public holidays, leave days, and
# punch corrections: append-only rows that add, void or restore a punch (never an edit).
_TIMEKEEPING: tuple[Step, ...] = (
    """CREATE TABLE timetables (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
        rules TEXT NOT NULL CHECK (json_valid(rules)),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE shifts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
        kind TEXT NOT NULL CHECK (kind IN ('weekly', 'rotation')),
        cycle_days INTEGER NOT NULL CHECK (cycle_days BETWEEN 1 AND 366),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE shift_days (
        shift_id INTEGER NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
        day_index INTEGER NOT NULL CHECK (day_index >= 0),
        timetable_id INTEGER REFERENCES timetables(id),
        PRIMARY KEY (shift_id, day_index)
    )""",
    """CREATE TABLE shift_assignments (
        id INTEGER PRIMARY KEY,
        shift_id INTEGER NOT NULL REFERENCES shifts(id),
        employee_id INTEGER REFERENCES employees(id) ON DELETE CASCADE,
        department TEXT,
        start_day TEXT NOT NULL,
        end_day TEXT,
        temporary INTEGER NOT NULL DEFAULT 0 CHECK (temporary IN (0, 1)),
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        CHECK ((employee_id IS NULL) <> (department IS NULL)),
        CHECK (end_day IS NULL OR end_day >= start_day)
    )""",
    "CREATE INDEX shift_assignments_employee ON shift_assignments(employee_id)",
    """CREATE TABLE holidays (
        day TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE leave (
        id INTEGER PRIMARY KEY,
        employee_id INTEGER NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('annual', 'sick', 'unpaid', 'other')),
        portion TEXT NOT NULL CHECK (portion IN ('full', 'half')),
        paid INTEGER NOT NULL CHECK (paid IN (0, 1)),
        note TEXT NOT NULL DEFAULT '',
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (employee_id, day)
    )""",
    "CREATE INDEX leave_day ON leave(day)",
    """CREATE TABLE punch_corrections (
        id INTEGER PRIMARY KEY,
        attendance_id INTEGER NOT NULL REFERENCES attendance(id),
        action TEXT NOT NULL CHECK (action IN ('add', 'void', 'restore')),
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        actor TEXT NOT NULL CHECK (length(trim(actor)) > 0),
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX punch_corrections_attendance ON punch_corrections(attendance_id, id)",
    """CREATE TRIGGER punch_corrections_no_update BEFORE UPDATE ON punch_corrections
       BEGIN SELECT RAISE(ABORT, 'punch corrections are append-only'); END""",
    """CREATE TRIGGER punch_corrections_no_delete BEFORE DELETE ON punch_corrections
       BEGIN SELECT RAISE(ABORT, 'punch corrections are append-only'); END""",
)

# Unknown-face review: a sighting (one visit of a face nobody matched) keeps up to a few of
# its best faces, what is needed to show, group and enrol them: the face crop in the
# enrolment crop format with its 5 points, the descriptor and the model that made it, the
# quality measures. Biometric data, kept and erased like templates (retention, secure
# deletion on review). A review (dismissed, enrolled as or added to an employee) deletes the
# faces; only the fact, the time and the person stay on the sighting.
_UNKNOWN_REVIEW: tuple[Step, ...] = (
    """CREATE TABLE unknown_faces (
        id INTEGER PRIMARY KEY,
        sighting_id INTEGER NOT NULL REFERENCES unknown_sightings(id) ON DELETE CASCADE,
        image BLOB NOT NULL,
        points TEXT NOT NULL CHECK (json_valid(points)),
        embedding BLOB NOT NULL,
        dim INTEGER NOT NULL CHECK (dim > 0),
        model_id TEXT NOT NULL,
        quality TEXT NOT NULL CHECK (json_valid(quality)),
        score REAL NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX unknown_faces_sighting ON unknown_faces(sighting_id)",
    "ALTER TABLE unknown_sightings ADD COLUMN reviewed TEXT CHECK (reviewed IN ('dismissed', 'enrolled', 'added'))",
    "ALTER TABLE unknown_sightings ADD COLUMN reviewed_at TEXT",
    "ALTER TABLE unknown_sightings ADD COLUMN employee_id INTEGER REFERENCES employees(id) ON DELETE SET NULL",
)

# Access groups that are closed on the time-keeping holiday list (access.rules).
_ACCESS_HOLIDAYS = (
    "ALTER TABLE access_groups ADD COLUMN holidays_closed INTEGER NOT NULL DEFAULT 0 "
    "CHECK (holidays_closed IN (0, 1))",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_initial", _INITIAL),
    Migration("0002_access", _ACCESS),
    Migration("0003_pin_guard", _PIN_GUARD),
    Migration("0004_audit_redaction", _AUDIT_REDACTION),
    Migration("0005_access_relay", _ACCESS_RELAY),
    Migration("0006_enrolment_crops", _ENROLMENT_CROPS),
    Migration("0007_timekeeping", _TIMEKEEPING),
    Migration("0008_unknown_review", _UNKNOWN_REVIEW),
    Migration("0009_access_holidays", _ACCESS_HOLIDAYS),
)


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY rowid")]


def migrate(conn: sqlite3.Connection, path: str | Path,
            migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply the missing migrations in order; returns the names applied now.

    `conn` must be in autocommit mode (isolation_level=None): this function owns the
    transactions. Re-running is a no-op; unknown recorded names raise SchemaTooNewError.
    """
    known = [m.name for m in migrations]
    if len(set(known)) != len(known):
        raise ValueError(f"duplicate migration names in {known}")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS migrations ("
                     "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        applied = set(applied_migrations(conn))
        unknown = [n for n in applied if n not in known]
    except sqlite3.Error as exc:
        raise translate(exc, path, "checking the database version") from exc
    if unknown:
        raise SchemaTooNewError(
            f"{path} was written by a newer version of faceapp (it has schema changes "
            f"{', '.join(unknown)} that this version does not know). Install the newer faceapp "
            "again, or open another database file (FACEAPP_DB or --db).", path)
    done: list[str] = []
    for m in migrations:
        if m.name in applied:  # no write lock for what is done: opening never waits for another writer
            continue
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Checked inside the write lock: another process may have migrated meanwhile.
                if conn.execute("SELECT 1 FROM migrations WHERE name = ?", (m.name,)).fetchone():
                    conn.execute("COMMIT")
                    continue
                for step in m.steps:
                    if callable(step):
                        step(conn)
                    else:
                        conn.execute(step)
                conn.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                             (m.name, datetime.now(timezone.utc).isoformat()))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise translate(exc, path, f"applying schema change {m.name}") from exc
        except StorageError:
            raise
        log.info("database %s: applied migration %s", path, m.name)
        done.append(m.name)
    return done
