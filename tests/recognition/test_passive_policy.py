"""The door's liveness policy and the per-track fusion of passive scores (pure)."""

import math

import pytest

from faceapp.recognition import passive as p
from faceapp.recognition.passive import Fused, PassiveFusion, decide


def test_fusion_averages_the_first_frames_of_each_track_only():
    f = PassiveFusion(max_frames=3)
    for s in (0.9, 0.3, 0.6, 0.0, 0.0):  # the last two come after the fused frames: ignored
        if f.wants(1):
            f.add(1, s)
    assert not f.wants(1)
    assert f.fused(1) == Fused(pytest.approx(0.6), 3)
    f.add(2, 0.2)
    assert f.fused(2) == Fused(0.2, 1)
    f.keep_only({2})
    assert math.isnan(f.fused(1).score) and f.fused(1).frames == 0 and f.wants(1)


@pytest.mark.parametrize("mode, score, challenge, state, by_passive", [
    (p.OFF, 0.1, None, p.UNCHECKED, False),
    (p.PASSIVE, 0.85, None, p.LIVE, True),
    (p.PASSIVE, 0.5, None, p.SPOOF, True),  # passive alone has no unsure band: below accept is refused
    (p.PASSIVE_THEN_CHALLENGE, 0.85, None, p.LIVE, True),  # no prompt
    (p.PASSIVE_THEN_CHALLENGE, 0.1, None, p.SPOOF, True),  # below reject: refused without a prompt
    (p.PASSIVE_THEN_CHALLENGE, 0.5, None, p.ASK, False),  # unsure: the head turn is asked
    (p.PASSIVE_THEN_CHALLENGE, 0.5, True, p.LIVE, False),
    (p.PASSIVE_THEN_CHALLENGE, 0.5, False, p.SPOOF, False),  # refused by the head turn, not the passive check
    (p.CHALLENGE, 0.99, None, p.ASK, False),  # head turn for everyone: the passive score is not read
    (p.CHALLENGE, 0.0, True, p.LIVE, False),
])
def test_policy_verdicts(mode, score, challenge, state, by_passive):
    v = decide(mode, Fused(score, 5), accept=0.8, reject=0.3, challenge_live=challenge)
    assert (v.state, v.by_passive) == (state, by_passive)


def test_deferred_frames_are_scored_in_one_batch_when_read():
    f = PassiveFusion(max_frames=2)
    batches = []
    f.defer(1, "crop a")
    f.defer(1, "crop b")
    f.defer(1, "crop c")  # beyond max_frames: dropped
    assert f.fused(1).frames == 0  # no scorer: still deferred
    scorer = lambda items: (batches.append(list(items)), [0.2, 0.4])[1]  # noqa: E731
    assert f.fused(1, scorer) == Fused(pytest.approx(0.3), 2)
    assert f.fused(1, scorer).frames == 2 and batches == [["crop a", "crop b"]]


def test_too_few_frames_is_pending_and_an_unknown_policy_is_refused():
    assert decide(p.PASSIVE, Fused(float("nan"), 0), 0.8, 0.3).state == p.PENDING
    assert decide(p.PASSIVE, Fused(0.9, 2), 0.8, 0.3, min_frames=3).state == p.PENDING
    with pytest.raises(ValueError, match="unknown liveness policy 'sometimes'"):
        decide("sometimes", Fused(0.9, 5), 0.8, 0.3)
