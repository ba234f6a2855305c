"""Encoder-neutral enrolment crops: what is kept of each enrolment sample so that any
encoder can re-embed the person later (`faceapp templates rebuild`).

Not one encoder's chip: a square, roll-corrected crop around the face with a wide margin
(CROP_PADDING of dlib's unit face square on each side, so ArcFace-style 112 px frames, which
reach further out than dlib's 0.25 padding, fit inside), CROP_SIZE px wide so the face keeps
at least dlib's chip resolution (unit square 102 px here, 100 px in dlib's 150 px chip).
It is cut with the same dlib chip machinery as the encoder's chip (pyramid for large faces,
bilinear), JPEG at CROP_JPEG_QUALITY (about 10 KB), and stored with the 5 dlib landmark
points mapped into crop coordinates: an encoder aligns from the crop exactly as it would
from the photo (chips_from_crops).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np

from .align import chip_matrices, extract_chips

if TYPE_CHECKING:
    from .encoder import EncoderPack, FaceEncoder

CROP_SIZE = 224
CROP_PADDING = 0.6
CROP_JPEG_QUALITY = 92
CROP_FORMAT = "jpeg"


class CropDecodeError(ValueError):
    """A stored crop that no longer decodes (damaged row)."""


@dataclass(frozen=True)
class FaceCrop:
    """One enrolment sample's face: JPEG bytes of a CROP_SIZE square RGB crop and the 5 dlib
    points (image-right eye outer, inner; image-left eye outer, inner; nose base) in it."""

    data: bytes = field(repr=False)
    points: np.ndarray  # (5, 2) float32, crop pixels
    size: int = CROP_SIZE
    format: str = CROP_FORMAT

    def image(self) -> np.ndarray:
        """(size, size, 3) uint8 RGB."""
        return decode_crop(self.data)


def make_crop(image: np.ndarray, shape5: np.ndarray, size: int = CROP_SIZE, padding: float = CROP_PADDING,
              quality: int = CROP_JPEG_QUALITY) -> FaceCrop:
    """Crop one face of an RGB uint8 image around its dlib 5 points."""
    shape5 = np.asarray(shape5, np.float64).reshape(1, 5, 2)
    crop = extract_chips(image, shape5, size=size, padding=padding)[0]
    m = chip_matrices(shape5, size=size, padding=padding)[0]
    pts = shape5[0] @ m[:, :2].T + m[:, 2]
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    if not ok:
        raise ValueError("could not encode the face crop as JPEG")
    return FaceCrop(buf.tobytes(), pts.astype(np.float32), size, CROP_FORMAT)


def decode_crop(data: bytes) -> np.ndarray:
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if arr is None or arr.ndim != 3:
        raise CropDecodeError("stored face crop does not decode as an image")
    return cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)


def chips_from_crops(crops: list[FaceCrop], pack: "EncoderPack | None" = None) -> np.ndarray:
    """(N, S, S, 3) chips re-aligned from stored crops the way `pack` aligns (dlib's 150 px
    chip when None): the crop's 5 points stand for the photo's."""
    if pack is None:
        from .encoder import DLIB_PACK as pack
    if not crops:
        return np.zeros((0, pack.size, pack.size, 3), np.uint8)
    return np.stack([pack.chips(c.image(), c.points[None].astype(np.float64))[0] for c in crops])


class PackCropEncoder:
    """One encoder pack alone, re-embedding stored crops (`templates rebuild` for an encoder
    other than the loaded engine's)."""

    def __init__(self, encoder: "FaceEncoder", model_id: str) -> None:
        self.encoder, self.model_id = encoder, model_id

    def embed_crops(self, crops: list[FaceCrop]) -> np.ndarray:
        return self.encoder.embed(chips_from_crops(crops, self.encoder.pack))
