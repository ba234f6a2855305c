"""Kiosks for the site tests: a joined SQLite database per kiosk, people enrolled through
the kiosk's own gate (the admin login publishes them), events written as the app does."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ADMIN_ENV = "FACEAPP_SITE_ADMIN_DSN"


def add_kiosk(admin_dsn: str, name: str) -> str:
    from faceapp.storage.site_pg.server import SiteServer

    with SiteServer.connect(admin_dsn) as server:
        return server.add_kiosk(name)


def joined_kiosk(tmp_path: Path, admin_dsn: str, name: str) -> tuple[Path, str]:
    """A new kiosk database joined to the site: (its path, the kiosk's DSN)."""
    from faceapp.storage.db import open_db
    from faceapp.sync.engine import join

    dsn = add_kiosk(admin_dsn, name)
    db = tmp_path / f"{name}.db"
    open_db(db).conn.close()
    join(db, dsn, name)
    return db, dsn


def context(db: Path):  # noqa: ANN201
    from faceapp.app import build_context

    return build_context(db, allow_new_db=True)


def enrol_synthetic(db: Path, admin_dsn: str, number: str, n_templates: int = 2, seed: int = 0):  # noqa: ANN201
    """A person with random templates, enrolled on the kiosk (published with the admin login)."""
    os.environ[ADMIN_ENV] = admin_dsn
    ctx = context(db)
    try:
        rng = np.random.default_rng(seed)
        emb = rng.normal(size=(n_templates, 128)).astype(np.float32)
        return ctx.repo.enrol(number, f"Person {number}", "Dept", datetime.now(timezone.utc), emb,
                              [0.9] * n_templates, "test-model")
    finally:
        os.environ.pop(ADMIN_ENV, None)
        ctx.close()


def book(db: Path, employee_id: int, n: int, start: datetime | None = None) -> None:
    """n attendance events, a minute apart (the app's own write: the outbox trigger queues them)."""
    from faceapp.shared.records import AttendanceEvent

    ctx = context(db)
    try:
        t0 = start or datetime.now(timezone.utc) - timedelta(minutes=n + 1)
        for i in range(n):
            ctx.repo.add_attendance(AttendanceEvent(employee_id, t0 + timedelta(minutes=i), "in" if i % 2 == 0 else "out",
                                                    "test"))
    finally:
        ctx.close()


def server_events(admin_dsn: str, table: str = "attendance") -> list[tuple]:
    import psycopg

    with psycopg.connect(admin_dsn) as conn:
        return conn.execute(f"SELECT kiosk, local_id FROM faceapp.{table} ORDER BY kiosk, local_id").fetchall()


def seed_people(admin_dsn: str, people: int, templates_each: int, dim: int = 512, first_id: int = 1000) -> int:
    """People and templates written straight on the server by an admin tool (faster than
    enrolling each through a kiosk): returns the site revision after it."""
    from faceapp.storage.site_pg.records import MasterChange
    from faceapp.storage.site_pg.server import SiteServer

    rng = np.random.default_rng(first_id)
    now = datetime.now(timezone.utc).isoformat()
    changes = []
    tid = first_id * 10
    for i in range(people):
        eid = first_id + i
        changes.append(MasterChange("employees", {"id": eid}, {
            "id": eid, "number": f"S{eid}", "name": f"Seeded {eid}", "department": "", "active": 1,
            "consent_at": now, "created_at": now, "updated_at": now}))
        for _ in range(templates_each):
            tid += 1
            changes.append(MasterChange("templates", {"id": tid}, {
                "id": tid, "employee_id": eid, "embedding": rng.normal(size=dim).astype(np.float32).tobytes(),
                "dim": dim, "model_id": "test-model", "quality": 0.9, "created_at": now}))
    with SiteServer.connect(admin_dsn) as server:
        return server.publish(changes, server.max_rev(), ())
