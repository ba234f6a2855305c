import math

import numpy as np
import pytest

from faceapp.recognition.gallery import Match
from faceapp.settings import Settings
from faceapp.recognition.tracker import FaceTracker, greedy_assign, iou_matrix

A, B = 11, 22


def m(pid, dist=0.4):  # noqa: ANN001, ANN201
    if pid is None:
        return Match(None, 0.8, 0.2, A, A)
    return Match(pid, dist, 0.3, B if pid == A else A, pid)


def box(x, y=0.0, size=100.0):  # noqa: ANN001, ANN201
    return [x, y, x + size, y + size]


def run(tracker, frames):  # noqa: ANN001, ANN201
    """frames: list of [(box, match), ...]; returns [(frame index, Decision)]."""
    out = []
    for i, faces in enumerate(frames):
        boxes = np.array([b for b, _ in faces], np.float32).reshape(-1, 4)
        for d in tracker.update(i, boxes, [mt for _, mt in faces]):
            out.append((i, d))
    return out


def test_iou_and_greedy_assignment():
    iou = iou_matrix(np.array([box(0), box(50)]), np.array([box(0), box(50), box(500)]))
    assert iou[0, 0] == pytest.approx(1.0)
    assert iou[0, 1] == pytest.approx(5000 / 15000)
    assert iou[1, 2] == 0.0
    assert iou_matrix(np.zeros((0, 4)), np.array([box(0)])).shape == (0, 1)
    # greedy takes the strongest pair first, each side once
    assert greedy_assign(np.array([[0.9, 0.8], [0.85, 0.1]]), 0.3) == [(0, 0)]
    assert greedy_assign(np.array([[0.5, 0.8], [0.7, 0.1]]), 0.3) == [(0, 1), (1, 0)]
    assert greedy_assign(np.array([[0.2]]), 0.3) == []


def test_one_person_walking_gives_exactly_one_decision_after_min_frames():
    t = FaceTracker(min_decision_frames=3)
    got = run(t, [[(box(10 * i), m(A, 0.4 + 0.01 * i))] for i in range(10)])
    assert len(got) == 1
    frame, d = got[0]
    assert frame == 2 and d.frame == 2  # third observation
    assert d.employee_id == A and d.frames == 3 and d.track_id == 1
    assert d.distance == pytest.approx((0.40 + 0.41 + 0.42) / 3)
    assert d.box == tuple(float(v) for v in box(20))
    assert len(t.tracks()) == 1 and t.tracks()[0].decision == d


def test_two_people_crossing_keep_their_tracks():
    # A walks right, B walks left, offset vertically; faces are only embedded from frame 4,
    # so the decisions happen after the boxes have crossed and depend on the association.
    frames = []
    for i in range(10):
        ma = m(A) if i >= 4 else None
        mb = m(B) if i >= 4 else None
        frames.append([(box(30 * i, 0), ma), (box(300 - 30 * i, 60), mb)])
    t = FaceTracker(min_decision_frames=3)
    got = run(t, frames)
    assert [(f, d.track_id, d.employee_id) for f, d in got] == [(6, 1, A), (6, 2, B)]
    views = {v.track_id: v for v in t.tracks()}
    assert views[1].box[0] == 270 and views[2].box[0] == 30  # track 1 ended up on the right


def test_one_wrong_frame_does_not_flip_the_decision():
    seq = [A, A, B, A, A, A]
    got = run(FaceTracker(min_decision_frames=3), [[(box(5 * i), m(pid))] for i, pid in enumerate(seq)])
    assert [(f, d.employee_id) for f, d in got] == [(3, A)]  # needs 3 votes for A, not 2 of 3
    # a wrong first frame as well
    seq = [B, A, A, A, A, A]
    got = run(FaceTracker(min_decision_frames=3), [[(box(5 * i), m(pid))] for i, pid in enumerate(seq)])
    assert [(f, d.employee_id) for f, d in got] == [(3, A)]


def test_decided_track_never_decides_again():
    seq = [A, A, A, B, B, B, B, B, B, B]
    got = run(FaceTracker(min_decision_frames=3), [[(box(0), m(pid))] for pid in seq])
    assert [(f, d.employee_id) for f, d in got] == [(2, A)]


def test_track_lost_and_found_after_expiry_gives_a_new_decision():
    t = FaceTracker(min_decision_frames=3, max_missed=2)
    seen = [(box(0), m(A))]
    frames = [seen] * 4 + [[]] * 3 + [seen] * 4  # gap of 3 frames > max_missed
    got = run(t, frames)
    assert [(f, d.track_id, d.employee_id) for f, d in got] == [(2, 1, A), (9, 2, A)]


def test_short_gap_keeps_the_track():
    t = FaceTracker(min_decision_frames=3, max_missed=2)
    seen = [(box(0), m(A))]
    got = run(t, [seen] * 4 + [[]] * 2 + [seen] * 4)
    assert [(f, d.track_id) for f, d in got] == [(2, 1)]


def test_unknown_face_gives_one_unknown_decision():
    t = FaceTracker(min_decision_frames=3)
    got = run(t, [[(box(0), m(None))]] * 12)
    assert len(got) == 1
    frame, d = got[0]
    assert d.employee_id is None and frame == 5 and d.frames == 6  # unknown needs 2x the frames
    assert d.distance == pytest.approx(0.8)


def test_poor_first_frames_do_not_write_a_known_person_off():
    seq = [None, None, None, A, A, A, A]
    got = run(FaceTracker(min_decision_frames=3), [[(box(0), m(pid))] for pid in seq])
    assert [(f, d.employee_id) for f, d in got] == [(6, A)]


def test_undecided_track_reports_unknown_when_it_ends_and_stray_boxes_report_nothing():
    t = FaceTracker(min_decision_frames=3, max_missed=1)
    seq = [A, B, A, B]  # never a majority of 3
    frames = [[(box(0), m(pid)), *([(box(500), m(A))] if i < 2 else [])] for i, pid in enumerate(seq)]
    got = run(t, frames + [[]] * 2)
    assert [(f, d.track_id, d.employee_id, d.frames) for f, d in got] == [(5, 1, None, 4)]
    assert t.tracks() == []


def test_flush_ends_tracks_and_frames_without_match_do_not_vote():
    t = FaceTracker(min_decision_frames=3)
    run(t, [[(box(0), None)]] * 5 + [[(box(0), m(A))]] * 2)
    assert t.tracks()[0].observations == 2
    assert t.flush() == []  # 2 observations: too few to report
    t2 = FaceTracker(min_decision_frames=3)
    run(t2, [[(box(0), m(A))], [(box(0), m(B))], [(box(0), m(None))]])
    [d] = t2.flush("stop")
    assert d.employee_id is None and d.frame == "stop"


def test_mean_distance_above_threshold_is_not_accepted():
    # matches from a looser gallery threshold: the tracker's own threshold still holds
    t = FaceTracker(min_decision_frames=3, threshold=0.5)
    assert run(t, [[(box(0), m(A, 0.55))]] * 8) == []
    [d] = t.flush()
    assert d.employee_id is None and d.frames == 8


def test_deterministic_and_input_checks():
    frames = [[(box(30 * i), m(A)), (box(300 - 30 * i, 60), m(B))] for i in range(8)]
    a = run(FaceTracker(), frames)
    b = run(FaceTracker(), frames)
    assert a == b
    with pytest.raises(ValueError, match="matches"):
        FaceTracker().update(0, np.array([box(0)]), [])
    s = Settings().replace(min_decision_frames=4, track_max_missed=7).recognition
    t = FaceTracker.from_settings(s)
    assert (t.min_decision_frames, t.max_missed, t.unknown_frames) == (4, 7, 8)
    assert math.isinf(run(FaceTracker(min_decision_frames=1),
                          [[(box(0), Match(None, math.inf, math.inf, None))]] * 2)[0][1].distance)
