from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from faceapp.storage import DatabaseCorruptError, SchemaTooNewError, StorageError
from faceapp.storage.db import default_db_path, open_db
from faceapp.storage.migrations import MIGRATIONS, Migration, applied_migrations, migrate


def test_open_creates_folder_and_applies_every_migration_once(db_path: Path) -> None:
    assert not db_path.parent.exists()
    db = open_db(db_path)
    rows = db.conn.execute("SELECT name, applied_at FROM migrations ORDER BY rowid").fetchall()
    assert [r[0] for r in rows] == [m.name for m in MIGRATIONS]
    assert all(datetime.fromisoformat(r[1]).tzinfo is not None for r in rows)
    assert migrate(db.conn, db_path) == []  # re-running is a no-op
    db.conn.close()
    db = open_db(db_path)  # and so is re-opening
    assert applied_migrations(db.conn) == [m.name for m in MIGRATIONS]
    assert {"employees", "templates", "attendance", "unknown_sightings", "settings", "audit_log"} <= set(
        db.table_names())
    idx = {r[1] for r in db.conn.execute("SELECT type, name FROM sqlite_master WHERE type = 'index'")}
    assert {"attendance_ts", "attendance_employee_ts"} <= idx
    db.conn.close()


def test_wal_foreign_keys_and_busy_timeout(db_path: Path) -> None:
    db = open_db(db_path, busy_timeout_ms=1234)
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    db.conn.close()
    con = sqlite3.connect(db_path)  # WAL is persistent in the file itself
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_database_from_newer_version_is_refused(db_path: Path) -> None:
    open_db(db_path).conn.close()
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO migrations (name, applied_at) VALUES ('0099_from_the_future', '2030-01-01T00:00:00+00:00')")
    con.commit()
    con.close()
    with pytest.raises(SchemaTooNewError) as info:
        open_db(db_path)
    msg = str(info.value)
    assert "0099_from_the_future" in msg and str(db_path) in msg and "newer" in msg


def test_a_failing_migration_is_rolled_back_and_not_recorded(db_path: Path) -> None:
    def boom(conn: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("simulated failure")

    good = Migration("0001_a", ("CREATE TABLE a (x INTEGER)",))
    bad = Migration("0002_b", ("CREATE TABLE b (x INTEGER)", "INSERT INTO a VALUES (1)", boom))
    with pytest.raises(StorageError, match="0002_b"):
        open_db(db_path, migrations=(good, bad))
    con = sqlite3.connect(db_path)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "a" in names and "b" not in names
    assert con.execute("SELECT count(*) FROM a").fetchone()[0] == 0
    assert [r[0] for r in con.execute("SELECT name FROM migrations")] == ["0001_a"]
    con.close()
    fixed = Migration("0002_b", ("CREATE TABLE b (x INTEGER)",))
    db = open_db(db_path, migrations=(good, fixed))
    assert applied_migrations(db.conn) == ["0001_a", "0002_b"]
    db.conn.close()


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "faceapp.db"
    path.write_bytes(b"this is a spreadsheet, not a database" * 100)
    with pytest.raises(DatabaseCorruptError, match="backup"):
        open_db(path)


def test_default_db_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FACEAPP_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"
    monkeypatch.delenv("FACEAPP_DB")
    p = default_db_path()
    assert p.name == "faceapp.db" and "faceapp" in p.parent.name.lower()
