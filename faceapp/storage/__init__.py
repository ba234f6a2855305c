"""Storage: the only package with SQL. Domain rules get plain records (shared.records) from here."""

from .errors import (
    AccessGroupNotFoundError,
    CorruptRowError,
    DatabaseCorruptError,
    DatabaseLockedError,
    DiskFullError,
    DuplicateAccessGroupError,
    DuplicateEmployeeError,
    EmployeeNotFoundError,
    SchemaTooNewError,
    StorageError,
)

__all__ = [
    "AccessGroupNotFoundError",
    "CorruptRowError",
    "DatabaseCorruptError",
    "DatabaseLockedError",
    "DiskFullError",
    "DuplicateAccessGroupError",
    "DuplicateEmployeeError",
    "EmployeeNotFoundError",
    "SchemaTooNewError",
    "StorageError",
]
