"""The desktop window of a site kiosk syncs in the background and says so in the status
bar: "Site: online, 0 queued", and "Site: offline since HH:MM, N queued" while the server
is down (real PostgreSQL, real window offscreen)."""

from __future__ import annotations

from .helpers import book, context, enrol_synthetic, joined_kiosk


def test_status_bar_shows_online_then_offline_with_the_queue_then_drains(pg, site, tmp_path, qtbot, monkeypatch):
    from faceapp.ui import main_window
    from faceapp.ui.main_window import MainWindow

    monkeypatch.setattr(main_window, "SITE_STATUS_MS", 200)
    from faceapp.ui.prefs import UiPrefs

    k, _ = joined_kiosk(tmp_path, site, "k")
    emp = enrol_synthetic(k, site, "E1")
    ctx = context(k)
    w = MainWindow(ctx, UiPrefs(sound=False, camera_source="/dev/no-such-camera.mp4"), autostart=False)
    qtbot.addWidget(w)
    try:
        ctx.site_sync().wake.set()
        qtbot.waitUntil(lambda: w.site_label.text() == "Site: online, 0 queued", timeout=15000)
        pg.stop()
        try:
            book(k, emp.id, 3)
            ctx.site_sync().wake.set()
            qtbot.waitUntil(lambda: w.site_label.text().startswith("Site: offline since ")
                            and w.site_label.text().endswith(", 3 queued"), timeout=15000)
        finally:
            pg.start()
        ctx.site_sync().wake.set()
        qtbot.waitUntil(lambda: w.site_label.text() == "Site: online, 0 queued", timeout=15000)
    finally:
        w.close()
        ctx.close()
