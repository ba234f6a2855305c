"""Repository methods for enrolment crops and template rebuilds (mixed into Repository).

Crops are personal data like templates: written in the enrolment transaction, removed by
delete (cascade), erasure and retention with the templates. A rebuild writes one person's
templates of one encoder in one transaction.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import TYPE_CHECKING, Any, Protocol, Sequence

import numpy as np

from .convert import embedding_to_blob, embeddings_array
from .errors import CorruptRowError, EmployeeNotFoundError
from .rows import StoredCrop, TemplateStatus

if TYPE_CHECKING:  # the host class provides these
    from contextlib import AbstractContextManager

log = logging.getLogger(__name__)


class CropLike(Protocol):
    """What the enrolment path hands in (vision.crops.FaceCrop)."""

    data: bytes
    points: Any
    size: int
    format: str


def insert_crops(c: sqlite3.Connection, emp_id: int, crops: Sequence[CropLike | None], qualities: Sequence[float],
                 now: str) -> list[int | None]:
    """Row id per sample (None where a sample has no crop)."""
    ids: list[int | None] = []
    for crop, q in zip(crops, qualities):
        if crop is None:
            ids.append(None)
            continue
        pts = np.asarray(crop.points, np.float64).reshape(5, 2)
        cur = c.execute("INSERT INTO enrolment_crops (employee_id, image, format, size, points, quality, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (emp_id, sqlite3.Binary(bytes(crop.data)), str(crop.format), int(crop.size),
                         json.dumps([[round(float(x), 3), round(float(y), 3)] for x, y in pts]), float(q), now))
        ids.append(int(cur.lastrowid))
    return ids


class CropRepositoryMixin:
    """Enrolment crops: read them, the person's photo, rebuild templates from them."""

    path: str

    if TYPE_CHECKING:
        def _write(self, doing: str) -> "AbstractContextManager[sqlite3.Connection]": ...
        def _read(self, doing: str) -> "AbstractContextManager[sqlite3.Connection]": ...
        def _now(self) -> str: ...
        def _audit(self, c: sqlite3.Connection, actor: str, action: str, details: dict[str, Any]) -> int: ...
        def _require_employee(self, c: sqlite3.Connection, employee_id: int) -> Any: ...

    _CROP_COLS = "id, employee_id, image, points, size, format, quality"

    def _crop(self, row: Sequence[Any]) -> StoredCrop:
        try:
            pts = np.asarray(json.loads(row[3]), np.float32).reshape(5, 2)
        except (ValueError, TypeError) as exc:
            raise CorruptRowError(f"face crop {row[0]} of employee id {row[1]} in {self.path} is damaged "
                                  f"(points: {exc}); re-enrol this employee", self.path, table="enrolment_crops",
                                  row_id=int(row[0]), employee_id=int(row[1])) from exc
        return StoredCrop(int(row[0]), int(row[1]), bytes(row[2] or b""), pts, int(row[4]), row[5], float(row[6]))

    def crops(self, employee_id: int) -> list[StoredCrop]:
        """The person's enrolment crops, in enrolment order."""
        with self._read("reading face crops") as c:
            rows = c.execute(f"SELECT {self._CROP_COLS} FROM enrolment_crops WHERE employee_id = ? ORDER BY id",
                             (int(employee_id),)).fetchall()
        return [self._crop(r) for r in rows]

    def photo_crop(self, employee_id: int) -> StoredCrop | None:
        """The crop shown as the person's photo: their sharpest sample."""
        with self._read("reading a face crop") as c:
            row = c.execute(f"SELECT {self._CROP_COLS} FROM enrolment_crops WHERE employee_id = ? "
                            "ORDER BY quality DESC, id LIMIT 1", (int(employee_id),)).fetchone()
        return self._crop(row) if row else None

    def photo_crops(self) -> dict[int, bytes]:
        """Every person's photo crop (their sharpest sample, JPEG) by employee id, one query."""
        with self._read("reading face crops") as c:
            rows = c.execute("SELECT employee_id, image FROM (SELECT employee_id, image, row_number() OVER "
                             "(PARTITION BY employee_id ORDER BY quality DESC, id) AS n FROM enrolment_crops) "
                             "WHERE n = 1").fetchall()
        return {int(e): bytes(img) for e, img in rows}

    def crop_counts(self) -> dict[int, int]:
        """Crops per employee id."""
        with self._read("counting face crops") as c:
            return {int(e): int(n) for e, n in
                    c.execute("SELECT employee_id, count(*) FROM enrolment_crops GROUP BY employee_id")}

    def rebuild_candidates(self, model_id: str) -> tuple[list[int], list[int], list[int]]:
        """(to rebuild, already rebuilt, without crops) employee ids for `model_id`, by name.
        Anonymised people are left out (nothing of them is kept to rebuild from)."""
        sql = ("SELECT e.id, EXISTS (SELECT 1 FROM templates t WHERE t.employee_id = e.id AND t.model_id = ?), "
               "EXISTS (SELECT 1 FROM enrolment_crops k WHERE k.employee_id = e.id) FROM employees e "
               "WHERE e.anonymised_at IS NULL ORDER BY e.name COLLATE NOCASE, e.number")
        todo: list[int] = []
        done: list[int] = []
        none: list[int] = []
        with self._read("listing people to rebuild") as c:
            for eid, has_model, has_crops in c.execute(sql, (model_id,)):
                (done if has_model else todo if has_crops else none).append(int(eid))
        return todo, done, none

    def template_status(self) -> TemplateStatus:
        with self._read("counting templates per encoder") as c:
            per = {m: int(n) for m, n in c.execute(
                "SELECT model_id, count(DISTINCT employee_id) FROM templates GROUP BY model_id ORDER BY model_id")}
            crops = c.execute("SELECT count(DISTINCT employee_id) FROM enrolment_crops").fetchone()[0]
            total = c.execute("SELECT count(*) FROM employees WHERE anonymised_at IS NULL").fetchone()[0]
        return TemplateStatus(per, int(crops), int(total))

    def rebuild_templates(self, employee_id: int, model_id: str, crop_ids: Sequence[int], embeddings: np.ndarray,
                          qualities: Sequence[float], actor: str = "admin") -> int:
        """One person's templates of `model_id` recomputed from their crops, in one
        transaction: existing templates of that model are replaced, other models' kept.
        Refused (EmployeeNotFoundError) when the person or a crop went meanwhile."""
        emb = embeddings_array(embeddings)
        if not (len(crop_ids) == len(qualities) == emb.shape[0]):
            raise ValueError(f"{len(crop_ids)} crops, {len(qualities)} qualities for {emb.shape[0]} embeddings")
        with self._write(f"rebuilding face templates of employee {employee_id}") as c:
            emp = self._require_employee(c, employee_id)
            have = {int(r[0]) for r in c.execute("SELECT id FROM enrolment_crops WHERE employee_id = ?", (emp.id,))}
            if not set(int(i) for i in crop_ids) <= have:
                raise EmployeeNotFoundError(f"the face crops of employee {emp.number} changed during the rebuild",
                                            self.path)
            removed = c.execute("DELETE FROM templates WHERE employee_id = ? AND model_id = ?",
                                (emp.id, model_id)).rowcount
            now, dim = self._now(), int(emb.shape[1])
            c.executemany("INSERT INTO templates (employee_id, embedding, dim, model_id, quality, created_at, crop_id) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)",
                          [(emp.id, embedding_to_blob(v), dim, model_id, float(q), now, int(k))
                           for v, q, k in zip(emb, qualities, crop_ids)])
            self._audit(c, actor, "templates.rebuild", {"employee_id": emp.id, "model_id": model_id,
                                                        "templates": int(emb.shape[0]), "replaced": int(removed)})
        return int(emb.shape[0])
