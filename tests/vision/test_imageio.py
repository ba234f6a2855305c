import cv2
import numpy as np
import pytest

from faceapp.shared.errors import ImageReadError
from faceapp.vision.imageio import read_image, to_rgb


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
