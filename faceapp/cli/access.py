"""access: door access groups, assignments and the access log from the command line."""

from __future__ import annotations

import argparse
import json
import sys

MAX_LOG_ROWS = 100_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("access", help="door access groups, who is in them, and the access log")
    acts = p.add_subparsers(dest="access_action", metavar="ACTION", required=True)
    a = acts.add_parser("groups", help="list access groups and their weekly schedules")
    a.set_defaults(func=cmd_groups)
    a = acts.add_parser("add-group", help="create a group with a weekly schedule")
    a.add_argument("name")
    a.add_argument("--schedule", required=True,
                   help='JSON, e.g. \'{"mon": ["08:00-18:00"], "sat": ["22:00-06:00"]}\' '
                        '(site time zone; a window may cross midnight), or "always"')
    a.add_argument("--closed-on-holidays", action="store_true",
                   help="no access on the dates of `faceapp holiday list`")
    a.set_defaults(func=cmd_add_group)
    a = acts.add_parser("delete-group", help="delete a group (its members lose it)")
    a.add_argument("name")
    a.set_defaults(func=cmd_delete_group)
    a = acts.add_parser("assign", help="set an employee's groups (none: no door access)")
    a.add_argument("number", help="employee number")
    a.add_argument("groups", nargs="*", metavar="GROUP")
    a.set_defaults(func=cmd_assign)
    a = acts.add_parser("log", help="recent access attempts, newest first")
    a.add_argument("--limit", type=int, default=50, help="at most this many rows (1..100000, default 50)")
    a.add_argument("--denied", action="store_true", help="only denied attempts")
    a.set_defaults(func=cmd_log)


def _ctx(args, reads_only: bool = False):
    from .common import context

    return context(args, reads_only=reads_only)


def _group(ctx, name: str):
    from ..shared.errors import FaceAppError

    for g in ctx.repo.list_access_groups():
        if g.name.lower() == name.lower():
            return g
    raise FaceAppError(f"no access group named {name!r} (see `faceapp access groups`)")


def cmd_groups(args: argparse.Namespace) -> int:
    ctx = _ctx(args, reads_only=True)
    groups = ctx.repo.list_access_groups()
    for g in groups:
        members = ctx.repo.access_group_members(g.id)
        closed = ", closed on public holidays" if g.holidays_closed else ""
        print(f"{g.name}: {json.dumps(g.schedule.to_dict())} ({len(members)} member(s){closed})")
    if not groups:
        print("no access groups: nobody is let in until one is created and assigned")
    return 0


def cmd_add_group(args: argparse.Namespace) -> int:
    from ..access.rules import ScheduleError, WeeklySchedule
    from ..shared.errors import InvalidValueError

    try:  # a malformed schedule is a usage error (exit 2), checked before the database is opened
        if args.schedule.strip().lower() == "always":
            schedule = WeeklySchedule.always()
        else:
            schedule = WeeklySchedule.from_json(args.schedule)
    except ScheduleError as exc:
        raise InvalidValueError(f"--schedule refused: {exc}") from None
    ctx = _ctx(args)
    g = ctx.repo.create_access_group(args.name, schedule, actor="cli", holidays_closed=args.closed_on_holidays)
    print(f"created access group {g.name}")
    return 0


def cmd_delete_group(args: argparse.Namespace) -> int:
    ctx = _ctx(args)
    n = ctx.repo.delete_access_group(_group(ctx, args.name).id, actor="cli")
    print(f"deleted access group {args.name} ({n} member(s) lost it)")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    from .attendance import _find

    ctx = _ctx(args)
    emp = _find(ctx, args.number)
    groups = ctx.repo.set_employee_access_groups(emp.id, [_group(ctx, g).id for g in args.groups], actor="cli")
    print(f"{emp.name} (no. {emp.number}): {', '.join(g.name for g in groups) or 'no door access'}")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    from ..shared.errors import InvalidValueError

    if not 1 <= args.limit <= MAX_LOG_ROWS:
        raise InvalidValueError(f"--limit {args.limit}: allowed range is 1..{MAX_LOG_ROWS}")
    ctx = _ctx(args, reads_only=True)
    rows = ctx.repo.access_log(None, None, granted=False if args.denied else None, limit=args.limit)
    for a in rows:
        who = f"{a.employee_name} (no. {a.employee_number})" if a.employee_id is not None else "unknown face"
        door = f" (door {a.relay})" if a.granted and a.relay else ""  # opened, failed: ..., no door, pending
        print(f"{a.ts.isoformat(timespec='seconds')}  {'GRANTED' if a.granted else 'denied '}{door}  {who}  "
              f"{a.reason}  distance {a.score:.3f}  {a.source}")
    if not rows:
        print("no access attempts recorded", file=sys.stderr)
    return 0
