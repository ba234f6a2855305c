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


def _csv(tmp_path, text: str):
    p = tmp_path / "pairs.csv"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("value,same", [("1", True), ("0", False), ("true", True), ("False", False),
                                        ("yes", True), ("NO", False), (" 1 ", True)])
def test_load_pairs_reads_every_spelling_of_same(tmp_path, value, same):
    assert load_pairs(_csv(tmp_path, f"img_a,img_b,same\na.jpg,b.jpg,{value}\n"))[0].same is same


@pytest.mark.parametrize("text,msg", [
    ("img_a,img_b,same\na.jpg,b.jpg,maybe\n", r"line 2: same='maybe'"),
    ("img_a,img_b,same\na.jpg,b.jpg,1\nc.jpg,d.jpg\n", r"line 3: img_a, img_b and same are all needed"),
    ("img_a,img_b,same\n,b.jpg,1\n", r"line 2: img_a, img_b and same are all needed"),
    ("img_a,img_b,same\n", "no rows"),
])
def test_load_pairs_refuses_malformed_rows_naming_the_line(tmp_path, text, msg):
    """`same=yes` used to count silently as "different", a short row crashed."""
    from faceapp.shared.errors import InputFileError

    with pytest.raises(InputFileError, match=msg):
        load_pairs(_csv(tmp_path, text))


def test_index_files_that_cannot_be_read_are_input_file_errors(tmp_path):
    from faceapp.evaluation.identification import load_split
    from faceapp.shared.errors import InputFileError

    with pytest.raises(InputFileError, match="no such file"):
        load_pairs(tmp_path / "missing.csv")
    (tmp_path / "latin1.csv").write_bytes("img_a,img_b,same\nJos\xe9.jpg,b.jpg,1\n".encode("latin-1"))
    with pytest.raises(InputFileError, match="not UTF-8"):
        load_pairs(tmp_path / "latin1.csv")
    with pytest.raises(InputFileError, match="no such file"):
        load_split(tmp_path / "missing.csv")
    (tmp_path / "split.csv").write_text("path,identity,role\na.jpg,ana,judge\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"line 2: role='judge'"):
        load_split(tmp_path / "split.csv")
