"""Unknown-face sightings with their faces (migration 0008): recorded, listed for review,
dismissed, enrolled or added in one transaction, purged by retention, on real SQLite files."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.storage.db import open_db
from faceapp.storage.errors import StorageError
from faceapp.storage.migrations import MIGRATIONS, applied_migrations
from faceapp.storage.repository import Repository
from faceapp.storage.rows import UnknownFace

from storage_helpers import CONSENT, MODEL, count, enrol

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
Q = {"size_px": 120.0, "eye_distance_px": 50.0, "blur": 150.0, "brightness": 120.0, "yaw_deg": 3.0, "roll_deg": 1.0}


def face(seed: int, score: float = 1.0, model_id: str = MODEL) -> UnknownFace:
    rng = np.random.default_rng(seed)
    return UnknownFace(f"jpeg-{seed}".encode(), np.arange(10, dtype=np.float32).reshape(5, 2),
                       rng.normal(0, 1, 128).astype(np.float32), model_id, Q, score)


def test_migration_0008_upgrades_an_0007_database(db_path: Path) -> None:
    at = [m.name for m in MIGRATIONS].index("0008_unknown_review")
    old = open_db(db_path, migrations=MIGRATIONS[:at])
    old.conn.execute("INSERT INTO unknown_sightings (ts, source, score, thumbnail) VALUES (?, 'cam', 0.9, x'01')",
                     (T0.isoformat(),))
    old.conn.close()
    repo = Repository(open_db(db_path))
    try:
        assert applied_migrations(repo._conn)[at] == "0008_unknown_review"
        assert repo.unknown_counts() == {"with_face": 0, "without_face": 1}  # the old sighting, no face data
    finally:
        repo.close()


def test_sighting_keeps_its_faces_best_first_and_only_its_models(repo: Repository, db_path: Path) -> None:
    a = repo.add_unknown_sighting(T0, "door", float("inf"), faces=[face(1, 0.2), face(2, 0.9)])
    repo.add_unknown_sighting(T0 + timedelta(minutes=1), "door", 0.9, faces=[face(3, model_id="other@1")])
    repo.add_unknown_sighting(T0 + timedelta(minutes=2), "door", 0.9)  # pictures not kept
    rows = repo.unknown_sightings(MODEL)
    assert [r.id for r in rows] == [a] and [f.score for f in rows[0].faces] == [0.9, 0.2]
    assert np.array_equal(rows[0].faces[0].embedding, face(2).embedding)
    assert rows[0].faces[0].quality == Q and rows[0].faces[0].points.shape == (5, 2)
    assert repo.unknown_counts() == {"with_face": 2, "without_face": 1}
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT thumbnail FROM unknown_sightings WHERE id = ?", (a,)).fetchone()[0] == b"jpeg-1"
    con.close()
    with pytest.raises(ValueError):
        repo.add_unknown_sighting(T0, "door", 0.9, faces=[UnknownFace(b"x", np.zeros((5, 2)), np.array([np.nan]),
                                                                      MODEL, Q)])


def test_dismiss_deletes_the_face_data_keeps_the_count_and_is_audited(repo: Repository, db_path: Path) -> None:
    a = repo.add_unknown_sighting(T0, "door", 0.9, faces=[face(1), face(2)])
    b = repo.add_unknown_sighting(T0, "door", 0.9, faces=[face(3)])
    assert repo.dismiss_unknown([a]) == 1
    assert repo.dismiss_unknown([a]) == 0  # reviewed already: nothing, no second audit row
    assert [r.id for r in repo.unknown_sightings(MODEL)] == [b]
    assert count(db_path, "unknown_faces") == 1 and count(db_path, "unknown_sightings") == 2
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT reviewed, thumbnail FROM unknown_sightings WHERE id = ?", (a,)).fetchone() == \
        ("dismissed", None)
    con.close()
    assert [(e.action, e.details) for e in repo.audit_log(5) if e.action.startswith("unknown")] == \
        [("unknown.dismiss", {"sightings": 1})]


def test_enrolment_from_sightings_is_one_transaction(repo: Repository, db_path: Path) -> None:
    a = repo.add_unknown_sighting(T0, "door", 0.9, faces=[face(1), face(2)])
    emb = np.stack([face(1).embedding, face(2).embedding])
    with pytest.raises(StorageError):  # the number is taken: nothing is written, the sighting stays
        enrol(repo, "E001", "Ada")
        repo.enrol("E001", "Bob", "", CONSENT, emb, [1.0, 1.0], MODEL, sightings=[a])
    assert [r.id for r in repo.unknown_sightings(MODEL)] == [a]
    bob = repo.enrol("E002", "Bob", "", CONSENT, emb, [1.0, 1.0], MODEL, sightings=[a])
    assert repo.unknown_sightings(MODEL) == [] and count(db_path, "unknown_faces") == 0
    assert repo.audit_log(1)[0].details["unknown_sightings"] == 1
    c = repo.add_unknown_sighting(T0, "door", 0.9, faces=[face(4)])
    repo.add_templates(bob.id, face(4).embedding[None], [1.0], MODEL, sightings=[c])
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT id, reviewed, employee_id FROM unknown_sightings ORDER BY id").fetchall() == \
        [(a, "enrolled", bob.id), (c, "added", bob.id)]
    con.close()


def test_retention_purges_faces_with_the_thumbnails(repo: Repository, db_path: Path) -> None:
    now = datetime.now(timezone.utc)
    repo.add_unknown_sighting(now - timedelta(days=31), "door", 0.9, faces=[face(1), face(2)])
    repo.add_unknown_sighting(now - timedelta(days=1), "door", 0.9, faces=[face(3)])
    assert repo.purge_expired(now, unknown_days=30, inactive_days=90).thumbnails == 1
    assert count(db_path, "unknown_faces") == 1 and len(repo.unknown_sightings(MODEL)) == 1
    assert repo.purge_unknown_thumbnails(now + timedelta(days=1)) == 1
    assert count(db_path, "unknown_faces") == 0 and count(db_path, "unknown_sightings") == 2
