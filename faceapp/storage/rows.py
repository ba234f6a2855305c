"""Small records only storage produces (the shared ones live in faceapp.shared.records)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: datetime
    actor: str
    action: str
    details: dict[str, Any] = field(default_factory=dict)
    person: str = ""  # the employee the row is about, as named now ("Ana Silva (1042)"); audit viewer only



@dataclass(frozen=True)
class PurgeResult:
    """What purge_expired() removed."""

    thumbnails: int = 0  # unknown-face thumbnails dropped
    templates: int = 0  # face templates of long-deactivated people deleted
    employees: int = 0  # people whose templates went


@dataclass(frozen=True)
class ErasureResult:
    """What erase_person() did; `token` replaces the person's name and number."""

    employee_id: int
    token: str
    templates_erased: int
    attendance_kept: int
    access_log_kept: int


@dataclass(frozen=True)
class StoredCrop:
    """One enrolment sample's face crop as stored (vision.crops.FaceCrop's fields + row ids)."""

    id: int
    employee_id: int
    data: bytes = field(repr=False)
    points: Any = None  # (5, 2) float32 array, crop pixels
    size: int = 0
    format: str = "jpeg"
    quality: float = 0.0


@dataclass(frozen=True)
class TemplateStatus:
    """Per encoder, how many people have templates; who has crops to rebuild from."""

    people_per_model: dict[str, int]  # model id -> people with templates of it
    people_with_crops: int
    people_total: int  # not anonymised


@dataclass(frozen=True)
class UnknownFace:
    """One face of an unknown-face sighting (migration 0008): the crop (enrolment crop
    format) and its 5 points, the descriptor of `model_id`, the quality measures
    (vision.types.Quality's fields) and its face score. Biometric data: see unknown_repo."""

    crop: bytes = field(repr=False)
    points: Any  # (5, 2) float32, crop pixels
    embedding: Any = field(repr=False)  # (dim,) float32
    model_id: str
    quality: dict[str, float]
    score: float = 0.0
    id: int | None = None


@dataclass(frozen=True)
class StoredSighting:
    """One unreviewed unknown-face sighting with its faces, best first."""

    id: int
    ts: Any  # aware datetime
    source: str
    score: float | None
    faces: tuple[UnknownFace, ...] = ()


@dataclass(frozen=True)
class EmployeeOverview:
    """One row of the Employees page: the person, their samples, first enrolment, access
    groups and whether they were erased (anonymised)."""

    employee: Any  # shared.records.Employee
    samples: int
    enrolled_at: Any  # aware datetime or None (no templates)
    groups: tuple[str, ...]
    erased: bool
