import pytest

from faceapp.settings import Settings, SettingsError


def test_defaults_are_valid_and_documented():
    s = Settings().validate()
    assert s.recognition.match_threshold == 0.5
    for info in Settings.describe():
        assert info.doc, info.key
        if info.lo is not None:
            assert info.lo <= info.default <= info.hi


@pytest.mark.parametrize("data,msg", [
    ({"match_threshold": 0.95}, "allowed range is 0.3..0.8"),
    ({"match_threshold": "low"}, "expected a number"),
    ({"min_face_px": 40.5}, "whole number"),
    ({"provider": "tpu"}, "choose one of auto, cuda, cpu"),
    ({"treshold": 0.5}, "unknown setting(s): treshold"),
])
def test_bad_values_are_refused_with_reason(data, msg):
    with pytest.raises(SettingsError, match=msg.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        Settings.from_dict(data)


def test_round_trip():
    s = Settings.from_dict({"match_threshold": 0.5, "min_face_px": 60, "provider": "cpu"})
    assert Settings.from_dict(s.to_dict()) == s


@pytest.mark.parametrize("data,keys", [
    ({"enrol_min_brightness": 230.0}, ("enrol_min_brightness", "enrol_max_brightness")),
    ({"enrol_min_brightness": 100.0, "enrol_max_brightness": 90.0}, ("enrol_min_brightness", "enrol_max_brightness")),
    ({"liveness_min_frames": 80, "liveness_window_frames": 60}, ("liveness_min_frames", "liveness_window_frames")),
    ({"liveness_confirm_frames": 20, "liveness_window_frames": 10}, ("liveness_confirm_frames", "liveness_window_frames")),
])
def test_a_minimum_above_its_maximum_is_refused(data, keys):
    """Issue 13 item 11: enrol_min_brightness above enrol_max_brightness made every photo
    "too dark"; every min/max pair is checked together and the error names both keys."""
    with pytest.raises(SettingsError) as err:
        Settings.from_dict(data)
    assert err.value.keys == keys
    assert keys[0] in str(err.value) and keys[1] in str(err.value)


def test_every_pair_is_declared_on_the_minimum():
    pairs = {(i.key, i.not_above) for i in Settings.describe() if i.not_above}
    assert pairs == {("enrol_min_brightness", "enrol_max_brightness"),
                     ("liveness_min_frames", "liveness_window_frames"),
                     ("liveness_confirm_frames", "liveness_window_frames"),
                     ("enrol_duplicate_refuse_percent", "enrol_duplicate_ask_percent")}
    assert Settings.from_dict({"enrol_min_brightness": 225.0}).enrolment.min_brightness == 225.0  # equal is fine
