"""The Repository: every SQL statement of the app, behind methods that take and return
plain records (faceapp.shared.records). One Repository wraps one open_db() Database.

Transactions: every write method is one BEGIN IMMEDIATE ... COMMIT, so a crash, a full
disk or a lock timeout leaves either all of it or none of it. Access is serialised by a
lock, so the camera thread and the UI thread may share one Repository.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import sqlite_utils

from ..shared.errors import InvalidValueError
from ..shared.records import AttendanceEvent, Employee
from ..shared.text import control_characters
from .access_repo import AccessRepositoryMixin
from .audit_repo import AuditRepositoryMixin
from .crops_repo import CropLike, CropRepositoryMixin, insert_crops
from .unknown_repo import UnknownRepositoryMixin, purge_faces_before, resolve_sightings
from .attendance_writes import AttendanceWriteMixin
from .pin_repo import PinRepositoryMixin
from ..shared.database_files import is_database_file
from .timekeeping_repo import TimekeepingRepositoryMixin
from .convert import (EMBEDDING_DTYPE, embedding_to_blob, embeddings_array, float_or_nan, json_dumps,
                      nan_to_none, ts_from_db, ts_to_db)
from .errors import (CorruptRowError, DatabaseFileError, DuplicateEmployeeError, EmployeeNotFoundError, StorageError,
                     translate)
from .rows import AuditEntry, EmployeeOverview

if TYPE_CHECKING:
    from .watch import ChangeMarks

log = logging.getLogger(__name__)

_EMP_COLS = "e.id, e.number, e.name, e.department, e.active, e.consent_at, e.created_at, e.updated_at"
_EDITABLE = ("number", "name", "department", "consent_at", "active")
_UPSERT_SETTING = "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"


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


def _like_pattern(text: str) -> str:
    """`%text%` for LIKE ... ESCAPE '\\' (case-insensitive for ASCII), wildcards in `text` escaped."""
    return "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _employee(row: Sequence[Any]) -> Employee:
    return Employee(id=row[0], number=row[1], name=row[2], department=row[3] or "", active=bool(row[4]),
                    consent_at=ts_from_db(row[5]), created_at=ts_from_db(row[6]), updated_at=ts_from_db(row[7]))


def _event(row: Sequence[Any]) -> AttendanceEvent:
    return AttendanceEvent(employee_id=row[1], ts=ts_from_db(row[2]), kind=row[3], source=row[4] or "",
                           score=float_or_nan(row[5]), margin=float_or_nan(row[6]), id=row[0],
                           employee_number=row[7] or "", employee_name=row[8] or "", department=row[9] or "")


class Repository(AccessRepositoryMixin, AuditRepositoryMixin, CropRepositoryMixin, PinRepositoryMixin, AttendanceWriteMixin,
                 TimekeepingRepositoryMixin, UnknownRepositoryMixin):
    """The only place with SQL. Methods raise StorageError subclasses, never sqlite3 errors."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        if db.conn.isolation_level is not None:
            raise ValueError("Repository needs a connection from storage.db.open_db() (autocommit mode)")
        self.db = db
        self._conn: sqlite3.Connection = db.conn
        self._lock = threading.RLock()
        main = [r for r in self._conn.execute("PRAGMA database_list") if r[1] == "main"]
        self.path: str = (main[0][2] if main else "") or ":memory:"
        self.busy_timeout_ms: int = int(self._conn.execute("PRAGMA busy_timeout").fetchone()[0])
        # Damaged templates skipped by the last load_templates() call (see there).
        self.template_problems: list[CorruptRowError] = []
        # Test hook: called inside the enrol transaction right after the employee row is
        # written (tests kill the process there to prove enrolment is all-or-nothing).
        self._after_employee_insert: Callable[[int], None] | None = None
        # A joined site kiosk's gate (storage.site_local.gate): runs inside every write
        # transaction just before COMMIT; raising rolls the whole transaction back.
        self.before_commit: Callable[[sqlite3.Connection], None] | None = None
        # Write transactions committed by this connection (site_local.retry_when_behind: a
        # call is retried only when nothing of it was committed yet).
        self.commits = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def site_state(self) -> dict[str, str]:
        """The site this database is a kiosk of (storage.site_local; empty: not joined)."""
        from .site_local import joined_state

        with self._read("reading the site state") as c:
            return joined_state(c)

    def journal_mode(self) -> str:
        with self._read("reading the journal mode") as c:
            return str(c.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def data_version(self) -> int:
        """SQLite's PRAGMA data_version of this connection: it moves when another connection
        (another process) commits, never for this one's own commits."""
        with self._read("checking the database for changes") as c:
            return int(c.execute("PRAGMA data_version").fetchone()[0])

    def change_marks(self) -> "ChangeMarks":
        """What storage.watch.ChangeWatch compares to tell which kind of data another process
        changed. People: counts, id sums and the last update of employees and templates, and
        the newest audited employee/privacy action (every such change is audited, so even an
        edit stamped with a clock that went back shows). Attendance: the newest rows. Audit: the
        newest audit row (any admin action, for the audit page)."""
        from .watch import ChangeMarks

        with self._read("checking the database for changes") as c:
            version = int(c.execute("PRAGMA data_version").fetchone()[0])
            people = (tuple(c.execute("SELECT count(*), total(id), max(updated_at), sum(active) FROM employees")
                            .fetchone())
                      + tuple(c.execute("SELECT count(*), max(id) FROM templates").fetchone())
                      + tuple(c.execute("SELECT id FROM audit_log WHERE action LIKE 'employee.%' "
                                        "OR action LIKE 'privacy.%' ORDER BY id DESC LIMIT 1").fetchall()))
            settings = tuple(c.execute("SELECT key, value FROM settings ORDER BY key").fetchall())
            attendance = (c.execute("SELECT max(id) FROM attendance").fetchone()[0],
                          c.execute("SELECT max(id) FROM access_log").fetchone()[0])
            audit = (c.execute("SELECT max(id) FROM audit_log").fetchone()[0],)
        return ChangeMarks(version, people, settings, attendance, audit)

    def save_copy(self, target: str | Path) -> Path:
        """Write what this connection holds to a new database file (SQLite's backup API,
        through a temporary file and a rename): the rescue when the open file was deleted
        or replaced under the app. An existing database file of this app is never overwritten."""
        target = Path(target)
        if target.exists() and self.is_own_file(target):
            raise DatabaseFileError(f"{target} is a database file in use; choose a new file name", self.path)
        tmp = target.with_name(f".{target.name}.saving")
        try:
            dst = sqlite3.connect(str(tmp))
            try:
                with self._lock:
                    self._conn.backup(dst)
            finally:
                dst.close()
            os.replace(tmp, target)
        except sqlite3.Error as exc:
            tmp.unlink(missing_ok=True)
            raise translate(exc, target, "saving a copy of the database") from exc
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"cannot write {target}: {exc.strerror or exc}; nothing was written", target) from exc
        log.warning("saved a copy of the open database %s to %s", self.path, target)
        return target

    def is_own_file(self, path: str | Path) -> bool:
        """Whether `path` is this database or one of its side files (which nothing but SQLite
        may open: see shared.database_files)."""
        return self.path != ":memory:" and is_database_file(path, self.path)

    def refuse_own_file(self, path: str | Path, use: str) -> None:
        """DatabaseFileError when `path` (to be used as `use`, e.g. "a photo") is this database."""
        if self.is_own_file(path):
            raise DatabaseFileError(f"{path} is the attendance database (or one of its files), not {use}; "
                                    "choose another file", self.path)

    # -- transactions ---------------------------------------------------------------

    @contextmanager
    def _write(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One write transaction; sqlite3 errors become StorageError after a rollback."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")  # take the write lock now, not mid-way
            except sqlite3.Error as exc:
                raise translate(exc, self.path, doing, self.busy_timeout_ms) from exc
            try:
                yield self._conn
                if self.before_commit is not None:
                    self.before_commit(self._conn)
                self._conn.execute("COMMIT")
                self.commits += 1
            except sqlite3.Error as exc:
                self._rollback()
                raise translate(exc, self.path, doing, self.busy_timeout_ms) from exc
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self._conn.in_transaction:  # SQLite already rolls back by itself on some errors
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                log.exception("rollback failed on %s", self.path)

    @contextmanager
    def _read(self, doing: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise translate(exc, self.path, doing, self.busy_timeout_ms) from exc

    @staticmethod
    def _now() -> str:
        return ts_to_db(datetime.now(timezone.utc))

    # -- employees and templates ------------------------------------------------------

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
            args.append(_like_pattern(search))
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

    # -- attendance and sightings -------------------------------------------------------

    def add_attendance(self, event: AttendanceEvent) -> AttendanceEvent:
        """Store one decision; returns it with its id and the employee's current details."""
        if event.kind not in ("in", "out"):
            raise ValueError(f"attendance kind must be 'in' or 'out', got {event.kind!r}")
        ts = ts_to_db(event.ts, "event ts")
        with self._write(f"recording attendance for employee {event.employee_id}") as c:
            emp = self._require_employee(c, event.employee_id)
            cur = c.execute("INSERT INTO attendance (employee_id, ts, kind, source, score, margin) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (emp.id, ts, event.kind, event.source or "", nan_to_none(event.score),
                             nan_to_none(event.margin)))
        return dataclasses.replace(event, id=int(cur.lastrowid), employee_number=emp.number,
                                   employee_name=emp.name, department=emp.department)

    _EVENT_SQL = ("SELECT a.id, a.employee_id, a.ts, a.kind, a.source, a.score, a.margin, e.number, e.name, "
                  "e.department FROM attendance a LEFT JOIN employees e ON e.id = a.employee_id")

    def last_event(self, employee_id: int) -> AttendanceEvent | None:
        """The person's latest event: the attendance rules decide in/out and cooldown from it."""
        with self._read("reading the last attendance event") as c:
            row = c.execute(self._EVENT_SQL + " WHERE a.employee_id = ? ORDER BY a.ts DESC, a.id DESC LIMIT 1",
                            (int(employee_id),)).fetchone()
        return _event(row) if row else None

    def events(self, start: datetime | None = None, end: datetime | None = None,
               employee_ids: Iterable[int] | None = None, department: str | None = None,
               department_contains: str | None = None) -> list[AttendanceEvent]:
        """Events with start <= ts < end (either bound optional), oldest first, joined with the
        employee's number/name/department (empty for deleted people, whose employee_id is
        None). `department` filters on the employee's current department (exact, the CLI's
        --department); `department_contains` on a part of it, ignoring case (the log page)."""
        sql, args = self._EVENT_SQL + " WHERE 1 = 1", []
        if start is not None:
            sql, args = sql + " AND a.ts >= ?", args + [ts_to_db(start, "start")]
        if end is not None:
            sql, args = sql + " AND a.ts < ?", args + [ts_to_db(end, "end")]
        if employee_ids is not None:
            sql, args = sql + " AND a.employee_id IN (SELECT value FROM json_each(?))", \
                args + [json.dumps([int(i) for i in employee_ids])]
        if department is not None:
            sql, args = sql + " AND e.department = ?", args + [department]
        if department_contains:
            sql, args = sql + " AND e.department LIKE ? ESCAPE '\\'", args + [_like_pattern(department_contains)]
        with self._read("reading attendance events") as c:
            return [_event(r) for r in c.execute(sql + " ORDER BY a.ts, a.id", args)]

    def purge_unknown_thumbnails(self, older_than: datetime, actor: str = "system") -> int:
        """Drop the face data (thumbnail, descriptor) of strangers older than the retention
        limit; returns how many sightings."""
        cutoff = ts_to_db(older_than, "older_than")
        with self._write("purging old unknown-face thumbnails") as c:
            n = purge_faces_before(c, cutoff)
            if n:
                self._audit(c, actor, "unknown.purge_thumbnails", {"older_than": cutoff, "count": n})
        return int(n)

    # -- settings and audit ----------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._read(f"reading setting {key}") as c:
            row = c.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        text = json_dumps(value)
        with self._write(f"saving setting {key}") as c:
            c.execute(_UPSERT_SETTING, (key, text))

    def set_settings(self, values: dict[str, Any], audits: Sequence[tuple[str, str, dict[str, Any]]] = ()) -> None:
        """Several settings and their audit entries (actor, action, details) in one
        transaction: a settings dialog is saved whole or not at all."""
        rows = [(key, json_dumps(value)) for key, value in values.items()]
        with self._write("saving settings") as c:
            c.executemany(_UPSERT_SETTING, rows)
            for actor, action, details in audits:
                self._audit(c, actor, action, details)

    def update_settings(self, merge: Callable[[dict[str, Any]], tuple[dict[str, Any],
                                                             Sequence[tuple[str, str, dict[str, Any]]]]]) -> None:
        """Read every stored setting, let `merge(stored)` decide what to write (values and
        audit entries), and write it, in one BEGIN IMMEDIATE transaction: an editor saves its
        own edits on top of what another process stored meanwhile, and nothing can slip in
        between the comparison and the write. A stored value that is not JSON is passed as
        its raw text. `merge` may raise to write nothing."""
        with self._write("saving settings") as c:
            stored: dict[str, Any] = {}
            for key, text in c.execute("SELECT key, value FROM settings"):
                try:
                    stored[key] = json.loads(text)
                except (TypeError, ValueError):
                    stored[key] = text
            values, audits = merge(stored)
            c.executemany(_UPSERT_SETTING, [(key, json_dumps(value)) for key, value in values.items()])
            for actor, action, details in audits:
                self._audit(c, actor, action, details)

    def audit(self, actor: str, action: str, details: dict[str, Any] | None = None) -> int:
        """Append to the audit log (who changed what); the table rejects UPDATE and DELETE."""
        with self._write(f"writing audit entry {action}") as c:
            return self._audit(c, actor, action, details or {})

    def _audit(self, c: sqlite3.Connection, actor: str, action: str, details: dict[str, Any]) -> int:
        cur = c.execute("INSERT INTO audit_log (ts, actor, action, details) VALUES (?, ?, ?, ?)",
                        (self._now(), actor or "unknown", action, json_dumps(details)))
        return int(cur.lastrowid)

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        """Newest first."""
        with self._read("reading the audit log") as c:
            rows = c.execute("SELECT id, ts, actor, action, details FROM audit_log ORDER BY id DESC LIMIT ?",
                             (int(limit),)).fetchall()
        return [AuditEntry(r[0], ts_from_db(r[1]), r[2], r[3], json.loads(r[4] or "{}")) for r in rows]
