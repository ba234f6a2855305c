"""eval-ident and eval-pairs embed on worker processes (issue 19): the same figures as one worker."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from faceapp.evaluation.identification import embed_all
from faceapp.evaluation.metrics import Pair
from faceapp.evaluation.pairs import evaluate_pairs


@pytest.fixture()
def photos(tmp_path, faces_dir):
    folders = sorted((faces_dir / "lfw_scale" / "images").iterdir())[:6]
    real = [p for f in folders for p in sorted(f.iterdir())][:6]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xffnot a jpeg")
    blank = tmp_path / "blank.png"
    import cv2

    cv2.imwrite(str(blank), np.full((120, 160, 3), 128, np.uint8))
    return [*real, broken, blank, real[0]]  # a photo listed twice is embedded once


@pytest.mark.shared
def test_eval_ident_descriptors_are_the_same_on_two_worker_processes(engine, photos, monkeypatch):
    monkeypatch.setattr("faceapp.vision.workers._HEAD_START", False)  # every photo on a worker
    one, fail_one = embed_all(engine, photos, workers=1)
    two, fail_two = embed_all(engine, photos, workers=2)
    assert fail_one == fail_two and set(fail_one) == {str(photos[6]), str(photos[7])}
    assert fail_one[str(photos[7])] == "no face" and "not a readable image" in fail_one[str(photos[6])]
    assert one.keys() == two.keys() and len(one) == 6
    for k in one:
        assert one[k][0].tobytes() == two[k][0].tobytes() and one[k][1] == two[k][1]
        assert one[k][2].tobytes() == two[k][2].tobytes()
    assert multiprocessing.active_children() == []


@pytest.mark.shared
def test_eval_pairs_report_is_the_same_on_two_worker_processes(engine, photos, monkeypatch):
    monkeypatch.setattr("faceapp.vision.workers._HEAD_START", False)
    pairs = [Pair(photos[0], photos[1], True), Pair(photos[2], photos[3], True), Pair(photos[0], photos[2], False),
             Pair(photos[4], photos[7], False), Pair(photos[5], photos[6], True), Pair(photos[1], photos[4], False)]
    one = evaluate_pairs(engine, pairs, 0.6, workers=1)
    two = evaluate_pairs(engine, pairs, 0.6, workers=2)
    assert repr(one) == repr(two)  # 10-fold CV of 6 pairs is nan on both sides
    assert one["detection_failures"][str(photos[7])] == "fallback"
    assert one["detection_failures"][str(photos[6])].startswith("unreadable")
    assert multiprocessing.active_children() == []
