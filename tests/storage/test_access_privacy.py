"""Access groups, the access log, retention purge and erasure, on real SQLite files."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from faceapp.access.rules import AccessAttempt, ScheduleError, WeeklySchedule
from faceapp.shared.records import AttendanceEvent
from faceapp.storage import (AccessGroupNotFoundError, DuplicateAccessGroupError, EmployeeNotFoundError,
                             StorageError)
from faceapp.storage.db import open_db
from faceapp.storage.migrations import MIGRATIONS
from faceapp.storage.repository import Repository

from storage_helpers import count, enrol, repository_without_secure_delete

UTC = timezone.utc
OFFICE = {"mon": ["07:00-19:00"], "fri": ["07:00-15:00"]}


def now() -> datetime:
    return datetime.now(UTC)


def test_access_groups_and_assignment(repo: Repository, db_path: Path) -> None:
    ada, _ = enrol(repo)
    office = repo.create_access_group(" Office ", OFFICE)
    night = repo.create_access_group("Night", WeeklySchedule.from_dict({"sat": ["22:00-06:00"]}))
    assert office.name == "Office" and office.schedule == WeeklySchedule.from_dict(OFFICE)
    with pytest.raises(DuplicateAccessGroupError, match="'Office' already exists"):
        repo.create_access_group("Office", {})
    with pytest.raises(ScheduleError):
        repo.create_access_group("Broken", {"mon": ["9-5"]})
    assert [g.name for g in repo.list_access_groups()] == ["Night", "Office"]
    assert repo.set_employee_access_groups(ada.id, [office.id, night.id, office.id]) == [night, office]
    assert repo.employee_access_groups(ada.id) == [night, office]
    assert repo.access_group_members(office.id) == [ada.id]
    with pytest.raises(AccessGroupNotFoundError):
        repo.set_employee_access_groups(ada.id, [999])
    assert repo.employee_access_groups(ada.id) == [night, office]  # the failed call changed nothing
    changed = repo.update_access_group(office.id, schedule={"tue": ["08:00-09:00"]})
    assert changed.schedule.to_dict() == {"tue": ["08:00-09:00"]} and changed.name == "Office"
    assert repo.delete_access_group(night.id) == 1
    assert repo.employee_access_groups(ada.id) == [changed]
    actions = [a.action for a in repo.audit_log()]
    assert actions[:4] == ["access_group.delete", "access_group.update", "employee.access_groups",
                           "access_group.create"]
    # A schedule damaged on disk is reported as such, not as a crash.
    con = sqlite3.connect(db_path)
    con.execute("UPDATE access_groups SET schedule = '{\"xx\": 1}' WHERE id = ?", (office.id,))
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="damaged schedule"):
        repo.employee_access_groups(ada.id)


def test_access_log_records_every_attempt(repo: Repository, db_path: Path) -> None:
    ada, _ = enrol(repo)
    t0 = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)
    repo.add_access_attempt(AccessAttempt(t0, ada.id, True, "granted", 0.31, "front"))
    repo.add_access_attempt(AccessAttempt(t0 + timedelta(minutes=1), None, False, "unknown", 0.72, "front"))
    repo.add_access_attempt(AccessAttempt(t0 + timedelta(hours=13), ada.id, False, "outside schedule",
                                          float("nan"), "front"))
    log = repo.access_log()
    assert [(a.employee_id, a.granted, a.reason) for a in log] == [
        (ada.id, False, "outside schedule"), (None, False, "unknown"), (ada.id, True, "granted")]
    assert log[-1].ts == t0 and log[-1].score == pytest.approx(0.31) and log[-1].source == "front"
    assert log[-1].employee_name == "Ada Lovelace" and log[1].employee_name == ""
    assert log[0].score != log[0].score  # NaN round-trips as NULL
    assert [a.reason for a in repo.access_log(granted=False)] == ["outside schedule", "unknown"]
    assert [a.reason for a in repo.access_log(unknown_only=True)] == ["unknown"]
    assert [a.reason for a in repo.access_log(employee_id=ada.id)] == ["outside schedule", "granted"]
    assert [a.reason for a in repo.access_log(t0, t0 + timedelta(hours=1))] == ["unknown", "granted"]
    assert count(db_path, "access_log") == 3
    with pytest.raises(EmployeeNotFoundError):
        repo.add_access_attempt(AccessAttempt(t0, 999, True, "granted"))
    assert count(db_path, "access_log") == 3


def test_purge_expired_thumbnails_and_templates_of_long_inactive_people(repo: Repository, db_path: Path) -> None:
    ada, _ = enrol(repo, "E001", "Ada")
    bob, _ = enrol(repo, "E002", "Bob", seed=1)
    cyd, _ = enrol(repo, "E003", "Cyd", seed=2)
    repo.add_attendance(AttendanceEvent(bob.id, now() - timedelta(days=1), "in"))
    repo.set_active(bob.id, False)
    repo.set_active(cyd.id, False)
    repo.update_employee(cyd.id, active=True)  # back at work: the clock restarts
    t = now()
    repo.add_unknown_sighting(t - timedelta(days=31), "front", 0.8, b"old-jpeg")
    repo.add_unknown_sighting(t - timedelta(days=29), "front", 0.8, b"new-jpeg")

    soon = repo.purge_expired(t, unknown_days=30, inactive_days=90)
    assert (soon.thumbnails, soon.templates, soon.employees) == (1, 0, 0)
    assert repo.template_counts() == {ada.id: 3, bob.id: 3, cyd.id: 3}

    later = repo.purge_expired(t + timedelta(days=91), unknown_days=30, inactive_days=90)
    assert (later.thumbnails, later.templates, later.employees) == (1, 3, 1)
    assert repo.template_counts() == {ada.id: 3, cyd.id: 3}  # only Bob, inactive for 91 days
    assert repo.get_employee(bob.id).name == "Bob" and len(repo.events(employee_ids=[bob.id])) == 1
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM unknown_sightings WHERE thumbnail IS NOT NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM unknown_sightings").fetchone()[0] == 2  # the sightings stay
    con.close()
    assert [a.action for a in repo.audit_log(2)] == ["privacy.purge", "privacy.purge"]
    assert repo.audit_log(1)[0].details["employee_ids"] == [bob.id]
    audits = count(db_path, "audit_log")
    nothing = repo.purge_expired(t + timedelta(days=92), 30, 90)
    assert (nothing.thumbnails, nothing.templates) == (0, 0)
    assert count(db_path, "audit_log") == audits  # no audit row for a no-op (it runs daily)
    with pytest.raises(ValueError):
        repo.purge_expired(t, 0, 90)


def test_migration_dates_people_already_inactive(db_path: Path) -> None:
    r = Repository(open_db(db_path, migrations=MIGRATIONS[:1]))
    bob, _ = enrol(r, "E002", "Bob")
    r.db.conn.execute("UPDATE employees SET active = 0 WHERE id = ?", (bob.id,))  # as version 0001 did
    r.close()
    r = Repository(open_db(db_path))  # applies 0002_access
    try:
        n = r.db.conn.execute("SELECT count(*) FROM employees WHERE deactivated_at IS NOT NULL").fetchone()[0]
        assert n == 1
        assert r.purge_expired(now() + timedelta(days=91), 30, 90).templates == 3
    finally:
        r.close()


def test_migration_0009_keeps_groups_open_on_holidays_and_the_flag_is_stored(db_path: Path) -> None:
    names = [m.name for m in MIGRATIONS]
    r = Repository(open_db(db_path, migrations=MIGRATIONS[:names.index("0009_access_holidays")]))
    with r.db.conn:  # as the code before 0009 wrote it
        gid = r.db.conn.execute("INSERT INTO access_groups (name, schedule, created_at, updated_at) "
                                "VALUES ('Office', '{\"mon\": [\"08:00-18:00\"]}', '2026', '2026')").lastrowid
    r.close()
    r = Repository(open_db(db_path))  # applies 0009_access_holidays
    try:
        assert r.get_access_group(gid).holidays_closed is False  # as before: holidays were not known
        closed = r.create_access_group("Night", {"sat": ["22:00-06:00"]}, holidays_closed=True)
        assert r.get_access_group(closed.id).holidays_closed is True
        assert r.update_access_group(gid, holidays_closed=True).holidays_closed is True
        assert r.audit_log(1)[0].details["holidays_closed"] is True
        with pytest.raises(sqlite3.IntegrityError):  # the column takes 0 or 1 only
            r.db.conn.execute("UPDATE access_groups SET holidays_closed = 2")
    finally:
        r.close()


def test_erase_person_anonymises_and_keeps_counts(repo: Repository, db_path: Path) -> None:
    ada, _ = enrol(repo, "E001", "Ada Lovelace", "R&D")
    bob, _ = enrol(repo, "E002", "Bob", seed=1)
    office = repo.create_access_group("Office", OFFICE)
    repo.set_employee_access_groups(ada.id, [office.id])
    day = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)
    for h, kind in ((0, "in"), (9, "out"), (24, "in")):
        repo.add_attendance(AttendanceEvent(ada.id, day + timedelta(hours=h), kind, "front", 0.3))
    repo.add_attendance(AttendanceEvent(bob.id, day, "in"))
    repo.add_access_attempt(AccessAttempt(day, ada.id, True, "granted", 0.3, "front"))

    result = repo.erase_person(ada.id, actor="dpo")
    assert (result.templates_erased, result.attendance_kept, result.access_log_kept) == (3, 3, 1)
    assert result.token.startswith("anon-")
    gone = repo.get_employee(ada.id)
    assert (gone.number, gone.name, gone.department, gone.active, gone.consent_at) == (
        result.token, result.token, "", False, None)
    assert repo.find_employee("E001") is None and repo.employee_access_groups(ada.id) == []
    assert repo.template_counts() == {bob.id: 3}
    events = repo.events(employee_ids=[ada.id])
    assert [e.kind for e in events] == ["in", "out", "in"] and {e.employee_name for e in events} == {result.token}
    assert len(repo.events()) == 4
    assert [a.employee_name for a in repo.access_log(employee_id=ada.id)] == [result.token]
    entry = repo.audit_log(1)[0]
    assert entry.action == "employee.erase" and entry.actor == "dpo"
    assert "Ada" not in str(entry.details) and "E001" not in str(entry.details)
    con = sqlite3.connect(db_path)
    row = con.execute("SELECT number, name, department, anonymised_at FROM employees WHERE id = ?",
                      (ada.id,)).fetchone()
    con.close()
    assert "Ada" not in "".join(map(str, row)) and row[3] is not None
    assert repo.erase_person(ada.id).token == result.token  # erasing again changes nothing


def test_erase_person_is_all_or_nothing(repo: Repository, db_path: Path) -> None:
    ada, _ = enrol(repo)
    repo.add_attendance(AttendanceEvent(ada.id, now(), "in"))

    def fail(*args, **kwargs):  # noqa: ANN002, ANN003
        raise sqlite3.OperationalError("disk I/O error")

    repo._audit = fail  # the last statement of the transaction fails
    with pytest.raises(StorageError):
        repo.erase_person(ada.id)
    del repo._audit
    assert repo.get_employee(ada.id).name == "Ada Lovelace" and count(db_path, "templates") == 3
    with pytest.raises(EmployeeNotFoundError):
        repo.erase_person(999)


def test_erasure_leaves_no_audit_row_linking_the_id_to_the_person(repo: Repository, db_path: Path) -> None:
    """The employee.enrol (and activate/deactivate) audit rows kept the number next to the
    id: with them the anonymised attendance pointed back at the person."""
    ada, _ = enrol(repo, "E001", "Ada Lovelace", "R&D")
    bob, _ = enrol(repo, "E002", "Bob", seed=1)
    repo.set_active(ada.id, False)
    repo.set_active(ada.id, True)
    before = count(db_path, "audit_log")
    repo.erase_person(ada.id, actor="dpo")
    assert count(db_path, "audit_log") == before + 1  # redacted, not deleted: what happened, when, by whom stays
    con = sqlite3.connect(db_path)
    try:
        rows = con.execute("SELECT action, details, redacted_at FROM audit_log ORDER BY id").fetchall()
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):  # still no other change
            con.execute("UPDATE audit_log SET actor = 'someone else'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM audit_log")
    finally:
        con.close()
    ada_rows = [(a, json.loads(d), r) for a, d, r in rows if json.loads(d).get("employee_id") == ada.id]
    assert [a for a, _, _ in ada_rows] == ["employee.enrol", "employee.deactivate", "employee.activate", "employee.erase"]
    assert all("E001" not in json.dumps(d) and "Ada" not in json.dumps(d) for _, d, _ in ada_rows)
    assert all(r is not None for a, _, r in ada_rows if a != "employee.erase")
    bob_rows = [json.loads(d) for a, d, r in rows if json.loads(d).get("employee_id") == bob.id]
    assert bob_rows[0]["number"] == "E002"  # other people's rows are untouched


def test_deletion_leaves_no_audit_row_linking_the_id_to_the_person(repo: Repository, db_path: Path) -> None:
    """Issue 18 minor: `employees delete` wrote the number into its own audit row and left it
    in the person's earlier rows; the audit log is append-only, so it stayed there for good."""
    ada, _ = enrol(repo, "E001", "Ada Lovelace", "R&D")
    bob, _ = enrol(repo, "E002", "Bob", seed=1)
    repo.set_active(ada.id, False)
    repo.delete_employee(ada.id, actor="dpo")
    con = sqlite3.connect(db_path)
    try:
        rows = con.execute("SELECT action, details, redacted_at FROM audit_log ORDER BY id").fetchall()
    finally:
        con.close()
    ada_rows = [(a, json.loads(d), r) for a, d, r in rows if json.loads(d).get("employee_id") == ada.id]
    assert [a for a, _, _ in ada_rows] == ["employee.enrol", "employee.deactivate", "employee.delete"]
    assert all("E001" not in json.dumps(d) and "Ada" not in json.dumps(d) for _, d, _ in ada_rows)
    assert ada_rows[-1][1] == {"employee_id": ada.id, "templates_erased": 3, "attendance_kept": 0}
    bob_rows = [json.loads(d) for a, d, r in rows if json.loads(d).get("employee_id") == bob.id]
    assert bob_rows[0]["number"] == "E002"


def test_erasure_leaves_no_template_bytes_in_the_files(db_path: Path, monkeypatch) -> None:
    """Deleted rows stay in free pages and in the WAL unless SQLite overwrites them, which
    many SQLite builds do not do by default: such a build is emulated here by connections
    that start with secure_delete off (this machine's build has it on)."""
    repo = repository_without_secure_delete(db_path, monkeypatch)
    ada, emb = enrol(repo, "E001", "Ada Lovelace", k=5, seed=42)
    enrol(repo, "E002", "Bob", seed=1)
    blobs = [v.astype("<f4").tobytes() for v in emb]

    def on_disk() -> bytes:
        return b"".join(f.read_bytes() for f in db_path.parent.iterdir() if f.name.startswith(db_path.name))

    assert all(b in on_disk() for b in blobs)  # the test can see them before
    repo.erase_person(ada.id)
    raw = on_disk()
    repo.close()
    assert not any(b[:64] in raw for b in blobs)
    assert b"Ada Lovelace" not in raw and b"E001" not in raw


def test_a_group_name_differing_only_in_case_is_a_duplicate(repo: Repository) -> None:
    """The command line finds groups in any case: "office" beside "Office" could never be named."""
    office = repo.create_access_group("Office", OFFICE)
    night = repo.create_access_group("Night", {})
    with pytest.raises(DuplicateAccessGroupError, match="'Office' already exists"):
        repo.create_access_group("office", {})
    with pytest.raises(DuplicateAccessGroupError, match="'Office' already exists"):
        repo.update_access_group(night.id, name="OFFICE")
    assert repo.update_access_group(office.id, name="OFFICE").name == "OFFICE"  # its own name, in another case
    assert [g.name for g in repo.list_access_groups()] == ["Night", "OFFICE"]
