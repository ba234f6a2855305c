"""Face descriptor: dlib's ResNet v1 exported to ONNX (build/exporters/dlib_resnet.py).

The graph takes raw RGB 0..255 chips (dlib's mean subtraction and /256 are inside it) and
returns dlib's 128-D descriptor unchanged, so distances keep dlib's meaning (same person
if euclidean < 0.6).
"""

from __future__ import annotations

import logging
from typing import ClassVar

import numpy as np

from .models import OnnxModel, Shape

log = logging.getLogger(__name__)

CHIP_SIZE = 150
MAX_BATCH = 32  # bounds memory per run; larger batches gain little on CPU


class FaceEncoder(OnnxModel):
    """(N, 150, 150, 3) uint8 RGB chips -> (N, 128) float32 descriptors."""

    key: ClassVar[str] = "encoder"
    inputs: ClassVar[dict[str, Shape]] = {"input": (None, 3, CHIP_SIZE, CHIP_SIZE)}
    outputs: ClassVar[dict[str, Shape]] = {"embedding": (None, 128)}

    def embed(self, chips: np.ndarray) -> np.ndarray:
        chips = np.asarray(chips)
        if chips.ndim == 3:
            chips = chips[None]
        if len(chips) == 0:
            return np.zeros((0, 128), np.float32)
        if chips.shape[1:] != (CHIP_SIZE, CHIP_SIZE, 3):
            raise ValueError(f"expected chips (N, {CHIP_SIZE}, {CHIP_SIZE}, 3), got {chips.shape}")
        out = []
        for i in range(0, len(chips), MAX_BATCH):
            batch = np.ascontiguousarray(chips[i:i + MAX_BATCH].transpose(0, 3, 1, 2), dtype=np.float32)
            out.append(self.run(input=batch)[0])
        return np.concatenate(out).astype(np.float32, copy=False)
