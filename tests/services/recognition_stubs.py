"""A stand-in for the face engine, for tests of what the recognition service does with a
decision (bookings, queued writes), not of how faces are found. (A unique module name:
tests/ has no packages.)"""

from __future__ import annotations

import numpy as np

from faceapp.vision.types import Face

MODEL = "dlib-resnet-v1"
FRAME = np.zeros((240, 320, 3), np.uint8)  # any frame: the stub does not look at it
EMPTY = None  # a frame with nobody in it


class OneFaceEngine:
    """Every frame shows one face with `embedding` (the person it was enrolled with);
    the frame EMPTY shows nobody."""

    model_id = MODEL

    def __init__(self, embedding: np.ndarray) -> None:
        self.embedding = np.asarray(embedding, np.float32)

    def analyze(self, image) -> list[Face]:  # noqa: ANN001
        if image is None:
            return []
        eyes = np.array([[130, 130], [170, 130], [150, 150], [135, 170], [165, 170]], np.float32)
        return [Face(box=np.array([100, 100, 200, 200], np.float32), score=0.99, landmarks=eyes, shape5=eyes,
                     chip=np.zeros((150, 150, 3), np.uint8), embedding=self.embedding)]
