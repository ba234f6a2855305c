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
