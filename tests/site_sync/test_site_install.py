"""What an installer runs into when setting up a site (real PostgreSQL, real CLI, real
widgets offscreen): a database is one kiosk for good, a kiosk login serves one database, a
malformed kiosk name is a usage error, and the sign-in dialog shows its whole message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import add_kiosk, book, enrol_synthetic, joined_kiosk, server_events

ROOT = Path(__file__).resolve().parents[2]


def _sync(db: Path) -> None:
    from faceapp.sync import SiteSync

    s = SiteSync(db)
    try:
        s.sync_once()
    finally:
        s.close()


def test_a_joined_kiosk_cannot_rejoin_as_another_kiosk(site, tmp_path):
    """Re-joining kiosk a's database as kiosk b pushed a's events again in b's name (doubled
    on the server, colliding with b's own local ids): refused, nothing changes."""
    from faceapp.storage.errors import StorageError
    from faceapp.sync.engine import join

    a, _ = joined_kiosk(tmp_path, site, "a")
    emp = enrol_synthetic(a, site, "E1")
    book(a, emp.id, 3)
    _sync(a)
    dsn_b = add_kiosk(site, "b")
    with pytest.raises(StorageError, match="kiosk a of this site already"):
        join(a, dsn_b, "b")
    _sync(a)
    assert server_events(site) == [("a", 1), ("a", 2), ("a", 3)]


def test_a_second_database_cannot_join_with_a_login_that_has_events(site, tmp_path):
    """Two databases on one kiosk login number their events alike: the server kept the first
    (kiosk, local id) and silently dropped the other's. The second join is refused."""
    from faceapp.storage.db import open_db
    from faceapp.storage.site_pg.errors import SiteError
    from faceapp.sync.engine import join

    a, dsn_a = joined_kiosk(tmp_path, site, "a")
    emp = enrol_synthetic(a, site, "E1")
    book(a, emp.id, 2)
    _sync(a)
    other = tmp_path / "other.db"
    open_db(other).conn.close()
    with pytest.raises(SiteError, match="site add-kiosk"):
        join(other, dsn_a, "a")
    join(a, dsn_a, "a")  # the same database joining again (e.g. a new password) is fine


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "faceapp", "--db", str(db), "--new-db", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_add_kiosk_bad_name_is_a_usage_error_and_the_hint_names_the_kiosk(site, tmp_path):
    db = tmp_path / "admin.db"
    bad = _cli("site", "add-kiosk", "entrance a", "--dsn", site, db=db)
    assert bad.returncode == 2, bad.stderr
    assert "kiosk name 'entrance a'" in bad.stderr and "Traceback" not in bad.stderr
    ok = _cli("site", "add-kiosk", "entrance-a", "--dsn", site, db=db)
    assert ok.returncode == 0, ok.stderr
    assert "faceapp site join --kiosk entrance-a --dsn" in ok.stdout


def test_the_sign_in_dialog_shows_its_whole_text_and_the_servers_reason(site, tmp_path, qtbot, monkeypatch):
    """The dialog was ~240 px wide and kept its size when the refusal appeared: the intro and
    the reason (role ... does not exist) were cut off."""
    from faceapp.ui.site_admin_dialog import SiteAdminDialog

    from .helpers import context

    k, _ = joined_kiosk(tmp_path, site, "k")
    monkeypatch.delenv("FACEAPP_SITE_ADMIN_DSN", raising=False)
    ctx = context(k)
    try:
        dlg = SiteAdminDialog(ctx)
        qtbot.addWidget(dlg)
        dlg.show()
        qtbot.waitExposed(dlg)
        dlg.user.setText("nobody-such")  # refused by the server, with its reason
        dlg.sign_in()
        qtbot.waitUntil(lambda: not dlg.checking, timeout=15000)
        qtbot.wait(50)
        assert 'role "nobody-such" does not exist' in dlg.error.text()
        for label in (dlg.intro, dlg.error):
            assert label.height() >= label.heightForWidth(label.width()), label.text()
        assert dlg.width() >= dlg.fontMetrics().averageCharWidth() * 50
    finally:
        ctx.close()


def test_site_errors_get_a_site_summary_in_chinese(site, qtbot):
    """In Chinese every site-server error was summed up as "the database could not be read or
    written" (the local file is fine)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    from PySide6.QtWidgets import QApplication

    from faceapp.storage.site_pg.errors import SiteError, SiteRefusedError, SiteUnreachableError
    from faceapp.storage.site_pg.server import SiteServer
    from faceapp.ui.launch import install_translator
    from faceapp.ui.messages import error_text

    parts = conninfo_to_dict(site)
    with pytest.raises(SiteUnreachableError) as away:
        SiteServer.connect(make_conninfo(**{**parts, "host": "127.0.0.1", "port": "1"}))
    app = QApplication.instance()
    assert install_translator(app, "zh_CN")
    try:
        db_summary = error_text(Exception()).split("\n")[0]  # nothing: only listed kinds get one
        texts = {kind: error_text(exc) for kind, exc in (("away", away.value), ("refused", SiteRefusedError("x")),
                                                           ("other", SiteError("x")))}
    finally:
        for tr in getattr(app, "_faceapp_translators", []):
            app.removeTranslator(tr)
    for kind, text in texts.items():
        first = text.split("\n")[0]
        assert "数据库" not in first and "站点服务器" in first, (kind, text, db_summary)
    assert texts["away"].split("\n")[0] != texts["refused"].split("\n")[0]


def test_a_missing_password_is_a_refused_login_not_an_unreachable_server(pg, site):
    """The sign-in dialog with an empty password said the server was 'unreachable'."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from faceapp.storage.site_pg.errors import SiteRefusedError
    from faceapp.storage.site_pg.server import SiteServer

    with psycopg.connect(site, autocommit=True) as conn:
        conn.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pw_only') THEN "
                     "CREATE ROLE pw_only LOGIN PASSWORD 'secret-pw'; END IF; END $$")
    hba = pg.data / "pg_hba.conf"
    rules = hba.read_text()
    line = "host all pw_only 127.0.0.1/32 scram-sha-256\n"
    if line not in rules:  # this role alone needs a password (the test cluster trusts everyone else)
        hba.write_text(line + rules)
        pg._run("pg_ctl", "-D", str(pg.data), "reload")
    parts = conninfo_to_dict(site)
    with pytest.raises(SiteRefusedError, match="refused the login.*no password supplied"):
        SiteServer.connect(make_conninfo(**{**parts, "host": "127.0.0.1", "user": "pw_only"}))


def test_a_kiosk_name_used_by_another_site_on_the_same_server_is_refused(pg, site):
    """PostgreSQL logins are per server: adding kiosk 'k' to a second site database reset the
    password of the first site's kiosk 'k', which then could not log in any more."""
    from faceapp.storage.site_pg.errors import SiteError
    from faceapp.storage.site_pg.server import SiteServer

    first = add_kiosk(site, "shared-name")
    other = pg.create_db("othersite")
    try:
        with SiteServer.connect(other) as server:
            server.migrate()
            with pytest.raises(SiteError, match="another site database on this server"):
                server.add_kiosk("shared-name")
        with SiteServer.connect(first) as server:  # still logs in, as its own kiosk
            assert server.kiosk_name() == "shared-name"
    finally:
        pg.drop_db(other)


def test_a_kiosk_login_given_as_the_admin_login_says_which_login_is_needed(site, tmp_path):
    """It said 'the site server refused saving master data on the site server: permission
    denied for table employees', not what to use instead."""
    k, kiosk_dsn = joined_kiosk(tmp_path, site, "k")
    enrol_synthetic(k, site, "E1")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FACEAPP_SITE_ADMIN_DSN": kiosk_dsn}
    r = subprocess.run([sys.executable, "-m", "faceapp", "--db", str(k), "employees", "deactivate", "E1"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1, r.stderr
    assert "the site admin's login" in r.stderr and "nothing was changed" in r.stderr, r.stderr
    assert "on the site server: permission" not in r.stderr and "Traceback" not in r.stderr


def test_a_database_without_the_site_schema_says_run_site_init_in_one_line(pg, tmp_path):
    """add-kiosk, kiosks and join on a database where `site init` never ran printed
    PostgreSQL's multi-line 'relation "faceapp.kiosks" does not exist / LINE 1: ... ^'."""
    bare = pg.create_db("nosite")
    try:
        for args in (("site", "add-kiosk", "z", "--dsn", bare), ("site", "kiosks", "--dsn", bare),
                     ("site", "join", "--kiosk", "z", "--dsn", bare)):
            r = _cli(*args, db=tmp_path / "k.db")
            assert r.returncode == 1, (args, r.stderr)
            assert r.stderr.count("\n") == 1 and "faceapp site init" in r.stderr, (args, r.stderr)
    finally:
        pg.drop_db(bare)


def test_the_sign_in_reminder_fits_editing_and_erasing_not_only_enrolling(qtbot):
    """Deactivate, Edit, Erase and settings on a kiosk without the admin login said 'Sign in
    as the site admin to enrol on a site kiosk'."""
    from PySide6.QtWidgets import QApplication

    from faceapp.storage.site_pg.errors import SiteAdminRequiredError
    from faceapp.ui.launch import install_translator
    from faceapp.ui.messages import error_text

    text = error_text(SiteAdminRequiredError("x"))
    assert "enrol" not in text and "change" in text and "Nothing was changed" in text
    app = QApplication.instance()
    assert install_translator(app, "zh_CN")
    try:
        zh = error_text(SiteAdminRequiredError("x"))
    finally:
        for tr in getattr(app, "_faceapp_translators", []):
            app.removeTranslator(tr)
    assert zh != text and "登记" not in zh
