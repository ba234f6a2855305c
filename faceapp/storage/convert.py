"""Conversions between Python values and their stored form (no SQL here)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import numpy as np

EMBEDDING_DTYPE = np.dtype("<f4")  # float32 little-endian, whatever the host byte order


def ts_to_db(value: datetime, what: str = "timestamp") -> str:
    """Aware datetime -> ISO 8601 text in UTC with a fixed layout (microseconds, +00:00).

    Storing one offset and one layout makes text order equal time order, so the ts
    indices answer range queries; the site's zone is applied on display/export.
    Naive datetimes are refused: their meaning depends on the PC's zone setting.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def ts_from_db(text: str | None) -> datetime | None:
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def embeddings_array(embeddings: Any) -> np.ndarray:
    """(K, dim) finite float32 embeddings, or ValueError saying what is wrong."""
    arr = np.asarray(embeddings, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"embeddings must be a non-empty (K, dim) array, got shape {np.shape(embeddings)}")
    if not np.isfinite(arr).all():
        raise ValueError("embeddings contain NaN or infinity")
    return arr


def embedding_to_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=EMBEDDING_DTYPE).tobytes()


def json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False, default=str)


def float_or_nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def nan_to_none(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if value != value else value


def like_pattern(text: str) -> str:
    """`%text%` for LIKE ... ESCAPE '\\' (case-insensitive for ASCII), wildcards in `text` escaped."""
    return "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
