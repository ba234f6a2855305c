"""`faceapp timetable|shift|holiday|leave|punch ...`: time-keeping rules and punch corrections
from the command line, each action a subcommand with its own --help (as `employees`).
Bad input is one line and exit 2 (TimekeepingRuleError and the service's errors are
InvalidValueError)."""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime, timedelta, timezone

from ..shared.errors import InvalidValueError
from ..timekeeping.rules import (LATE_ABSENT_AS, LEAVE_KINDS, ROUND_MODES, Assignment, Holiday, Rounding, Shift,
                                 Timetable, parse_hhmm)
from .common import context, print_list

FUTURE_TOLERANCE = timedelta(minutes=5)


def day_arg(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(f"{flag} {text}: not a date, use YYYY-MM-DD") from None


def _rounding(text: str | None, flag: str) -> Rounding:
    if not text:
        return Rounding()
    m = re.fullmatch(r"(\d+):(\w+)", text.strip())
    if not m or m.group(2) not in ROUND_MODES:
        raise InvalidValueError(f"{flag} {text}: use MINUTES:up|down|nearest, e.g. 15:nearest")
    return Rounding(int(m.group(1)), m.group(2))  # type: ignore[arg-type]


def _window(text: str | None, flag: str) -> tuple[int, int] | None:
    if not text:
        return None
    m = re.fullmatch(r"(\d+),(\d+)", text.strip())
    if not m:
        raise InvalidValueError(f"{flag} {text}: use BEFORE,AFTER in minutes, e.g. 120,240")
    return int(m.group(1)), int(m.group(2))


def _days(text: str) -> tuple[str | None, ...]:
    """"Day*5,off*2" -> ("Day",) * 5 + (None,) * 2."""
    out: list[str | None] = []
    for part in (p.strip() for p in text.split(",")):
        name, _, times = part.partition("*")
        if not name.strip() or (times and not times.strip().isdigit()):
            raise InvalidValueError(f"--days {text}: use timetable names or off, e.g. Day*5,off*2")
        n = int(times) if times else 1
        out += [None if name.strip().lower() == "off" else name.strip()] * n
    return tuple(out)


def register(sub: argparse._SubParsersAction) -> None:
    _register_timetable(sub)
    _register_shift(sub)
    _register_holiday(sub)
    _register_leave(sub)
    _register_punch(sub)


def _register_timetable(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("timetable", help="working-day rules: start, end, windows, break, grace, rounding, overtime")
    acts = p.add_subparsers(dest="timetable_action", metavar="ACTION", required=True)
    a = acts.add_parser("add", help="add a timetable",
                        description="A fixed timetable (--start/--end) or a flexible one (--flexible "
                                    "--required-hours H). Minutes are whole minutes.")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--start", default="09:00", help="HH:MM (default 09:00)")
    a.add_argument("--end", default="17:00", help="HH:MM (default 17:00)")
    a.add_argument("--crosses-midnight", action="store_true", help="ends the next day (a night shift)")
    a.add_argument("--in-window", metavar="BEFORE,AFTER",
                   help="punches this many minutes before/after the start are check-ins (default 120,half the shift)")
    a.add_argument("--out-window", metavar="BEFORE,AFTER",
                   help="punches this many minutes before/after the end are check-outs (default half the shift,240)")
    a.add_argument("--break", dest="break_minutes", type=int, default=0, metavar="MIN", help="unpaid break")
    a.add_argument("--break-must-punch", action="store_true",
                   help="deduct the punched break (out and in) instead of the fixed minutes, when punched")
    a.add_argument("--late-grace", type=int, default=0, metavar="MIN")
    a.add_argument("--early-grace", type=int, default=0, metavar="MIN")
    a.add_argument("--late-absent-after", type=int, default=None, metavar="MIN",
                   help="late by more than this counts as absent (see --late-absent-as)")
    a.add_argument("--late-absent-as", choices=LATE_ABSENT_AS, default="absent")
    a.add_argument("--round-in", metavar="MIN:MODE", help="round check-ins, e.g. 15:up (modes up, down, nearest)")
    a.add_argument("--round-out", metavar="MIN:MODE", help="round check-outs, e.g. 15:down")
    a.add_argument("--ot-after", type=int, default=None, metavar="MIN",
                   help="overtime counts from this many minutes after the end (default: no overtime)")
    a.add_argument("--ot-before", type=int, default=None, metavar="MIN",
                   help="overtime also counts before the start, from this many minutes before it")
    a.add_argument("--min-ot", type=int, default=0, metavar="MIN", help="a day's overtime below this is dropped")
    a.add_argument("--flexible", action="store_true", help="no fixed start: required hours per day")
    a.add_argument("--required-hours", type=float, default=None, metavar="H", help="flexible: hours per day")
    a.set_defaults(func=cmd_timetable_add)
    a = acts.add_parser("list", help="the timetables")
    a.set_defaults(func=cmd_timetable_list)


def _register_shift(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("shift", help="shifts (weekly or N-day rotations of timetables) and who works them")
    acts = p.add_subparsers(dest="shift_action", metavar="ACTION", required=True)
    a = acts.add_parser("add", help="add a shift",
                        description="--days lists the cycle's days: timetable names or off, NAME*N repeats "
                                    "(weekly: 7 days from Monday, e.g. Day*5,off*2; rotation: any length, "
                                    "counted from each assignment's first day, e.g. Day*4,off*4).")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--days", required=True, metavar="LIST")
    a.add_argument("--rotation", action="store_true", help="an N-day rotation instead of a week")
    a.set_defaults(func=cmd_shift_add)
    a = acts.add_parser("list", help="the shifts and their assignments")
    a.set_defaults(func=cmd_shift_list)
    a = acts.add_parser("assign", help="assign a shift to an employee or a department from a day",
                        description="An employee's own assignment beats their department's; a --temporary "
                                    "one (with --to) beats both for its days.")
    a.add_argument("shift", metavar="SHIFT")
    who = a.add_mutually_exclusive_group(required=True)
    who.add_argument("--employee", metavar="NUMBER")
    who.add_argument("--department", metavar="DEPARTMENT", help="the exact department name")
    a.add_argument("--from", dest="first", required=True, metavar="DAY", help="first day YYYY-MM-DD")
    a.add_argument("--to", dest="last", default=None, metavar="DAY", help="last day (default: open-ended)")
    a.add_argument("--temporary", action="store_true", help="a temporary schedule for --from..--to")
    a.set_defaults(func=cmd_shift_assign)


def _register_holiday(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("holiday", help="public holidays of the site")
    acts = p.add_subparsers(dest="holiday_action", metavar="ACTION", required=True)
    a = acts.add_parser("add", help="add (or rename) a public holiday")
    a.add_argument("day", metavar="DAY", help="YYYY-MM-DD")
    a.add_argument("name", metavar="NAME")
    a.set_defaults(func=cmd_holiday_add)
    a = acts.add_parser("import", help="add public holidays from a CSV file (header date,name)")
    a.add_argument("file", metavar="HOLIDAYS.csv")
    a.set_defaults(func=cmd_holiday_import)
    a = acts.add_parser("list", help="the public holidays")
    a.set_defaults(func=cmd_holiday_list)


def _register_leave(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("leave", help="leave of an employee")
    acts = p.add_subparsers(dest="leave_action", metavar="ACTION", required=True)
    a = acts.add_parser("add", help="record leave for one day or a range of days")
    a.add_argument("number", metavar="NUMBER", help="employee number")
    a.add_argument("--from", dest="first", required=True, metavar="DAY")
    a.add_argument("--to", dest="last", default=None, metavar="DAY", help="last day (default: --from)")
    a.add_argument("--type", dest="kind", choices=LEAVE_KINDS, default="annual")
    a.add_argument("--half", action="store_true", help="half a day")
    pay = a.add_mutually_exclusive_group()
    pay.add_argument("--paid", dest="paid", action="store_true", default=None)
    pay.add_argument("--unpaid", dest="paid", action="store_false", help="(default for --type unpaid)")
    a.add_argument("--note", default="")
    a.set_defaults(func=cmd_leave_add)


def _register_punch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("punch", help="correct punches: add a missing one, void a wrong one, restore it")
    acts = p.add_subparsers(dest="punch_action", metavar="ACTION", required=True)
    a = acts.add_parser("list", help="an employee's punches with their ids")
    a.add_argument("number", metavar="NUMBER")
    a.add_argument("--from", dest="first", required=True, metavar="DAY")
    a.add_argument("--to", dest="last", default=None, metavar="DAY")
    a.set_defaults(func=cmd_punch_list)
    for action, what in (("add", "add a missing punch"), ("void", "void a wrong punch (it stays in the log)"),
                         ("restore", "restore a voided punch")):
        a = acts.add_parser(action, help=what + " (with --reason and --by, audited)")
        if action == "add":
            a.add_argument("number", metavar="NUMBER", help="employee number")
            a.add_argument("--at", required=True, metavar="TIME",
                           help="ISO 8601, e.g. 2026-06-01T17:30 (site time) or with an offset")
            a.add_argument("--kind", choices=("in", "out"), default=None,
                           help="for the log (default: in when it is the day's first punch, else out)")
        else:
            a.add_argument("punch_id", type=int, metavar="ID", help="the punch's id (faceapp punch list)")
        a.add_argument("--reason", default=None, help="why (required)")
        a.add_argument("--by", default=None, metavar="NAME", help="who corrects (required)")
        a.set_defaults(func=cmd_punch, action=action)


# -- commands ----------------------------------------------------------------------------------------------

def cmd_timetable_add(args: argparse.Namespace) -> int:
    start, end = parse_hhmm(args.start, "--start"), parse_hhmm(args.end, "--end")
    common = dict(break_minutes=args.break_minutes, break_must_punch=args.break_must_punch,
                  late_grace=args.late_grace, early_grace=args.early_grace, ot_after=args.ot_after,
                  min_ot=args.min_ot, round_in=_rounding(args.round_in, "--round-in"),
                  round_out=_rounding(args.round_out, "--round-out"))
    if args.flexible:
        if not args.required_hours or args.required_hours <= 0 or args.required_hours > 24:
            raise InvalidValueError("--flexible needs --required-hours between 0 and 24")
        tt = Timetable(args.name, kind="flexible", required_minutes=round(args.required_hours * 60), **common)
    else:
        a, b = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        span = b - a + (24 * 60 if args.crosses_midnight else 0)
        half = max(span, 0) // 2
        in_w = _window(args.in_window, "--in-window") or (120, half)
        out_w = _window(args.out_window, "--out-window") or (max(span, 0) - half, min(240, max(0, 24 * 60 - 121 - span)))
        tt = Timetable(args.name, start, end, args.crosses_midnight, in_w[0], in_w[1], out_w[0], out_w[1],
                       late_absent_after=args.late_absent_after, late_absent_as=args.late_absent_as,
                       ot_before=args.ot_before, **common)
    context(args).timekeeping().add_timetable(tt, actor="cli")
    print(f"added timetable {tt.name}: {_describe(tt)}")
    return 0


def _describe(tt: Timetable) -> str:
    if tt.flexible:
        head = f"flexible, {tt.required_minutes / 60:g} h a day"
    else:
        head = (f"{tt.start:%H:%M}-{tt.end:%H:%M}{' (+1 day)' if tt.crosses_midnight else ''}, "
                f"in {tt.in_before}/{tt.in_after} min, out {tt.out_before}/{tt.out_after} min")
    parts = [head, f"break {tt.break_minutes} min{' (punched)' if tt.break_must_punch else ''}",
             f"grace {tt.late_grace}/{tt.early_grace} min"]
    if tt.round_in.unit or tt.round_out.unit:
        parts.append(f"rounding in {tt.round_in.unit}:{tt.round_in.mode} out {tt.round_out.unit}:{tt.round_out.mode}")
    if tt.ot_after is not None or tt.ot_before is not None:
        end = "past the required hours" if tt.flexible else "after the end"
        when = [f"{tt.ot_after} min {end}"] if tt.ot_after is not None else []
        when += [f"{tt.ot_before} min before the start"] if tt.ot_before is not None else []
        parts.append(f"overtime from {' and '.join(when)}, minimum {tt.min_ot} min")
    if tt.late_absent_after is not None:
        parts.append(f"late > {tt.late_absent_after} min = {tt.late_absent_as.replace('_', ' ')}")
    return ", ".join(parts)


def cmd_timetable_list(args: argparse.Namespace) -> int:
    tts = context(args, reads_only=True).timekeeping().timetables()
    return print_list(list(tts.values()), lambda tt: f"{tt.name}: {_describe(tt)}", "timetable(s)")


def cmd_shift_add(args: argparse.Namespace) -> int:
    shift = Shift(args.name, "rotation" if args.rotation else "weekly", _days(args.days))
    context(args).timekeeping().add_shift(shift, actor="cli")
    print(f"added shift {shift.name}: {shift.kind}, {len(shift.days)} days")
    return 0


def cmd_shift_list(args: argparse.Namespace) -> int:
    ctx = context(args, reads_only=True)
    svc = ctx.timekeeping()
    for s in svc.shifts().values():
        print(f"{s.name}: {s.kind}, " + ",".join(d or "off" for d in s.days))
    names = {e.id: e.number for e in ctx.employees().list()}
    for a in svc.assignments():
        who = f"employee {names.get(a.employee_id, a.employee_id)}" if a.employee_id is not None \
            else f"department {a.department}"
        until = f" to {a.end}" if a.end else ""
        print(f"  {a.shift} -> {who} from {a.start}{until}{' (temporary)' if a.temporary else ''}")
    return 0


def cmd_shift_assign(args: argparse.Namespace) -> int:
    ctx = context(args)
    svc = ctx.timekeeping()
    first, last = day_arg(args.first, "--from"), day_arg(args.last, "--to")
    emp_id = svc.people([args.employee])[0].id if args.employee else None
    a = svc.assign(Assignment(args.shift, first, emp_id, args.department, last, args.temporary), actor="cli")
    print(f"assigned {a.shift} to {'employee ' + args.employee if args.employee else 'department ' + args.department} "
          f"from {a.start}{' to ' + str(a.end) if a.end else ''}")
    return 0


def cmd_holiday_add(args: argparse.Namespace) -> int:
    day = day_arg(args.day, "DAY")
    context(args).timekeeping().add_holidays([Holiday(day, args.name)], actor="cli")
    print(f"holiday {day}: {args.name}")
    return 0


def cmd_holiday_import(args: argparse.Namespace) -> int:
    n = context(args).timekeeping().import_holidays(args.file, actor="cli")
    print(f"imported {n} holiday(s)")
    return 0


def cmd_holiday_list(args: argparse.Namespace) -> int:
    hs = context(args, reads_only=True).timekeeping().holidays()
    return print_list(list(hs.values()), lambda h: f"{h.day}  {h.name}", "holiday(s)")


def cmd_leave_add(args: argparse.Namespace) -> int:
    ctx = context(args)
    svc = ctx.timekeeping()
    emp = svc.people([args.number])[0]
    first = day_arg(args.first, "--from")
    last = day_arg(args.last, "--to") or first
    n = svc.add_leave(emp.id, first, last, args.kind, "half" if args.half else "full", args.paid, args.note,
                      actor="cli")
    print(f"recorded {n} day(s) of {args.kind} leave for {emp.name} (no. {emp.number})")
    return 0


def punch_time(text: str, tz, now: datetime | None = None) -> datetime:  # noqa: ANN001
    """--at: ISO 8601; without an offset it is the site's wall clock. Not in the future."""
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(f"--at {text}: not an ISO 8601 time, e.g. 2026-06-01T17:30") from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=tz)
    if ts.astimezone(timezone.utc) > (now or datetime.now(timezone.utc)) + FUTURE_TOLERANCE:
        raise InvalidValueError(f"--at {text} is in the future: check the date")
    return ts


def cmd_punch_list(args: argparse.Namespace) -> int:
    svc = context(args, reads_only=True).timekeeping()
    emp = svc.people([args.number])[0]
    first = day_arg(args.first, "--from")
    punches = svc.punches(emp.id, first, day_arg(args.last, "--to") or first)

    def line(p) -> str:  # noqa: ANN001 - timekeeping.rules.Punch
        mark = " VOID" if p.voided else " (added)" if p.corrected else ""
        return f"{p.id:8d}  {p.ts.astimezone(svc.tz).isoformat(timespec='seconds')}{mark}"

    return print_list(punches, line, f"punch(es) of {emp.name} (no. {emp.number})")


def cmd_punch(args: argparse.Namespace) -> int:
    if not (args.reason or "").strip():
        raise InvalidValueError("a correction needs a reason: --reason TEXT")
    if not (args.by or "").strip():
        raise InvalidValueError("say who corrects: --by NAME")
    ctx = context(args)
    svc = ctx.timekeeping()
    if args.action == "add":
        emp = svc.people([args.number])[0]
        pid = svc.add_punch(emp.id, punch_time(args.at, svc.tz), args.reason, args.by, args.kind)
        print(f"added punch {pid} for {emp.name} (no. {emp.number}) at {args.at}")
    elif args.action == "void":
        p = svc.void_punch(args.punch_id, args.reason, args.by)
        print(f"voided punch {p.id} ({p.ts.astimezone(svc.tz).isoformat(timespec='seconds')})")
    else:
        p = svc.restore_punch(args.punch_id, args.reason, args.by)
        print(f"restored punch {p.id} ({p.ts.astimezone(svc.tz).isoformat(timespec='seconds')})")
    return 0
