import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp.shared.errors import ImageReadError
from faceapp.vision.imageio import read_image, to_rgb

ROOT = Path(__file__).resolve().parents[2]


def test_reads_colour_as_rgb_and_grey_as_three_channels(tmp_path, astronaut):
    p = tmp_path / "astro ü.png"  # non-ASCII name on purpose
    cv2.imencode(".png", cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))[1].tofile(str(p))
    img = read_image(p)
    assert img.shape == astronaut.shape and np.array_equal(img, astronaut)
    g = tmp_path / "grey.png"
    cv2.imencode(".png", astronaut[:, :, 1])[1].tofile(str(g))
    grey = read_image(g)
    assert grey.shape == astronaut.shape and np.array_equal(grey[:, :, 0], astronaut[:, :, 1])


@pytest.mark.parametrize("content,msg", [
    (None, "no such file"),
    (b"", "file is empty"),
    (b"\xff\xd8\xff\xe0 not really a jpeg", "not a readable image"),
])
def test_bad_files_give_clear_errors(tmp_path, content, msg):
    p = tmp_path / "face.jpg"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(ImageReadError, match=msg):
        read_image(p)


def test_truncated_jpeg_is_reported_not_crashing(tmp_path, astronaut):
    data = cv2.imencode(".jpg", astronaut)[1].tobytes()
    p = tmp_path / "cut.jpg"
    p.write_bytes(data[:200])
    with pytest.raises(ImageReadError):
        read_image(p)


def test_folder_is_not_an_image(tmp_path):
    with pytest.raises(ImageReadError, match="is a folder"):
        read_image(tmp_path)


def test_to_rgb_shapes():
    assert to_rgb(np.zeros((4, 5), np.uint8)).shape == (4, 5, 3)
    assert to_rgb(np.zeros((4, 5, 4), np.uint8)).shape == (4, 5, 3)
    with pytest.raises(ValueError, match="uint8"):
        to_rgb(np.zeros((4, 5, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        to_rgb(np.zeros((4, 5, 2), np.uint8))


# -- oversized photos and decompression bombs ------------------------------------------------

def png_header_only(path, width: int, height: int):
    """A PNG whose header claims width x height RGB pixels, with almost no pixel data: the
    header of a decompression bomb (a real one is a few hundred KB of zlib zeros)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * (3 * width + 1))) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("width,height,size", [(60000, 60000, "3600000000 pixels"), (10000, 9000, "10000x9000")])
def test_an_oversized_png_is_refused_with_its_size_not_a_cv2_error(tmp_path, width, height, size):
    with pytest.raises(ImageReadError, match=rf"huge.png: {size} is too large \(max 80000000 pixels\)$"):
        read_image(png_header_only(tmp_path / "huge.png", width, height))


def test_a_bomb_is_refused_from_its_header_before_any_decoding(tmp_path, monkeypatch):
    import faceapp.vision.imageio as imageio

    def must_not_decode(*args, **kwargs):
        raise AssertionError("the pixels were decoded before the size was checked")

    monkeypatch.setattr(imageio.cv2, "imdecode", must_not_decode)
    with pytest.raises(ImageReadError, match="900000000 pixels is too large"):
        read_image(png_header_only(tmp_path / "bomb.png", 30000, 30000))


def test_a_large_jpeg_is_decoded_reduced_and_says_by_how_much(tmp_path, astronaut):
    from faceapp.vision.imageio import PHOTO_MAX_PIXELS, read_photo

    big = cv2.resize(astronaut, (6000, 4000), interpolation=cv2.INTER_CUBIC)  # a 24 MP phone photo
    p = tmp_path / "phone.jpg"
    cv2.imencode(".jpg", cv2.cvtColor(big, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tofile(str(p))
    img, scale = read_photo(p)
    assert img.shape == (2000, 3000, 3) and scale == 0.5
    assert img.shape[0] * img.shape[1] <= PHOTO_MAX_PIXELS
    expected = cv2.resize(big, (3000, 2000), interpolation=cv2.INTER_AREA)
    assert np.abs(img.astype(int) - expected).mean() < 3  # the same picture, at half the size
    cv2.imwrite(str(tmp_path / "small.png"), astronaut)
    small, scale = read_photo(tmp_path / "small.png")
    assert scale == 1.0 and small.shape == astronaut.shape


def test_a_large_png_is_shrunk_after_decoding(tmp_path, astronaut):
    from faceapp.vision.imageio import PHOTO_MAX_PIXELS, read_photo

    big = cv2.resize(astronaut, (4800, 4800), interpolation=cv2.INTER_NEAREST)  # 23 MP
    p = tmp_path / "big.png"
    cv2.imwrite(str(p), cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
    img, scale = read_photo(p)
    assert img.shape[0] * img.shape[1] <= PHOTO_MAX_PIXELS and img.shape[0] == img.shape[1]
    assert scale == pytest.approx(img.shape[0] / 4800)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev")
def test_a_fifo_or_a_device_is_refused_by_stat_without_opening_it(tmp_path):
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)  # opening it to read would block until someone writes: forever
    with pytest.raises(ImageReadError, match="photo.jpg: is a named pipe"):
        read_image(fifo)
    with pytest.raises(ImageReadError, match="/dev/zero: is a device"):
        read_image("/dev/zero")  # never ends


# Peak resident memory (VmHWM) of reading one file in a fresh process: `ru_maxrss` would
# also count the pytest process the child was forked from.
READ_MEASURED = """
import sys
from faceapp.shared.errors import ImageReadError
from faceapp.vision.imageio import read_photo
try:
    read_photo(sys.argv[1])
except ImageReadError as exc:
    print(exc)
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) // 1024)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM in /proc, sparse files")
@pytest.mark.parametrize("mib,says", [(200, "not a readable image"), (3072, "3,072 MB is larger than any photo")])
def test_a_huge_file_that_is_no_photo_is_refused_before_it_is_read(tmp_path, mib, says):
    """A 3 GB non-image was read whole (6.3 GB peak) before its header was looked at."""
    p = tmp_path / "video.jpg"
    with open(p, "wb") as fh:
        fh.truncate(mib * 2**20)  # sparse: no disk used, but a whole read costs its full size
    res = subprocess.run([sys.executable, "-c", READ_MEASURED, str(p)], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    message, peak_mib = res.stdout.strip().splitlines()
    assert says in message, res.stdout + res.stderr
    assert int(peak_mib) < 150, f"peak RSS {peak_mib} MiB reading a {mib} MiB file that is no photo"
