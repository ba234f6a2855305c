"""Track-guided detection (issue 19): the windows' PNet cells are the whole level's, so faces
near the tracks come out exactly as the whole-frame search finds them; the schedule searches
the whole frame first, every FULL_EVERY frames and after a big change."""

from __future__ import annotations

import numpy as np
import pytest

from faceapp.vision import tracked
from faceapp.vision.detector import level_window, resize_image, resize_window
from faceapp.vision.detector import integral_image
from faceapp.vision.imageio import read_image
from faceapp.vision.tracked import TrackGuidedDetection


def _photos(faces_dir) -> list[np.ndarray]:
    from faceapp.cli.bench import letterbox

    ex = faces_dir / "face_recognition_examples"
    ones = [letterbox(read_image(p), 640, 480) for p in (ex / "lin_manuel_miranda" / "lin-manuel-miranda.png",
                                                         ex / "alex_lacamoire" / "alex-lacamoire.png",
                                                         ex / "kit_harington" / "john1.jpeg",
                                                         ex / "rose_leslie" / "img1.jpg")]
    return ones + [read_image(faces_dir / "group_photos" / "packt_sample4.jpg"),
                   read_image(faces_dir / "group_photos" / "kit_with_rose.jpg")]


def _windows(boxes: np.ndarray, margin: float = tracked.MARGIN) -> np.ndarray:
    side = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    m = margin * side
    return np.stack([boxes[:, 0] - m, boxes[:, 1] - m, boxes[:, 2] + m, boxes[:, 3] + m, side], 1)


def test_a_window_of_a_level_is_that_part_of_the_whole_level(astronaut):
    integral = integral_image(astronaut)
    h, w = astronaut.shape[:2]
    for oh, ow in ((154, 154), (109, 110), (77, 77)):
        level = resize_image(integral, oh, ow)
        rows, cols = level_window(37.3, 301.0, oh, h), level_window(11.0, 290.5, ow, w)
        assert rows[0] % 2 == 0 and cols[0] % 2 == 0
        assert np.array_equal(resize_window(integral, oh, ow, rows, cols),
                              level[:, :, rows[0]:rows[1], cols[0]:cols[1]])
    assert level_window(0, 10, 50, 512) is None  # under PNet's 12 px


@pytest.mark.shared
def test_faces_near_the_tracks_are_found_exactly_as_the_whole_frame_finds_them(engine, faces_dir):
    """Dev photos (one face at 640x480, 4 faces at 800x524, 2 faces): every face the whole-frame
    search finds (score >= 0.9) is found by the search around its own box with the same box,
    score and landmarks; and windows covering the whole image at every level are the whole
    search, bit for bit."""
    det = engine.detector
    for image in _photos(faces_dir):
        full = engine.detect(image)
        assert len(full)
        near = engine.detect(image, _windows(full.boxes))
        order = np.lexsort(full.boxes.T)
        got = np.lexsort(near.boxes.T)
        assert np.array_equal(near.boxes[got], full.boxes[order])
        assert np.array_equal(near.scores[got], full.scores[order])
        assert np.array_equal(near.landmarks[got], full.landmarks[order])
        h, w = image.shape[:2]
        everything = np.array([[0, 0, w, h, 12 / (s * 2)] for s in det.scales(h, w)])
        a, b = det.detect(image, everything), det.detect(image)
        assert np.array_equal(a.boxes, b.boxes) and np.array_equal(a.landmarks, b.landmarks)


class _Engine:
    supports_regions = True

    def __init__(self) -> None:
        self.calls: list[str] = []

    def analyze(self, image, regions=None, embed=None):  # noqa: ANN001
        self.calls.append("full" if regions is None else "near")
        return []


def test_whole_frame_first_then_near_the_tracks_and_every_full_every_frames():
    eng = _Engine()
    g = TrackGuidedDetection(eng, full_every=4)
    frame = np.zeros((240, 320, 3), np.uint8)
    g.analyze(frame, [])  # nobody tracked: whole frame
    for _ in range(8):
        g.analyze(frame, [(100, 100, 160, 160)])
    assert eng.calls == ["full", "near", "near", "near", "full", "near", "near", "near", "full"]


def test_a_big_change_outside_the_tracks_searches_the_whole_frame_at_once():
    eng = _Engine()
    g = TrackGuidedDetection(eng, full_every=100)
    still = np.zeros((240, 320, 3), np.uint8)
    track = [(100, 100, 160, 160)]
    g.analyze(still, track)
    g.analyze(still, track)
    moved_inside = still.copy()
    moved_inside[100:160, 100:160] = 255  # the tracked face itself moves: no reason to look elsewhere
    g.analyze(moved_inside, track)
    cut = np.full_like(still, 200)  # a cut: everything changed
    g.analyze(cut, track)
    assert eng.calls == ["full", "near", "near", "full"]


def test_an_engine_without_regions_always_gets_the_whole_frame():
    eng = _Engine()
    eng.supports_regions = False
    g = TrackGuidedDetection(eng)
    for _ in range(3):
        g.analyze(np.zeros((50, 50, 3), np.uint8), [(1, 1, 20, 20)])
    assert eng.calls == ["full"] * 3


def test_after_a_cut_every_face_is_embedded():
    """A cut puts someone else where a decided face was: the caller's embed filter is dropped
    for that frame, so the tracker sees every descriptor and can split the track."""
    seen: list[bool] = []

    class Eng(_Engine):
        def analyze(self, image, regions=None, embed=None):  # noqa: ANN001
            seen.append(embed is not None)
            return []

    g = TrackGuidedDetection(Eng(), full_every=100)
    still = np.zeros((240, 320, 3), np.uint8)
    track = [(100, 100, 160, 160)]
    skip = lambda boxes: np.zeros(len(boxes), bool)  # noqa: E731
    g.analyze(still, track, skip)
    g.analyze(still, track, skip)
    g.analyze(np.full_like(still, 200), track, skip)
    assert seen == [False, True, False]  # first frame (no reference): whole, all embedded; then near; the cut: all
