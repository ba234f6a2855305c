"""The suite really contains tests/build: pytest skips folders named build by default."""

from __future__ import annotations

from pathlib import Path


def test_build_tests_are_collected(request):
    patterns = request.config.getini("norecursedirs")
    assert "build" not in patterns, "tests/build (bundle self-test, export parity) would be skipped silently"
    assert (Path(__file__).parent / "build" / "test_bundle.py").is_file()
