"""The site schema in PostgreSQL: named migrations, each applied in one transaction and
recorded in faceapp.migrations (as storage.migrations does for SQLite).

Everything lives in the schema `faceapp`. Master tables mirror the kiosk's SQLite tables
(same columns, same values: timestamps as ISO text, JSON as text) plus `rev`, the site
revision of the row's last change, from one sequence. A trigger stamps it, under one
transaction-level advisory lock, so master writers are serialised and revisions commit in
order: a kiosk that pulled up to revision R has everything at or below R. Deleting a master
row leaves a tombstone (its primary key only) with its own revision. Event tables carry the
global id (kiosk, local_id), the kiosk's own time (`ts`) and the server's receive time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .tables import EVENT_TABLES, MASTER_TABLES

log = logging.getLogger(__name__)

MASTER_LOCK = 712_300  # pg_advisory_xact_lock key held by every master-data writer
MASTER_CHANNEL = "faceapp_master"  # NOTIFY on every master-data commit: kiosks pull at once


@dataclass(frozen=True)
class PgMigration:
    name: str
    steps: tuple[str, ...]


_MASTER_DDL: dict[str, str] = {
    "employees": """id BIGINT PRIMARY KEY,
        number TEXT NOT NULL CHECK (length(trim(number)) > 0),
        name TEXT NOT NULL, department TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        consent_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        deactivated_at TEXT, anonymised_at TEXT,
        CONSTRAINT employees_number_key UNIQUE (number) DEFERRABLE INITIALLY DEFERRED""",
    "access_groups": """id BIGINT PRIMARY KEY, name TEXT NOT NULL, schedule TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        CONSTRAINT access_groups_name_key UNIQUE (name) DEFERRABLE INITIALLY DEFERRED""",
    "employee_access_groups": """employee_id BIGINT NOT NULL, group_id BIGINT NOT NULL,
        PRIMARY KEY (employee_id, group_id)""",
    "enrolment_crops": """id BIGINT PRIMARY KEY, employee_id BIGINT NOT NULL, image BYTEA NOT NULL,
        format TEXT NOT NULL, size INTEGER NOT NULL, points TEXT NOT NULL,
        quality DOUBLE PRECISION NOT NULL DEFAULT 0, created_at TEXT NOT NULL""",
    "templates": """id BIGINT PRIMARY KEY, employee_id BIGINT NOT NULL, embedding BYTEA NOT NULL,
        dim INTEGER NOT NULL CHECK (dim > 0), model_id TEXT NOT NULL,
        quality DOUBLE PRECISION NOT NULL DEFAULT 0, created_at TEXT NOT NULL, crop_id BIGINT""",
    "settings": "key TEXT PRIMARY KEY, value TEXT NOT NULL",
    "timetables": """id BIGINT PRIMARY KEY, name TEXT NOT NULL, rules TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        CONSTRAINT timetables_name_key UNIQUE (name) DEFERRABLE INITIALLY DEFERRED""",
    "shifts": """id BIGINT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, cycle_days INTEGER NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        CONSTRAINT shifts_name_key UNIQUE (name) DEFERRABLE INITIALLY DEFERRED""",
    "shift_days": """shift_id BIGINT NOT NULL, day_index INTEGER NOT NULL, timetable_id BIGINT,
        PRIMARY KEY (shift_id, day_index)""",
    "shift_assignments": """id BIGINT PRIMARY KEY, shift_id BIGINT NOT NULL, employee_id BIGINT,
        department TEXT, start_day TEXT NOT NULL, end_day TEXT,
        temporary INTEGER NOT NULL DEFAULT 0, actor TEXT NOT NULL, created_at TEXT NOT NULL""",
    "holidays": "day TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL",
    "leave": """id BIGINT PRIMARY KEY, employee_id BIGINT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL,
        portion TEXT NOT NULL, paid INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        CONSTRAINT leave_employee_day_key UNIQUE (employee_id, day) DEFERRABLE INITIALLY DEFERRED""",
}

_EVENT_DDL: dict[str, str] = {
    "attendance": """employee_id BIGINT, ts TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('in', 'out')),
        source TEXT NOT NULL DEFAULT '', score DOUBLE PRECISION, margin DOUBLE PRECISION""",
    "access_log": """ts TEXT NOT NULL, employee_id BIGINT, score DOUBLE PRECISION,
        granted INTEGER NOT NULL, reason TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',
        relay TEXT NOT NULL DEFAULT ''""",
    "audit_log": """ts TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        details TEXT NOT NULL DEFAULT '{}', redacted_at TEXT""",
    "unknown_sightings": "ts TEXT NOT NULL, source TEXT NOT NULL DEFAULT '', score DOUBLE PRECISION",
    "punch_corrections": """attendance_id BIGINT NOT NULL, action TEXT NOT NULL, reason TEXT NOT NULL,
        actor TEXT NOT NULL, created_at TEXT NOT NULL""",
}


def _initial() -> tuple[str, ...]:
    steps: list[str] = [
        "CREATE SCHEMA IF NOT EXISTS faceapp",
        "CREATE SEQUENCE faceapp.rev_seq",
        """CREATE TABLE faceapp.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
        "INSERT INTO faceapp.meta (key, value) VALUES ('site_id', md5(random()::text || clock_timestamp()::text))",
        """CREATE TABLE faceapp.kiosks (
            name TEXT PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
            role TEXT NOT NULL UNIQUE,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            last_seen TIMESTAMPTZ,
            clock_skew_s DOUBLE PRECISION)""",
        """CREATE TABLE faceapp.tombstones (
            rev BIGINT PRIMARY KEY, tbl TEXT NOT NULL, pk JSONB NOT NULL,
            deleted_at TIMESTAMPTZ NOT NULL DEFAULT now())""",
        f"""CREATE FUNCTION faceapp.stamp_rev() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock({MASTER_LOCK});
                NEW.rev := nextval('faceapp.rev_seq');
                PERFORM pg_notify('faceapp_master', '');  -- wakes the kiosks (once per transaction)
                RETURN NEW;
            END $$""",
        f"""CREATE FUNCTION faceapp.tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                old_row JSONB := to_jsonb(OLD);
                key JSONB := '{{}}'::jsonb;
                col TEXT;
            BEGIN
                PERFORM pg_advisory_xact_lock({MASTER_LOCK});
                FOREACH col IN ARRAY TG_ARGV LOOP
                    key := key || jsonb_build_object(col, old_row -> col);
                END LOOP;
                INSERT INTO faceapp.tombstones (rev, tbl, pk) VALUES (nextval('faceapp.rev_seq'), TG_TABLE_NAME, key);
                PERFORM pg_notify('faceapp_master', '');
                RETURN OLD;
            END $$""",
        # The kiosk this session's login belongs to (NULL for an admin): row-level security.
        """CREATE FUNCTION faceapp.current_kiosk() RETURNS TEXT LANGUAGE sql STABLE SECURITY DEFINER
            SET search_path = faceapp, pg_temp AS
            $$ SELECT name FROM faceapp.kiosks WHERE role = session_user $$""",
        # A kiosk reports itself alive, with its clock's offset from the server's.
        """CREATE FUNCTION faceapp.kiosk_seen(skew_s DOUBLE PRECISION) RETURNS VOID LANGUAGE sql
            SECURITY DEFINER SET search_path = faceapp, pg_temp AS
            $$ UPDATE faceapp.kiosks SET last_seen = now(), clock_skew_s = skew_s WHERE role = session_user $$""",
    ]
    for t in MASTER_TABLES:
        steps += [
            f"CREATE TABLE faceapp.{t.name} ({_MASTER_DDL[t.name]}, rev BIGINT NOT NULL)",
            f"CREATE INDEX {t.name}_rev ON faceapp.{t.name} (rev)",
            f"CREATE TRIGGER {t.name}_rev BEFORE INSERT OR UPDATE ON faceapp.{t.name} "
            "FOR EACH ROW EXECUTE FUNCTION faceapp.stamp_rev()",
            f"CREATE TRIGGER {t.name}_tombstone AFTER DELETE ON faceapp.{t.name} "
            f"FOR EACH ROW EXECUTE FUNCTION faceapp.tombstone({', '.join(repr(c) for c in t.pk)})",
        ]
    for t in EVENT_TABLES:
        steps += [
            f"""CREATE TABLE faceapp.{t.name} (
                kiosk TEXT NOT NULL REFERENCES faceapp.kiosks(name),
                local_id BIGINT NOT NULL,
                {_EVENT_DDL[t.name]},
                received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (kiosk, local_id))""",
            f"ALTER TABLE faceapp.{t.name} ENABLE ROW LEVEL SECURITY",
            # a kiosk sees and writes its own rows only; the owner (admin) is not subject to it
            f"CREATE POLICY own_rows ON faceapp.{t.name} USING (kiosk = faceapp.current_kiosk()) "
            "WITH CHECK (kiosk = faceapp.current_kiosk())",
        ]
    steps += [
        # An audit row a kiosk pushes after the person was erased (queued while offline)
        # arrives redacted, as the rows the erasure redacted on the server.
        """CREATE FUNCTION faceapp.redact_erased_audit() RETURNS trigger LANGUAGE plpgsql
            SECURITY DEFINER SET search_path = faceapp, pg_temp AS $$
            BEGIN
                IF NEW.redacted_at IS NULL AND NEW.details LIKE '{%' AND EXISTS (
                        SELECT 1 FROM faceapp.employees e WHERE e.anonymised_at IS NOT NULL
                        AND e.id::text = NEW.details::jsonb ->> 'employee_id') THEN
                    NEW.details := (NEW.details::jsonb - 'number' - 'name')::text;
                    NEW.redacted_at := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US+00:00');
                END IF;
                RETURN NEW;
            END $$""",
        "CREATE TRIGGER audit_log_redact_erased BEFORE INSERT ON faceapp.audit_log "
        "FOR EACH ROW EXECUTE FUNCTION faceapp.redact_erased_audit()",
        "CREATE INDEX attendance_employee_ts ON faceapp.attendance (employee_id, ts)",
        "CREATE INDEX attendance_ts ON faceapp.attendance (ts)",
        # Central reporting for every kiosk: the whole site's attendance (no face data),
        # read through the owner's rights, so it does not open the raw queues to kiosks.
        """CREATE VIEW faceapp.attendance_report AS
            SELECT a.kiosk, a.local_id, a.employee_id, a.ts, a.kind, a.source, a.score, a.margin,
                   a.received_at, e.number, e.name, e.department
            FROM faceapp.attendance a LEFT JOIN faceapp.employees e ON e.id = a.employee_id""",
    ]
    steps += [
        # Time-keeping reports of the whole site: every kiosk's punches, with the corrections
        # the kiosk that recorded them made (a correction names its own kiosk's attendance row).
        """CREATE VIEW faceapp.punch_report AS
            SELECT a.kiosk, a.local_id, a.employee_id, a.ts,
                   EXISTS (SELECT 1 FROM faceapp.punch_corrections c
                           WHERE c.kiosk = a.kiosk AND c.attendance_id = a.local_id) AS corrected,
                   coalesce((SELECT c.action = 'void' FROM faceapp.punch_corrections c
                             WHERE c.kiosk = a.kiosk AND c.attendance_id = a.local_id AND c.action <> 'add'
                             ORDER BY c.local_id DESC LIMIT 1), false) AS voided
            FROM faceapp.attendance a WHERE a.employee_id IS NOT NULL""",
    ]
    return tuple(steps)


PG_MIGRATIONS: tuple[PgMigration, ...] = (
    PgMigration("0001_site", _initial()),
    # SQLite 0009_access_holidays: a group may be closed on the site's holidays.
    PgMigration("0002_access_holidays", (
        "ALTER TABLE faceapp.access_groups ADD COLUMN holidays_closed INTEGER NOT NULL DEFAULT 0 "
        "CHECK (holidays_closed IN (0, 1))",
    )),
)
