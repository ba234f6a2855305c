"""The declared list of synced tables: adding a table to the site is one entry here (plus
its columns in a server migration, site_pg.schema, and in the kiosk's SQLite migration).

Master data (people, templates, groups, settings, time keeping) is written on the server
and pulled by every kiosk by server revision (deletions as tombstones). Events (attendance,
access log, audit log, ...) are written by a kiosk and pushed with a global id: (kiosk,
local id). The order is the order a pull applies rows in: parents before children.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class SyncedTable:
    name: str
    kind: Literal["master", "event"]
    pk: tuple[str, ...] = ("id",)
    # kiosk-side columns never sent to the server (kept on the kiosk only, e.g. personal
    # pictures with a kiosk-local retention)
    local_only: tuple[str, ...] = ()


MASTER_TABLES: tuple[SyncedTable, ...] = (
    SyncedTable("employees", "master"),
    SyncedTable("access_groups", "master"),
    SyncedTable("employee_access_groups", "master", ("employee_id", "group_id")),
    SyncedTable("enrolment_crops", "master"),
    SyncedTable("templates", "master"),
    SyncedTable("settings", "master", ("key",)),
    SyncedTable("timetables", "master"),
    SyncedTable("shifts", "master"),
    SyncedTable("shift_days", "master", ("shift_id", "day_index")),
    SyncedTable("shift_assignments", "master"),
    SyncedTable("holidays", "master", ("day",)),
    SyncedTable("leave", "master"),
)

EVENT_TABLES: tuple[SyncedTable, ...] = (
    SyncedTable("attendance", "event"),
    SyncedTable("access_log", "event"),
    SyncedTable("audit_log", "event"),
    # An unknown face's picture, its kept faces (table unknown_faces, never synced) and their
    # review stay on the kiosk that saw it: biometric data of people who never consented,
    # reviewed and purged where it was taken; the server gets the sighting's time and camera.
    SyncedTable("unknown_sightings", "event", local_only=("thumbnail", "reviewed", "reviewed_at", "employee_id")),
    SyncedTable("punch_corrections", "event"),
)

ALL_TABLES = MASTER_TABLES + EVENT_TABLES


def table(name: str) -> SyncedTable:
    for t in ALL_TABLES:
        if t.name == name:
            return t
    raise KeyError(name)
