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


def test_door_liveness_words_agree_with_the_switch_they_depend_on():
    """door_liveness applies only while liveness_for_door is on. The switch must not read as a
    head turn (with "Automatic" nobody is asked to turn, and an installer who unticks a 'head
    turn' box turns the automatic photo check off too), and the door's help names it by its label."""
    from faceapp.hardware.settings import DoorSettings
    from faceapp.recognition.settings import LivenessSettings

    switch = next(i for i in LivenessSettings.describe() if i.name == "for_door")
    door = next(i for i in DoorSettings.describe() if i.name == "liveness")
    assert "head turn" not in switch.label.lower() and "live person" in switch.label
    assert f'"{switch.label}"' in door.doc
    assert f'"{door.label}"' in switch.doc
    for word in door.choice_labels[1:]:  # each policy the help explains is one the list offers
        assert f'"{word}"' in door.doc
