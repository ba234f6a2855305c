"""Enrolment face crops in storage: written with the templates, gone with them (delete,
erasure, retention) down to the bytes in the database and WAL files."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.storage.repository import Repository

from storage_helpers import CONSENT, MODEL, count, embeddings, repository_without_secure_delete


@dataclass
class Crop:
    data: bytes
    points: np.ndarray
    size: int = 224
    format: str = "jpeg"


def crops(k: int, seed: int) -> list[Crop]:
    rng = np.random.default_rng(seed)
    return [Crop(rng.bytes(6000), rng.uniform(50, 170, (5, 2)).astype(np.float32)) for _ in range(k)]


def enrol(repo: Repository, number: str, name: str, seed: int, k: int = 3):  # noqa: ANN201
    c = crops(k, seed)
    return repo.enrol(number, name, "", CONSENT, embeddings(k, seed=seed), [float(i) for i in range(k)], MODEL,
                      crops=c), c


def on_disk(db_path: Path) -> bytes:
    return b"".join(f.read_bytes() for f in db_path.parent.iterdir() if f.name.startswith(db_path.name))


def test_crops_are_written_with_the_templates_and_read_back(repo: Repository, db_path: Path) -> None:
    ada, c = enrol(repo, "E001", "Ada", 1)
    got = repo.crops(ada.id)
    assert [g.data for g in got] == [x.data for x in c]
    assert np.allclose(got[0].points, c[0].points, atol=1e-3) and got[0].size == 224
    assert repo.photo_crop(ada.id).data == c[2].data  # the sharpest sample (quality 2.0)
    con = sqlite3.connect(db_path)
    linked = con.execute("SELECT t.crop_id FROM templates t ORDER BY t.id").fetchall()
    con.close()
    assert [r[0] for r in linked] == [g.id for g in got]
    with pytest.raises(ValueError, match="2 face crops for 3 embeddings"):
        repo.enrol("E002", "Bob", "", CONSENT, embeddings(3), [1.0] * 3, MODEL, crops=c[:2])
    assert count(db_path, "employees") == 1 and count(db_path, "enrolment_crops") == 3
    # re-enrolment replaces the samples: the old crops go with the old templates
    new = crops(2, 9)
    repo.add_templates(ada.id, embeddings(2, seed=9), [1.0, 1.0], MODEL, replace=True, crops=new)
    assert [g.data for g in repo.crops(ada.id)] == [x.data for x in new]


@pytest.mark.parametrize("how", ["erase", "delete"])
def test_erase_and_delete_leave_no_crop_bytes_in_the_files(db_path: Path, monkeypatch, how: str) -> None:
    """As test_access_privacy's template test: connections that start with secure_delete
    off (many SQLite builds' default) must still overwrite the crops, WAL included."""
    repo = repository_without_secure_delete(db_path, monkeypatch)
    ada, mine = enrol(repo, "E001", "Ada Lovelace", 42)
    _, bobs = enrol(repo, "E002", "Bob", 1)
    assert all(c.data[:64] in on_disk(db_path) for c in mine)  # the test can see them before
    if how == "erase":
        repo.erase_person(ada.id)
    else:
        repo.delete_employee(ada.id)
    raw = on_disk(db_path)
    repo.close()
    assert not any(c.data[i:i + 64] in raw for c in mine for i in range(0, 6000, 1000))
    assert all(c.data[:64] in raw for c in bobs)  # only hers went
    assert count(db_path, "enrolment_crops") == 3


def test_retention_purges_crops_with_the_templates(repo: Repository, db_path: Path) -> None:
    ada, _ = enrol(repo, "E001", "Ada", 1)
    bob, _ = enrol(repo, "E002", "Bob", 2)
    repo.set_active(bob.id, False)
    t = datetime.now(timezone.utc)
    assert repo.purge_expired(t, 30, 90).templates == 0 and count(db_path, "enrolment_crops") == 6
    later = repo.purge_expired(t + timedelta(days=91), 30, 90)
    assert (later.templates, later.employees) == (3, 1)
    assert repo.crops(bob.id) == [] and len(repo.crops(ada.id)) == 3
