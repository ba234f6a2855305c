"""A real PostgreSQL server for the site tests, started once per session (skipped, saying
why, where PostgreSQL or psycopg is missing)."""

from __future__ import annotations

import itertools

import pytest

from .pgcluster import PgCluster, missing_reason

_N = itertools.count()


@pytest.fixture(scope="session")
def pg():
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    cluster = PgCluster()
    cluster.start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def site(pg):
    """A new site database with the schema, and its admin DSN."""
    from faceapp.storage.site_pg.server import SiteServer

    dsn = pg.create_db(f"site{next(_N)}")
    with SiteServer.connect(dsn) as server:
        server.migrate()
    yield dsn
    pg.drop_db(dsn)  # its kiosk logins (per server) may serve the next test's site
