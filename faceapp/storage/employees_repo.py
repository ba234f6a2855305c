"""Employees and their face templates (mixed into storage.repository.Repository): enrolment,
edits, deletion, and loading the templates the recogniser matches against.

Enrolment writes the person, all templates, their crops and the audit row in one transaction;
damaged template rows are skipped on load and reported (template_problems), never fatal.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from ..shared.errors import InvalidValueError
from ..shared.records import Employee
from ..shared.text import control_characters
from .convert import EMBEDDING_DTYPE, embedding_to_blob, embeddings_array, like_pattern, ts_from_db, ts_to_db
from .crops_repo import CropLike, insert_crops
from .errors import CorruptRowError, DuplicateEmployeeError, EmployeeNotFoundError, StorageError
from .rows import EmployeeOverview
from .unknown_repo import resolve_sightings

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

log = logging.getLogger(__name__)

_EMP_COLS = "e.id, e.number, e.name, e.department, e.active, e.consent_at, e.created_at, e.updated_at"
_EDITABLE = ("number", "name", "department", "consent_at", "active")


def _text(value: str, what: str, required: bool = True) -> str:
    """A stored text field: stripped, plain text (no NUL, ESC, newlines, bidi overrides)."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidValueError(f"{what} must not be empty")
    bad = control_characters(value)
    if bad:
        raise InvalidValueError(f"{what} {value!r} contains control characters ({', '.join(bad)}); "
                                "type it again without them")
    return value


def _employee(row: Sequence[Any]) -> Employee:
    return Employee(id=row[0], number=row[1], name=row[2], department=row[3] or "", active=bool(row[4]),
                    consent_at=ts_from_db(row[5]), created_at=ts_from_db(row[6]), updated_at=ts_from_db(row[7]))


class EmployeeRepositoryMixin:
    """Employees and templates: enrol, add templates, find, list, edit, (de)activate, delete, load."""

    path: str
    template_problems: list[CorruptRowError]
    _conn: sqlite3.Connection
    _after_employee_insert: Callable[[int], None] | None

    if TYPE_CHECKING:
        def _write(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self, doing: str) -> AbstractContextManager[sqlite3.Connection]: ...
        def _audit(self, c: sqlite3.Connection, actor: str, action: str, details: dict[str, Any]) -> int: ...
        def _track_deactivation(self, c: sqlite3.Connection, employee_id: int) -> None: ...
        @staticmethod
        def _redact_audit(c: sqlite3.Connection, employee_id: int, now: str) -> None: ...
        def _checkpoint_after_erasure(self) -> None: ...
        @staticmethod
        def _now() -> str: ...

    def enrol(self, number: str, name: str, department: str, consent_at: datetime,
              embeddings: np.ndarray, qualities: Sequence[float], model_id: str,
              actor: str = "admin", audit_extra: dict[str, Any] | None = None,
              guard: Callable[[], dict[str, Any] | None] | None = None,
              crops: Sequence[CropLike | None] | None = None, sightings: Sequence[int] = ()) -> Employee:
        """Write the employee, all K templates and the audit row in one transaction, so a
        crash or error never leaves a person without templates (or templates without consent).
        `audit_extra` joins the audit row (e.g. an admin's "different person" confirmation);
        `crops` (one per sample, or None) are the samples' face crops, kept for rebuilds.
        `sightings`: the unknown-face sightings the samples came from, marked enrolled (and
        their face data deleted from them) in the same transaction.

        `guard` (the duplicate check) runs inside the same BEGIN IMMEDIATE transaction, before
        the insert: what it reads through this repository is the database as it is now, and no
        other process or connection can enrol anyone until this one commits. It raises to
        refuse (nothing is written) or returns more audit details. Two imports at once cannot
        both enrol the same face: the second one's check sees the first one's person."""
        number, name, model_id = _text(number, "employee number"), _text(name, "name"), _text(model_id, "model id")
        if consent_at is None:
            raise ValueError("consent_at is required: face templates are stored only with recorded consent")
        consent = ts_to_db(consent_at, "consent_at")
        emb = embeddings_array(embeddings)
        qual = self._qualities(qualities, emb.shape[0])
        now = self._now()
        with self._write(f"enrolling employee {number}") as c:
            if guard is not None:
                audit_extra = {**(audit_extra or {}), **(guard() or {})}
            try:
                cur = c.execute("INSERT INTO employees (number, name, department, active, consent_at, created_at, "
                                "updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
                                (number, name, _text(department, "department", required=False), consent, now,
                                 now))
            except sqlite3.IntegrityError as exc:
                if "employees.number" in str(exc):
                    raise DuplicateEmployeeError(number, self.path) from exc
                raise
            emp_id = int(cur.lastrowid)
            if self._after_employee_insert is not None:
                self._after_employee_insert(emp_id)
            crop_ids = insert_crops(c, emp_id, self._crops(crops, emb.shape[0]), qual, now)
            self._insert_templates(c, emp_id, emb, qual, model_id, now, crop_ids)
            if sightings:
                audit_extra = {**(audit_extra or {}),
                               "unknown_sightings": resolve_sightings(c, sightings, "enrolled", emp_id, now)}
            self._audit(c, actor, "employee.enrol", {"employee_id": emp_id, "number": number,
                                                     "templates": int(emb.shape[0]), "model_id": model_id,
                                                     **(audit_extra or {})})
            return self._get_employee(c, emp_id)

    def add_templates(self, employee_id: int, embeddings: np.ndarray, qualities: Sequence[float],
                      model_id: str, actor: str = "admin", replace: bool = False,
                      audit_extra: dict[str, Any] | None = None,
                      guard: Callable[[], dict[str, Any] | None] | None = None,
                      crops: Sequence[CropLike | None] | None = None, sightings: Sequence[int] = ()) -> int:
        """Add samples to an existing person; replace=True is re-enrolment: the old
        templates (of any model) and crops go in the same transaction, so a failure keeps them.
        `guard`: the duplicate check inside the write transaction, as for enrol(); `sightings`
        are marked added to this person, as for enrol()."""
        emb = embeddings_array(embeddings)
        qual = self._qualities(qualities, emb.shape[0])
        model_id = _text(model_id, "model id")
        with self._write(f"adding face templates to employee {employee_id}") as c:
            emp = self._require_employee(c, employee_id)
            if guard is not None:
                audit_extra = {**(audit_extra or {}), **(guard() or {})}
            removed = c.execute("DELETE FROM templates WHERE employee_id = ?", (emp.id,)).rowcount if replace else 0
            if replace:
                c.execute("DELETE FROM enrolment_crops WHERE employee_id = ?", (emp.id,))
            now = self._now()
            crop_ids = insert_crops(c, emp.id, self._crops(crops, emb.shape[0]), qual, now)
            self._insert_templates(c, emp.id, emb, qual, model_id, now, crop_ids)
            if sightings:
                audit_extra = {**(audit_extra or {}),
                               "unknown_sightings": resolve_sightings(c, sightings, "added", emp.id, now)}
            self._audit(c, actor, "employee.reenrol" if replace else "employee.add_templates",
                        {"employee_id": emp.id, "number": emp.number, "templates": int(emb.shape[0]),
                         "replaced": removed, "model_id": model_id, **(audit_extra or {})})
        return int(emb.shape[0])

    @staticmethod
    def _qualities(qualities: Sequence[float] | None, k: int) -> list[float]:
        q = [0.0] * k if qualities is None else [float(x) for x in qualities]
        if len(q) != k:
            raise ValueError(f"{len(q)} qualities for {k} embeddings")
        return q

    @staticmethod
    def _crops(crops: Sequence[CropLike | None] | None, k: int) -> list[CropLike | None]:
        out = [None] * k if crops is None else list(crops)
        if len(out) != k:
            raise ValueError(f"{len(out)} face crops for {k} embeddings")
        return out

    @staticmethod
    def _insert_templates(c: sqlite3.Connection, emp_id: int, emb: np.ndarray, qual: list[float],
                          model_id: str, now: str, crop_ids: Sequence[int | None] | None = None) -> None:
        dim = int(emb.shape[1])
        if crop_ids is None or all(k is None for k in crop_ids):  # also on a schema before 0006
            c.executemany("INSERT INTO templates (employee_id, embedding, dim, model_id, quality, created_at) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
                          [(emp_id, embedding_to_blob(v), dim, model_id, q, now) for v, q in zip(emb, qual)])
            return
        c.executemany("INSERT INTO templates (employee_id, embedding, dim, model_id, quality, created_at, crop_id) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)",
                      [(emp_id, embedding_to_blob(v), dim, model_id, q, now, k)
                       for v, q, k in zip(emb, qual, crop_ids)])

    def _get_employee(self, c: sqlite3.Connection, employee_id: int) -> Employee | None:
        row = c.execute(f"SELECT {_EMP_COLS} FROM employees e WHERE e.id = ?", (int(employee_id),)).fetchone()
        return _employee(row) if row else None

    def _require_employee(self, c: sqlite3.Connection, employee_id: int) -> Employee:
        emp = self._get_employee(c, employee_id)
        if emp is None:
            raise EmployeeNotFoundError(f"no employee with id {employee_id} in {self.path}", self.path)
        return emp

    def get_employee(self, employee_id: int) -> Employee | None:
        with self._read("reading an employee") as c:
            return self._get_employee(c, employee_id)

    def find_employee(self, number: str) -> Employee | None:
        """By the employer's employee number (surrounding spaces ignored)."""
        with self._read("looking up an employee") as c:
            row = c.execute(f"SELECT {_EMP_COLS} FROM employees e WHERE e.number = ?",
                            ((number or "").strip(),)).fetchone()
        return _employee(row) if row else None

    def list_employees(self, active_only: bool = False, search: str | None = None) -> list[Employee]:
        """Sorted by name; `search` matches number, name or department, case-insensitively."""
        sql, args = f"SELECT {_EMP_COLS} FROM employees e WHERE 1 = 1", []
        if active_only:
            sql += " AND e.active = 1"
        if search and search.strip():
            sql += " AND (e.number LIKE ?1 ESCAPE '\\' OR e.name LIKE ?1 ESCAPE '\\' OR e.department LIKE ?1 ESCAPE '\\')"
            args.append(like_pattern(search))
        sql += " ORDER BY e.name COLLATE NOCASE, e.number"
        with self._read("listing employees") as c:
            return [_employee(r) for r in c.execute(sql, args)]

    def update_employee(self, employee_id: int, *, actor: str = "admin", **fields: Any) -> Employee:
        """Change number, name, department, consent_at or active; audited with the field names."""
        unknown = set(fields) - set(_EDITABLE)
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}; editable fields: {', '.join(_EDITABLE)}")
        values: dict[str, Any] = {}
        for key, value in fields.items():
            if key in ("number", "name"):
                values[key] = _text(value, key)
            elif key == "department":
                values[key] = _text(value, key, required=False)
            elif key == "consent_at":
                values[key] = None if value is None else ts_to_db(value, "consent_at")
            else:
                values[key] = 1 if value else 0
        with self._write(f"updating employee {employee_id}") as c:
            before = self._require_employee(c, employee_id)
            if values:
                sets = ", ".join(f"{k} = ?" for k in values)  # keys come from _EDITABLE only
                try:
                    c.execute(f"UPDATE employees SET {sets}, updated_at = ? WHERE id = ?",
                              (*values.values(), self._now(), int(employee_id)))
                except sqlite3.IntegrityError as exc:
                    if "employees.number" in str(exc):
                        raise DuplicateEmployeeError(values.get("number", ""), self.path) from exc
                    raise
                self._track_deactivation(c, employee_id)
                details: dict[str, Any] = {"employee_id": int(employee_id), "fields": sorted(values)}
                if values.get("number", before.number) != before.number:  # old rows show the new number
                    details["number"] = [before.number, values["number"]]
                self._audit(c, actor, "employee.update", details)
            return self._require_employee(c, employee_id)

    def set_active(self, employee_id: int, active: bool, actor: str = "admin") -> Employee:
        """Inactive people keep their data but are not recognised (leave, contract ended)."""
        with self._write(f"{'activating' if active else 'deactivating'} employee {employee_id}") as c:
            emp = self._require_employee(c, employee_id)
            c.execute("UPDATE employees SET active = ?, updated_at = ? WHERE id = ?",
                      (1 if active else 0, self._now(), emp.id))
            self._track_deactivation(c, emp.id)
            self._audit(c, actor, "employee.activate" if active else "employee.deactivate",
                        {"employee_id": emp.id, "number": emp.number})
            return self._require_employee(c, employee_id)

    def delete_employee(self, employee_id: int, actor: str = "admin") -> int:
        """Erase the person and their face templates and crops (right to erasure); attendance rows stay
        for payroll with employee_id NULL. Like erase_person, the person's earlier audit rows
        lose their number and name, and the audit row of the deletion names only the id.
        Returns the number of templates erased."""
        self._conn.execute("PRAGMA secure_delete = ON")  # whatever the connection was opened with
        with self._write(f"deleting employee {employee_id}") as c:
            emp = self._require_employee(c, employee_id)
            n_tpl = c.execute("SELECT count(*) FROM templates WHERE employee_id = ?", (emp.id,)).fetchone()[0]
            n_att = c.execute("SELECT count(*) FROM attendance WHERE employee_id = ?", (emp.id,)).fetchone()[0]
            c.execute("DELETE FROM employees WHERE id = ?", (emp.id,))  # FKs: templates cascade, attendance SET NULL
            left = c.execute("SELECT (SELECT count(*) FROM templates WHERE employee_id = ?1) + "
                             "(SELECT count(*) FROM enrolment_crops WHERE employee_id = ?1)", (emp.id,)).fetchone()[0]
            if left:
                raise StorageError(f"foreign keys are off on {self.path}: templates of employee {emp.id} "
                                   "were not erased; open the database with open_db()", self.path)
            self._redact_audit(c, emp.id, self._now())
            self._audit(c, actor, "employee.delete", {"employee_id": emp.id, "templates_erased": int(n_tpl),
                                                      "attendance_kept": int(n_att)})
        self._checkpoint_after_erasure()  # the WAL still holds the pages with the templates and crops
        return int(n_tpl)

    def load_templates(self, model_id: str, active_only: bool = True,
                       strict: bool = False,
                       employee_ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Gallery for one model: (employee_ids int64 (M,), matrix float32 (M, dim)), one query
        (or one per 500 people of `employee_ids`, when only those are wanted).

        Damaged rows (blob length != dim*4, a dim unlike the model's other templates, or
        non-finite values) are skipped, logged and listed in `self.template_problems` as
        CorruptRowError, so one bad row cannot stop the door; strict=True raises the first.
        """
        sql = ("SELECT t.id, t.employee_id, t.dim, t.embedding, e.number FROM templates t "
               "JOIN employees e ON e.id = t.employee_id WHERE t.model_id = ?")
        if active_only:
            sql += " AND e.active = 1"
        with self._read(f"loading face templates for model {model_id}") as c:
            if employee_ids is None:
                rows = c.execute(sql + " ORDER BY t.employee_id, t.id", (model_id,)).fetchall()
            else:
                wanted = sorted({int(i) for i in employee_ids})
                rows = []
                for at in range(0, len(wanted), 500):  # under SQLite's limit of bound values
                    part = wanted[at:at + 500]
                    rows += c.execute(sql + f" AND t.employee_id IN ({','.join('?' * len(part))})"
                                      " ORDER BY t.employee_id, t.id", (model_id, *part)).fetchall()
        problems: list[CorruptRowError] = []
        dim = Counter(int(r[2]) for r in rows).most_common(1)[0][0] if rows else 0
        good = []
        for tid, eid, row_dim, blob, number in rows:
            size = len(blob) if isinstance(blob, (bytes, bytearray, memoryview)) else -1
            if row_dim != dim or size != dim * EMBEDDING_DTYPE.itemsize:
                problems.append(self._corrupt(tid, eid, number, f"embedding has {size} bytes and dim {row_dim}, "
                                              f"expected {dim * EMBEDDING_DTYPE.itemsize} bytes (dim {dim})"))
            else:
                good.append((tid, eid, number, blob))
        mat = np.frombuffer(b"".join(g[3] for g in good), dtype=EMBEDDING_DTYPE).reshape(len(good), dim)
        finite = np.isfinite(mat).all(axis=1)
        for (tid, eid, number, _), ok in zip(good, finite):
            if not ok:
                problems.append(self._corrupt(tid, eid, number, "embedding contains NaN or infinity"))
        ids = np.fromiter((g[1] for g in good), dtype=np.int64, count=len(good))[finite]
        mat = mat[finite].astype(np.float32)  # native byte order, writable copy
        self.template_problems = problems
        for p in problems:  # ids only: the log file outlives an erasure, the message names the number
            log.error("face template %s of employee id %s in %s is damaged; it is ignored, re-enrol this employee",
                      p.row_id, p.employee_id, self.path)
        if problems and strict:
            raise problems[0]
        return ids, mat

    def template_signatures(self, model_id: str) -> dict[int, tuple[str, int, int]]:
        """Per person with templates of this model: (employee created_at, last template id,
        template count). A person whose signature is unchanged has the same templates, so a
        gallery can be brought up to date by reloading only the people whose signature
        changed (one index scan, no embeddings read). created_at tells a new person from a
        deleted one whose row id SQLite gave out again."""
        with self._read(f"reading face template signatures for model {model_id}") as c:
            rows = c.execute("SELECT t.employee_id, e.created_at, max(t.id), count(*) FROM templates t "
                             "JOIN employees e ON e.id = t.employee_id WHERE t.model_id = ? "
                             "GROUP BY t.employee_id", (model_id,)).fetchall()
        return {int(eid): (str(created), int(last), int(n)) for eid, created, last, n in rows}

    def load_templates_with_signatures(self, model_id: str) -> tuple[np.ndarray, np.ndarray,
                                                                     dict[int, tuple[str, int, int]]]:
        """load_templates(active_only=False) and template_signatures() from one read snapshot,
        so the signatures describe exactly the templates loaded."""
        with self._read(f"loading face templates for model {model_id}") as c:
            own = not c.in_transaction  # inside a write transaction: already one snapshot
            if own:
                c.execute("BEGIN")  # deferred: a read snapshot, no lock on writers
            try:
                ids, mat = self.load_templates(model_id, active_only=False)
                signatures = self.template_signatures(model_id)
            finally:
                if own and c.in_transaction:
                    c.execute("COMMIT")
        return ids, mat, signatures

    def _corrupt(self, tid: int, eid: int, number: str, why: str) -> CorruptRowError:
        return CorruptRowError(f"face template {tid} of employee {number} (id {eid}) in {self.path} is damaged: "
                               f"{why}. It is ignored; re-enrol this employee.", self.path,
                               table="templates", row_id=int(tid), employee_id=int(eid))

    def template_model_ids(self) -> dict[str, int]:
        """Template count per model id, so start-up can spot templates of a replaced model."""
        with self._read("counting face templates") as c:
            return {m: int(n) for m, n in c.execute("SELECT model_id, count(*) FROM templates GROUP BY model_id")}

    def people_by_model(self) -> dict[str, set[int]]:
        """Employee ids with templates, per model id: who a model change leaves without any
        template of the new model (a rebuild keeps the old model's templates beside the new)."""
        out: dict[str, set[int]] = {}
        with self._read("counting face templates") as c:
            for m, e in c.execute("SELECT DISTINCT model_id, employee_id FROM templates"):
                out.setdefault(m, set()).add(int(e))
        return out

    def template_counts(self, model_id: str | None = None) -> dict[int, int]:
        """Templates per employee id (optionally of one model), for the employee list."""
        sql, args = "SELECT employee_id, count(*) FROM templates", []
        if model_id is not None:
            sql, args = sql + " WHERE model_id = ?", [model_id]
        with self._read("counting face templates") as c:
            return {int(e): int(n) for e, n in c.execute(sql + " GROUP BY employee_id", args)}

    def employee_overview(self) -> list[EmployeeOverview]:
        """Every employee with their sample count, first enrolment, access groups and
        whether they were erased (the Employees page), by name, in one read."""
        sql = (f"SELECT {_EMP_COLS}, (SELECT count(*) FROM templates t WHERE t.employee_id = e.id), "
               "(SELECT min(t.created_at) FROM templates t WHERE t.employee_id = e.id), "
               "(SELECT json_group_array(g.name) FROM employee_access_groups m JOIN access_groups g "
               " ON g.id = m.group_id WHERE m.employee_id = e.id), e.anonymised_at IS NOT NULL "
               "FROM employees e ORDER BY e.name COLLATE NOCASE, e.number")
        with self._read("listing employees") as c:
            rows = c.execute(sql).fetchall()
        n = len(_EMP_COLS.split(","))
        return [EmployeeOverview(_employee(r[:n]), int(r[n]), ts_from_db(r[n + 1]),
                                 tuple(sorted(json.loads(r[n + 2] or "[]"), key=str.casefold)), bool(r[n + 3]))
                for r in rows]
