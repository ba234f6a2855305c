import pytest

from faceapp.core.settings import RecognitionSettings, SettingsError


def test_defaults_are_valid_and_documented():
    s = RecognitionSettings().validate()
    assert s.match_threshold == 0.5
    for name, default, (lo, hi), doc in RecognitionSettings.describe():
        assert doc, name
        if lo is not None:
            assert lo <= default <= hi


@pytest.mark.parametrize("data,msg", [
    ({"match_threshold": 0.95}, "allowed range is 0.3..0.8"),
    ({"match_threshold": "low"}, "expected a number"),
    ({"min_face_px": 40.5}, "whole number"),
    ({"provider": "tpu"}, "choose one of auto, cuda, cpu"),
    ({"treshold": 0.5}, "unknown setting(s): treshold"),
])
def test_bad_values_are_refused_with_reason(data, msg):
    with pytest.raises(SettingsError, match=msg.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        RecognitionSettings.from_dict(data)


def test_round_trip():
    s = RecognitionSettings.from_dict({"match_threshold": 0.5, "min_face_px": 60, "provider": "cpu"})
    assert RecognitionSettings.from_dict(s.to_dict()) == s
