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
import os
import re
import stat
import warnings
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np

from ..shared.database_files import refuse_database_file
from ..shared.errors import ImageReadError

MAX_PIXELS = 80_000_000  # refused from the header (decompression bombs, absurd scans)
PHOTO_MAX_PIXELS = 12_000_000  # larger photos are decoded reduced / shrunk to about this
MAX_FILE_BYTES = 256 * 2**20  # an 80 MP photo stored uncompressed is 240 MB; larger files are no photo

_REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}
_JPEG = ("JPEG", "MPO")


def read_photo(path: str | Path, max_pixels: int = PHOTO_MAX_PIXELS) -> tuple[np.ndarray, float]:
    """(image, scale): the photo as (H, W, 3) uint8 RGB with EXIF orientation applied, at
    most about `max_pixels` large; `scale` is its size over the file's (1.0: not reduced),
    so coordinates found in it divide by `scale` to give the file's pixels.

    Before anything is read: the attendance database and its side files are refused (opening
    them drops SQLite's locks: shared.database_files), and so are what is not a regular file
    (a FIFO would block forever, a device never ends) and files larger than any photo. Then
    only the header is read to check the size in pixels; the whole file is read last.
    np.fromfile + imdecode instead of imread: imread returns None without a reason and
    fails on non-ASCII paths on Windows.
    """
    p = Path(path)
    refuse_database_file(p, "a photo", ImageReadError)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ImageReadError(f"{p}: no such file") from None
    except OSError as exc:
        raise ImageReadError(f"{p}: cannot read ({exc.strerror or exc})") from exc
    _check_regular(st, p)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ImageReadError(f"{p}: cannot read ({exc.strerror or exc})") from exc
    with os.fdopen(fd, "rb") as fh:
        _check_regular(os.fstat(fd), p)  # swapped for a FIFO since the stat: still never blocks
        try:
            width, height, _ = _header(fh, str(p))
            _check_pixels(width, height, str(p))
            fh.seek(0)
            data = np.fromfile(fh, dtype=np.uint8)
        except OSError as exc:
            raise ImageReadError(f"{p}: cannot read ({exc.strerror or exc})") from exc
    return decode_photo(data, str(p), max_pixels)


def _check_regular(st: os.stat_result, p: Path) -> None:
    """A photo is a regular file of plausible size (checked from stat, nothing read)."""
    if stat.S_ISDIR(st.st_mode):
        raise ImageReadError(f"{p}: is a folder, not an image")
    if not stat.S_ISREG(st.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise ImageReadError(f"{p}: is {kind}, not an image file")
    if st.st_size == 0:
        raise ImageReadError(f"{p}: file is empty")
    if st.st_size > MAX_FILE_BYTES:
        raise ImageReadError(f"{p}: {st.st_size / 2**20:,.0f} MB is larger than any photo "
                             f"(max {MAX_FILE_BYTES // 2**20} MB)")


def _check_pixels(width: int, height: int, name: str) -> None:
    if width * height > MAX_PIXELS:
        raise ImageReadError(f"{name}: {width}x{height} is too large (max {MAX_PIXELS} pixels)")


def read_image(path: str | Path) -> np.ndarray:
    """The photo as (H, W, 3) uint8 RGB (large ones reduced, see read_photo)."""
    return read_photo(path)[0]


def decode_image(data: np.ndarray | bytes, name: str = "image") -> np.ndarray:
    return decode_photo(data, name)[0]


def header_size(data: np.ndarray | bytes, name: str = "image") -> tuple[int, int, str]:
    """(width, height, format) from the header alone (see _header)."""
    raw = data.tobytes() if isinstance(data, np.ndarray) else bytes(data)
    return _header(io.BytesIO(raw), name)


def _header(fh: BinaryIO, name: str) -> tuple[int, int, str]:
    """(width, height, format) from the header of an open file. Pillow (the standard imaging
    library) parses the header lazily, reading only its bytes, and never decodes pixels here;
    the decoding stays OpenCV's."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we check our own, lower limit
            with Image.open(fh) as im:
                return int(im.width), int(im.height), str(im.format or "")
    except Image.DecompressionBombError as exc:  # far beyond any limit; Pillow gives only the count
        count = re.search(r"\((\d+) pixels\)", str(exc))
        what = f"{count.group(1)} pixels" if count else "the image"
        raise ImageReadError(f"{name}: {what} is too large (max {MAX_PIXELS} pixels)") from None
    except (UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"{name}: not a readable image (corrupt or unsupported format)") from exc
    except OSError as exc:  # Pillow's "cannot identify", truncated headers... or a failing disk
        if getattr(exc, "errno", None):
            raise
        raise ImageReadError(f"{name}: not a readable image (corrupt or unsupported format)") from exc


def decode_photo(data: np.ndarray | bytes, name: str = "image",
                 max_pixels: int = PHOTO_MAX_PIXELS) -> tuple[np.ndarray, float]:
    """(image, scale) of an encoded photo; see read_photo."""
    buf = np.frombuffer(data, np.uint8) if isinstance(data, (bytes, bytearray)) else data
    width, height, fmt = header_size(buf, name)
    _check_pixels(width, height, name)
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
