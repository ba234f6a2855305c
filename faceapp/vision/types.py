"""Typed results of the vision engine. Empty results are correctly shaped arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .crops import FaceCrop


@dataclass(frozen=True)
class Detections:
    """Faces found by the detector in one image.

    boxes: (N, 4) float32 x1, y1, x2, y2 in pixels.
    scores: (N,) float32 detector confidence in [0, 1].
    landmarks: (N, 5, 2) float32 x, y: left eye, right eye, nose, left mouth, right mouth
    (left/right as seen in the image).
    """

    boxes: np.ndarray
    scores: np.ndarray
    landmarks: np.ndarray

    @staticmethod
    def empty() -> "Detections":
        return Detections(
            boxes=np.zeros((0, 4), np.float32),
            scores=np.zeros((0,), np.float32),
            landmarks=np.zeros((0, 5, 2), np.float32),
        )

    def __len__(self) -> int:
        return int(self.boxes.shape[0])

    def select(self, idx: np.ndarray | list[int]) -> "Detections":
        idx = np.asarray(idx, dtype=np.int64)
        return Detections(self.boxes[idx], self.scores[idx], self.landmarks[idx])


@dataclass(frozen=True)
class Quality:
    """Per-face measures used by enrolment gates and the live view.

    size_px: shorter side of the detector box in pixels.
    eye_distance_px: distance between the eye centres in pixels.
    blur: variance of the Laplacian on the aligned grey chip (higher is sharper).
    brightness: mean grey level of the aligned chip, 0..255.
    yaw_deg, roll_deg: head pose estimates from the landmarks (0 is frontal/upright).
    """

    size_px: float
    eye_distance_px: float
    blur: float
    brightness: float
    yaw_deg: float
    roll_deg: float


@dataclass(frozen=True)
class Face:
    """One analysed face: where it is, how good it is and its embedding."""

    box: np.ndarray  # (4,) float32 x1, y1, x2, y2
    score: float
    landmarks: np.ndarray  # (5, 2) detector landmarks
    shape5: np.ndarray  # (5, 2) dlib 5-point landmarks used for alignment
    chip: np.ndarray = field(repr=False)  # (150, 150, 3) uint8 RGB aligned chip
    # (D,) float32 descriptor, compared by euclidean distance; None only where the caller of
    # FaceEngine.analyze(embed=...) did not ask for it (a person already decided on video)
    embedding: np.ndarray = field(repr=False)
    quality: Quality | None = None
    crop: "FaceCrop | None" = field(default=None, repr=False)  # kept for enrolment samples only
