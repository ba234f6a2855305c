import numpy as np

from faceapp.recognition.calibration import IMPOSTOR_MODEL_LFW
from faceapp.recognition.duplicates import DuplicateGallery


def gallery(n: int = 3) -> DuplicateGallery:
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((n, 128)).astype(np.float32)  # people far apart
    return DuplicateGallery(np.arange(1, n + 1), centres, IMPOSTOR_MODEL_LFW, 0.005, 0.05)


def near(c: np.ndarray, d: float, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(c.shape)
    return (c + d * v / np.linalg.norm(v)).astype(np.float32)[None]


def test_clear_similar_and_new_bands():
    g = gallery()
    assert g.refuse_at < g.ask_at
    c = g.centres[1]
    assert g.check(near(c, g.refuse_at * 0.5)).kind == "duplicate"
    mid = (g.refuse_at + g.ask_at) / 2
    v = g.check(near(c, mid))
    assert (v.kind, v.employee_id) == ("similar", 2) and abs(v.distance - mid) < 1e-4
    assert g.check(near(c, g.ask_at * 1.2)).kind == "new"


def test_excluded_person_and_empty_gallery():
    g = gallery()
    assert g.check(g.centres[0][None], exclude_id=1).kind == "new"
    empty = DuplicateGallery(np.zeros(0, np.int64), np.zeros((0, 128), np.float32), IMPOSTOR_MODEL_LFW, 0.005, 0.05)
    v = empty.check(np.ones((1, 128), np.float32))
    assert v.kind == "new" and v.employee_id is None


def test_the_distances_tighten_as_people_are_added():
    g = gallery(2)
    bigger = g
    for i in range(200):
        bigger = bigger.adding(100 + i, np.random.default_rng(i).standard_normal((1, 128)).astype(np.float32))
    assert len(bigger) == 202 and bigger.refuse_at < g.refuse_at
    assert bigger.check(bigger.centres[-1][None]).employee_id == 299
