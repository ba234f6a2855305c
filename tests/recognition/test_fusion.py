import numpy as np
import pytest

from faceapp.recognition.fusion import centroid, centroids, frame_weight, fuse


def test_frame_weight_prefers_frontal_faces():
    assert frame_weight(0) == 1.0
    assert frame_weight(25) == pytest.approx(1 - (25 / 45) ** 2)
    assert frame_weight(-25) == frame_weight(25)
    assert frame_weight(80) == 0.1  # still counts a little


def test_fuse_is_the_weighted_mean():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]])
    assert np.allclose(fuse(x), [4 / 3, 4 / 3])
    assert np.allclose(fuse(x, np.array([1.0, 1.0, 2.0])), [7 / 4, 7 / 4])
    with pytest.raises(ValueError):
        fuse(np.zeros((0, 2)))
    with pytest.raises(ValueError):
        fuse(x, np.array([1.0, 0.0, 1.0]))


def test_centroid_keeps_the_templates_norm():
    rng = np.random.default_rng(0)
    t = rng.standard_normal((3, 128)).astype(np.float32)
    c = centroid(t)
    assert np.linalg.norm(c) == pytest.approx(np.linalg.norm(t, axis=1).mean(), rel=1e-5)
    assert np.dot(c, t.mean(0)) > 0  # same direction as the plain mean
    ids, cs = centroids(np.array([5, 2, 5]), t)
    assert list(ids) == [2, 5]
    assert np.allclose(cs[0], centroid(t[1:2])) and np.allclose(cs[1], centroid(t[[0, 2]]))
    empty_ids, empty = centroids(np.zeros(0, np.int64), np.zeros((0, 128), np.float32))
    assert empty.shape == (0, 128)
