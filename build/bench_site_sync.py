"""Site sync benchmark on a throwaway local PostgreSQL cluster (tests/site_sync/pgcluster):
N simulated kiosks with E queued events each push at once (time, events/s, and that the
server holds exactly N x E rows), then a new kiosk pulls T templates (time). Prints
figures; not a test.

    PYTHONPATH=. python build/bench_site_sync.py [--kiosks 10] [--events 1000] [--templates 10000]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FACEAPP_STATE_DIR", tempfile.mkdtemp(prefix="faceapp-bench-state-"))
from faceapp.storage.db import open_db  # noqa: E402
from faceapp.sync import SiteSync  # noqa: E402
from tests.site_sync.helpers import joined_kiosk, seed_people, server_events  # noqa: E402
from tests.site_sync.pgcluster import PgCluster, missing_reason  # noqa: E402


def queue_events(db: Path, employee_id: int, n: int) -> None:
    """n attendance rows in one local transaction (the outbox trigger queues each)."""
    t0 = datetime.now(timezone.utc) - timedelta(days=30)
    conn = open_db(db).conn
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO attendance (employee_id, ts, kind, source, score, margin) VALUES (?, ?, ?, 'bench', 0.3, 0.2)",
                     [(employee_id, (t0 + timedelta(minutes=i)).isoformat(timespec="microseconds"),
                       "in" if i % 2 == 0 else "out") for i in range(n)])
    conn.execute("COMMIT")
    queued = conn.execute("SELECT count(*) FROM site_outbox").fetchone()[0]
    conn.close()
    assert queued == n, (queued, n)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiosks", type=int, default=10)
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--templates", type=int, default=10000)
    ap.add_argument("--no-fsync", action="store_true", help="PostgreSQL without fsync (as the tests run it)")
    args = ap.parse_args()
    reason = missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="faceapp-bench-site-"))
    pg = PgCluster(durable=not args.no_fsync)
    pg.start()
    try:
        from faceapp.storage.site_pg.server import SiteServer

        admin = pg.create_db("bench")
        with SiteServer.connect(admin) as server:
            server.migrate()
        seed_people(admin, 1, 1, first_id=1)
        kiosks = [joined_kiosk(work, admin, f"k{i:02d}")[0] for i in range(args.kiosks)]
        for db in kiosks:
            queue_events(db, 1, args.events)
        syncs = [SiteSync(db) for db in kiosks]
        errors: list[BaseException] = []

        def push(s: SiteSync) -> None:
            try:
                s.sync_once()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=push, args=(s,)) for s in syncs]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        push_s = time.perf_counter() - t
        total = args.kiosks * args.events
        on_server = len(server_events(admin))
        left = sum(s.status().queued for s in syncs)
        for s in syncs:
            s.close()
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
              f"PostgreSQL local (Unix socket, fsync {'off' if args.no_fsync else 'on'}), SQLite in {work}")
        print(f"push: {args.kiosks} kiosks x {args.events:,} queued events at once: {push_s:.2f} s, "
              f"{total / push_s:,.0f} events/s; server holds {on_server:,} rows (expected {total:,}), "
              f"{left} still queued, {len(errors)} error(s)")

        rev = seed_people(admin, args.templates // 5, 5, first_id=100_000)
        t = time.perf_counter()
        new, _ = joined_kiosk(work, admin, "fresh")
        pull_s = time.perf_counter() - t
        conn = sqlite3.connect(new)
        n_templates = conn.execute("SELECT count(*) FROM templates").fetchone()[0]
        conn.close()
        print(f"pull: a new kiosk joined and pulled {n_templates:,} templates (512-d, "
              f"{args.templates // 5:,} people) in {pull_s:.2f} s (site revision {rev:,})")
        return 0 if on_server == total and not errors and left == 0 else 1
    finally:
        pg.destroy()


if __name__ == "__main__":
    sys.exit(main())
