"""The whole engine on real photos against dlib's own pipeline (fixtures made by dlib)."""

from __future__ import annotations

import numpy as np
import pytest

from faceapp.vision.engine import square_boxes

@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_analyze_agrees_with_dlib_pipeline(engine, ref, name, request):
    image = request.getfixturevalue(name)
    faces = engine.analyze(image)
    assert len(faces) == 1
    f = faces[0]
    assert f.embedding.shape == (128,) and f.embedding.dtype == np.float32
    assert f.chip.shape == (150, 150, 3) and f.chip.dtype == np.uint8
    # MTCNN box instead of dlib's HOG box: landmarks within 5% of the eye-corner span
    # (astronaut: 1 px, hopper: 3 px of 117), descriptor close to dlib's
    pts = ref[f"{name}_shape5"]
    assert np.abs(f.shape5 - pts).max() <= 0.05 * np.linalg.norm(pts[0] - pts[2])
    d = float(np.linalg.norm(f.embedding - ref[f"{name}_descriptor"]))
    print(f"{name}: descriptor distance to dlib's own pipeline {d:.4f}")
    assert d < 0.1
    assert f.quality is not None and f.quality.size_px > 50


def test_empty_results_are_correctly_shaped(engine):
    blank = np.full((240, 320, 3), 127, np.uint8)
    assert engine.analyze(blank) == []
    dets = engine.detect(blank)
    assert dets.boxes.shape == (0, 4) and dets.landmarks.shape == (0, 5, 2)
    shapes, chips = engine.align(blank, dets)
    assert shapes.shape == (0, 5, 2) and chips.shape == (0, 150, 150, 3)
    assert engine.embed(chips).shape == (0, 128)


def test_grey_and_rgba_frames_are_accepted(engine, astronaut):
    grey = astronaut.mean(2).astype(np.uint8)
    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 255, np.uint8)])
    assert len(engine.analyze(grey)) == 1 and len(engine.analyze(rgba)) == 1


def test_low_score_detections_are_dropped(engine, astronaut):
    engine_scores = engine.detector.detect(astronaut).scores
    old = engine.min_score
    try:
        engine.min_score = float(engine_scores.max()) + 1e-6
        assert len(engine.detect(astronaut)) == 0
    finally:
        engine.min_score = old
    assert len(engine.detect(astronaut)) == 1


def test_batched_embeddings_equal_single(engine, astronaut, grace_hopper):
    fa, fb = engine.analyze(astronaut)[0], engine.analyze(grace_hopper)[0]
    both = engine.embed(np.stack([fa.chip, fb.chip]))
    assert np.abs(both - np.stack([fa.embedding, fb.embedding])).max() < 1e-4


def test_square_boxes():
    b = square_boxes(np.array([[10, 20, 30, 60]], np.float32))
    assert np.allclose(b, [[0, 20, 40, 60]])
    assert square_boxes(np.zeros((0, 4), np.float32)).shape == (0, 4)


def test_large_frames_are_detected_on_a_reduced_copy_in_full_size_coordinates(engine, astronaut, monkeypatch):
    """Detection memory grows with the pixels it sees (about 60 bytes each): a 24 MP photo
    took 2.4 GB. It now looks for faces in a copy of at most DETECT_MAX_PIXELS and cuts the
    chips from the full image, so boxes and descriptors stay those of the photo."""
    import cv2

    from faceapp.vision.engine import DETECT_MAX_PIXELS, distance

    small = engine.analyze(astronaut)
    big = cv2.resize(astronaut, (3072, 3072), interpolation=cv2.INTER_CUBIC)  # 9.4 MP
    seen = []
    real = engine.detector.detect
    monkeypatch.setattr(engine.detector, "detect", lambda img: (seen.append(img.shape), real(img))[1])
    faces = engine.analyze(big)
    assert seen and all(h * w <= DETECT_MAX_PIXELS for h, w, _ in seen), seen
    assert len(faces) == len(small) == 1
    side = float(small[0].box[2] - small[0].box[0]) * 6
    assert np.abs(faces[0].box - small[0].box * 6).max() < 0.1 * side
    assert np.abs(faces[0].landmarks - small[0].landmarks * 6).max() < 0.1 * side
    assert faces[0].quality.size_px > 5 * small[0].quality.size_px
    assert distance(faces[0].embedding, small[0].embedding) < 0.15
