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
    ({"match_threshold": 1.95}, "allowed range is 0.3..1.6"),
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
    ({"liveness_passive_reject": 0.9, "liveness_passive_accept": 0.5}, ("liveness_passive_reject", "liveness_passive_accept")),
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
                     ("enrol_duplicate_refuse_percent", "enrol_duplicate_ask_percent"),
                     ("liveness_passive_reject", "liveness_passive_accept")}
    assert Settings.from_dict({"enrol_min_brightness": 225.0}).enrolment.min_brightness == 225.0  # equal is fine


def test_stored_values_an_older_version_allowed_do_not_stop_the_start(caplog):
    """The min/max rules are new: liveness_min_frames 80 with the default window of 60 was
    accepted before. Starting must not fail on it: the pair goes back to its defaults, logged."""
    import logging

    from faceapp.settings import Settings

    with caplog.at_level(logging.WARNING, logger="faceapp.settings"):
        s = Settings.from_stored({"liveness_min_frames": 80, "match_threshold": 0.45})
    assert s.liveness.min_frames == 6 and s.recognition.match_threshold == 0.45
    assert any("liveness_min_frames" in r.getMessage() for r in caplog.records)


def test_a_value_bad_on_its_own_is_still_refused_at_start():
    import pytest

    from faceapp.settings import Settings
    from faceapp.shared.options import SettingsError

    with pytest.raises(SettingsError):
        Settings.from_stored({"liveness_min_frames": 80, "match_threshold": 5})


def test_repair_judges_a_minimum_against_the_stored_maximum():
    """Repair mode kept min_frames 80 only against the default window (60) and dropped it, though
    the stored window was 200."""
    from faceapp.settings import Settings

    s, problems = Settings.from_stored_leniently({"liveness_min_frames": 80, "liveness_window_frames": 200,
                                                  "match_threshold": 5})
    assert s.liveness.min_frames == 80 and s.liveness.window_frames == 200
    assert len(problems) == 1 and "match_threshold" in problems[0]
