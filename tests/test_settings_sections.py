"""The matching, tracking and attendance sections of the settings."""

import pytest

from faceapp.settings import Settings, SettingsError


def test_new_defaults():
    s = Settings().validate()
    r, a = s.recognition, s.attendance
    assert (r.min_margin, r.min_decision_frames, r.track_iou, r.track_max_missed) == (0.05, 3, 0.3, 5)
    assert (a.cooldown_s, a.mode, a.timezone, a.day_start_hour) == (60, "first_in_last_out", "", 0)
    names = [info.key for info in Settings.describe()]
    assert {"cooldown_s", "attendance_mode", "timezone", "day_start_hour"} <= set(names)


@pytest.mark.parametrize("data,msg", [
    ({"timezone": "Mars/Olympus"}, "not a known IANA time zone"),
    ({"timezone": "Europe"}, "not a known IANA time zone"),
    ({"timezone": 1}, "expected text"),
    ({"attendance_mode": "sometimes"}, "choose one of first_in_last_out, toggle"),
    ({"day_start_hour": 24}, "allowed range is 0..23"),
    ({"cooldown_s": 1.5}, "whole number"),
    ({"min_decision_frames": 0}, "allowed range is 1..30"),
    ({"min_margin": 0.6}, "allowed range"),
])
def test_bad_values_are_refused(data, msg):
    with pytest.raises(SettingsError, match=msg.replace(".", r"\.")):
        Settings.from_dict(data)


def test_round_trip_with_timezone():
    s = Settings.from_dict({"timezone": "Europe/Berlin", "attendance_mode": "toggle",
                            "cooldown_s": 300, "day_start_hour": 5})
    assert Settings.from_dict(s.to_dict()) == s
