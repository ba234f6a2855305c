""""Choose camera…" on the live page opens Settings where the camera is chosen."""

from __future__ import annotations

from faceapp.ui.settings_dialog import SettingsDialog


def test_choose_camera_opens_settings_at_the_camera_source(ctx, window_factory, qtbot, tmp_path, monkeypatch):
    w = window_factory(ctx, camera_source=str(tmp_path / "unplugged.mp4"), autostart=False)
    w.start_camera()
    qtbot.waitUntil(lambda: w.live_page.empty_button.isVisible(), timeout=10000)
    seen = {}

    def look(dlg) -> int:  # what the admin sees when the dialog comes up
        seen["page"] = dlg.pages.currentWidget()
        seen["camera_page"] = dlg.pages.widget(dlg._section_names.index("vision"))
        seen["focus"] = dlg.focusWidget()
        seen["camera"] = dlg.camera
        return 0

    monkeypatch.setattr(SettingsDialog, "exec", look)
    w.live_page.empty_button.click()
    assert seen["page"] is seen["camera_page"], "Settings opened on another page"
    assert seen["focus"] in (seen["camera"], seen["camera"].lineEdit())
    w.act_settings.trigger()  # File > Settings still opens on General
    assert seen["page"] is not seen["camera_page"]
