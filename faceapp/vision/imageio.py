"""Read photos into RGB uint8 arrays with errors a user can act on."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..shared.errors import ImageReadError

MAX_PIXELS = 80_000_000  # refuse decompression bombs instead of exhausting memory


def read_image(path: str | Path) -> np.ndarray:
    """Decode an image file to (H, W, 3) uint8 RGB, honouring EXIF orientation.

    np.fromfile + imdecode instead of imread: imread returns None without a reason and
    fails on non-ASCII paths on Windows.
    """
    p = Path(path)
    if not p.exists():
        raise ImageReadError(f"{p}: no such file")
    if p.is_dir():
        raise ImageReadError(f"{p}: is a folder, not an image")
    try:
        data = np.fromfile(str(p), dtype=np.uint8)
    except OSError as exc:
        raise ImageReadError(f"{p}: cannot read ({exc.strerror or exc})") from exc
    if data.size == 0:
        raise ImageReadError(f"{p}: file is empty")
    return decode_image(data, str(p))


def decode_image(data: np.ndarray | bytes, name: str = "image") -> np.ndarray:
    buf = np.frombuffer(data, np.uint8) if isinstance(data, (bytes, bytearray)) else data
    # IMREAD_COLOR applies EXIF orientation and turns grey/alpha/16-bit into 8-bit BGR.
    color = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if color is None:
        raise ImageReadError(f"{name}: not a readable image (corrupt or unsupported format)")
    if color.shape[0] * color.shape[1] > MAX_PIXELS:
        raise ImageReadError(f"{name}: {color.shape[1]}x{color.shape[0]} is too large (max {MAX_PIXELS} pixels)")
    return cv2.cvtColor(color, cv2.COLOR_BGR2RGB)


def to_rgb(image: np.ndarray) -> np.ndarray:
    """Accept grey, RGB or RGBA uint8 frames; anything else is a programming error."""
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim == 3 and image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3])
    if image.ndim == 3 and image.shape[2] == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2RGB)
    raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {image.shape}")
