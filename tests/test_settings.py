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
