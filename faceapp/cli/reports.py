"""`faceapp report timecard|summary|exceptions|payroll --from --to [--department] [--employee]
[--out FILE.xlsx|.csv|.pdf]`: time-keeping reports; without --out the table is printed.

Not in the "Qt only in ui" contract's list of Qt-free CLI modules: a .pdf is drawn with
Qt's printing, by faceapp.ui.report_pdf, imported only when a .pdf is asked for."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from ..services.timekeeping import REPORTS
from ..timekeeping.reports import Table, cell_text
from .common import context
from .timekeeping import day_arg

_HELP = {
    "timecard": "one row per employee per day: check-in/out, worked, late, early leave, absent, leave, overtime",
    "summary": "per employee and per department: days, worked, late/early counts and minutes, overtime, leave",
    "exceptions": "late, early leave, absent and missing punches",
    "payroll": "one row per employee and pay code (hours), for payroll import (see README)",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="time-keeping reports (time card, summary, exceptions, payroll)")
    acts = p.add_subparsers(dest="report", metavar="REPORT", required=True)
    for name in REPORTS:
        a = acts.add_parser(name, help=_HELP[name], description=_HELP[name].capitalize() + ".")
        a.add_argument("--from", dest="first", required=True, metavar="DAY", help="first day YYYY-MM-DD")
        a.add_argument("--to", dest="last", required=True, metavar="DAY", help="last day, inclusive (a year at most)")
        a.add_argument("--department", default=None, help="employees whose department contains this text, any case")
        a.add_argument("--employee", action="append", default=None, metavar="NUMBER", help="repeatable")
        a.add_argument("--out", default=None, metavar="FILE",
                       help="FILE.xlsx (one sheet per table), FILE.csv (the first table) or FILE.pdf; "
                            "default: print the table")
        a.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    first, last = day_arg(args.first, "--from"), day_arg(args.last, "--to")
    from ..services.timekeeping import check_period

    check_period(first, last)  # before the database is opened
    svc = context(args, reads_only=True).timekeeping()
    period = svc.period(first, last, args.employee, args.department)
    if svc.site.offline_since is not None:  # a site kiosk, the server away: its own punches (exit 0)
        from ..services.site_fallback import offline_note

        print(f"warning: {offline_note(svc.site.offline_since)}", file=sys.stderr)
    tables = svc.report_tables(args.report, period)
    if not args.out:
        for t in tables:
            print_table(t)
        return 0
    out = Path(args.out)
    writer = None
    if out.suffix.lower() == ".pdf":
        from ..ui.report_pdf import write_pdf  # Qt, only for a PDF

        writer = write_pdf
    title = f"{args.report.capitalize()} {first} to {last}"
    n = svc.export(tables, out, pdf_writer=writer, title=title)
    print(f"wrote {n} row(s) to {out}")
    return 0


def print_table(t: Table) -> None:
    kinds = [c.kind for c in t.columns]
    cells = [[cell_text(k, v) if k != "clock" or v is None else v.strftime("%H:%M") for k, v in zip(kinds, row)]
             for row in t.rows]
    keep = [j for j in range(len(kinds)) if any(r[j] for r in cells)]  # columns with something in them
    widths = {j: max([len(t.columns[j].title)] + [len(r[j]) for r in cells]) for j in keep}
    print(f"== {t.name} ({len(t.rows)} rows)")
    print("  ".join(t.columns[j].title.ljust(widths[j]) for j in keep).rstrip())
    for r in cells:
        print("  ".join(r[j].ljust(widths[j]) for j in keep).rstrip())


__all__: Sequence[str] = ["register", "cmd_report", "print_table"]
