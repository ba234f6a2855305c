from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.shared.records import AttendanceEvent
from faceapp.storage import CorruptRowError, DuplicateEmployeeError, EmployeeNotFoundError
from faceapp.storage.repository import Repository

from storage_helpers import CONSENT, MODEL, count, embeddings, enrol

UTC = timezone.utc
CET = timezone(timedelta(hours=1))


def test_enrol_round_trip_keeps_embeddings_bit_for_bit(repo: Repository, db_path: Path) -> None:
    emp, emb = enrol(repo, k=4)
    assert emp.id > 0 and emp.number == "E001" and emp.name == "Ada Lovelace" and emp.department == "R&D"
    assert emp.active and emp.consent_at == CONSENT and emp.created_at.tzinfo is not None
    ids, mat = repo.load_templates(MODEL)
    assert ids.dtype == np.int64 and ids.tolist() == [emp.id] * 4
    assert mat.dtype == np.float32 and mat.shape == (4, 128) and mat.flags.writeable
    assert mat.tobytes() == emb.tobytes()
    assert repo.get_employee(emp.id) == emp == repo.find_employee(" E001 ")
    assert repo.template_model_ids() == {MODEL: 4} and repo.template_counts() == {emp.id: 4}
    log = repo.audit_log()
    assert [(a.action, a.details["number"], a.details["templates"]) for a in log] == [("employee.enrol", "E001", 4)]
    assert count(db_path, "templates") == 4  # committed: visible to another connection


def test_duplicate_number_raises_and_writes_nothing(repo: Repository, db_path: Path) -> None:
    enrol(repo, number="E001")
    before = {t: count(db_path, t) for t in ("employees", "templates", "audit_log")}
    with pytest.raises(DuplicateEmployeeError) as info:
        enrol(repo, number="E001", name="Someone Else", k=5, seed=1)
    assert "E001" in str(info.value) and info.value.number == "E001"
    assert {t: count(db_path, t) for t in before} == before == {"employees": 1, "templates": 3, "audit_log": 1}
    other, _ = enrol(repo, number="E002", seed=2)  # the connection is usable afterwards
    with pytest.raises(DuplicateEmployeeError):
        repo.update_employee(other.id, number="E001")
    assert repo.get_employee(other.id).number == "E002"


def test_bad_enrol_input_is_rejected_before_writing(repo: Repository, db_path: Path) -> None:
    emb = embeddings(3)
    with pytest.raises(ValueError, match="aware"):
        repo.enrol("E9", "N", "", datetime(2026, 1, 1), emb, [1, 1, 1], MODEL)
    with pytest.raises(ValueError, match="qualities"):
        repo.enrol("E9", "N", "", CONSENT, emb, [1, 1], MODEL)
    with pytest.raises(ValueError, match="consent"):
        repo.enrol("E9", "N", "", None, emb, [1, 1, 1], MODEL)
    bad = emb.copy()
    bad[1, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        repo.enrol("E9", "N", "", CONSENT, bad, [1, 1, 1], MODEL)
    with pytest.raises(ValueError, match="empty"):
        repo.enrol("  ", "N", "", CONSENT, emb, [1, 1, 1], MODEL)
    assert count(db_path, "employees") == count(db_path, "templates") == count(db_path, "audit_log") == 0


def test_load_templates_filters_model_and_inactive(repo: Repository) -> None:
    a, ea = enrol(repo, "A1", "Anna", k=2, seed=1)
    b, eb = enrol(repo, "B1", "Bert", k=3, seed=2)
    c, _ = enrol(repo, "C1", "Carl", k=2, seed=3, model_id="other-model", dim=512)
    repo.add_templates(a.id, embeddings(1, seed=9), [0.5], MODEL)
    repo.set_active(b.id, False, actor="test")
    ids, mat = repo.load_templates(MODEL)
    assert ids.tolist() == [a.id] * 3 and mat.shape == (3, 128)
    assert mat[:2].tobytes() == ea.tobytes()
    ids, mat = repo.load_templates(MODEL, active_only=False)
    assert sorted(set(ids.tolist())) == [a.id, b.id] and mat.shape == (6, 128)
    ids, mat = repo.load_templates("other-model")
    assert ids.tolist() == [c.id] * 2 and mat.shape == (2, 512)
    ids, mat = repo.load_templates("no-such-model")
    assert ids.shape == (0,) and mat.shape[0] == 0 and repo.template_problems == []
    assert repo.template_model_ids() == {MODEL: 6, "other-model": 2}
    with pytest.raises(EmployeeNotFoundError):
        repo.add_templates(999, embeddings(1), [0.0], MODEL)


def test_corrupt_embedding_rows_are_skipped_and_reported(repo: Repository, db_path: Path) -> None:
    a, ea = enrol(repo, "A1", "Anna", k=2, seed=1)
    b, eb = enrol(repo, "B1", "Bert", k=2, seed=2)
    con = sqlite3.connect(db_path)
    t_short, t_nan = [r[0] for r in con.execute("SELECT id FROM templates WHERE employee_id = ? ORDER BY id", (b.id,))]
    con.execute("UPDATE templates SET embedding = ? WHERE id = ?", (b"\x00" * 100, t_short))  # truncated blob
    nan_vec = eb[1].copy()
    nan_vec[0] = np.nan
    con.execute("UPDATE templates SET embedding = ? WHERE id = ?", (nan_vec.astype("<f4").tobytes(), t_nan))
    con.commit()
    con.close()
    ids, mat = repo.load_templates(MODEL)
    assert ids.tolist() == [a.id, a.id] and mat.tobytes() == ea.tobytes()  # the good rows still load
    probs = repo.template_problems
    assert sorted(p.row_id for p in probs) == sorted([t_short, t_nan])
    assert all(isinstance(p, CorruptRowError) and p.employee_id == b.id for p in probs)
    short = next(p for p in probs if p.row_id == t_short)
    assert f"template {t_short}" in str(short) and "B1" in str(short) and "100 bytes" in str(short)
    with pytest.raises(CorruptRowError, match="re-enrol"):
        repo.load_templates(MODEL, strict=True)


def _event(emp_id: int, ts: datetime, kind: str = "in", source: str = "cam1") -> AttendanceEvent:
    return AttendanceEvent(emp_id, ts, kind, source, score=0.41, margin=0.12)


def test_attendance_events_filters_and_aware_datetimes(repo: Repository) -> None:
    a, _ = enrol(repo, "A1", "Anna", department="Sales", seed=1)
    b, _ = enrol(repo, "B1", "Bert", department="Ops", seed=2)
    day = datetime(2026, 11, 23, tzinfo=CET)
    stored = [repo.add_attendance(_event(a.id, day + timedelta(hours=8))),
              repo.add_attendance(_event(b.id, day + timedelta(hours=8, minutes=30))),
              repo.add_attendance(_event(a.id, day + timedelta(hours=17), "out")),
              repo.add_attendance(_event(a.id, day + timedelta(days=1, hours=8)))]
    assert [e.id for e in stored] == sorted(e.id for e in stored) and stored[0].employee_name == "Anna"
    # 07:15 UTC is 08:15 CET: after Anna's 08:00 CET event although "07:15" < "08:00" as text
    mid = repo.add_attendance(_event(b.id, datetime(2026, 11, 23, 7, 15, tzinfo=UTC)))
    got = repo.events(day, day + timedelta(days=1))
    assert [e.id for e in got] == [stored[0].id, mid.id, stored[1].id, stored[2].id]
    assert all(e.ts.tzinfo is not None for e in got)
    assert got[0].ts == day + timedelta(hours=8) and got[0].kind == "in" and got[0].source == "cam1"
    assert got[0].score == pytest.approx(0.41) and got[0].margin == pytest.approx(0.12)
    assert (got[0].employee_number, got[0].employee_name, got[0].department) == ("A1", "Anna", "Sales")
    end_exclusive = repo.events(day, day + timedelta(hours=17))
    assert stored[2].id not in [e.id for e in end_exclusive]
    assert [e.id for e in repo.events(day, None, employee_ids=[a.id])] == [stored[0].id, stored[2].id, stored[3].id]
    assert repo.events(None, None, employee_ids=[]) == []
    assert [e.id for e in repo.events(None, None, department="Ops")] == [mid.id, stored[1].id]
    assert len(repo.events()) == 5
    assert repo.last_event(a.id).id == stored[3].id and repo.last_event(999) is None
    with pytest.raises(ValueError, match="aware"):
        repo.events(datetime(2026, 11, 23), None)
    with pytest.raises(ValueError, match="aware"):
        repo.add_attendance(_event(a.id, datetime(2026, 11, 23, 8)))
    with pytest.raises(ValueError, match="kind"):
        repo.add_attendance(_event(a.id, day, kind="lunch"))


def test_nan_scores_round_trip(repo: Repository) -> None:
    a, _ = enrol(repo)
    repo.add_attendance(AttendanceEvent(a.id, datetime(2026, 1, 1, tzinfo=UTC), "in"))
    e = repo.last_event(a.id)
    assert np.isnan(e.score) and np.isnan(e.margin)


def test_delete_employee_erases_templates_keeps_attendance(repo: Repository, db_path: Path) -> None:
    a, _ = enrol(repo, "A1", "Anna", k=4, seed=1)
    b, eb = enrol(repo, "B1", "Bert", k=2, seed=2)
    ts = datetime(2026, 11, 23, 8, tzinfo=UTC)
    repo.add_attendance(_event(a.id, ts))
    repo.add_attendance(_event(a.id, ts + timedelta(hours=9), "out"))
    repo.add_attendance(_event(b.id, ts))
    assert repo.delete_employee(a.id, actor="hr") == 4
    assert repo.get_employee(a.id) is None and repo.find_employee("A1") is None
    assert count(db_path, "templates") == 2
    ids, mat = repo.load_templates(MODEL, active_only=False)
    assert ids.tolist() == [b.id, b.id] and mat.tobytes() == eb.tobytes()
    evs = repo.events()
    assert len(evs) == 3 and [e.employee_id for e in evs].count(None) == 2
    orphan = next(e for e in evs if e.employee_id is None)
    assert orphan.employee_name == "" and orphan.employee_number == ""
    last = repo.audit_log(1)[0]
    assert last.actor == "hr" and last.action == "employee.delete"
    assert last.details == {"employee_id": a.id, "templates_erased": 4, "attendance_kept": 2}  # no number (issue 18)
    with pytest.raises(EmployeeNotFoundError):
        repo.delete_employee(a.id, actor="hr")


def test_audit_log_is_append_only(repo: Repository, db_path: Path) -> None:
    repo.audit("admin", "settings.update", {"match_threshold": 0.55})
    con = sqlite3.connect(db_path)
    for sql in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(sql)
    con.close()
    entries = repo.audit_log()
    assert len(entries) == 1 and entries[0].actor == "admin" and entries[0].details == {"match_threshold": 0.55}
    assert entries[0].ts.tzinfo is not None


def test_employee_list_search_update_and_active(repo: Repository) -> None:
    a, _ = enrol(repo, "A1", "anna Smith", department="Sales", seed=1)
    b, _ = enrol(repo, "B1", "Bert 100%", department="Ops", seed=2)
    assert [e.number for e in repo.list_employees()] == ["A1", "B1"]
    assert [e.number for e in repo.list_employees(search="SMITH")] == ["A1"]
    assert [e.number for e in repo.list_employees(search="ops")] == ["B1"]
    assert [e.number for e in repo.list_employees(search="100%")] == ["B1"]
    assert repo.list_employees(search="0%%") == []  # % is literal, not a wildcard
    repo.set_active(b.id, False, actor="t")
    assert [e.number for e in repo.list_employees(active_only=True)] == ["A1"]
    upd = repo.update_employee(a.id, actor="t", name="Anna Jones", department="R&D")
    assert (upd.name, upd.department, upd.number) == ("Anna Jones", "R&D", "A1") and upd.updated_at >= a.updated_at
    assert repo.audit_log(1)[0].details == {"employee_id": a.id, "fields": ["department", "name"]}
    with pytest.raises(ValueError, match="cannot update"):
        repo.update_employee(a.id, id=5)
    with pytest.raises(EmployeeNotFoundError):
        repo.set_active(12345, True, actor="t")


def test_several_settings_and_audit_rows_are_one_transaction(repo: Repository) -> None:
    repo.set_settings({"recognition": {"cooldown_s": 60}, "ui": {"camera_source": "0"}})
    audits = len(repo.audit_log())
    with pytest.raises(ValueError):  # the second audit row cannot be written (NaN): nothing is kept
        repo.set_settings({"recognition": {"cooldown_s": 99}, "ui": {"camera_source": "1"}},
                          [("admin", "settings.update", {"cooldown_s": 99}), ("admin", "ui.settings", {"x": float("nan")})])
    assert repo.get_setting("recognition") == {"cooldown_s": 60} and repo.get_setting("ui") == {"camera_source": "0"}
    assert len(repo.audit_log()) == audits
    repo.set_settings({"recognition": {"cooldown_s": 99}, "ui": {"camera_source": "1"}},
                      [("admin", "settings.update", {"cooldown_s": 99}), ("admin", "ui.settings", {"camera_source": "1"})])
    assert repo.get_setting("ui") == {"camera_source": "1"}
    assert [e.action for e in repo.audit_log(limit=2)][::-1] == ["settings.update", "ui.settings"]


def test_settings_are_json(repo: Repository, db_path: Path) -> None:
    assert repo.get_setting("recognition", {}) == {}
    repo.set_setting("recognition", {"match_threshold": 0.55, "timezone": "Europe/Berlin"})
    repo.set_setting("recognition", {"match_threshold": 0.5})
    assert repo.get_setting("recognition") == {"match_threshold": 0.5}
    con = sqlite3.connect(db_path)
    assert json.loads(con.execute("SELECT value FROM settings").fetchone()[0]) == {"match_threshold": 0.5}
    con.close()


def test_unknown_sightings_and_thumbnail_purge(repo: Repository, db_path: Path) -> None:
    old = datetime(2026, 10, 1, tzinfo=UTC)
    new = datetime(2026, 11, 20, tzinfo=UTC)
    repo.add_unknown_sighting(old, "cam1", 0.8, b"\xff\xd8jpeg-old")
    repo.add_unknown_sighting(new, "cam1", 0.9, b"\xff\xd8jpeg-new")
    repo.add_unknown_sighting(old, "cam1", None, None)
    assert repo.purge_unknown_thumbnails(datetime(2026, 11, 1, tzinfo=UTC)) == 1
    assert repo.purge_unknown_thumbnails(datetime(2026, 11, 1, tzinfo=UTC)) == 0
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM unknown_sightings WHERE thumbnail IS NOT NULL").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM unknown_sightings").fetchone()[0] == 3
    con.close()
    with pytest.raises(ValueError):
        repo.purge_unknown_thumbnails(datetime(2026, 11, 1))


def test_one_repository_is_safe_to_share_between_threads(repo: Repository) -> None:
    a, _ = enrol(repo)
    errors: list[BaseException] = []
    t0 = datetime(2026, 11, 23, tzinfo=UTC)

    def work(n: int) -> None:
        try:
            for i in range(50):
                repo.add_attendance(_event(a.id, t0 + timedelta(seconds=n * 1000 + i)))
                repo.last_event(a.id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(repo.events()) == 200
