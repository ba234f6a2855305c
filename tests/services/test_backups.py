"""The backup schedule (services.backups): daily at backup_at with a missed time caught up,
every N hours, off, a pause after a failure; and verification before rotation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from faceapp.services.backups import BackupError, BackupService
from faceapp.settings import BackupSettings
from faceapp.storage.backup import backup_database, list_backups
from faceapp.storage.db import open_db


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "f.db"
    open_db(path).conn.close()
    return path


def _service(db, clock, **kw):
    settings = BackupSettings(**kw)
    return BackupService(db, lambda: settings, clock=lambda: clock[0])


def test_daily_at_the_set_time_and_a_missed_one_caught_up(db):
    clock = [datetime(2026, 12, 6, 1, 0)]
    svc = _service(db, clock, at="02:00")
    assert svc.due()  # no backup at all: at once
    svc.run()
    clock[0] = datetime(2026, 12, 6, 1, 59)
    assert not svc.due()
    clock[0] = datetime(2026, 12, 6, 2, 0)
    assert svc.due()  # today's 02:00 came
    svc.run()
    clock[0] = datetime(2026, 12, 7, 1, 0)
    assert not svc.due()
    clock[0] = datetime(2026, 12, 9, 9, 30)  # the app was closed at 02:00 for two days
    assert svc.due()


def test_every_n_hours_and_off(db):
    clock = [datetime(2026, 12, 6, 8, 0)]
    svc = _service(db, clock, every_hours=6)
    svc.run()
    clock[0] += timedelta(hours=5, minutes=59)
    assert not svc.due()
    clock[0] += timedelta(minutes=1)
    assert svc.due()
    assert not _service(db, clock, enabled=False).due()


def test_a_failure_is_kept_and_retried_later(db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    clock = [datetime(2026, 12, 6, 8, 0)]
    svc = _service(db, clock, folder=str(blocker))
    with pytest.raises(BackupError):
        svc.run(scheduled=True)
    assert svc.status().error and not svc.due()
    clock[0] += timedelta(minutes=15)
    assert svc.due()


def test_a_copy_that_does_not_verify_rotates_nothing_away(db, tmp_path, monkeypatch):
    folder = tmp_path / "bk"
    for minute in range(3):
        backup_database(db, folder, keep=3, now=datetime(2026, 12, 6, 2, minute))
    from faceapp.storage import backup as mod
    from faceapp.storage.backup import CopyCheck

    monkeypatch.setattr(mod, "verify_copy", lambda p, *a: CopyCheck(p, False, "integrity_check: page 3 damaged"))
    with pytest.raises(BackupError, match="did not verify"):
        backup_database(db, folder, keep=1, now=datetime(2026, 12, 6, 3, 0))
    assert len(list_backups(folder)) == 3 and not list(folder.glob(".*"))


def test_two_databases_in_one_folder_keep_their_own_backups(tmp_path):
    """faceapp.db and a training.db side by side share backups/: the training database's
    rotation must not delete the site's copies, nor the start-up offer give the site the
    training database's copy."""
    from faceapp.services.backups import restorable_backup

    site, training = tmp_path / "faceapp.db", tmp_path / "training.db"
    for path in (site, training):
        open_db(path).conn.close()
    folder = tmp_path / "backups"
    mine, _, _ = backup_database(site, folder, keep=7, now=datetime(2026, 12, 6, 2, 0))
    for minute in range(1, 4):
        backup_database(training, folder, keep=1, now=datetime(2026, 12, 6, 3, minute))
    assert mine.path.exists() and mine.path.name == "faceapp-backup-20261206-020000.db"
    assert [b.path for b in list_backups(folder, site)] == [mine.path]
    assert [b.path.name for b in list_backups(folder, training)] == ["training-backup-20261206-030300.db"]
    site.unlink()
    assert restorable_backup(site).path == mine.path  # not the newer copy of training.db
