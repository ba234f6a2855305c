"""`faceapp settings show|set`: a headless kiosk is configured, and scripts check the
validation, with exactly the rules of the settings dialog."""

from __future__ import annotations

import json
import sqlite3

import pytest

from faceapp.cli import EXIT_CHECK, EXIT_USAGE, main
from faceapp.settings import Settings


@pytest.fixture()
def run(tmp_path, capsys):
    db = tmp_path / "s.db"

    def _run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(db), "settings", *args])
        out, err = capsys.readouterr()
        return code, out, err

    _run.db = db
    return _run


def stored(db) -> dict:
    if not db.exists():
        return {}
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT value FROM settings WHERE key = 'recognition'").fetchone()
        return json.loads(row[0]) if row else {}
    finally:
        con.close()


def audit(db) -> list[tuple[str, str, dict]]:
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        return [(a, b, json.loads(c)) for a, b, c in con.execute("SELECT actor, action, details FROM audit_log ORDER BY id")]
    finally:
        con.close()


def test_show_lists_every_setting_with_its_value(run):
    code, out, _ = run("show")
    assert code == 0
    for info in Settings.describe():
        assert f"{info.key} = " in out, info.key
    assert "match_threshold = 0.5" in out and "door_backend = none" in out
    code, out, _ = run("show", "--json")
    rows = {r["key"]: r for r in json.loads(out)}
    assert set(rows) == {i.key for i in Settings.describe()} | DESKTOP
    assert rows["match_threshold"]["value"] == 0.5 and rows["match_threshold"]["range"] == [0.3, 1.6]


DESKTOP = {"camera_source", "language", "kiosk", "sound", "banner_seconds", "site_name", "logo_path"}


def ui_row(db) -> dict:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT value FROM settings WHERE key = 'ui'").fetchone()
        return json.loads(row[0]) if row else {}
    finally:
        con.close()


def test_the_desktop_preferences_are_shown_and_set_too(run):
    """Issue 18: `settings show` omitted camera source, language, kiosk and sound, and
    `settings set sound false` was "unknown setting"."""
    code, out, _ = run("show")
    assert code == 0 and "[desktop]" in out
    for line in ("camera_source = 0", "language = en", "kiosk = false", "sound = true", "banner_seconds = 4.0"):
        assert line in out, line
    for key, value, expected in [("sound", "false", False), ("language", "zh_CN", "zh_CN"),
                                 ("camera_source", "rtsp://cam.local/1", "rtsp://cam.local/1"),
                                 ("banner_seconds", "6", 6.0), ("site_name", " Acme - main door ", "Acme - main door"),
                                 ("logo_path", "/srv/logo.png", "/srv/logo.png")]:
        code, out, err = run("set", key, value)
        assert code == 0 and out.strip() == f"{key} = {expected if not isinstance(expected, bool) else 'false'}", err
        assert ui_row(run.db)[key] == expected
    assert [a for a in audit(run.db) if a[1] == "ui.settings"][-1][2]["sound"] is False  # audited as the dialog does
    assert "kiosk_pin_hash" not in json.dumps(audit(run.db))
    code, js, _ = run("show", "--json")
    assert {r["key"]: r["value"] for r in json.loads(js)}["sound"] is False
    assert stored(run.db) == {}  # the site settings were not touched


@pytest.mark.parametrize("key,value,msg", [
    ("sound", "maybe", "true or false"), ("language", "fr", "choose one of en, zh_CN"),
    ("banner_seconds", "100", "allowed range"), ("kiosk", "true", "set an admin PIN"),
    ("camera_source", " ", "a camera number"),
])
def test_desktop_preferences_refuse_what_the_dialog_refuses(run, key, value, msg):
    code, out, err = run("set", key, value)
    assert code == EXIT_USAGE and msg in err and len(err.strip().splitlines()) == 1, err
    assert not run.db.exists() or ui_row(run.db) == {}


@pytest.mark.parametrize("key,value,expected", [
    ("door_backend", "simulated", "simulated"), ("match_threshold", "0.45", 0.45), ("min_face_px", "60", 60),
    ("liveness_for_door", "false", False), ("liveness_for_attendance", "Yes", True),
    ("timezone", "Europe/Berlin", "Europe/Berlin"), ("door_serial_port", "/dev/ttyUSB0", "/dev/ttyUSB0"),
])
def test_set_stores_a_valid_value_and_audits_it(run, key, value, expected):
    code, out, err = run("set", key, value)
    assert code == 0, err
    assert stored(run.db)[key] == expected
    assert ("cli", "settings.update", {key: expected}) in audit(run.db)
    assert f"{key} = " in out


@pytest.mark.parametrize("key,value,msg", [
    ("match_threshold", "1.95", "allowed range is 0.3..1.6"),
    ("min_face_px", "40.5", "whole number"),
    ("match_threshold", "nan", "finite number"),
    ("match_threshold", "low", "expected a number"),
    ("liveness_for_door", "maybe", "true or false"),
    ("door_backend", "zigbee", "choose one of"),
    ("timezone", "Mars/Olympus", "not a known IANA time zone"),
    ("door_serial_port", "spy://loop://?file=/etc/passwd", "not a serial device"),
    ("door_serial_port", "socket://127.0.0.1:9", "not a serial device"),
    ("treshold", "0.5", "unknown setting"),
    ("door_pulse_s", "120", "allowed range is 0.5..30.0"),
    ("door_http_on_url", "ftp://relay.local/on", "not an http"),
    ("door_http_on_url", "http://relay.local:99999/relay/0?turn=on", "port must be a number from 1 to 65535"),
    ("door_http_off_url", "http://relay.local:0/off", "port must be a number from 1 to 65535"),
    ("door_http_off_url", "http://relay local/off", "not a valid host name"),
    ("door_http_off_url", "http://[::1/off", "not a valid URL"),
])
def test_set_refuses_what_the_dialog_refuses_with_exit_2(run, key, value, msg):
    code, out, err = run("set", key, value)
    assert code == EXIT_USAGE and msg in err and len(err.strip().splitlines()) == 1, err
    assert stored(run.db) == {} and audit(run.db) == []


def test_whole_number_setting_given_as_3_0_is_stored_as_3(run):
    """`settings set door_serial_channel 3.0` stored 3.0 in a whole-number setting."""
    code, out, err = run("set", "door_serial_channel", "3.0")
    assert code == 0, err
    assert out.strip() == "door_serial_channel = 3"
    value = stored(run.db)["door_serial_channel"]
    assert value == 3 and type(value) is int
    assert [type(d["door_serial_channel"]) for _, _, d in audit(run.db)] == [int]
    assert type(Settings.from_dict({"min_face_px": 60.0}).vision.min_face_px) is int
    code, out, err = run("set", "door_serial_channel", "3.5")
    assert code == EXIT_USAGE and "door_serial_channel=3.5: expected a whole number" in err


def test_secrets_are_masked_in_show_and_in_the_audit(run):
    url = "http://admin:s3cret@relay.local/relay/0?turn=on&token=t0ken"
    code, out, err = run("set", "door_http_on_url", url)
    assert code == 0, err
    assert stored(run.db)["door_http_on_url"] == url  # the relay needs the real one
    code, out, _ = run("show")
    assert "door_http_on_url = http://***@relay.local/relay/0?***" in out
    code, js, _ = run("show", "--json")
    assert "s3cret" not in out + js and "t0ken" not in out + js
    assert "s3cret" not in json.dumps(audit(run.db))


def test_set_repairs_a_damaged_settings_row(run):
    assert run("show")[0] == 0
    con = sqlite3.connect(run.db)
    con.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('recognition', ?)",
                (json.dumps({"match_threshold": 9, "cooldown_s": 120}),))
    con.commit()
    con.close()
    code, out, err = run("show")
    assert code == EXIT_CHECK and "match_threshold=9" in err and "cooldown_s = 120" in out
    code, out, err = run("set", "match_threshold", "0.55")
    assert code == 0, err
    assert stored(run.db)["match_threshold"] == 0.55 and stored(run.db)["cooldown_s"] == 120
    assert run("show")[0] == 0


def test_show_says_which_value_a_distance_at_its_default_really_uses(run):
    """Distance settings at their default follow the database's encoder pack: `show` printed
    dlib's 0.5 and 0.05 for a MobileFaceNet database that decides with 0.81 and 0.08."""
    from faceapp.recognition.units import EncoderUnits
    from faceapp.shared import paths
    from faceapp.vision.models import Manifest

    manifest = Manifest(paths.models_dir())
    enc = manifest.default_encoder
    units = EncoderUnits.from_pack(enc, manifest.encoder_entry(enc, False).info["units"])
    code, out, _ = run("show")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("min_margin = "))
    assert line.endswith(f"[default: {enc} uses {units.min_margin:g}]"), line
    code, js, _ = run("show", "--json")
    row = {r["key"]: r for r in json.loads(js)}["match_threshold"]
    assert row["value"] == 0.5 and row["in_use"] == [units.match_threshold, enc]
    code, _, _ = run("set", "min_margin", "0.1")  # the admin's own value is used as it is
    code, out, _ = run("show")
    assert "min_margin = 0.1  (0.0..0.5)\n" in out + "\n"
