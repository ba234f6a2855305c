"""1:N search of face descriptors against the enrolled gallery (euclidean distance).

One float32 matmul per batch gives all squared distances; a per-identity minimum over
identity-sorted rows (np.minimum.reduceat) turns templates into people. The two winning
people's distances are then recomputed exactly in float64, so thresholds and margins are
applied to exact values rather than to the matmul's rounding."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..shared.records import Template
from .settings import RecognitionSettings

log = logging.getLogger(__name__)

_DEFAULTS = RecognitionSettings()
_INF = float("inf")
# Largest (queries x templates) block of squared distances held at once (float32: 64 MB).
_BLOCK_ELEMENTS = 16_000_000


@dataclass(frozen=True)
class Match:
    """Result of searching one descriptor.

    employee_id: the matched person, or None for "unknown" (too far or too close a call).
    distance: distance to the nearest person's nearest template (inf for an empty gallery).
    margin: distance of the best *other* person minus `distance` (inf with one person).
    second_id: that other person, or None.
    candidate_id: the nearest person even when the result is unknown (for logs and the UI's
    "looks like ..."); never use it to grant access.
    reason: for an unknown that is not simply too far: "come_closer" (quality_model.py).
    """

    employee_id: int | None
    distance: float
    margin: float
    second_id: int | None
    candidate_id: int | None = None
    reason: str = ""

    @property
    def known(self) -> bool:
        return self.employee_id is not None


_NO_MATCH = Match(None, _INF, _INF, None, None)


class Gallery:
    """Enrolled descriptors, several templates per employee, ready for fast search.

    Rows are stored sorted by employee id (stable), with their squared norms, so search is
    one matmul plus a segmented minimum. Immutable: build a new Gallery after enrolment."""

    def __init__(
        self,
        employee_ids: np.ndarray,
        matrix: np.ndarray,
        threshold: float = _DEFAULTS.match_threshold,
        min_margin: float = _DEFAULTS.min_margin,
    ) -> None:
        ids = np.asarray(employee_ids).reshape(-1)
        mat = np.asarray(matrix, dtype=np.float32)
        if mat.size == 0 and not (mat.ndim == 2 and mat.shape[1]):
            mat = mat.reshape(0, 128)  # no templates stored yet: the repository cannot know D
        if mat.ndim != 2 or mat.shape[0] != ids.shape[0]:
            raise ValueError(f"expected ids (M,) and matrix (M, D), got {ids.shape} and {mat.shape}")
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"employee ids must be integers, got {ids.dtype}")
        if not np.all(np.isfinite(mat)):
            raise ValueError("gallery matrix contains NaN or infinite values")
        order = np.argsort(ids, kind="stable")
        self._ids = ids[order].astype(np.int64)
        self._mat = np.ascontiguousarray(mat[order])
        self._sqnorm = np.einsum("ij,ij->i", self._mat, self._mat)
        uniq, starts = np.unique(self._ids, return_index=True)
        self._people = uniq  # (U,) int64
        self._starts = starts.astype(np.intp)  # (U,) first row of each person
        self._ends = np.append(self._starts[1:], len(self._ids)).astype(np.intp)
        self.threshold = float(threshold)
        self.min_margin = float(min_margin)

    # -- construction helpers -------------------------------------------------------------

    @classmethod
    def empty(cls, dim: int = 128, **kw: float) -> "Gallery":
        return cls(np.zeros(0, np.int64), np.zeros((0, dim), np.float32), **kw)

    @classmethod
    def from_templates(cls, templates: Iterable[Template], model_id: str | None = None,
                       dim: int = 128, **kw: float) -> "Gallery":
        """Gallery of stored templates; with model_id, templates of other models are skipped
        (descriptors of different models are not comparable)."""
        chosen = [t for t in templates if model_id is None or t.model_id == model_id]
        if not chosen:
            return cls.empty(dim, **kw)
        ids = np.array([t.employee_id for t in chosen], np.int64)
        mat = np.stack([np.asarray(t.embedding, np.float32).reshape(-1) for t in chosen])
        return cls(ids, mat, **kw)

    @classmethod
    def from_settings(cls, employee_ids: np.ndarray, matrix: np.ndarray,
                      settings: RecognitionSettings) -> "Gallery":
        return cls(employee_ids, matrix, settings.match_threshold, settings.min_margin)

    # -- facts -----------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        return int(self._mat.shape[1])

    @property
    def n_templates(self) -> int:
        return int(self._mat.shape[0])

    @property
    def n_people(self) -> int:
        return int(self._people.shape[0])

    @property
    def employee_ids(self) -> np.ndarray:
        """Distinct enrolled employee ids, ascending."""
        return self._people.copy()

    @property
    def nbytes(self) -> int:
        """Bytes held by the gallery's arrays."""
        return sum(a.nbytes for a in (self._ids, self._mat, self._sqnorm, self._people,
                                      self._starts, self._ends))

    def __len__(self) -> int:
        return self.n_templates

    # -- search ----------------------------------------------------------------------------

    def _queries(self, queries: np.ndarray) -> np.ndarray:
        q = np.asarray(queries, dtype=np.float32)
        if q.ndim == 1:
            q = q.reshape(1, -1) if q.size else q.reshape(0, self.dim)
        if q.ndim == 2 and self.n_templates == 0:
            return q  # nobody enrolled: any encoder's descriptors find nobody
        if q.ndim != 2 or q.shape[1] != self.dim:
            raise ValueError(f"expected queries (Q, {self.dim}), got {np.shape(queries)}")
        if not np.all(np.isfinite(q)):
            raise ValueError("query descriptors contain NaN or infinite values")
        return q

    def person_distances(self, queries: np.ndarray) -> np.ndarray:
        """(Q, U) distance from each query to each person's nearest template, columns in
        the order of `employee_ids` (float32 matmul precision)."""
        q = self._queries(queries)
        out = np.empty((q.shape[0], self.n_people), np.float32)
        if self.n_people == 0:
            return out
        step = max(1, _BLOCK_ELEMENTS // self.n_templates)
        for i in range(0, q.shape[0], step):
            out[i:i + step] = self._person_d2(q[i:i + step])
        return np.sqrt(np.maximum(out, 0.0, out=out), out=out)

    def _person_d2(self, q: np.ndarray) -> np.ndarray:
        d2 = q @ self._mat.T  # (Q, M)
        d2 *= -2.0
        d2 += self._sqnorm
        d2 += np.einsum("ij,ij->i", q, q)[:, None]
        return np.minimum.reduceat(d2, self._starts, axis=1)  # (Q, U)

    def _exact(self, q: np.ndarray, person: int) -> float:
        rows = self._mat[self._starts[person]:self._ends[person]].astype(np.float64)
        return float(np.sqrt(((rows - q.astype(np.float64)) ** 2).sum(axis=1).min()))

    def search(self, queries: np.ndarray) -> list[Match]:
        """One Match per query row (Q, D); a single (D,) vector counts as one query."""
        q = self._queries(queries)
        if q.shape[0] == 0:
            return []
        if self.n_people == 0:
            return [_NO_MATCH] * q.shape[0]
        results: list[Match] = []
        step = max(1, _BLOCK_ELEMENTS // self.n_templates)
        for i in range(0, q.shape[0], step):
            block = q[i:i + step]
            results.extend(self._decide(row, d2) for row, d2 in zip(block, self._person_d2(block)))
        return results

    def _decide(self, q: np.ndarray, person_d2: np.ndarray) -> Match:
        if self.n_people == 1:
            best, second = 0, -1
        else:
            two = np.argpartition(person_d2, 1)[:2]
            best, second = (int(two[0]), int(two[1])) if person_d2[two[0]] <= person_d2[two[1]] \
                else (int(two[1]), int(two[0]))
        d_best = self._exact(q, best)
        d_second = self._exact(q, second) if second >= 0 else _INF
        if d_second < d_best:  # the float32 ranking was a near-tie the wrong way round
            best, second, d_best, d_second = second, best, d_second, d_best
        margin = d_second - d_best
        best_id = int(self._people[best])
        second_id = int(self._people[second]) if second >= 0 else None
        accepted = d_best <= self.threshold and margin >= self.min_margin
        return Match(best_id if accepted else None, d_best, margin, second_id, best_id)

    # -- enrolment -------------------------------------------------------------------------

    def duplicates(self, embeddings: np.ndarray, threshold: float | None = None,
                   exclude_id: int | None = None) -> Match | None:
        """The enrolled person the new samples (K, D) already belong to, or None.

        For each enrolled person we take the MEDIAN over the K samples of the distance to
        that person's nearest template (robust to one bad sample, unlike the mean) and
        report the person with the smallest median if it is <= threshold (default: the
        match threshold). No margin test: any person that close is a conflict.
        exclude_id skips the person being re-enrolled."""
        thr = self.threshold if threshold is None else float(threshold)
        q = self._queries(embeddings)
        if q.shape[0] == 0 or self.n_people == 0:
            return None
        med = np.median(self.person_distances(q), axis=0)  # (U,)
        if exclude_id is not None:
            med[self._people == exclude_id] = np.inf
        order = np.argsort(med, kind="stable")
        best = int(order[0])
        if not math.isfinite(med[best]) or med[best] > thr:
            return None
        second = int(order[1]) if len(order) > 1 and math.isfinite(med[order[1]]) else -1
        d_second = float(med[second]) if second >= 0 else _INF
        pid = int(self._people[best])
        log.info("enrolment samples match employee %s (median distance %.3f)", pid, med[best])
        return Match(pid, float(med[best]), d_second - float(med[best]),
                     int(self._people[second]) if second >= 0 else None, pid)
