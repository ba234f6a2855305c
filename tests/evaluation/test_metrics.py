import numpy as np
import pytest

from faceapp.evaluation.metrics import accuracy_at, best_threshold, cv_accuracy, load_pairs, roc_auc


def test_auc_matches_pairwise_definition():
    rng = np.random.default_rng(1)
    dist = rng.random(60)
    same = rng.random(60) < 0.5
    pos, neg = dist[same], dist[~same]
    brute = np.mean([(p < n) + 0.5 * (p == n) for p in pos for n in neg])
    assert roc_auc(dist, same) == pytest.approx(brute)


def test_auc_with_ties_and_perfect_separation():
    assert roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([1, 1, 0, 0], bool)) == 1.0
    assert roc_auc(np.array([0.5, 0.5]), np.array([1, 0], bool)) == 0.5


def test_best_threshold_separates_and_cv_scores_held_out_folds():
    same = np.array([True] * 50 + [False] * 50)
    dist = np.concatenate([np.linspace(0.2, 0.5, 50), np.linspace(0.55, 1.0, 50)])
    th = best_threshold(dist, same)
    assert 0.5 < th < 0.55
    assert accuracy_at(dist, same, th) == 1.0
    cv = cv_accuracy(dist, same)
    assert cv.mean == 1.0 and len(cv.thresholds) == 10
    # one mislabelled pair costs exactly one error in its held-out fold
    same2 = same.copy()
    same2[0] = False
    assert cv_accuracy(dist, same2).mean == pytest.approx(0.99)


def test_load_pairs_resolves_paths_from_parent_folder(tmp_path):
    (tmp_path / "set" / "img").mkdir(parents=True)
    (tmp_path / "set" / "img" / "a.jpg").write_bytes(b"x")
    csv_path = tmp_path / "set" / "pairs.csv"
    csv_path.write_text("img_a,img_b,same\nset/img/a.jpg,set/img/b.jpg,1\n", encoding="utf-8")
    pairs = load_pairs(csv_path)
    assert pairs[0].a == tmp_path / "set" / "img" / "a.jpg" and pairs[0].same


def test_load_pairs_rejects_wrong_columns(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="img_a,img_b,same"):
        load_pairs(p)
