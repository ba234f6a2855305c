"""Small records only storage produces (the shared ones live in faceapp.core.records)."""

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

