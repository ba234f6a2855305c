import math

import numpy as np
import pytest

from faceapp.recognition.gallery import Gallery
from faceapp.recognition.tracker import FaceTracker, Observation, greedy_assign, iou_matrix, look_schedule
from faceapp.settings import Settings

A, B = 11, 22
D = 128
rng = np.random.default_rng(7)
CENTRE = {A: rng.standard_normal(D).astype(np.float32) * 0.1, B: rng.standard_normal(D).astype(np.float32) * 0.1}
GALLERY = Gallery(np.array([A, B]), np.stack([CENTRE[A], CENTRE[B]]), threshold=0.4, min_margin=0.05)


def judge(q, quality=float("nan")):  # noqa: ANN001, ANN201
    return GALLERY.search(q)[0]


def obs(pid, dist=0.3, weight=1.0, seed=0):  # noqa: ANN001, ANN201
    """A frame of person `pid` at `dist` from their centroid (None: a stranger far from both)."""
    r = np.random.default_rng(seed)
    direction = r.standard_normal(D)
    direction /= np.linalg.norm(direction)
    base = CENTRE[pid] if pid is not None else np.full(D, 0.5, np.float32)
    return Observation((base + dist * direction).astype(np.float32), weight)


def box(x, y=0.0, size=100.0):  # noqa: ANN001, ANN201
    return [x, y, x + size, y + size]


def run(tracker, frames):  # noqa: ANN001, ANN201
    """frames: list of [(box, observation), ...]; returns [(frame index, Decision)]."""
    out = []
    for i, faces in enumerate(frames):
        boxes = np.array([b for b, _ in faces], np.float32).reshape(-1, 4)
        for d in tracker.update(i, boxes, [o for _, o in faces], judge):
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


def test_look_schedule():
    assert look_schedule(3, 90) == (3, 9, 27, 90)
    assert look_schedule(3, 81) == (3, 9, 27, 81)
    assert look_schedule(3, 3) == (3,)
    assert look_schedule(3, 5) == (3, 5)
    assert look_schedule(1, 1) == (1,)
    assert FaceTracker(3, 90).looks == 4


def test_person_facing_the_camera_is_named_at_the_first_look():
    t = FaceTracker(first_look=3, last_look=90)
    got = run(t, [[(box(10 * i), obs(A, 0.3, seed=i))] for i in range(10)])
    assert len(got) == 1
    frame, d = got[0]
    assert frame == 2 and d.frame == 2 and d.looks == 1  # third frame: the first look
    assert d.employee_id == A and d.frames == 3 and d.track_id == 1
    assert d.distance < 0.3  # the fused probe is nearer than any of its frames (noise averages out)
    assert d.box == tuple(float(v) for v in box(20))
    assert len(t.tracks()) == 1 and t.tracks()[0].decision == d


def test_fused_evidence_names_a_person_no_single_frame_reaches():
    """Every frame is 0.9 from A's centroid (far above the 0.4 threshold), in different
    directions: 3 fused frames are still too far, 9 converge on A at the second look.
    Per-frame votes would never accept."""
    t = FaceTracker(first_look=3, last_look=90, split_distance=10.0)
    got = run(t, [[(box(0), obs(A, 0.9, seed=i))] for i in range(40)])
    assert [(d.employee_id, d.looks, d.frames) for _, d in got] == [(A, 2, 9)]
    assert all(judge(obs(A, 0.9, seed=i).embedding).employee_id is None for i in range(9))


def test_turned_frames_count_less():
    # two good frontal frames outweigh one far-off turned one
    t = FaceTracker(first_look=3, last_look=3, split_distance=10.0)
    frames = [[(box(0), obs(A, 0.2, 1.0, seed=1))], [(box(0), obs(A, 0.2, 1.0, seed=2))],
              [(box(0), obs(B, 0.0, 0.1, seed=3))]]
    [(_, d)] = run(t, frames)
    assert d.employee_id == A


def test_stranger_gets_one_unknown_decision_at_the_last_look():
    t = FaceTracker(first_look=3, last_look=27)
    got = run(t, [[(box(0), obs(None, 0.1, seed=i))] for i in range(40)])
    assert [(f, d.employee_id, d.looks, d.frames) for f, d in got] == [(26, None, 3, 27)]
    d = got[0][1]
    assert d.candidate_id in (A, B) and d.distance > 0.4


def test_decided_track_never_decides_again():
    seq = [A] * 3 + [B] * 20
    got = run(FaceTracker(3, 90, split_distance=10.0), [[(box(0), obs(pid, 0.1, seed=i))] for i, pid in enumerate(seq)])
    assert [(f, d.employee_id) for f, d in got] == [(2, A)]


def test_another_person_in_the_same_place_starts_a_new_track():
    """A cut to the audience: a stranger's face appears where the known person was. The name
    must not pass to them: the far descriptor starts a new track with its own decision."""
    t = FaceTracker(first_look=3, last_look=9)
    frames = [[(box(0), obs(A, 0.1, seed=i))] for i in range(5)] + \
             [[(box(2), obs(None, 0.1, seed=100 + i))] for i in range(12)]
    got = run(t, frames)
    assert [(f, d.track_id, d.employee_id) for f, d in got] == [(2, 1, A), (13, 2, None)]
    assert [s.track_id for s in t.tracks()] == [2]  # the known track ended (missed), never relabelled


def test_two_people_crossing_keep_their_tracks():
    # A walks right, B walks left, offset vertically; faces are only embedded from frame 4,
    # so the decisions happen after the boxes have crossed and depend on the association.
    frames = []
    for i in range(10):
        oa = obs(A, 0.1, seed=i) if i >= 4 else None
        ob = obs(B, 0.1, seed=50 + i) if i >= 4 else None
        frames.append([(box(30 * i, 0), oa), (box(300 - 30 * i, 60), ob)])
    t = FaceTracker(first_look=3)
    got = run(t, frames)
    assert [(f, d.track_id, d.employee_id) for f, d in got] == [(6, 1, A), (6, 2, B)]
    views = {v.track_id: v for v in t.tracks()}
    assert views[1].box[0] == 270 and views[2].box[0] == 30  # track 1 ended up on the right


def test_track_lost_and_found_after_expiry_gives_a_new_decision():
    t = FaceTracker(first_look=3, max_missed=2)
    seen = [(box(0), obs(A, 0.1))]
    frames = [seen] * 4 + [[]] * 3 + [seen] * 4  # gap of 3 frames > max_missed
    got = run(t, frames)
    assert [(f, d.track_id, d.employee_id) for f, d in got] == [(2, 1, A), (9, 2, A)]


def test_short_gap_keeps_the_track():
    t = FaceTracker(first_look=3, max_missed=2)
    seen = [(box(0), obs(A, 0.1))]
    got = run(t, [seen] * 4 + [[]] * 2 + [seen] * 4)
    assert [(f, d.track_id) for f, d in got] == [(2, 1)]


def test_a_track_ending_between_looks_gets_its_last_look_and_strays_report_nothing():
    t = FaceTracker(first_look=3, last_look=90, max_missed=1)
    frames = [[(box(0), obs(None, 0.1, seed=i))] for i in range(5)] + [[]] * 2  # looked at 3, ends at 5
    got = run(t, frames)
    assert [(f, d.employee_id, d.frames, d.looks) for f, d in got] == [(6, None, 5, 2)]
    t2 = FaceTracker(first_look=3)
    run(t2, [[(box(0), None)]] * 5 + [[(box(0), obs(A, 0.1))]] * 2)
    assert t2.tracks()[0].observations == 2
    assert t2.flush(judge) == []  # 2 observations: too few to report
    t3 = FaceTracker(first_look=3, split_distance=10.0)
    run(t3, [[(box(0), obs(A, 0.9, seed=i))] for i in range(4)])  # no match at the first look
    [d] = t3.flush(judge, "stop")
    assert d.frame == "stop" and d.frames == 4 and d.looks == 2


def test_deterministic_and_input_checks():
    frames = [[(box(30 * i), obs(A, 0.1, seed=i)), (box(300 - 30 * i, 60), obs(B, 0.1, seed=9 + i))]
              for i in range(8)]
    a = run(FaceTracker(), frames)
    b = run(FaceTracker(), frames)
    assert a == b
    with pytest.raises(ValueError, match="observations"):
        FaceTracker().update(0, np.array([box(0)]), [], judge)
    s = Settings().replace(min_decision_frames=4, decision_window_frames=40, track_max_missed=7).recognition
    t = FaceTracker.from_settings(s)
    assert (t.schedule, t.max_missed) == ((4, 12, 40), 7)
    empty = Gallery.empty()
    [(_, d)] = [(i, d) for i, dd in enumerate([FaceTracker(1, 1).update(0, np.array([box(0)]), [obs(A)],
                                                                       lambda q, quality: empty.search(q)[0])]) for d in dd]
    assert d.employee_id is None and math.isinf(d.distance)


def test_a_track_too_small_to_decide_on_is_asked_to_come_closer_then_decided_when_closer():
    """Quality rule: looks at tracks whose faces are under the table's minimum decline (no
    booking: employee_id None, reason come_closer, the live view's prompt); the same person
    stepping closer is named once the fused frames' mean face size is high enough."""
    from dataclasses import replace

    from faceapp.recognition.calibration import ImpostorTail, operating_point
    from faceapp.recognition.quality_model import COME_CLOSER, QualityBand, QualityModel, quality_rule

    model = QualityModel("enc", "face_px", (QualityBand(40, 0.0, 1.0),))
    point = operating_point(ImpostorTail(1.2, 0.1, 100_000, "gallery"), 2, 1e-3, 4)
    rule = quality_rule(model, point)
    assert point.threshold > 0.3  # A's frames below are within it: only quality can refuse them

    def quality_judge(q, quality):  # noqa: ANN001, ANN202 - what RecognitionService._judge does
        return rule.apply(GALLERY.search(q)[0], quality)

    def see(tracker, i, size_px):  # noqa: ANN001, ANN202
        o = replace(obs(A, 0.1, seed=i), quality=size_px)
        return tracker.update(i, np.array([box(0)], np.float32), [o], quality_judge)

    far = FaceTracker(first_look=3, last_look=9)
    decided = [d for i in range(9) for d in see(far, i, 25.0)]
    assert len(decided) == 1
    [d] = decided
    assert d.employee_id is None and d.reason == COME_CLOSER and d.candidate_id == A and d.quality == 25.0
    prompt = FaceTracker(first_look=3, last_look=9)
    for i in range(3):
        see(prompt, i, 25.0)
    assert prompt.tracks()[0].prompt == COME_CLOSER and prompt.tracks()[0].decision is None
    closer = FaceTracker(first_look=3, last_look=90)
    got = [d for i in range(3) for d in see(closer, i, 25.0)]
    got += [d for i in range(3, 9) for d in see(closer, i, 80.0)]  # mean size (3*25 + 6*80)/9 = 62
    assert [(d.employee_id, d.frames, d.reason) for d in got] == [(A, 9, "")]
