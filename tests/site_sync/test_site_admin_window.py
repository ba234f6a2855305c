"""The site admin signs in from the window of a joined kiosk (real PostgreSQL, real window
offscreen): refused for a kiosk's login, checked by connecting, kept in memory only (never in
the database file), used by the same master-write path as the CLI, forgotten by Sign out."""

from __future__ import annotations

import pytest

from .helpers import context, enrol_synthetic, joined_kiosk

MARKER = "pw-never-on-disk-7f3a"


def test_site_admin_signs_in_from_the_window_and_out_again(site, tmp_path, qtbot, monkeypatch):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict
    from PySide6.QtWidgets import QMessageBox

    from faceapp.storage.site_pg.errors import SiteAdminRequiredError
    from faceapp.ui.main_window import MainWindow
    from faceapp.ui.messages import error_text
    from faceapp.ui.prefs import UiPrefs
    from faceapp.ui.site_admin_dialog import SiteAdminDialog

    k, kiosk_dsn = joined_kiosk(tmp_path, site, "k")
    emp = enrol_synthetic(k, site, "E1")
    monkeypatch.delenv("FACEAPP_SITE_ADMIN_DSN", raising=False)
    ctx = context(k)
    w = MainWindow(ctx, UiPrefs(sound=False, camera_source="/dev/no-such-camera.mp4"), autostart=False)
    qtbot.addWidget(w)
    try:
        assert w.act_site_sign_in.isVisible() and w.act_site_sign_in.isEnabled()
        assert not w.act_site_sign_out.isEnabled()
        told = []
        monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a, **k: told.append(text))
        w.enrol()
        assert told and told[0].startswith("Sign in as the site admin to enrol on a site kiosk")
        with pytest.raises(SiteAdminRequiredError) as refused:
            ctx.employees().update(emp.id, name="Renamed")
        assert error_text(refused.value).startswith("Sign in as the site admin to change the site")

        dlg = SiteAdminDialog(ctx, w)
        qtbot.addWidget(dlg)
        dlg.user.setText(conninfo_to_dict(kiosk_dsn)["user"])  # a kiosk's login connects but may not write
        dlg.password.setText(conninfo_to_dict(kiosk_dsn)["password"])
        dlg.sign_in()
        qtbot.waitUntil(lambda: not dlg.checking, timeout=15000)
        assert dlg.result() != SiteAdminDialog.DialogCode.Accepted and dlg.error.isVisibleTo(dlg)
        assert not ctx.site_admin_signed_in
        dlg.user.setText("nobody")  # no such login: refused by the server, not 'unreachable'
        dlg.sign_in()
        qtbot.waitUntil(lambda: not dlg.checking, timeout=15000)
        assert "refused the login" in dlg.error.text() and "unreachable" not in dlg.error.text()
        dlg.user.setText("postgres")
        dlg.password.setText(MARKER)
        dlg.sign_in()
        qtbot.waitUntil(lambda: not dlg.checking, timeout=15000)
        assert dlg.result() == SiteAdminDialog.DialogCode.Accepted and ctx.site_admin_signed_in
        w._site_admin_changed()
        assert w.act_site_sign_out.isEnabled() and not w.act_site_sign_in.isEnabled()

        ctx.employees().update(emp.id, name="Renamed")  # published with the signed-in login
        with psycopg.connect(site) as conn:
            assert conn.execute("SELECT name FROM faceapp.employees WHERE id = %s", (emp.id,)).fetchone()[0] == "Renamed"
        for f in tmp_path.iterdir():  # memory only: not in the database, its WAL or anything beside it
            if f.is_file():
                assert MARKER.encode() not in f.read_bytes(), f

        w.act_site_sign_out.trigger()
        assert not ctx.site_admin_signed_in and w.act_site_sign_in.isEnabled()
        with pytest.raises(SiteAdminRequiredError):
            ctx.employees().update(emp.id, name="Again")
    finally:
        w.close()
        ctx.close()


def test_signing_in_checks_the_login_off_the_gui_thread(tmp_path, qtbot, monkeypatch):
    """The check connects to the site server: a server that does not answer froze the window
    for the connect timeout (it ran on the GUI thread)."""
    import threading
    import time

    from faceapp.ui.site_admin_dialog import SiteAdminDialog

    class SlowServer:
        def __init__(self) -> None:
            self.thread = None

        def site_sign_in(self, dsn: str, user: str, password: str) -> None:
            self.thread = threading.current_thread()
            time.sleep(1.0)  # a server slow to answer

    ctx = SlowServer()
    dlg = SiteAdminDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.user.setText("admin")
    dlg.password.setText("secret")
    started = time.monotonic()
    dlg.sign_in()
    assert time.monotonic() - started < 0.5 and dlg.checking and not dlg.buttons.isEnabled()
    qtbot.waitUntil(lambda: not dlg.checking, timeout=10000)
    assert dlg.result() == SiteAdminDialog.DialogCode.Accepted
    assert ctx.thread is not threading.main_thread() and dlg.password.text() == ""
