"""The desktop app's rotating log file."""

from __future__ import annotations

import logging

import pytest

from faceapp.shared import logfile


@pytest.fixture()
def log_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FACEAPP_LOG_DIR", str(tmp_path / "logs"))
    yield tmp_path / "logs"
    logfile.remove_log_file()


def test_log_file_gets_info_records_once(log_dir):
    path = logfile.install_log_file()
    assert path == log_dir / "faceapp.log"
    assert logfile.install_log_file() == path  # a second call adds no second handler
    logging.getLogger("faceapp.test").info("door pulse for %s", "Ana")
    for h in logging.getLogger().handlers:
        h.flush()
    text = path.read_text(encoding="utf-8")
    assert text.count("door pulse for Ana") == 1 and "INFO" in text


def test_rotates_instead_of_growing(log_dir, monkeypatch):
    monkeypatch.setattr(logfile, "MAX_BYTES", 2000)
    path = logfile.install_log_file()
    for i in range(200):
        logging.getLogger("faceapp.test").info("event %d %s", i, "x" * 40)
    assert path.stat().st_size <= 2000
    assert (log_dir / "faceapp.log.1").is_file()
    assert len(list(log_dir.glob("faceapp.log*"))) <= 1 + logfile.BACKUPS


def test_unwritable_folder_costs_only_the_file(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("FACEAPP_LOG_DIR", str(blocker / "logs"))  # a file where the folder should be
    assert logfile.install_log_file() is None


@pytest.mark.skipif(__import__("os").name != "posix", reason="POSIX file modes")
def test_log_folder_and_files_are_owner_only(log_dir, monkeypatch):
    """The log names employees and doors: 0700 folder, 0600 files, rotated ones included."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        monkeypatch.setattr(logfile, "MAX_BYTES", 2000)
        path = logfile.install_log_file()
        for i in range(100):
            logging.getLogger("faceapp.test").info("event %d %s", i, "x" * 40)
    finally:
        os.umask(old)
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in log_dir.iterdir()}
    assert path.name in files and "faceapp.log.1" in files
    assert all(m == 0o600 for m in files.values()), {k: oct(v) for k, v in files.items()}
