"""Verification on the official LFW fold 1 (600 pairs): the accuracy the product promises."""

from __future__ import annotations

import pytest

from faceapp.evaluation.metrics import load_pairs
from faceapp.evaluation.pairs import evaluate_pairs, format_report


@pytest.mark.shared
@pytest.mark.slow
def test_lfw_fold1_accuracy(faces_dir, engine, figure):
    pairs = load_pairs(faces_dir / "lfw" / "pairs.csv")
    assert len(pairs) == 600
    report = evaluate_pairs(engine, pairs, threshold=0.6)
    print("\n" + format_report(report))
    figure("LFW fold 1 accuracy (10-fold CV)", f"{100 * report['accuracy_cv10']:.2f}%, "
           f"AUC {report['roc_auc']:.4f}, {len(report['detection_failures'])} detection failures")
    assert report["accuracy_cv10"] >= 0.985
    assert report["roc_auc"] >= 0.99
    assert len(report["detection_failures"]) <= 10  # listed in the report above


@pytest.mark.shared
def test_eval_pairs_cli_on_small_set(faces_dir, capsys, tmp_path):
    from faceapp.cli import main

    out = tmp_path / "r.json"
    assert main(["--provider", "cpu", "eval-pairs", str(faces_dir / "face_recognition_examples" / "pairs.csv"),
                 "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "accuracy, 10-fold CV threshold" in text and "ROC AUC" in text
    import json

    rep = json.loads(out.read_text())
    assert rep["pairs"] == 14 and rep["accuracy_fixed"] >= 12 / 14


@pytest.mark.shared
def test_eval_pairs_cli_evaluates_the_encoder_asked_for(faces_dir, capsys, tmp_path):
    """--encoder picks the pack (MobileFaceNet's unit distances, not dlib's)."""
    import json

    from faceapp.cli import main

    out = tmp_path / "r.json"
    assert main(["--provider", "cpu", "eval-pairs", str(faces_dir / "face_recognition_examples" / "pairs.csv"),
                 "--encoder", "mobilefacenet_v1", "--threshold", "1.0", "--json", str(out)]) == 0
    capsys.readouterr()
    rep = json.loads(out.read_text())
    assert rep["model_id"].startswith("mobilefacenet_v1@") and rep["pairs"] == 14
    assert rep["accuracy_cv10"] >= 12 / 14 and min(rep["cv_thresholds"]) > 0.7  # unit-vector distances


@pytest.mark.shared
def test_eval_ident_cli_on_dlib_johns(faces_dir, capsys, tmp_path):
    import json

    from faceapp.cli import main

    out = tmp_path / "i.json"
    assert main(["--provider", "cpu", "eval-ident", str(faces_dir / "dlib_johns" / "identification_split.csv"),
                 "--thresholds", "0.5,0.6", "--json", str(out)]) == 0
    assert "rank-1" in capsys.readouterr().out
    rep = json.loads(out.read_text())
    assert rep["gallery_people"] == 5 and rep["known_probes"] == 50
    assert rep["by_threshold"][0]["rank1"] >= 0.95 and rep["by_threshold"][0]["misidentified"] == 0.0


def _split_with_a_stranger(faces_dir, tmp_path):  # noqa: ANN001, ANN202
    """The dlib_johns identification split with its first person made a stranger ("unknown")."""
    lines = (faces_dir / "dlib_johns" / "identification_split.csv").read_text().splitlines()
    first = lines[1].split(",")[1]  # this person becomes a stranger
    rows = [lines[0]] + [",".join(r.split(",")[:2] + ["unknown"]) if r.split(",")[1] == first else r
                         for r in lines[1:]]
    split = tmp_path / "split.csv"
    split.write_text("\n".join(rows) + "\n")
    return split


@pytest.mark.shared
def test_eval_ident_pools_the_fixed_thresholds_over_all_splits(faces_dir, capsys, tmp_path):
    """Several splits: the fixed-threshold rows count every split's visits, not the first's."""
    import json

    from faceapp.cli import main

    split = _split_with_a_stranger(faces_dir, tmp_path)
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    base = ["--provider", "cpu", "eval-ident", "--root", str(faces_dir), "--thresholds", "0.5"]
    assert main([*base, str(split), "--json", str(one)]) == 0
    assert main([*base, str(split), str(split), "--json", str(two)]) == 0
    capsys.readouterr()
    single, pooled = json.loads(one.read_text()), json.loads(two.read_text())
    assert single["by_threshold"][0]["stranger_visits"] > 0
    assert pooled["by_threshold"][0]["stranger_visits"] == 2 * single["by_threshold"][0]["stranger_visits"]
    assert pooled["by_threshold"][0]["fnir"] == pytest.approx(single["by_threshold"][0]["fnir"])


@pytest.mark.shared
def test_eval_ident_degrade_prints_a_row_block_per_level(faces_dir, capsys, tmp_path):
    """eval-ident --degrade: probes degraded (gallery clean), one block of rows per level with
    the clean and the quality rule, per visit face size, cached per level (a re-run embeds nothing)."""
    import json

    from faceapp.cli import main

    split = _split_with_a_stranger(faces_dir, tmp_path)
    cache, out = tmp_path / "c.npz", tmp_path / "d.json"
    args = ["--provider", "cpu", "eval-ident", "--root", str(faces_dir), str(split), "--cache", str(cache),
            "--degrade", "none,size=40,blur=2+jpeg=50", "--json", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    for level in ("none", "size=40", "blur=2+jpeg=50"):
        assert any(line.startswith(level + " ") for line in text.splitlines()), text
    assert "by measured visit face size" in text
    rep = json.loads(out.read_text())
    assert [r["degrade"] for r in rep] == ["none", "size=40", "blur=2+jpeg=50"]
    assert all(r["quality_rule"] for r in rep)  # the shipped encoder has a quality table
    small = rep[1]["buckets"]
    assert sum(b["mate_visits"] for b in small if b["hi"] <= 50) == rep[1]["known_probes"]  # faces ~40 px
    stamp = cache.stat().st_mtime_ns
    assert main(args) == 0 and cache.stat().st_mtime_ns == stamp  # every level came from the cache
    assert main([*args[:-4], "--degrade", "size=2"]) == 2
