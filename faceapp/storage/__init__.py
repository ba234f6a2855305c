"""Storage: the only package with SQL. Core rules get plain records (core.records) from here."""

from .errors import (
    CorruptRowError,
    DatabaseCorruptError,
    DatabaseLockedError,
    DiskFullError,
    DuplicateEmployeeError,
    EmployeeNotFoundError,
    SchemaTooNewError,
    StorageError,
)

__all__ = [
    "CorruptRowError",
    "DatabaseCorruptError",
    "DatabaseLockedError",
    "DiskFullError",
    "DuplicateEmployeeError",
    "EmployeeNotFoundError",
    "SchemaTooNewError",
    "StorageError",
]
