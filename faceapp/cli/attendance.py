"""enroll, identify and export-csv (and employees, see cli.employees): attendance from the command line."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from ..shared.errors import InvalidValueError
from . import employees
from .employees import find_employee as _find
from .common import EXIT_CHECK, context

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enroll", help="enrol an employee from one or more photos")
    p.add_argument("--name", required=True)
    p.add_argument("--number", required=True, help="employee number (unique)")
    p.add_argument("--department", default="")
    p.add_argument("--consent", action="store_true",
                   help="confirm the person consented to face enrolment (required)")
    p.add_argument("--allow-similar", action="store_true",
                   help="save although the person looks similar to someone enrolled (audited); clear "
                        "duplicates are always refused")
    p.add_argument("photos", nargs="+", metavar="PHOTO")
    p.set_defaults(func=cmd_enroll)

    employees.register(sub)

    p = sub.add_parser("identify", help="recognise faces in a photo or video and record attendance")
    p.add_argument("source", metavar="IMG|VIDEO", help="photo, video file, camera index or stream URL")
    p.add_argument("--start", default=None,
                   help="wall-clock time of the video's first frame, ISO 8601 with offset (default: now)")
    p.add_argument("--max-frames", type=int, default=0, help="stop after this many frames (cameras)")
    p.set_defaults(func=cmd_identify)

    p = sub.add_parser("export-csv", help="export attendance to CSV (UTF-8 with BOM, for Excel/payroll)")
    p.add_argument("--from", dest="first", default=None, help="first day YYYY-MM-DD (site's local day)")
    p.add_argument("--to", dest="last", default=None, help="last day YYYY-MM-DD, inclusive")
    p.add_argument("--out", required=True)
    p.add_argument("--summary", action="store_true", help="one row per employee per day instead of raw events")
    p.add_argument("--employee", action="append", default=None, metavar="NUMBER", help="repeatable")
    p.add_argument("--department", default=None,
                   help="employees whose department contains this text, any case (as the log page)")
    p.add_argument("--layout", choices=["iso", "excel"], default="iso",
                   help="iso: ISO 8601 timestamps, for programs (default); excel: local date and time in "
                        "separate columns and employee numbers kept as text (\"0042\"), ISO timestamp last")
    p.set_defaults(func=cmd_export)


def cmd_enroll(args: argparse.Namespace) -> int:
    from .common import EXIT_INPUT, EXIT_NOFACE
    from ..services.enrolment import consent_now

    if not args.consent:
        print("error: record the person's consent with --consent before enrolling", file=sys.stderr)
        return 2
    ctx = context(args)
    svc = ctx.enrolment()
    checks = svc.check_photos(args.photos)
    for c in checks:
        print(f"{c.source}: {'ok' if c.ok else '; '.join(c.problems)}")
    unreadable = [c for c in checks if c.unreadable]
    good = [c.face for c in checks if c.ok]
    if not good:
        print("error: no usable photo (see above)", file=sys.stderr)
        return EXIT_INPUT if unreadable and len(unreadable) == len(checks) else EXIT_NOFACE
    emp = svc.enrol(args.number, args.name, args.department, good, consent_at=consent_now(), actor="cli",
                    allow_similar=args.allow_similar)
    print(f"enrolled {emp.name} (no. {emp.number}, id {emp.id}) with {len(good)} sample(s)")
    return 0


def _is_image(src: str) -> bool:
    return Path(src).suffix.lower() in {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm"}


def cmd_identify(args: argparse.Namespace) -> int:
    from ..hardware.capture import CaptureThread
    from ..services.recognition import LiveLoop, now_utc

    start = _start(args.start)
    ctx = context(args)
    if _is_image(args.source):
        return _identify_image(ctx, args.source, start or now_utc())
    name = f"cli:{Path(args.source).name}" if not args.source.isdigit() else f"camera {args.source}"
    # every decision is also an access attempt: logged, and the door pulsed when one is configured
    service = ctx.recognition(source=name, access=True)
    cap = CaptureThread(args.source, realtime=False).start()
    results = []

    future: list[datetime] = []

    def publish(r) -> None:
        for a in r.announcements:
            print(f"{a.ts.astimezone(service.rules.tz).isoformat(timespec='seconds')}  {a.message}")
            if not future and a.ts > now_utc() + START_TOLERANCE:  # a video running past the present
                future.append(a.ts)
                print(f"warning: events from {a.ts.isoformat(timespec='seconds')} on lie in the future "
                      "(--start plus the position in the video); they are recorded as stamped", file=sys.stderr)
        results.append(r.index)
        if args.max_frames and len(results) >= args.max_frames:
            cap.stop()

    is_file = cap.is_file
    loop = LiveLoop(service, cap, publish, start_time=(start or now_utc()) if is_file else None).start()
    try:
        # Not loop.join(): a Ctrl+C or SIGTERM that interrupts Thread.join() can leave the
        # thread marked as ended while it still runs (CPython), so stop() would not wait
        # for it and the exit would abort inside ONNX Runtime. An interrupted sleep is harmless.
        while loop.is_alive():
            time.sleep(0.1)
    except KeyboardInterrupt as exc:  # Ctrl+C ends a camera run normally
        loop.stop()
        if getattr(exc, "signum", None):  # a stop signal (SIGTERM, ...): exit 128 + signal, the door released
            _save_decided_events(ctx, timeout_s=5.0)
            raise
    if loop.error is not None:
        raise loop.error
    print(f"{loop.frames} frame(s) processed, {cap.stats.dropped} dropped")
    ctx.let_door_finish()
    return 0 if _save_decided_events(ctx) else EXIT_CHECK


# How long identify waits at the end for a busy or full database to take the decided events.
SAVE_TIMEOUT_S = 300.0


def _save_decided_events(ctx, timeout_s: float | None = None) -> bool:  # noqa: ANN001
    """Wait until the events that waited for the database are written; if it stays busy or
    full, list the ones that are not (the only record left of them) and return False."""
    timeout_s = SAVE_TIMEOUT_S if timeout_s is None else timeout_s
    writes = ctx.pending_writes()
    waiting = writes.state().waiting
    if not waiting:
        return True
    print(f"waiting up to {timeout_s:.0f} s for the database to save {waiting} decided event(s) "
          f"({writes.state().last_error})", file=sys.stderr)
    if writes.drain(timeout_s):
        print(f"saved the {waiting} event(s) that waited for the database", file=sys.stderr)
        return True
    lost = writes.waiting()
    for what in lost:
        print(f"NOT SAVED: {what}", file=sys.stderr)
    print(f"error: {len(lost)} decided event(s) could not be saved (listed above): "
          f"{writes.state().last_error}", file=sys.stderr)
    return False


def _identify_image(ctx, path: str, ts: datetime) -> int:
    """A still photo is one deliberate presentation: decide on that single frame."""
    from ..vision.imageio import read_image

    settings = ctx.settings.replace(min_decision_frames=1, decision_window_frames=1)  # one look, at the photo
    service = ctx.recognition(f"cli:{Path(path).name}", access=True, settings=settings)
    _, anns = service.process(read_image(path), 0, ts)
    anns += service.finish(ts)
    if not anns:
        print(f"{path}: no face found")
    for a in anns:
        print(f"{a.ts.astimezone(service.rules.tz).isoformat(timespec='seconds')}  {a.message}")
    ctx.let_door_finish()  # the granted person gets the whole pulse
    return 0 if _save_decided_events(ctx) else EXIT_CHECK


# --start may be this far ahead of the PC's clock (another device's clock, a rounded time).
START_TOLERANCE = timedelta(minutes=5)
EARLIEST_START = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _start(text: str | None, now: datetime | None = None) -> datetime | None:
    """--start: an ISO 8601 time with its UTC offset (a video has no time zone of its own).
    A time in the future is refused (exit 2): attendance is what happened, and one event
    a year ahead (a typo) would sit in the records; so is one before 1970 (a typo too)."""
    if not text:
        return None
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(f"--start {text}: not an ISO 8601 time, e.g. 2026-11-23T08:59:00+01:00") from None
    if start.tzinfo is None:
        raise InvalidValueError("--start needs a UTC offset, e.g. 2026-11-23T08:59:00+01:00")
    try:
        utc = start.astimezone(timezone.utc)
    except OverflowError:
        utc = None
    if utc is None or utc < EARLIEST_START:
        raise InvalidValueError(f"--start {text}: before 1970, check the year")
    now = now or datetime.now(timezone.utc)
    if utc > now + START_TOLERANCE:
        shown = now.astimezone(start.tzinfo).isoformat(timespec="seconds")
        raise InvalidValueError(f"--start {text} is in the future (it is now {shown}): check the date")
    return start


def _day(text: str | None, flag: str) -> date | None:
    """--from/--to: a bad day is a usage error (exit 2), not a traceback."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(f"{flag} {text}: not a date, use YYYY-MM-DD") from None


def cmd_export(args: argparse.Namespace) -> int:
    from ..attendance.rules import AttendanceRules

    first, last = _day(args.first, "--from"), _day(args.last, "--to")
    if first and last and first > last:
        raise InvalidValueError(f"--from {first} is after --to {last}: nothing to export")
    ctx = context(args, reads_only=True)
    rules = AttendanceRules.from_settings(ctx.settings.attendance)
    ids = [_find(ctx, n).id for n in args.employee] if args.employee else None
    reports = ctx.reports()
    n = reports.export_csv(rules, args.out, first, last, ids, args.department, args.summary, layout=args.layout)
    print(f"wrote {n} row(s) to {args.out}")
    if reports.site.offline_since is not None:  # a site kiosk, the server away: its own events (exit 0)
        from ..services.site_fallback import offline_note

        print(f"warning: {offline_note(reports.site.offline_since)}", file=sys.stderr)
    return 0
