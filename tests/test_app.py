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


@pytest.mark.parametrize("stored", [[1, 2], "0.5", 7, None])
def test_a_settings_row_that_is_not_a_json_object_is_a_clear_error(tmp_path, stored):
    from faceapp.storage.errors import StorageError

    path = tmp_path / "s.db"
    ctx = build_context(path)
    ctx.repo.set_setting("recognition", stored)
    ctx.close()
    with pytest.raises(StorageError, match=r"stored settings .*recognition.* not a JSON object.*faceapp settings set"):
        build_context(path)


def test_damaged_settings_can_be_repaired_without_losing_the_good_ones(tmp_path):
    path = tmp_path / "s.db"
    ctx = build_context(path)
    ctx.repo.set_setting("recognition", {"match_threshold": 9, "cooldown_s": 120})
    ctx.close()
    with pytest.raises(Exception, match="match_threshold=9"):
        build_context(path)
    ctx = build_context(path, repair_settings=True)
    try:
        assert ctx.settings.recognition.match_threshold == 0.5  # the bad value falls back
        assert ctx.settings.attendance.cooldown_s == 120  # the good one is kept
        assert ctx.settings_problems and "match_threshold=9" in ctx.settings_problems[0]
    finally:
        ctx.close()


def test_relay_credentials_stay_out_of_the_audit_log_and_the_logs(tmp_path, caplog):
    """The settings audit entry held the whole relay URL, password and token included, in
    a table nobody can delete from."""
    import json
    import logging

    ctx = build_context(tmp_path / "a.db")
    try:
        with caplog.at_level(logging.DEBUG):
            ctx.save_settings(ctx.settings.replace(
                door_backend="http", door_http_on_url="http://admin:s3cret@relay.local/relay/0?turn=on&token=t0ken",
                door_http_off_url="http://relay.local/cm?user=admin&password=s3cret&cmnd=Power%20Off",
                door_http_on_body='{"auth": "t0ken"}'))
        entry = ctx.repo.audit_log(1)[0]
        text = json.dumps(entry.details)
        assert entry.action == "settings.update" and "door_http_on_url" in entry.details
        assert "s3cret" not in text and "t0ken" not in text
        assert entry.details["door_http_on_url"] == "http://***@relay.local/relay/0?***"
        assert "s3cret" not in caplog.text and "t0ken" not in caplog.text
    finally:
        ctx.close()


def test_a_refused_secret_value_is_not_echoed_in_the_error(tmp_path):
    from faceapp.settings import Settings, SettingsError

    with pytest.raises(SettingsError) as info:
        Settings().replace(door_http_on_url="ftp://admin:s3cret@relay.local/on")
    assert "s3cret" not in str(info.value)
    with pytest.raises(SettingsError) as info:
        Settings().replace(door_http_on_body=12345678)
    assert "12345678" not in str(info.value)


def test_the_operating_point_does_not_load_the_face_models(tmp_path):
    """Settings and doctor ask for the operating point; that must not load the models (seconds,
    and a second load racing the one the live view started)."""
    from faceapp.app import build_context

    ctx = build_context(db_path=tmp_path / "op.db", provider="cpu")
    try:
        point = ctx.operating_point()
        assert ctx._engine is None and point.people == 0
        assert ctx.model_id == ctx.engine.model_id  # the manifest's id is the loaded engine's
    finally:
        ctx.repo.close()
