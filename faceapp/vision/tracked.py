"""Track-guided detection on video: search near the faces already followed, the whole frame
only now and then or when something moved elsewhere (issue 19).

A face at the desk moves a fraction of its size between two frames, so most frames need
the detector only around the tracked faces: PNet on small windows of the few pyramid levels
that match each face's size (MTCNNDetector.detect's regions), then RNet/ONet on the few
candidates there. The whole pyramid still runs every `full_every` frames and at once when
much of the frame changed outside those windows (a coarse frame difference: a cut, a camera
swing, someone walking in close), so a new face is found within FULL_EVERY - 1 frames at
worst (233 ms at 30 fps, while a track needs several frames to be decided anyway); the miss rate against whole-frame detection on the dev clip
is measured by build/bench_clip.py (README "Measured performance").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import cv2
import numpy as np

log = logging.getLogger(__name__)

FULL_EVERY = 8  # frames: the whole pyramid at least this often
MARGIN = 1.0  # the window around a tracked face, in face sides on each side
MOTION_CELL = 8  # px: the frame difference is taken on an image this many times smaller
MOTION_LEVEL = 24  # grey levels a cell must change by to count as motion
# Share of the frame's cells changed outside the windows that calls for a whole-frame search
# at once: a cut, a camera swing, someone walking in close. Smaller changes (a hand, a
# background person) wait for the next periodic search, at most FULL_EVERY - 1 frames.
MOTION_SHARE = 0.1
# Share of all cells changed that counts as a cut: every face of that frame is embedded, so a
# person now standing where a decided face was is told apart at once (recognition/tracker.py).
CUT_SHARE = 0.3


class TrackGuidedDetection:
    """engine.analyze() for one video stream, told where the tracked faces are each frame.

    Not thread-safe: one per stream (the recognition service owns one). Engines without
    region support (test stand-ins) always get plain analyze(image).
    """

    def __init__(self, engine, full_every: int = FULL_EVERY, margin: float = MARGIN) -> None:  # noqa: ANN001
        self.engine = engine
        self.full_every = max(1, int(full_every))
        self.margin = float(margin)
        self._since_full = self.full_every  # the first frame is searched whole
        self._last_grey: np.ndarray | None = None
        self.full_frames = 0
        self.region_frames = 0

    def analyze(self, image: np.ndarray, track_boxes: Sequence[Sequence[float]],
                embed: Callable[[np.ndarray], np.ndarray] | None = None) -> list:
        """The faces of this frame (engine.analyze's list) given the boxes of the tracks alive;
        embed: which faces need a descriptor (FaceEngine.analyze), None for all."""
        if not getattr(self.engine, "supports_regions", False):  # a stand-in engine: plain analyze
            self.full_frames += 1
            return self.engine.analyze(image)
        extra = {} if embed is None else {"embed": embed}
        grey = _small_grey(image)
        regions = self._regions(image, track_boxes)
        elsewhere, everywhere = (1.0, 1.0) if regions is None else self._change(grey, regions, image.shape)
        full = elsewhere >= MOTION_SHARE or self._since_full + 1 >= self.full_every
        self._last_grey = grey
        if everywhere >= CUT_SHARE:  # a cut: whoever is in a tracked place may be someone else now
            extra = {}
        if full:
            self._since_full = 0
            self.full_frames += 1
            return self.engine.analyze(image, **extra)
        self._since_full += 1
        self.region_frames += 1
        return self.engine.analyze(image, regions=regions, **extra)

    def _regions(self, image: np.ndarray, track_boxes: Sequence[Sequence[float]]) -> np.ndarray | None:
        if len(track_boxes) == 0:
            return None
        b = np.asarray(track_boxes, np.float64).reshape(-1, 4)
        side = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        if np.any(side <= 0):
            return None
        m = self.margin * side
        return np.stack([b[:, 0] - m, b[:, 1] - m, b[:, 2] + m, b[:, 3] + m, side], 1)

    def _change(self, grey: np.ndarray, regions: np.ndarray, shape: tuple[int, ...]) -> tuple[float, float]:
        """Shares of the frame's cells changed since the previous frame: outside the tracked
        windows, and anywhere (1.0, 1.0 without a previous frame of this size)."""
        if self._last_grey is None or self._last_grey.shape != grey.shape:
            return 1.0, 1.0
        changed = cv2.absdiff(grey, self._last_grey) > MOTION_LEVEL
        everywhere = np.count_nonzero(changed) / changed.size
        sy, sx = grey.shape[0] / shape[0], grey.shape[1] / shape[1]
        for x1, y1, x2, y2, _ in regions:
            changed[max(0, int(y1 * sy)):max(0, int(np.ceil(y2 * sy))),
                    max(0, int(x1 * sx)):max(0, int(np.ceil(x2 * sx)))] = False
        return np.count_nonzero(changed) / changed.size, everywhere


def _small_grey(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, w // MOTION_CELL), max(1, h // MOTION_CELL)), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 and small.shape[2] == 3 else small
