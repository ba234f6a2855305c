"""Per-face quality measures: the numbers behind "move closer", "too dark", "hold still"."""

from __future__ import annotations

import math

import cv2
import numpy as np

from .types import Quality

# Depth of the nose tip in front of the eye plane, as a fraction of the inter-eye distance
# (anthropometric average ~3 cm / 6.3 cm). Only used to turn nose offset into an angle.
_NOSE_DEPTH_RATIO = 0.5


def pose_from_landmarks(landmarks: np.ndarray) -> tuple[float, float]:
    """Rough yaw and roll in degrees from detector landmarks (eyes, nose, mouth corners).

    Roll is the angle of the eye line. Yaw comes from how far the nose tip sits from the
    eye midpoint (after undoing roll): offset / eye_distance = depth_ratio * tan(yaw).
    Positive yaw means the face is turned towards the image's right.
    """
    le, re, nose = landmarks[0], landmarks[1], landmarks[2]
    d = re - le
    eye_dist = float(math.hypot(d[0], d[1]))
    if eye_dist < 1e-6:
        return 0.0, 0.0
    roll = math.degrees(math.atan2(d[1], d[0]))
    ux, uy = d / eye_dist
    mid = (le + re) / 2.0
    off = float((nose[0] - mid[0]) * ux + (nose[1] - mid[1]) * uy)  # along the eye line
    yaw = math.degrees(math.atan2(off / eye_dist, _NOSE_DEPTH_RATIO))
    return yaw, roll


def blur_score(chip: np.ndarray) -> float:
    """Variance of the Laplacian on the grey aligned chip; comparable across faces
    because every chip has the same size and scale."""
    grey = cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY) if chip.ndim == 3 else chip
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def measure(box: np.ndarray, landmarks: np.ndarray, chip: np.ndarray) -> Quality:
    w, h = float(box[2] - box[0]), float(box[3] - box[1])
    yaw, roll = pose_from_landmarks(landmarks)
    grey = cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY)
    return Quality(
        size_px=min(w, h),
        eye_distance_px=float(np.linalg.norm(landmarks[1] - landmarks[0])),
        blur=blur_score(grey),
        brightness=float(grey.mean()),
        yaw_deg=yaw,
        roll_deg=roll,
    )
