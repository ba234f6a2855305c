"""What travels between the site server and a kiosk's replica: plain records, no driver
(storage.site_local imports these at every start; psycopg only when a site is used)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MasterChange", "PullBatch"]


@dataclass
class PullBatch:
    """Master rows changed after a revision, tombstones, and the revision they reach."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tombstones: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rev: int = 0

    @property
    def count(self) -> int:
        return sum(len(r) for r in self.rows.values()) + len(self.tombstones)


@dataclass(frozen=True)
class MasterChange:
    """One master row as the kiosk's committed-to-be state: values (upsert) or None (delete)."""

    table: str
    pk: dict[str, Any]
    values: dict[str, Any] | None
