"""Backups in the window (issue 21): the status bar's "Last backup 02:00, 7 kept", a failure
shown in red and logged, and the start-up offer of the latest verified backup when the
database used before is missing or damaged."""

from __future__ import annotations

import argparse
import logging
import sqlite3

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from faceapp.app import build_context
from faceapp.storage.backup import list_backups
from faceapp.ui import launch
from faceapp.ui.backup_status import BackupStatus

_REAL_INSTALL = launch.install_translator


@pytest.fixture(autouse=True)
def _own_log_file():
    from faceapp.shared import logfile

    yield
    logfile.remove_log_file()


def test_status_bar_shows_the_last_backup_and_a_failure(ctx, qtbot, tmp_path, caplog):
    label = BackupStatus(ctx, check_ms=3_600_000)
    qtbot.addWidget(label)
    assert label.text() == "No backup yet"
    with qtbot.waitSignal(label.finished, timeout=10000):
        label.back_up_now()
    assert label.text().startswith("Last backup ") and label.text().endswith(", 1 kept")
    assert str(tmp_path / "backups") in label.toolTip()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    ctx.save_settings(ctx.settings.replace(backup_folder=str(blocker)))
    assert ctx.settings.backup.folder == str(blocker)
    with caplog.at_level(logging.ERROR), qtbot.waitSignal(label.finished, timeout=10000):
        label.back_up_now()
    assert label.text() == "Backup failed - see the log" and "bold" in label.styleSheet()
    assert str(blocker) in label.toolTip()
    assert any("BACKUP FAILED" in r.getMessage() for r in caplog.records)


def test_schedule_runs_a_due_backup_by_itself(ctx, qtbot, tmp_path):
    label = BackupStatus(ctx, check_ms=50)  # no backup yet: due at once
    qtbot.addWidget(label)
    with qtbot.waitSignal(label.finished, timeout=10000):
        pass
    label.timer.stop()
    assert len(list_backups(tmp_path / "backups")) == 1


def _site_with_backup(tmp_path):
    db = tmp_path / "site" / "faceapp.db"
    ctx = build_context(db, provider="cpu")
    ctx.repo.audit("admin", "test.row", {})
    ctx.backups().run()
    rows = ctx.repo.audit_log(1000)
    ctx.close()
    return db, len(rows)


def _answer(monkeypatch, which: str) -> dict:
    seen = {}

    def fake_box_exec(box) -> int:
        seen["text"], seen["info"] = box.text(), box.informativeText()
        seen["buttons"] = [b.text() for b in box.buttons()]
        next(b for b in box.buttons() if b.text() == which).click()
        return 0

    def fake_app_exec(self=None) -> int:
        w = next(x for x in QApplication.topLevelWidgets() if type(x).__name__ == "MainWindow" and x.isVisible())
        seen["window"] = str(w.ctx.db_path)
        w.close()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_box_exec)
    monkeypatch.setattr(QApplication, "exec", fake_app_exec)
    monkeypatch.setattr(launch, "install_translator", lambda app, lang: False)
    return seen


def _count(db) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        con.close()


def test_start_up_offers_the_latest_backup_when_the_database_was_deleted(monkeypatch, tmp_path, qtbot):
    db, rows = _site_with_backup(tmp_path)
    db.unlink()
    seen = _answer(monkeypatch, "Restore the backup")
    args = argparse.Namespace(db=str(db), provider="cpu", models_dir=None, kiosk=False)
    assert launch.main_from_args(args) == 0
    assert "missing" in seen["text"] and "faceapp-backup-" in seen["info"]
    assert {"Restore the backup", "Start with a new, empty database", "Quit"} <= set(seen["buttons"])
    assert seen["window"] == str(db)  # the window opened on the restored file
    assert _count(db) >= rows  # the backup's rows (the start may audit more)


def test_start_up_offers_the_backup_for_a_damaged_database_and_keeps_it_aside(monkeypatch, tmp_path, qtbot):
    db, rows = _site_with_backup(tmp_path)
    damaged = b"this is not a database" * 100
    db.write_bytes(damaged)
    seen = _answer(monkeypatch, "Restore the backup")
    args = argparse.Namespace(db=str(db), provider="cpu", models_dir=None, kiosk=False)
    assert launch.main_from_args(args) == 0
    assert "damaged" in seen["text"] and "Start with a new, empty database" not in seen["buttons"]
    aside = [p for p in db.parent.glob("faceapp.db.before-restore-*")]
    assert [p.read_bytes() for p in aside] == [damaged]
    assert _count(db) >= rows


def test_quit_at_the_offer_changes_nothing(monkeypatch, tmp_path, qtbot):
    db, _ = _site_with_backup(tmp_path)
    db.unlink()
    _answer(monkeypatch, "Quit")
    args = argparse.Namespace(db=str(db), provider="cpu", models_dir=None, kiosk=False)
    assert launch.main_from_args(args) == 1
    assert not db.exists()


def test_backup_times_are_on_the_sites_clock_not_the_pcs(ctx, qtbot):
    """Every time in the window is the site's (Settings > Attendance > time zone); the backup's
    name, its schedule and "Last backup 02:00" too, also on a PC set to another zone."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    zone = "Pacific/Kiritimati" if datetime.now().astimezone().utcoffset() != timedelta(hours=14) else "Etc/GMT+12"
    ctx.save_settings(ctx.settings.replace(timezone=zone))
    label = BackupStatus(ctx, check_ms=3_600_000)
    qtbot.addWidget(label)
    with qtbot.waitSignal(label.finished, timeout=10000):
        label.back_up_now()
    site_now = datetime.now(ZoneInfo(zone)).replace(tzinfo=None)
    taken = list_backups(ctx.backups().folder())[0].taken
    assert abs(site_now - taken) < timedelta(minutes=2), (taken, site_now)
    assert label.text().startswith(f"Last backup {taken:%H:%M}, ")  # today on the site's clock: no date


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _remove_translators() -> None:
    app = QApplication.instance()
    for tr in getattr(app, "_faceapp_translators", []):
        app.removeTranslator(tr)
    app._faceapp_translators = []


@pytest.fixture()
def _no_translators_left():
    yield
    _remove_translators()


def test_the_offer_speaks_the_sites_language_when_the_database_holding_it_is_gone(monkeypatch, tmp_path, qtbot,
                                                                                 _no_translators_left):
    """The language preference lives in the database: a Chinese site's offer to restore it was
    in English. The language is recorded outside it (databases.json) at each start."""
    from faceapp.ui.prefs import UiPrefs

    db, _ = _site_with_backup(tmp_path)
    ctx = build_context(db, provider="cpu")
    UiPrefs(language="zh_CN").save(ctx)
    ctx.close()
    seen = _answer(monkeypatch, "")
    monkeypatch.setattr(launch, "install_translator", _REAL_INSTALL)  # _answer turned it off
    args = argparse.Namespace(db=str(db), provider="cpu", models_dir=None, kiosk=False)
    assert launch.main_from_args(args) == 0  # a normal start in Chinese records the language
    _remove_translators()  # the next start is a new process
    db.unlink()

    def quit_box(box) -> int:
        seen["text"], seen["buttons"] = box.text(), [b.text() for b in box.buttons()]
        box.escapeButton().click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", quit_box)
    assert launch.main_from_args(args) == 1
    assert _chinese(seen["text"]) and all(_chinese(b) for b in seen["buttons"]), seen


def test_the_offer_speaks_chinese_on_a_chinese_system_when_nothing_was_recorded(monkeypatch, tmp_path, qtbot,
                                                                                _no_translators_left):
    from PySide6.QtCore import QLocale

    db, _ = _site_with_backup(tmp_path)  # never opened by the window: no language recorded
    db.unlink()
    seen = {}

    def quit_box(box) -> int:
        seen["text"] = box.text()
        box.escapeButton().click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", quit_box)
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale(QLocale.Language.Chinese,
                                                                         QLocale.Country.China)))
    args = argparse.Namespace(db=str(db), provider="cpu", models_dir=None, kiosk=False)
    assert launch.main_from_args(args) == 1
    assert _chinese(seen["text"]), seen



def test_the_start_up_log_says_a_backup_is_offered_not_that_faceapp_cannot_start(monkeypatch, tmp_path, qtbot,
                                                                               caplog):
    """'ERROR cannot start ... --new-db' was logged before the window offered (and made) a
    restore: an admin reading the log took a good start for a failed one."""
    db, _ = _site_with_backup(tmp_path)
    db.unlink()
    _answer(monkeypatch, "Restore the backup")
    args = argparse.Namespace(db=str(db), provider="cpu", models_dir=None, kiosk=False)
    with caplog.at_level(logging.INFO, logger="faceapp.ui.launch"):
        assert launch.main_from_args(args) == 0
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any(r.levelno == logging.WARNING and "asking the admin: restore the backup" in r.getMessage()
               for r in caplog.records)
    caplog.clear()
    db, _ = _site_with_backup(tmp_path / "second")  # (the first one's window left its change watch running)
    db.write_bytes(b"damaged" * 100)
    args.db = str(db)
    _answer(monkeypatch, "Quit")
    with caplog.at_level(logging.INFO, logger="faceapp.ui.launch"):
        assert launch.main_from_args(args) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "cannot start" in errors[0] and "chose to quit" in errors[0]
