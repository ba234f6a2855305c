"""Group unknown-face sightings by similarity: one stranger seen 30 times is one row.

Each sighting is one face (its descriptor). Sightings are taken oldest first and each joins
the nearest group whose centroid (fusion.centroid, as a person's gallery entry) is within
`threshold`, else starts a group; then groups whose centroids are within `threshold` of each
other are merged, so the result hardly depends on the order of arrival. The threshold is a
distance in the encoder's units: `grouping_threshold(units)`, never a number written for dlib.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .fusion import centroid, frame_weight, renormalised
from .units import EncoderUnits

# Faces kept per sighting (the best by face_score): enough samples to enrol a stranger seen
# once (the wizard's guided capture takes 5), few enough to stay a small picture set.
FACES_PER_SIGHTING = 5


def grouping_threshold(units: EncoderUnits) -> float:
    """Two sightings this close are one person: the encoder pack's fixed match threshold
    (units.match_threshold), the distance at which a fused probe is taken for an enrolled
    person's centroid, which is what a sighting against a group is. A wrong merge (two
    strangers enrolled as one) is worse than a split (two rows: enrol one, add the other),
    so not the looser track_split_distance: on the Hamilton clip that merged 2 pairs of
    different people (mobilefacenet_v1 distances 0.89 and 1.05, threshold 1.134)."""
    return float(units.match_threshold)


def face_score(quality: Mapping[str, float] | None, units: EncoderUnits | None = None) -> float:
    """How good a sighting's face is for a thumbnail and a sample: its size, weighted by
    how frontal it is (the encoder pack's fusion weight) and damped when blurred. 0 when
    nothing is known."""
    if not quality:
        return 0.0
    size = float(quality.get("size_px", 0.0))
    yaw = float(quality.get("yaw_deg", 0.0))
    blur = float(quality.get("blur", 0.0))
    if not all(math.isfinite(v) for v in (size, yaw, blur)):
        return 0.0
    w = frame_weight(yaw, units.yaw_scale_deg, units.min_weight) if units else frame_weight(yaw)
    return max(0.0, size) * w * (blur / (blur + 50.0) if blur > 0 else 0.0)


@dataclass(frozen=True)
class SightingGroup:
    """Indices (into the grouped input, oldest first) of one stranger's sightings; `best`
    is the index of the best face by face_score."""

    members: tuple[int, ...]
    best: int


def group_faces(embeddings: np.ndarray, scores: np.ndarray, threshold: float,
                renormalise: bool = False) -> list[SightingGroup]:
    """Groups of the (N, D) descriptors (given oldest first), largest first (ties: the
    earliest). `scores` (N,) pick each group's best face."""
    x = np.asarray(embeddings, np.float32).reshape(len(embeddings), -1) if len(embeddings) else np.zeros((0, 1))
    s = np.asarray(scores, np.float64).reshape(-1)
    if len(s) != len(x):
        raise ValueError(f"{len(s)} scores for {len(x)} descriptors")
    if not threshold > 0:
        raise ValueError(f"grouping threshold must be positive, got {threshold}")
    groups: list[list[int]] = []
    centres: list[np.ndarray] = []
    for i, v in enumerate(x):
        if centres:
            d = np.linalg.norm(np.stack(centres) - v[None, :], axis=1)
            g = int(np.argmin(d))
            if d[g] <= threshold:
                groups[g].append(i)
                centres[g] = _centre(x[groups[g]], renormalise)
                continue
        groups.append([i])
        centres.append(v.copy())
    merged = True
    while merged and len(groups) > 1:  # neighbours found late (the order of arrival) join up
        merged = False
        c = np.stack(centres)
        d = np.linalg.norm(c[:, None, :] - c[None, :, :], axis=2)
        np.fill_diagonal(d, np.inf)
        a, b = np.unravel_index(int(np.argmin(d)), d.shape)
        if d[a, b] <= threshold:
            a, b = min(a, b), max(a, b)
            groups[a] = sorted(groups[a] + groups[b])
            centres[a] = _centre(x[groups[a]], renormalise)
            del groups[b], centres[b]
            merged = True
    out = [SightingGroup(tuple(g), max(g, key=lambda i: (s[i], -i))) for g in groups]
    return sorted(out, key=lambda g: (-len(g.members), g.members[0]))


def _centre(rows: np.ndarray, renormalise: bool) -> np.ndarray:
    c = centroid(rows)
    return renormalised(c) if renormalise else c
