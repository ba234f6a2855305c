import math

import numpy as np
import pytest

from faceapp.recognition.gallery import Gallery, Match
from faceapp.shared.records import Template
from faceapp.settings import Settings

D = 128


def e(i: int, scale: float = 1.0) -> np.ndarray:
    """Axis vector: distance between e(i, a) and e(j, b) (i != j) is hypot(a, b)."""
    v = np.zeros(D, np.float32)
    v[i] = scale
    return v


def at(dist_from_e0: float) -> np.ndarray:
    """A vector at a known distance from e(0): moved along axis 100."""
    v = e(0)
    v[100] = dist_from_e0
    return v


def test_known_answer_on_constructed_vectors():
    ids = np.array([10, 20, 30])
    g = Gallery(ids, np.stack([e(0), e(1), e(2)]), threshold=0.6, min_margin=0.0)
    [m] = g.search(at(0.3)[None])
    assert m.employee_id == 10 and m.candidate_id == 10
    assert m.distance == pytest.approx(0.3, abs=1e-6)
    # the best other person is at hypot(1, 1.0440...) from the query
    assert m.second_id in (20, 30)
    assert m.margin == pytest.approx(math.sqrt(2 + 0.09) - 0.3, abs=1e-6)


def test_threshold_is_inclusive_and_unknown_beyond():
    g = Gallery(np.array([1, 2]), np.stack([e(0), e(1)]), threshold=0.5, min_margin=0.0)
    inside, edge, outside = g.search(np.stack([at(0.49), at(0.5), at(0.51)]))
    assert inside.employee_id == 1
    assert edge.employee_id == 1  # distance == threshold is a match
    assert outside.employee_id is None and outside.candidate_id == 1
    assert outside.distance == pytest.approx(0.51, abs=1e-6)


def test_unknown_by_margin():
    # query halfway between two people: both within threshold but too close a call
    a, b = e(0, 1.0), e(0, 1.0)
    b[1] = 0.1  # b is 0.1 from a
    q = e(0, 1.0)
    q[1] = 0.045  # 0.045 from a, 0.055 from b: margin 0.01
    g = Gallery(np.array([1, 2]), np.stack([a, b]), threshold=0.6, min_margin=0.05)
    [m] = g.search(q)
    assert m.employee_id is None
    assert m.candidate_id == 1 and m.second_id == 2
    assert m.margin == pytest.approx(0.01, abs=1e-5)
    [m0] = Gallery(np.array([1, 2]), np.stack([a, b]), threshold=0.6, min_margin=0.0).search(q)
    assert m0.employee_id == 1


def test_multi_template_identity_uses_nearest_template_and_ignores_own_templates_for_margin():
    # person 7 has three templates; the second-best row overall is also person 7, yet the
    # margin must come from the best OTHER person (9).
    t1, t2, t3 = at(0.10), at(0.15), e(3)
    other = e(5)
    g = Gallery(np.array([7, 9, 7, 7]), np.stack([t3, other, t2, t1]), min_margin=0.05)
    [m] = g.search(e(0))
    assert m.employee_id == 7
    assert m.distance == pytest.approx(0.10, abs=1e-6)
    assert m.second_id == 9
    assert m.margin == pytest.approx(math.sqrt(2) - 0.10, abs=1e-6)
    assert g.n_people == 2 and g.n_templates == 4
    assert list(g.employee_ids) == [7, 9]


def test_single_identity_margin_is_infinite():
    g = Gallery(np.array([4, 4]), np.stack([e(0), e(1)]))
    [m] = g.search(at(0.2))
    assert m == Match(4, pytest.approx(0.2, abs=1e-6), math.inf, None, 4)


def test_empty_gallery_and_empty_queries():
    g = Gallery.empty()
    assert g.search(np.zeros((0, D), np.float32)) == []
    res = g.search(np.ones((3, D), np.float32))
    assert len(res) == 3
    assert all(m.employee_id is None and m.distance == math.inf and m.second_id is None for m in res)
    assert g.person_distances(np.ones((2, D))).shape == (2, 0)
    assert g.duplicates(np.ones((2, D))) is None
    full = Gallery(np.array([1]), e(0)[None])
    assert full.search(np.zeros((0, D))) == []
    assert full.person_distances(np.zeros((0, D))).shape == (0, 1)
    assert Gallery(np.zeros(0, np.int64), np.zeros(0, np.float32)).n_templates == 0


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="expected ids"):
        Gallery(np.array([1, 2]), np.zeros((3, D)))
    with pytest.raises(ValueError, match="NaN"):
        Gallery(np.array([1]), np.full((1, D), np.nan))
    g = Gallery(np.array([1]), e(0)[None])
    with pytest.raises(ValueError, match="expected queries"):
        g.search(np.zeros((1, 64)))
    with pytest.raises(ValueError, match="NaN"):
        g.search(np.full((1, D), np.nan))


def brute_force(ids, mat, queries, threshold, min_margin):
    out = []
    people = sorted(set(ids.tolist()))
    for q in queries.astype(np.float64):
        best = {p: min(np.linalg.norm(mat[i].astype(np.float64) - q) for i in range(len(ids)) if ids[i] == p)
                for p in people}
        ranked = sorted(people, key=lambda p: best[p])
        d1 = best[ranked[0]]
        d2 = best[ranked[1]] if len(ranked) > 1 else math.inf
        ok = d1 <= threshold and d2 - d1 >= min_margin
        out.append((ranked[0] if ok else None, d1, d2 - d1, ranked[1] if len(ranked) > 1 else None))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_equals_brute_force_on_random_data(seed):
    rng = np.random.default_rng(seed)
    n_people, per = 40, 3
    centres = rng.normal(size=(n_people, D)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    ids = np.repeat(rng.permutation(1000)[:n_people], per)  # unsorted, non-contiguous ids
    mat = np.repeat(centres, per, axis=0) + rng.normal(scale=0.03, size=(n_people * per, D)).astype(np.float32)
    shuffle = rng.permutation(len(ids))
    ids, mat = ids[shuffle], mat[shuffle]
    # queries: noisy copies of some people (known) plus pure noise (unknown)
    q_known = centres[rng.integers(0, n_people, 30)] + rng.normal(scale=0.03, size=(30, D))
    q_rand = rng.normal(size=(10, D))
    queries = np.vstack([q_known, q_rand / np.linalg.norm(q_rand, axis=1, keepdims=True)]).astype(np.float32)
    threshold, min_margin = 0.6, 0.05
    got = Gallery(ids, mat, threshold, min_margin).search(queries)
    want = brute_force(ids, mat, queries, threshold, min_margin)
    assert sum(m.employee_id is not None for m in got) >= 25  # the test data exercise both branches
    assert sum(m.employee_id is None for m in got) >= 10
    for m, (pid, d1, margin, second) in zip(got, want):
        assert m.employee_id == pid
        assert m.distance == pytest.approx(d1, abs=1e-6)
        assert m.margin == pytest.approx(margin, abs=1e-6)
        assert m.second_id == second


def test_search_in_blocks_gives_same_results(monkeypatch):
    import faceapp.recognition.gallery as matching

    rng = np.random.default_rng(5)
    ids, mat = rng.integers(0, 30, 200), rng.normal(size=(200, D)).astype(np.float32)
    queries = rng.normal(size=(17, D)).astype(np.float32)
    whole = Gallery(ids, mat).search(queries)
    monkeypatch.setattr(matching, "_BLOCK_ELEMENTS", 450)  # 2 queries per block
    assert Gallery(ids, mat).search(queries) == whole


def test_from_templates_skips_other_models_and_from_settings():
    ts = [Template(1, e(0), "dlib-v1"), Template(2, e(1), "other"), Template(1, e(2), "dlib-v1")]
    g = Gallery.from_templates(ts, model_id="dlib-v1")
    assert g.n_templates == 2 and list(g.employee_ids) == [1]
    assert Gallery.from_templates([], model_id="x").n_templates == 0
    s = Settings().replace(match_threshold=0.4, min_margin=0.1).recognition
    g2 = Gallery.from_settings(np.array([1]), e(0)[None], s)
    assert (g2.threshold, g2.min_margin) == (0.4, 0.1)


def test_duplicates_uses_median_over_samples():
    g = Gallery(np.array([1, 2]), np.stack([e(0), e(1)]), threshold=0.6)
    # three samples near person 1 and one outlier near person 2: median says person 1
    samples = np.stack([at(0.1), at(0.2), at(0.15), e(1)])
    dup = g.duplicates(samples)
    assert dup is not None and dup.employee_id == 1
    assert dup.distance == pytest.approx(np.median([0.1, 0.2, 0.15, math.sqrt(2)]), abs=1e-5)
    # a new person far from everyone is not a duplicate
    assert g.duplicates(np.stack([e(7), e(7)])) is None
    # re-enrolling person 1 itself: excluded, so no conflict
    assert g.duplicates(samples[:3], exclude_id=1) is None
    # a stricter threshold turns the same samples into "not a duplicate"
    assert g.duplicates(samples, threshold=0.1) is None


def test_gallery_from_an_empty_database_matrix_answers_unknown():
    g = Gallery(np.zeros(0, np.int64), np.zeros((0, 0), np.float32))
    m = g.search(np.ones((2, 128), np.float32))
    assert [x.employee_id for x in m] == [None, None]
    assert g.duplicates(np.ones((1, 128), np.float32)) is None
