"""site init | add-kiosk | join | kiosks, and sync [--once] | sync status: several kiosks
on one PostgreSQL server (faceapp.sync; README "Several kiosks")."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_CHECK, EXIT_USAGE, context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("site", help="several kiosks on one PostgreSQL server: create it, add kiosks, join one")
    acts = p.add_subparsers(dest="site_action", metavar="ACTION", required=True)
    a = acts.add_parser("init", help="create or update the site schema on the server (admin DSN)")
    a.add_argument("--dsn", required=True, help="PostgreSQL connection string of the site's owner (admin)")
    a.set_defaults(func=cmd_init)
    a = acts.add_parser("add-kiosk", help="create a kiosk's own login; the last line printed is its DSN")
    a.add_argument("name", metavar="NAME", help="1-40 lower-case letters, digits, '-' or '_'")
    a.add_argument("--dsn", required=True, help="the admin DSN")
    a.set_defaults(func=cmd_add_kiosk)
    a = acts.add_parser("kiosks", help="the site's kiosks: last seen and clock offset (admin DSN)")
    a.add_argument("--dsn", required=True)
    a.set_defaults(func=cmd_kiosks)
    a = acts.add_parser("join", help="make this PC's database a kiosk of the site (replica + outbox)")
    a.add_argument("--dsn", required=True, help="the kiosk's DSN printed by `site add-kiosk`")
    a.add_argument("--kiosk", required=True, metavar="NAME")
    a.set_defaults(func=cmd_join)

    p = sub.add_parser("sync", help="sync this kiosk with the site server (default: keep syncing; --once)")
    p.add_argument("what", nargs="?", choices=["status"], help="status: server reachable, last pull, queued events")
    p.add_argument("--once", action="store_true", help="one pull and push, then exit (1 when the server is unreachable)")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between rounds (default 5)")
    p.set_defaults(func=cmd_sync)


def _server(dsn: str):  # noqa: ANN202
    from ..storage.site_pg.server import SiteServer

    return SiteServer.connect(dsn)


def cmd_init(args: argparse.Namespace) -> int:
    with _server(args.dsn) as server:
        done = server.migrate()
        print(f"site schema: {'applied ' + ', '.join(done) if done else 'up to date'} (site id {server.site_id()})")
    return 0


def cmd_add_kiosk(args: argparse.Namespace) -> int:
    from ..storage.site_pg.server import KIOSK_NAME

    if not KIOSK_NAME.match(args.name):  # a malformed name is a usage error (exit 2), found before connecting
        print(f"error: kiosk name {args.name!r}: use 1-40 lower-case letters, digits, '-' or '_'", file=sys.stderr)
        return EXIT_USAGE
    with _server(args.dsn) as server:
        dsn = server.add_kiosk(args.name)
    print(f"kiosk {args.name} added; its login may read the site's master data and add its own events only.")
    print(f"Join it on the kiosk PC with: faceapp site join --kiosk {args.name} --dsn DSN, where DSN is the next "
          "line (it holds the kiosk's password):")
    print(dsn)
    return 0


def cmd_kiosks(args: argparse.Namespace) -> int:
    with _server(args.dsn) as server:
        for name, seen, skew in server.kiosks():
            shown = seen.isoformat(timespec="seconds") if seen else "never"
            off = f", clock {skew:+.1f} s" if skew is not None else ""
            warn = "  WARNING: clock off by more than a minute" if skew is not None and abs(skew) > 60 else ""
            print(f"{name}: last seen {shown}{off}{warn}")
        counts = server.event_counts()
        print("events on the server: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_join(args: argparse.Namespace) -> int:
    from ..sync.engine import join

    ctx = context(args)
    path = ctx.db_path
    ctx.close()
    queued, first = join(path, args.dsn, args.kiosk)
    print(f"{path} joined the site as kiosk {args.kiosk}: {first.pulled} master row(s) pulled, "
          f"{queued} local event(s) queued, {first.pushed} pushed")
    return 0


def _ago(iso: str | None) -> str:
    from datetime import datetime, timezone

    if not iso:
        return "never"
    try:
        secs = (datetime.now(timezone.utc) - datetime.fromisoformat(iso.replace("Z", "+00:00"))).total_seconds()
    except ValueError:
        return "?"
    return f"{secs:.0f} s" if secs < 120 else f"{secs / 60:.0f} min" if secs < 7200 else f"{secs / 3600:.1f} h"


def cmd_sync(args: argparse.Namespace) -> int:
    from ..storage.site_pg.errors import SiteError

    ctx = context(args)
    sync = ctx.site_sync()
    if args.what == "status":
        reachable = sync.reachable()
        st = sync.status()
        print(f"kiosk: {st.kiosk}")
        print(f"server: {'reachable' if reachable else 'UNREACHABLE'}"
              + (f" ({st.last_error})" if not reachable and st.last_error else ""))
        print(f"state: {st.line()}")
        print(f"queued events: {st.queued}" + (f" (oldest queued {st.oldest_queued})" if st.oldest_queued else ""))
        print(f"last pull: {st.last_pull_at or 'never'} (site revision {st.last_rev})")
        print(f"last push: {st.last_push_at or 'never'}")
        print(f"lag: {_ago(st.last_pull_at)} since the last pull"
              + (f", the oldest queued event waits {_ago(st.oldest_queued)}" if st.oldest_queued else ""))
        if st.skew_s is not None:
            warn = "  WARNING: more than a minute off, set the clock" if abs(st.skew_s) > 60 else ""
            print(f"clock offset from the server: {st.skew_s:+.1f} s{warn}")
        return 0 if reachable else EXIT_CHECK
    offline = False
    if not args.once:
        sync.listen(max(0.5, args.interval))  # a master change (an erasure) wakes the loop at once
    while True:  # a service: one line when something moved or the server went away / came back
        try:
            r = sync.sync_once()
            if args.once or offline or r.pulled or r.pushed or r.requeued:
                print(f"pulled {r.pulled} row(s), pushed {r.pushed} event(s)"
                      + (f", re-queued {r.requeued} the server had lost" if r.requeued else "")
                      + f"; {sync.status().queued} queued")
            offline = False
        except SiteError as exc:
            if args.once or not offline:
                print(f"error: {exc}; {sync.status().queued} event(s) stay queued", file=sys.stderr)
            offline = True
            if args.once:
                return EXIT_CHECK
        if args.once:
            return 0
        sys.stdout.flush()
        sync.wake.wait(max(0.5, args.interval))
        sync.wake.clear()
