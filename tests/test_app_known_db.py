"""The composition root at start-up: a database used before that is gone is not silently
replaced by an empty one (issue 13 item 6)."""

from __future__ import annotations

import json

import pytest

from faceapp.app import build_context
from faceapp.storage.errors import DatabaseMissingError


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FACEAPP_STATE_DIR", str(tmp_path / "state"))


def test_a_missing_database_used_before_is_not_recreated_empty(tmp_path):
    db = tmp_path / "site" / "faceapp.db"
    ctx = build_context(db)
    ctx.close()
    for f in db.parent.glob("faceapp.db*"):
        f.unlink()
    with pytest.raises(DatabaseMissingError) as err:
        build_context(db)
    assert str(db) in str(err.value) and "--new-db" in str(err.value) and "0 employee(s)" in str(err.value)
    assert not db.exists(), "an empty database was created anyway"
    ctx = build_context(db, allow_new_db=True)  # the admin chose a new, empty one
    ctx.close()
    assert db.exists()
    build_context(db).close()  # and that one is the remembered file from now on


def test_a_new_path_is_created_without_asking(tmp_path):
    ctx = build_context(tmp_path / "first.db")
    ctx.close()
    assert (tmp_path / "first.db").exists()


def test_a_damaged_memory_file_does_not_stop_the_app(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "databases.json").write_text("{not json", encoding="utf-8")
    build_context(tmp_path / "a.db").close()
    assert str((tmp_path / "a.db").resolve()) in json.loads((state / "databases.json").read_text())["databases"]


def test_the_running_check_reports_a_deleted_file_once_in_the_log(tmp_path, caplog):
    db = tmp_path / "running.db"
    ctx = build_context(db)
    assert ctx.check_database() is None
    for f in tmp_path.glob("running.db*"):
        f.unlink()
    caplog.set_level("ERROR", logger="faceapp.app")
    assert ctx.check_database().kind == "deleted"
    assert ctx.check_database().kind == "deleted"
    assert sum("DATABASE PROBLEM" in r.getMessage() for r in caplog.records) == 1
    ctx.close()
