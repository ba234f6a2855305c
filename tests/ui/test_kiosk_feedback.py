"""Issue 21: the kiosk says what the door did. With the Simulated relay the access log said
"GRANTED (door opened)" while the banner said "Hello again, Lin-Manuel Miranda - already
recorded"; denials were never shown. Also: one sound per outcome, the idle screen, and the
first-run checklist."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from faceapp.recognition.views import Announcement, DoorResult, FrameResult, TrackView

LIN = "Lin-Manuel Miranda"
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)  # a Monday
ALWAYS = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _ann(kind: str, door: DoorResult | None, name: str = LIN, reason: str = "") -> Announcement:
    eid = None if kind == "unknown" else 1
    return Announcement(T0, eid, name if eid else "Unknown", kind, f"{kind} message", reason, door)


@pytest.fixture()
def window(ctx, window_factory, tmp_path):
    ctx.save_settings(type(ctx.settings).from_dict({**ctx.settings.to_dict(), "timezone": "UTC"}))
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    w.prefs.sound = True
    played: list[str] = []
    w.sounds.player = lambda path: played.append(path.stem)  # the real player, its output recorded
    w.played = played
    return w


@pytest.mark.parametrize("kind,door,text,style,sound", [
    ("repeat", DoorResult(True, "granted"), f"Door open - welcome, {LIN}", "granted", "granted"),
    ("in", DoorResult(True, "granted"), f"Door open - welcome, {LIN} - checked in 08:00", "granted", "granted"),
    ("repeat", DoorResult(False, "outside schedule"), "No access at this time", "denied", "denied"),
    ("repeat", DoorResult(False, "no access group"), "No access at this time", "denied", "denied"),
    ("in", DoorResult(False, "outside schedule"), f"No access at this time\n{LIN} - checked in 08:00", "denied",
     "denied"),
    ("repeat", DoorResult(False, "liveness failed"), "Please turn your head slightly", "denied", "denied"),
    ("unknown", DoorResult(False, "unknown"), "Not recognised - please see reception", "unknown", "unknown"),
    ("repeat", DoorResult(False, "a reason added later"), "No access - please see reception", "denied", "denied"),
    ("repeat", None, f"Hello again, {LIN} - already recorded", "repeat", "granted"),  # no door configured
])
def test_the_banner_and_sound_say_what_the_door_did(window, kind, door, text, style, sound):
    window.translated = True  # the UI's own words (English without a catalogue), not the service's message
    window._on_announcement(_ann(kind, door))
    assert window.live_page.banner.text() == text
    assert window.live_page.banner_kind == style
    assert window.played == [sound]


def test_sound_setting_off_is_silent(window):
    window.prefs.sound = False
    window._on_announcement(_ann("repeat", DoorResult(True, "granted")))
    assert window.played == [] and window.sounds.played == []


def test_the_simulated_relay_grants_lin_and_the_banner_says_so(ctx, window, engine, enrol_photo):
    """Real services end to end, without the window's camera: Lin enrolled from his photo,
    in an access group, the Simulated relay; the recognition service's announcements go to
    the window. Then his group only opens at night: denied, and the banner says why."""
    from PIL import Image

    ctx._engine = engine  # the session's models (one load per test run)
    photo = np.asarray(Image.open(enrol_photo).convert("RGB"))
    lin = ctx.enrolment().enrol("1001", LIN, "Cast", engine.analyze(photo), consent_at=T0)
    ctx.save_settings(ctx.settings.replace(door_backend="simulated", liveness_for_door=False))
    always = ctx.repo.create_access_group("Always", ALWAYS, actor="t")
    ctx.repo.set_employee_access_groups(lin.id, [always.id], actor="t")

    def play(ts: datetime) -> list[Announcement]:
        svc = ctx.recognition(source="test", access=True)
        anns = []
        for i in range(ctx.settings.recognition.min_decision_frames):
            anns += svc.process(photo, i, ts)[1]
        for a in anns:
            window._on_announcement(a)
        return anns

    play(T0)
    assert window.live_page.banner.text() == f"Door open - welcome, {LIN} - checked in 08:00"
    play(T0 + timedelta(seconds=20))  # inside the cooldown: the door still opens, and says so
    assert window.live_page.banner.text() == f"Door open - welcome, {LIN}"
    assert window.live_page.banner_kind == "granted"
    log = ctx.repo.access_log(None, None)
    assert [(a.granted, a.reason) for a in log] == [(True, "granted")] * 2

    night = ctx.repo.create_access_group("Night", {"mon": ["22:00-23:00"]}, actor="t")
    ctx.repo.set_employee_access_groups(lin.id, [night.id], actor="t")
    play(T0 + timedelta(seconds=40))
    assert window.live_page.banner.text() == "No access at this time"
    assert window.live_page.banner_kind == "denied"
    assert max(ctx.repo.access_log(None, None), key=lambda a: a.ts).reason == "outside schedule"
    assert window.played == ["granted", "granted", "denied"]


# ---------------------------------------------------------------- sounds

def test_each_outcome_has_its_own_sound_file_made_by_the_build_script():
    import subprocess
    import sys
    import wave
    from pathlib import Path

    from faceapp.ui.sounds import KINDS, sound_file

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, str(root / "build" / "make_sounds.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = {k: sound_file(k).read_bytes() for k in KINDS}
    assert len(set(data.values())) == 3
    for k in KINDS:
        with wave.open(str(sound_file(k))) as w:
            assert w.getframerate() == 22050 and 0.3 < w.getnframes() / 22050 < 1.0


def test_failing_audio_falls_back_to_beeps_and_never_raises(qtbot, caplog):
    from faceapp.ui.sounds import SoundPlayer

    def broken(path):  # noqa: ANN001 - no sound card
        raise OSError("no audio device")

    player = SoundPlayer(player=broken)
    player.play("denied")  # two beeps instead
    player.play("granted")  # the broken player is not tried again: one beep
    qtbot.waitUntil(lambda: player.beeped == 3, timeout=2000)
    assert player.played == ["denied", "granted"]
    assert sum("no audio device" in r.getMessage() for r in caplog.records) == 1


# ---------------------------------------------------------------- idle screen

def _frame(*states: str) -> FrameResult:
    box = np.array([10, 10, 60, 60], np.float32)
    return FrameResult(0, np.zeros((120, 160, 3), np.uint8), [TrackView(i, box, s, s) for i, s in enumerate(states)],
                       [], 10.0, 0, 1.0)


def test_idle_screen_when_nobody_is_in_view(ctx, window_factory, qtbot, tmp_path, caplog):
    from PySide6.QtGui import QColor, QImage

    logo = tmp_path / "logo.png"
    img = QImage(40, 20, QImage.Format.Format_RGB32)
    img.fill(QColor("orange"))
    assert img.save(str(logo))
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False, site_name="Acme - main door",
                       logo_path=str(logo))
    page = w.live_page
    page.idle_seconds = 0.3
    w._on_frame(_frame())  # frames without anybody
    assert not page.idle_shown
    qtbot.waitUntil(lambda: page.idle_shown, timeout=3000)
    assert page.video.isHidden()
    assert page.idle.site.text() == "Acme - main door" and not page.idle.logo.pixmap().isNull()
    assert page.idle.hint.text() == "Look at the camera to check in"
    assert len(page.idle.clock.text()) == 5 and page.idle.date.text()  # 08:59, and the date
    w._on_frame(_frame())  # still nobody: stays
    assert page.idle_shown
    w._on_frame(_frame("identifying"))  # someone walks up: the camera picture at once
    assert not page.idle_shown and page.video.isVisible()

    page.idle.set_site("Acme", str(tmp_path / "gone.png"))  # a logo that is not there: left out, logged
    assert page.idle.logo.isHidden()
    assert any("gone.png" in r.getMessage() for r in caplog.records)
    page.set_message("Camera not available")  # a message is never covered by the idle screen
    page.note_presence(False)
    qtbot.wait(500)
    assert not page.idle_shown and page.empty.isVisible()


# ---------------------------------------------------------------- first-run checklist

def test_first_run_checklist_ticks_as_things_get_done(ctx, window_factory, qtbot, tmp_path, engine, short_clip):
    from dataclasses import replace

    from faceapp.access.pin import hash_pin
    from faceapp.ui import first_run
    from faceapp.ui.prefs import UiPrefs
    from timekeeping_helpers import person

    first_run.REFRESH_MS = 200
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    box = w.checklist
    box._timer.setInterval(200)
    qtbot.waitUntil(lambda: box.isVisible(), timeout=5000)
    assert box.state == first_run.FirstRunState(False, False, False)
    assert all(go.isEnabled() for _, go in box.items.values())

    replace(UiPrefs.load(ctx), kiosk_pin_hash=hash_pin("2580")).save(ctx)
    qtbot.waitUntil(lambda: box.state.pin, timeout=5000)
    assert box.items["pin"][0].text().startswith(first_run.DONE_MARK) and not box.items["pin"][1].isEnabled()
    person(ctx, "7", "Ana", "Ops")
    qtbot.waitUntil(lambda: box.state.enrolled, timeout=5000)
    replace(UiPrefs.load(ctx), site_name="Acme").save(ctx)  # stores every preference, camera 0 too
    qtbot.wait(600)
    assert not box.state.camera  # a stored camera that gives no picture is not "set"
    ctx._engine = engine  # the session's models
    w.start_camera(str(short_clip))  # a source that gives pictures
    qtbot.waitUntil(lambda: box.state.done, timeout=15000)
    qtbot.waitUntil(lambda: box.isHidden(), timeout=5000)  # done: out of the way


def test_first_run_checklist_can_be_dismissed(ctx, window_factory, qtbot, tmp_path):
    from faceapp.ui import workers
    from faceapp.ui.prefs import UiPrefs

    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    qtbot.waitUntil(lambda: w.checklist.isVisible(), timeout=5000)
    w.checklist.dismiss_button.click()
    assert w.checklist.isHidden()
    qtbot.waitUntil(lambda: UiPrefs.load(ctx).first_run_dismissed, timeout=5000)
    again = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False,
                           first_run_dismissed=True)
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=5000)
    assert again.checklist.isHidden() and not again.checklist._timer.isActive()


def test_site_name_and_logo_are_set_in_the_settings_dialog(ctx, qtbot):
    from faceapp.ui.prefs import UiPrefs
    from faceapp.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(ctx, UiPrefs())
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.site_name.setText("  Acme - main door ")
    dlg.logo_path.setText("/srv/logo.png")
    dlg.accept()
    qtbot.waitUntil(lambda: UiPrefs.load(ctx).site_name == "Acme - main door", timeout=5000)
    assert UiPrefs.load(ctx).logo_path == "/srv/logo.png"
