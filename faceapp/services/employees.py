"""Employees: list, find, edit, activate/deactivate, delete and erase.

The one door to employee records for the desktop pages and the CLI, so a widget never
talks to the repository and every change is audited with the same actor rules."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..shared.records import Employee
from ..storage.errors import EmployeeNotFoundError
from ..storage.rows import EmployeeOverview  # noqa: F401 - the pages' row type, re-exported

if TYPE_CHECKING:
    from ..storage.repository import Repository
    from ..storage.rows import ErasureResult

log = logging.getLogger(__name__)


class EmployeeService:
    def __init__(self, repo: "Repository") -> None:
        self.repo = repo

    def list(self, active_only: bool = False, search: str | None = None) -> list[Employee]:
        """Sorted by name; `search` matches number, name or department (case-insensitive)."""
        return self.repo.list_employees(active_only=active_only, search=search)

    def find(self, number: str) -> Employee | None:
        """By employee number (surrounding spaces ignored), or None."""
        return self.repo.find_employee(number)

    def require(self, number: str) -> Employee:
        emp = self.find(number)
        if emp is None:
            raise EmployeeNotFoundError(f"no employee with number {number!r}", self.repo.path)
        return emp

    def get(self, employee_id: int) -> Employee | None:
        return self.repo.get_employee(employee_id)

    def overview(self) -> "list[EmployeeOverview]":
        """Every employee with sample count, first enrolment, access groups and erased flag."""
        return self.repo.employee_overview()

    def photos(self) -> dict[int, bytes]:
        """Each person's photo (their sharpest enrolment crop, JPEG) by employee id."""
        return self.repo.photo_crops()

    def template_counts(self) -> dict[int, int]:
        """Face templates per employee id."""
        return self.repo.template_counts()

    def photo(self, employee_id: int) -> bytes | None:
        """JPEG of the person's sharpest enrolment face crop (their photo on the Employees
        page), or None for people enrolled before crops were kept."""
        crop = self.repo.photo_crop(employee_id)
        return crop.data if crop is not None else None

    def update(self, employee_id: int, actor: str = "admin", **fields: Any) -> Employee:
        """Change number, name or department (audited)."""
        return self.repo.update_employee(employee_id, actor=actor, **fields)

    def set_active(self, employee_id: int, active: bool, actor: str = "admin") -> Employee:
        return self.repo.set_active(employee_id, active, actor=actor)

    def delete(self, employee_id: int, actor: str = "admin") -> int:
        """Remove the person and their templates; attendance stays without the name.
        Returns the number of templates erased."""
        return self.repo.delete_employee(employee_id, actor=actor)

    def erase(self, employee_id: int, actor: str = "admin") -> "ErasureResult":
        """Right to erasure: templates and personal fields go, anonymised counts stay."""
        return self.repo.erase_person(employee_id, actor=actor)
