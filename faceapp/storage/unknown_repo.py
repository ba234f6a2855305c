"""Repository methods for unknown-face sightings and their review (mixed into Repository).

A sighting's faces (crop, points, descriptor, quality: table unknown_faces) and its
thumbnail are biometric data, treated as templates are: kept only while the retention
setting allows (purge_expired), deleted with SQLite's secure_delete and a WAL checkpoint
when an admin dismisses them, and moved into the person's templates and crops (deleted from
the sighting) when they are enrolled or added to an employee.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .convert import EMBEDDING_DTYPE, embedding_to_blob, json_dumps, nan_to_none, ts_from_db, ts_to_db
from .rows import StoredSighting, UnknownFace

if TYPE_CHECKING:  # the host class provides these
    from contextlib import AbstractContextManager

log = logging.getLogger(__name__)

REVIEW_ACTIONS = ("dismissed", "enrolled", "added")


def purge_faces_before(c: sqlite3.Connection, cutoff: str) -> int:
    """Retention, inside the caller's transaction: the thumbnails and faces of sightings
    older than `cutoff` go. Returns how many sightings lost face data."""
    old = "SELECT id FROM unknown_sightings WHERE ts < ?"
    n = int(c.execute("SELECT count(*) FROM unknown_sightings s WHERE s.ts < ? AND (s.thumbnail IS NOT NULL OR "
                      "EXISTS (SELECT 1 FROM unknown_faces f WHERE f.sighting_id = s.id))", (cutoff,)).fetchone()[0])
    if n:
        c.execute(f"DELETE FROM unknown_faces WHERE sighting_id IN ({old})", (cutoff,))
        c.execute("UPDATE unknown_sightings SET thumbnail = NULL WHERE ts < ? AND thumbnail IS NOT NULL", (cutoff,))
    return n


def resolve_sightings(c: sqlite3.Connection, ids: Sequence[int], action: str, employee_id: int | None,
                      now: str) -> int:
    """Mark unreviewed sightings reviewed and delete their face data, inside the caller's
    transaction (an enrolment from sightings is one transaction). Returns how many."""
    if action not in REVIEW_ACTIONS:
        raise ValueError(f"review action must be one of {REVIEW_ACTIONS}, got {action!r}")
    wanted = json.dumps(sorted({int(i) for i in ids}))
    todo = "SELECT value FROM json_each(?)"
    n = c.execute(f"UPDATE unknown_sightings SET reviewed = ?, reviewed_at = ?, employee_id = ?, thumbnail = NULL "
                  f"WHERE reviewed IS NULL AND id IN ({todo})", (action, now, employee_id, wanted)).rowcount
    c.execute(f"DELETE FROM unknown_faces WHERE sighting_id IN ({todo})", (wanted,))
    return int(n)


class UnknownRepositoryMixin:
    """Sightings of faces nobody matched: record, list for review, dismiss."""

    path: str
    _conn: sqlite3.Connection

    if TYPE_CHECKING:
        def _write(self, doing: str) -> "AbstractContextManager[sqlite3.Connection]": ...
        def _read(self, doing: str) -> "AbstractContextManager[sqlite3.Connection]": ...
        def _audit(self, c: sqlite3.Connection, actor: str, action: str, details: dict[str, Any]) -> int: ...
        def _now(self) -> str: ...
        def _checkpoint_after_erasure(self) -> None: ...

    def add_unknown_sighting(self, ts: datetime, source: str, score: float | None,
                             thumbnail_jpeg: bytes | None = None, faces: Sequence[UnknownFace] = ()) -> int:
        """A face nobody matched, with its best faces (personal data: see the module
        docstring); the thumbnail is the first face's crop unless given."""
        value = ts_to_db(ts, "sighting ts")
        rows = [_face_row(f) for f in faces]
        thumb = thumbnail_jpeg or (bytes(faces[0].crop) if faces else None)
        with self._write("recording an unknown face") as c:
            cur = c.execute("INSERT INTO unknown_sightings (ts, source, score, thumbnail) VALUES (?, ?, ?, ?)",
                            (value, source or "", nan_to_none(score), sqlite3.Binary(thumb) if thumb else None))
            sid = int(cur.lastrowid)
            c.executemany("INSERT INTO unknown_faces (sighting_id, image, points, embedding, dim, model_id, quality, "
                          "score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(sid, *r) for r in rows])
        return sid

    def unknown_sightings(self, model_id: str) -> list[StoredSighting]:
        """Unreviewed sightings with faces of `model_id` (what can be grouped and enrolled),
        oldest first, each with its faces best first. A damaged face is skipped and logged."""
        with self._read("reading unknown faces") as c:
            rows = c.execute("SELECT s.id, s.ts, s.source, s.score, f.id, f.image, f.points, f.embedding, f.dim, "
                             "f.quality, f.score FROM unknown_sightings s JOIN unknown_faces f ON f.sighting_id = s.id "
                             "WHERE s.reviewed IS NULL AND f.model_id = ? ORDER BY s.ts, s.id, f.score DESC, f.id",
                             (model_id,)).fetchall()
        out: dict[int, StoredSighting] = {}
        faces: dict[int, list[UnknownFace]] = {}
        for sid, ts, source, score, fid, image, pts, blob, dim, quality, fscore in rows:
            if sid not in out:
                out[sid] = StoredSighting(int(sid), ts_from_db(ts), source, score)
                faces[sid] = []
            if len(blob) != int(dim) * EMBEDDING_DTYPE.itemsize:
                log.error("unknown face %s in %s has a damaged descriptor; it is not used", fid, self.path)
                continue
            vec = np.frombuffer(bytes(blob), EMBEDDING_DTYPE).astype(np.float32)
            faces[sid].append(UnknownFace(bytes(image), np.asarray(json.loads(pts), np.float32), vec, model_id,
                                          json.loads(quality), float(fscore), int(fid)))
        return [StoredSighting(s.id, s.ts, s.source, s.score, tuple(faces[sid]))
                for sid, s in out.items() if faces[sid]]

    def unknown_counts(self) -> dict[str, int]:
        """Unreviewed sightings: "with_face" (reviewable), "without_face" (no picture kept:
        the setting was off, the retention limit passed, or recorded before 0008)."""
        with self._read("counting unknown faces") as c:
            with_face, total = c.execute("SELECT count(DISTINCT f.sighting_id), (SELECT count(*) FROM "
                                         "unknown_sightings WHERE reviewed IS NULL) FROM unknown_faces f JOIN "
                                         "unknown_sightings s ON s.id = f.sighting_id WHERE s.reviewed IS NULL"
                                         ).fetchone()
        return {"with_face": int(with_face), "without_face": int(total) - int(with_face)}

    def dismiss_unknown(self, ids: Sequence[int], actor: str = "admin") -> int:
        """The admin's "not someone to enrol": the sightings stay counted, their face data
        is deleted (secure_delete, then a WAL checkpoint, as for an erasure). Audited."""
        self._conn.execute("PRAGMA secure_delete = ON")
        with self._write("dismissing unknown faces") as c:
            n = resolve_sightings(c, ids, "dismissed", None, self._now())
            if n:
                self._audit(c, actor, "unknown.dismiss", {"sightings": n})
        if n:
            self._checkpoint_after_erasure()
        return n

    def purge_unknown_thumbnails(self, older_than: datetime, actor: str = "system") -> int:
        """Drop the face data (thumbnail, descriptor) of strangers older than the retention
        limit; returns how many sightings."""
        cutoff = ts_to_db(older_than, "older_than")
        with self._write("purging old unknown-face thumbnails") as c:
            n = purge_faces_before(c, cutoff)
            if n:
                self._audit(c, actor, "unknown.purge_thumbnails", {"older_than": cutoff, "count": n})
        return int(n)


def _face_row(f: UnknownFace) -> tuple:
    vec = np.asarray(f.embedding, np.float32).reshape(-1)
    if not vec.size or not np.isfinite(vec).all() or not f.model_id:
        raise ValueError("an unknown face's descriptor must be finite, non-empty and name its model")
    pts = json.dumps([[round(float(x), 3), round(float(y), 3)] for x, y in np.asarray(f.points, np.float64).reshape(5, 2)])
    return (sqlite3.Binary(bytes(f.crop)), pts, sqlite3.Binary(embedding_to_blob(vec)), int(vec.size), str(f.model_id),
            json_dumps({k: float(v) for k, v in f.quality.items()}), float(f.score))
