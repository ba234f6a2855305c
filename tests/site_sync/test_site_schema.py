"""The site schema carries every column a kiosk's SQLite has in the synced tables, so a
column a later SQLite migration adds (e.g. 0009_access_holidays) is not silently dropped
on its way to the other kiosks."""

from __future__ import annotations

import sqlite3

from faceapp.storage.db import open_db
from faceapp.storage.site_pg.tables import ALL_TABLES


def test_every_local_column_of_a_synced_table_exists_on_the_server(site, tmp_path):
    from faceapp.storage.site_pg.server import SiteServer

    db = tmp_path / "kiosk.db"
    open_db(db).close()
    local = sqlite3.connect(db)
    with SiteServer.connect(site) as server:
        missing = {}
        for t in ALL_TABLES:
            cols = {r[1] for r in local.execute(f"PRAGMA table_info({t.name})")}
            lost = cols - set(server.columns(t.name)) - set(t.local_only) - ({"id"} if t.kind == "event" else set())
            if lost:
                missing[t.name] = sorted(lost)
    assert missing == {}
