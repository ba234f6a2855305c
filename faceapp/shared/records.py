"""Plain records shared by the domain rules and the repository in storage (no SQL here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import numpy as np

Kind = Literal["in", "out"]


@dataclass(frozen=True)
class Employee:
    id: int
    number: str  # the employer's employee number, unique
    name: str
    department: str = ""
    active: bool = True
    consent_at: datetime | None = None  # when the person consented to face enrolment
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Template:
    """One enrolment sample's descriptor, tagged with the model that produced it."""

    employee_id: int
    embedding: np.ndarray  # (dim,) float32
    model_id: str
    quality: float = 0.0
    id: int | None = None


@dataclass(frozen=True)
class AttendanceEvent:
    employee_id: int | None  # None once the employee was deleted (anonymised history)
    ts: datetime  # timezone-aware
    kind: Kind
    source: str = ""  # camera name or "cli:<file>"
    score: float = float("nan")  # descriptor distance of the decision (smaller = surer)
    margin: float = float("nan")  # distance gap to the best other identity
    id: int | None = None
    employee_number: str = ""
    employee_name: str = ""
    department: str = ""


@dataclass(frozen=True)
class DailySummary:
    employee_id: int | None  # None: the day's events of deleted employees, counted only
    employee_number: str
    employee_name: str
    department: str
    day: date  # local calendar day (in the site's time zone)
    first_in: datetime | None
    last_out: datetime | None
    worked: timedelta  # sum of in->out intervals on that day
    events: int
