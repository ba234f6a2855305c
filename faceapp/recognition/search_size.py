"""The smallest face the detector looks for follows the smallest face the app decides on
(issue 19): the one place that turns the quality rule's floor into the detector's pyramid.

Under the calibrated threshold the app decides on faces from the quality table's floor
(models/quality_model.json, 25 px for both encoders); a track of smaller faces is asked to
come closer (quality_model.py). To be asked, such a face must be found, so the detector
looks down to REACH x floor: 20 px, which MTCNN (faces found down to half its pyramid's
start, vision/detector.py FINDS_DOWN_TO) reaches with a pyramid from 40 px. Measured on 60
LFW faces shrunk in a 640x480 frame (README "Measured performance"): a start of 40 finds
60/60 at the floor and 59/60 at 20-22 px; 45 finds 60/60 at the floor but 43/60 at 20 px;
50 misses 2 of 60 at the floor itself, so searching from the floor alone would lose faces
the app decides on, and its "come closer" for people just too far.

The site's vision.min_face_px can raise the start (people stand close: faster), not lower
it: a face smaller still could only be told to come closer. With the fixed (expert)
threshold, or an encoder without a quality table, every face found is decided on, and the
site's value is used as it is.
"""

from __future__ import annotations

from pathlib import Path

from ..vision.detector import pyramid_start
from .quality_model import load_quality_model

REACH = 0.8  # faces are looked for down to this share of the floor


def decision_floor(threshold_mode: str, encoder: str, models_dir: Path | None = None) -> float | None:
    """The smallest face (px, detector box side) the app decides on; None when faces of every
    size are (the fixed threshold, or no quality table for this encoder)."""
    if threshold_mode == "fixed":
        return None
    model = load_quality_model(encoder, models_dir)
    return None if model is None else model.min_quality


def detector_min_face(floor_px: float | None, site_min_face_px: int) -> int:
    """The detector's pyramid start (MTCNNDetector min_face_size) for this floor and the
    site's vision.min_face_px."""
    if floor_px is None:
        return int(site_min_face_px)
    return max(int(site_min_face_px), pyramid_start(REACH * floor_px))
