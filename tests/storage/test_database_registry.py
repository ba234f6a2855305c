"""Every database the process opens, read-only included, is one the photo, video and list
readers refuse (shared/database_files.py): reading it would drop SQLite's POSIX locks."""

from __future__ import annotations

import pytest

from faceapp.shared.database_files import refuse_database_file
from faceapp.shared.errors import InputFileError
from faceapp.storage.db import open_db, open_db_read_only


def test_a_database_opened_read_only_is_refused_as_a_photo(tmp_path):
    path = tmp_path / "ro.db"
    open_db(path).close()
    copy = tmp_path / "copy" / "ro.db"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    db = open_db_read_only(copy)
    try:
        with pytest.raises(InputFileError):
            refuse_database_file(copy, "a photo")
    finally:
        db.close()
