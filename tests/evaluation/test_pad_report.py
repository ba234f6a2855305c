"""faceapp pad-report: ISO/IEC 30107-3 figures from scored presentations, the operating point
chosen on the tuning split only, and one-line errors with the documented exit codes."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from faceapp.cli import main
from faceapp.evaluation import pad
from faceapp.evaluation.pad import Presentation, choose_operating_point, clopper_pearson, table
from faceapp.recognition.settings import LivenessSettings


def test_clopper_pearson_matches_the_exact_binomial_bounds():
    lo, hi = clopper_pearson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-9)  # 0.3085
    lo, hi = clopper_pearson(5, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.1871, 0.8129)


def _p(kind, species, split, score, frames=5):
    return Presentation(kind, species, "x", split, "rendered" if kind == "attack" else "real", [score] * frames,
                        [(np.zeros((5, 2), np.float32), np.zeros((5, 2), np.float32))] * frames)


def test_operating_point_is_chosen_on_the_tuning_split_and_reported_on_the_test_split():
    s = LivenessSettings()
    tune = [_p("attack", "print", "tune", v) for v in (0.1, 0.2, 0.3, 0.45)]
    tune += [_p("bona_fide", "clip", "tune", v) for v in (0.5, 0.7, 0.8, 0.9)]
    test = [_p("attack", "print", "test", 0.99), _p("bona_fide", "clip", "test", 0.05)]  # would move both if tuned on
    op = choose_operating_point(tune + test, s, max_refused=0.0)
    # the lowest pass score above every tuning attack (none can turn its head), refuse below the
    # lowest tuning bona fide score but not above the pass score
    assert (op["accept"], op["reject"]) == (0.46, 0.46)
    t = table(tune + test, op["accept"], op["reject"], s)
    assert t["passive"]["apcer"]["print"]["n"] == 1 and t["passive"]["apcer"]["print"]["errors"] == 1
    assert t["passive"]["bpcer"]["clip"]["errors"] == 1
    # the frozen landmarks never turn: the challenge refuses every presentation
    assert t["challenge"]["apcer"]["print"]["errors"] == 0 and t["challenge"]["bpcer"]["clip"]["errors"] == 1


def test_bad_input_is_one_line_with_its_exit_code(tmp_path, capsys):
    samples = tmp_path / "samples"
    samples.mkdir()
    cases = [
        (["pad-report", str(tmp_path / "r.txt"), "--samples", str(tmp_path / "nowhere")], 3, "is not a folder"),
        (["pad-report", str(tmp_path / "r.txt"), "--samples", str(samples), "--shared", str(tmp_path)], 3,
         "people_official_set1.txt not found"),
        (["pad-report", str(tmp_path / "no" / "r.txt"), "--samples", str(samples)], 1, "cannot write"),
        (["pad-report", str(tmp_path / "r.txt"), "--samples", str(samples), "--accept", "0.8"], 2,
         "give --accept and --reject together"),
    ]
    for argv, code, text in cases:
        assert main(argv) == code, argv
        err = capsys.readouterr().err.strip()
        assert text in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_upstream_samples_missing_from_the_folder_is_an_input_error(tmp_path):
    with pytest.raises(pad.PadInputError, match="image_F1.jpg not found"):
        pad.upstream_samples(None, None, tmp_path)


def _cached_run(tmp_path, out):
    """pad-report through the CLI on scored presentations from --cache (no models, seconds)."""
    import pickle

    samples = tmp_path / "samples"
    samples.mkdir(exist_ok=True)
    pres = [_p("attack", "print_bent_yaw", "test", 0.2), _p("attack", "upstream_sample", "test", 0.1),
            _p("bona_fide", "clip", "test", 0.99), _p("bona_fide", "photo", "test", 0.6, frames=1)]
    cache = tmp_path / "scored.pkl"
    cache.write_bytes(pickle.dumps(pres))
    return main(["pad-report", str(out), "--samples", str(samples), "--cache", str(cache),
                 "--accept", "0.9", "--reject", "0.3"])


def test_report_for_a_customer_says_when_which_version_and_the_settings_in_plain_words(tmp_path, capsys):
    from faceapp import __version__

    assert _cached_run(tmp_path, tmp_path / "r.txt") == 0
    text = (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert f"by faceapp {__version__}" in text and " UTC " in text.split("\n")[2]
    assert "{'" not in text  # no Python dict printed as the settings
    assert "  liveness_passive_accept = 0.9  (" in text and "  door_liveness = passive_then_challenge" in text
    for plain in ("print, bent and turned", "MiniFASNet sample attacks", "video of real people"):
        assert plain in text
    assert "print_bent_yaw" not in text and "upstream_sample" not in text
    assert "upstream" not in text and "scores read from scored.pkl" in text  # not the seconds of loading it


def _unwritable_path(tmp_path, name):
    """A path no write can create: /proc takes no new files even for root (permission bits do
    not stop root); a read-only folder for anyone else."""
    if os.geteuid() == 0:
        return Path("/proc") / f"faceapp-{name}"
    ro = tmp_path / "ro"
    ro.mkdir(exist_ok=True)
    ro.chmod(0o555)
    return ro / name


@pytest.mark.skipif(sys.platform != "linux", reason="/proc is Linux's")
@pytest.mark.parametrize("which", ["OUT", "--json", "--cache"])
def test_an_unwritable_output_is_refused_before_any_work(tmp_path, capsys, which):
    # the shared data is missing too, which the command would otherwise find (exit 3), and
    # with it all the minutes of scoring before the write failed (a traceback for --cache)
    samples = tmp_path / "samples"
    samples.mkdir()
    bad = _unwritable_path(tmp_path, "r.out")
    argv = ["pad-report", str(bad if which == "OUT" else tmp_path / "r.txt"), "--samples", str(samples),
            "--shared", str(tmp_path)]
    if which != "OUT":
        argv += [which, str(bad)]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: cannot write {bad}") and len(err.splitlines()) == 1


@pytest.mark.parametrize("content", [b"x\n", b"", b"\x80\x04K\x05."])  # text, empty, the pickle of 5
def test_a_cache_that_is_not_a_pad_report_cache_is_an_input_error(tmp_path, capsys, content):
    samples = tmp_path / "samples"
    samples.mkdir()
    cache = tmp_path / "c.pkl"
    cache.write_bytes(content)
    assert main(["pad-report", str(tmp_path / "r.txt"), "--samples", str(samples), "--cache", str(cache)]) == 3
    err = capsys.readouterr().err.strip()
    assert "is not a pad-report cache" in err and len(err.splitlines()) == 1
