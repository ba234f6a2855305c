import numpy as np

from faceapp.recognition.calibration import IMPOSTOR_MODEL_LFW
from faceapp.recognition.duplicates import DuplicateGallery
from faceapp.recognition.fusion import centroid


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


def test_synced_reloads_only_the_people_added_changed_or_gone():
    rng = np.random.default_rng(3)
    emb = {i: rng.standard_normal((2, 128)).astype(np.float32) for i in (1, 2, 3, 4)}
    sig = {1: ("t1", 11, 2), 2: ("t2", 12, 2), 3: ("t3", 13, 2)}
    ids = np.repeat([1, 2, 3], 2)
    g0 = DuplicateGallery.from_templates(ids, np.vstack([emb[1], emb[2], emb[3]]), IMPOSTOR_MODEL_LFW, 0.005, 0.05)
    g = DuplicateGallery(g0.people, g0.centres, g0.tail, 0.005, 0.05, sig)
    asked = []

    def load(wanted):
        asked.append(list(wanted))
        return np.repeat(wanted, 2), np.vstack([emb[i] for i in wanted])

    now = {1: sig[1], 3: ("t3", 20, 2), 4: ("t4", 21, 2)}  # 2 deleted, 3 re-enrolled, 4 enrolled meanwhile
    emb[3] = rng.standard_normal((2, 128)).astype(np.float32)
    h = g.synced(now, load)
    assert asked == [[3, 4]] and sorted(h.people.tolist()) == [1, 3, 4] and h.signatures == now
    for person in (3, 4):  # the re-enrolled person's new centroid, the new person's
        assert np.allclose(h.centres[h.people.tolist().index(person)], centroid(emb[person]), atol=1e-5)
    assert h.tail is g.tail
    asked.clear()
    assert g.synced(sig, load).people.tolist() == [1, 2, 3] and asked == []  # nothing changed: nothing read
