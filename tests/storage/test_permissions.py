"""The database holds face templates, names and the PIN hash: only its owner may read it,
whatever the umask (POSIX modes; on Windows the per-user folder's ACL protects it)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from faceapp.storage.db import open_db
from faceapp.storage.repository import Repository
from storage_helpers import enrol

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
ROOT = Path(__file__).resolve().parents[2]


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture()
def umask022():
    old = os.umask(0o022)  # the usual desktop default: new files 0644, folders 0755
    yield
    os.umask(old)


def test_new_folder_database_and_side_files_are_owner_only(tmp_path, umask022):
    path = tmp_path / "p" / "q" / "f.db"
    repo = Repository(open_db(path))
    try:
        enrol(repo)  # writes: the -wal and -shm files exist now
        files = {p.name: mode(p) for p in path.parent.iterdir()}
    finally:
        repo.close()
    assert mode(tmp_path / "p") == 0o700 and mode(tmp_path / "p" / "q") == 0o700
    assert {"f.db", "f.db-wal", "f.db-shm"} <= set(files)
    assert all(m == 0o600 for m in files.values()), {k: oct(v) for k, v in files.items()}


def test_a_database_left_world_readable_by_an_older_version_is_tightened(tmp_path, umask022):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE t (x)")
    con.close()
    assert mode(path) == 0o644
    open_db(path).conn.close()
    assert mode(path) == 0o600


def test_the_cli_creates_a_private_data_folder(tmp_path):
    """The issue's reproduction: FACEAPP_DB=p/f.db faceapp employees list; stat p p/f.db*"""
    env = dict(os.environ, PYTHONPATH=str(ROOT), FACEAPP_DB=str(tmp_path / "p" / "f.db"))
    res = subprocess.run([sys.executable, "-m", "faceapp", "employees", "list"], env=env, capture_output=True,
                         text=True, timeout=60, umask=0o022)
    assert res.returncode == 0, res.stderr
    assert mode(tmp_path / "p") == 0o700
    files = {p.name: oct(mode(p)) for p in (tmp_path / "p").iterdir()}
    assert "f.db" in files and set(files.values()) == {"0o600"}, files


def test_a_folder_given_as_the_database_is_refused_and_left_as_it_was(tmp_path, umask022):
    """`--db /srv/faceapp` (the folder): refused by name, and its mode is not made 0600 (which
    locked even its owner out of it: nothing inside could be opened any more)."""
    from faceapp.storage import StorageError

    folder = tmp_path / "faceapp"
    folder.mkdir(mode=0o755)
    (folder / "faceapp.db").write_bytes(b"")
    with pytest.raises(StorageError, match="is a folder, not a database file"):
        open_db(folder)
    assert mode(folder) == 0o755 and (folder / "faceapp.db").exists()
