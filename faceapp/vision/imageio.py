"""Read photos into RGB uint8 arrays with errors a user can act on, in bounded memory.

The size is read from the file's header before anything is decoded: a decompression
bomb (a tiny file claiming 30000x30000 pixels) is refused without allocating its pixels.
Large photos are decoded reduced (JPEG, by libjpeg's 1/2, 1/4, 1/8 scaling) or shrunk right
after decoding (other formats) to PHOTO_MAX_PIXELS: far more than the 150 px face chip
needs, a fraction of the memory of a 24 or 48 MP phone photo.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from pathlib import Path

import cv2
import numpy as np

from ..shared.errors import ImageReadError

MAX_PIXELS = 80_000_000  # refused from the header (decompression bombs, absurd scans)
PHOTO_MAX_PIXELS = 12_000_000  # larger photos are decoded reduced / shrunk to about this

_REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}
_JPEG = ("JPEG", "MPO")


def read_photo(path: str | Path, max_pixels: int = PHOTO_MAX_PIXELS) -> tuple[np.ndarray, float]:
    """(image, scale): the photo as (H, W, 3) uint8 RGB with EXIF orientation applied, at
    most about `max_pixels` large; `scale` is its size over the file's (1.0: not reduced),
    so coordinates found in it divide by `scale` to give the file's pixels.

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
    return decode_photo(data, str(p), max_pixels)


def read_image(path: str | Path) -> np.ndarray:
    """The photo as (H, W, 3) uint8 RGB (large ones reduced, see read_photo)."""
    return read_photo(path)[0]


def decode_image(data: np.ndarray | bytes, name: str = "image") -> np.ndarray:
    return decode_photo(data, name)[0]


def header_size(data: np.ndarray | bytes, name: str = "image") -> tuple[int, int, str]:
    """(width, height, format) from the header alone. Pillow (the standard imaging library)
    parses the header lazily and never decodes pixels here; the decoding stays OpenCV's."""
    from PIL import Image, UnidentifiedImageError

    raw = data.tobytes() if isinstance(data, np.ndarray) else bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we check our own, lower limit
            with Image.open(io.BytesIO(raw)) as im:
                return int(im.width), int(im.height), str(im.format or "")
    except Image.DecompressionBombError as exc:  # far beyond any limit; Pillow gives only the count
        count = re.search(r"\((\d+) pixels\)", str(exc))
        what = f"{count.group(1)} pixels" if count else "the image"
        raise ImageReadError(f"{name}: {what} is too large (max {MAX_PIXELS} pixels)") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"{name}: not a readable image (corrupt or unsupported format)") from exc


def decode_photo(data: np.ndarray | bytes, name: str = "image",
                 max_pixels: int = PHOTO_MAX_PIXELS) -> tuple[np.ndarray, float]:
    """(image, scale) of an encoded photo; see read_photo."""
    buf = np.frombuffer(data, np.uint8) if isinstance(data, (bytes, bytearray)) else data
    width, height, fmt = header_size(buf, name)
    if width * height > MAX_PIXELS:
        raise ImageReadError(f"{name}: {width}x{height} is too large (max {MAX_PIXELS} pixels)")
    reduce = 1
    if fmt in _JPEG:
        while reduce < 8 and width * height > max_pixels * reduce * reduce:
            reduce *= 2
    try:
        # IMREAD_COLOR applies EXIF orientation and turns grey/alpha/16-bit into 8-bit BGR.
        color = cv2.imdecode(buf, _REDUCED[reduce])
    except cv2.error as exc:  # OpenCV's own limits; never a traceback
        raise ImageReadError(f"{name}: not a readable image ({str(exc).strip().splitlines()[-1]})") from None
    if color is None:
        raise ImageReadError(f"{name}: not a readable image (corrupt or unsupported format)")
    rgb = cv2.cvtColor(color, cv2.COLOR_BGR2RGB, dst=color)  # in place: no second copy of a big photo
    scale = 1.0 / reduce
    h, w = rgb.shape[:2]
    if h * w > max_pixels:
        f = math.sqrt(max_pixels / (h * w))
        size = (max(1, int(w * f)), max(1, int(h * f)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        scale *= size[0] / w
    return rgb, scale


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
