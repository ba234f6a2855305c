"""The eval-ident report text: rates with nothing to count are said, not printed as "nan%"."""

from __future__ import annotations

from faceapp.evaluation.identification import _rates, format_identification


def _report(strangers: bool) -> dict:
    import numpy as np

    mate = (np.array([0.3, 0.7]), np.array([0.2, 0.2]), ["a", "b"], ["a", "b"])
    n = 3 if strangers else 0
    stranger = (np.full(n, 0.6), np.full(n, 0.2), ["a"] * n, ["x"] * n)
    row = _rates(0.5, 0.05, mate, stranger, set())
    return {"protocol": {"enrol_samples": 1, "visit_frames": 1, "looks": 1}, "gallery_people": 2,
            "enrolled_people": 2, "min_margin": 0.05, "known_probes": 2, "unknown_probes": n,
            "stranger_people": 1 if n else 0, "rank1": 1.0,
            "calibrated": [row | {"target": 0.001, "model": "m", "site_default": True}],
            "oracle": [{"target": 0.01} | row], "by_threshold": [row], "failures": {}}


def test_no_strangers_prints_na_not_nan():
    """Issue 18: `eval-ident` on a split without strangers printed "nan%"."""
    text = format_identification(_report(strangers=False))
    assert "nan" not in text.lower(), text
    assert text.count("n/a (no strangers)") == 3  # calibrated, oracle and fixed-threshold rows
    assert "50.00%" in text  # FNIR is still measured


def test_with_strangers_the_rates_are_printed():
    text = format_identification(_report(strangers=True))
    assert "nan" not in text.lower() and "n/a" not in text
    assert "0.000% (0/3)" in text
