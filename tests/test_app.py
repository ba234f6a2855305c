"""The composition root: one precedence for the execution provider, one shared place for
pending writes."""

from __future__ import annotations

import pytest

from faceapp.app import build_context


@pytest.fixture()
def stored_cuda(tmp_path):
    """A database whose stored setting asks for CUDA (unusable on a CPU-only machine)."""
    path = tmp_path / "p.db"
    ctx = build_context(path)
    ctx.save_settings(ctx.settings.replace(provider="cuda"))
    ctx.close()
    return path


def test_environment_beats_the_stored_provider(stored_cuda, monkeypatch):
    monkeypatch.setenv("FACEAPP_PROVIDER", "cpu")
    ctx = build_context(stored_cuda)
    try:
        assert ctx.engine.provider == "CPU"
    finally:
        ctx.close()


def test_flag_beats_the_environment(stored_cuda, monkeypatch):
    monkeypatch.setenv("FACEAPP_PROVIDER", "cuda")
    ctx = build_context(stored_cuda, provider="cpu")
    try:
        assert ctx.engine.provider == "CPU"
    finally:
        ctx.close()


def test_a_bad_environment_value_is_named(stored_cuda, monkeypatch):
    from faceapp.shared.errors import ProviderError

    monkeypatch.setenv("FACEAPP_PROVIDER", "gpu")
    ctx = build_context(stored_cuda)
    try:
        with pytest.raises(ProviderError, match="FACEAPP_PROVIDER=gpu"):
            ctx.engine
    finally:
        ctx.close()
