"""The matching, tracking and attendance settings added to RecognitionSettings."""

import pytest

from faceapp.core.settings import RecognitionSettings, SettingsError


def test_new_defaults():
    s = RecognitionSettings().validate()
    assert (s.min_margin, s.min_decision_frames, s.track_iou, s.track_max_missed) == (0.05, 3, 0.3, 5)
    assert (s.cooldown_s, s.attendance_mode, s.timezone, s.day_start_hour) == (60, "first_in_last_out", "", 0)
    names = [name for name, *_ in RecognitionSettings.describe()]
    assert {"cooldown_s", "attendance_mode", "timezone", "day_start_hour"} <= set(names)


@pytest.mark.parametrize("data,msg", [
    ({"timezone": "Mars/Olympus"}, "not a known IANA time zone"),
    ({"timezone": "Europe"}, "not a known IANA time zone"),
    ({"timezone": 1}, "expected text"),
    ({"attendance_mode": "sometimes"}, "choose one of first_in_last_out, toggle"),
    ({"day_start_hour": 24}, "allowed range is 0..23"),
    ({"cooldown_s": 1.5}, "whole number"),
    ({"min_decision_frames": 0}, "allowed range is 1..30"),
    ({"min_margin": 0.5}, "allowed range"),
])
def test_bad_values_are_refused(data, msg):
    with pytest.raises(SettingsError, match=msg.replace(".", r"\.")):
        RecognitionSettings.from_dict(data)


def test_round_trip_with_timezone():
    s = RecognitionSettings.from_dict({"timezone": "Europe/Berlin", "attendance_mode": "toggle",
                                       "cooldown_s": 300, "day_start_hour": 5})
    assert RecognitionSettings.from_dict(s.to_dict()) == s
