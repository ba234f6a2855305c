"""Fixtures for storage tests: real SQLite files under tmp_path (no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from faceapp.storage.db import open_db
from faceapp.storage.repository import Repository


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "faceapp.db"


@pytest.fixture
def repo(db_path: Path):
    r = Repository(open_db(db_path))
    yield r
    r.close()
