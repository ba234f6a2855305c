"""`faceapp` without a sub-command: run_gui/main_from_args build the window (event loop stubbed)."""

from __future__ import annotations

import argparse

import pytest

from PySide6.QtWidgets import QApplication

from faceapp.app import build_context
from faceapp.access.pin import hash_pin
from faceapp.ui import launch
from faceapp.ui.prefs import UiPrefs


@pytest.fixture(autouse=True)
def _own_log_file():
    """main_from_args adds the app's log file handler; take it off again after each test."""
    from faceapp.shared import logfile

    yield
    logfile.remove_log_file()


def _run(monkeypatch, tmp_path, kiosk: bool):
    seen = {}

    def fake_exec(self=None) -> int:
        w = next(x for x in QApplication.topLevelWidgets() if type(x).__name__ == "MainWindow" and x.isVisible())
        seen["kiosk"], seen["title"] = w.kiosk, w.windowTitle()
        w.kiosk = False
        w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    monkeypatch.setattr(launch, "install_translator", lambda app, lang: False)
    args = argparse.Namespace(db=str(tmp_path / "t.db"), provider="cpu", models_dir=None, kiosk=kiosk)
    assert launch.main_from_args(args) == 0
    return seen


def test_kiosk_flag_without_pin_opens_a_normal_window(monkeypatch, tmp_path, qtbot):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    assert _run(monkeypatch, tmp_path, kiosk=True)["kiosk"] is False


def test_kiosk_flag_with_pin(monkeypatch, tmp_path, qtbot):
    ctx = build_context(tmp_path / "t.db", provider="cpu")
    UiPrefs(kiosk_pin_hash=hash_pin("1111"), camera_source=str(tmp_path / "none.mp4")).save(ctx)
    ctx.repo.close()
    seen = _run(monkeypatch, tmp_path, kiosk=True)
    assert seen["kiosk"] is True and seen["title"].startswith("faceapp")
    QApplication.restoreOverrideCursor()


def test_damaged_database_is_reported_in_a_window_not_a_traceback(monkeypatch, tmp_path, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from faceapp.shared import logfile

    bad = tmp_path / "attendance.db"
    bad.write_bytes(b"this is not a database" * 100)
    shown = {}

    def fake_exec(box) -> int:
        shown["text"], shown["info"] = box.text(), box.informativeText()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    monkeypatch.setenv("FACEAPP_LOG_DIR", str(tmp_path / "log"))
    args = argparse.Namespace(db=str(bad), provider="cpu", models_dir=None, kiosk=False)
    assert launch.main_from_args(args) == 1
    logfile.remove_log_file()  # flush and close before reading it
    assert "cannot start" in shown["text"] and str(bad) in shown["text"]
    assert str(tmp_path / "log" / "faceapp.log") in shown["info"]
    assert "cannot start" in (tmp_path / "log" / "faceapp.log").read_text(encoding="utf-8")
    assert bad.read_bytes() == b"this is not a database" * 100  # nothing overwritten


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGTERM") or __import__("os").name != "posix",
                    reason="POSIX signals")
def test_sigterm_ends_even_a_locked_kiosk_window_cleanly(tmp_path):
    """The desktop app stopped by a service manager or a shutdown script: release the door
    and exit 143 (a kiosk window refuses to close, a signal still ends it), instead of
    dying on the spot with the relay possibly on."""
    import signal

    from child_process import faceapp_child, reaped, signal_and_wait, wait_until

    ctx = build_context(tmp_path / "k.db", provider="cpu")
    UiPrefs(kiosk_pin_hash=hash_pin("1111"), camera_source=str(tmp_path / "none.mp4")).save(ctx)
    ctx.repo.close()
    log = tmp_path / "log" / "faceapp.log"
    with reaped(faceapp_child("--provider", "cpu", "--db", str(tmp_path / "k.db"), "--kiosk",
                              env={"QT_QPA_PLATFORM": "offscreen", "FACEAPP_LOG_DIR": str(log.parent)})) as proc:
        wait_until(proc, lambda: log.is_file() and "kiosk mode on" in log.read_text(encoding="utf-8"), poll_s=0.1)
        assert proc.poll() is None, proc.communicate()
        err = signal_and_wait(proc, timeout=20).err
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "SIGTERM received" in log.read_text(encoding="utf-8")
