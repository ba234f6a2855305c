"""`faceapp employees list|import|deactivate|activate|delete|erase`: each action a subcommand
with its own options and --help."""

from __future__ import annotations

import argparse

from .common import WORKERS_HELP, context, print_list, workers_arg


def find_employee(ctx, number: str):  # noqa: ANN001, ANN202
    """The employee with this number, or EmployeeNotFoundError (exit 1)."""
    return ctx.employees().require(number)


# What each `employees` action does to the person, for its help and its summary line.
_PERSON_ACTIONS = {
    "deactivate": "stop recognising the person (kept; their templates are purged after the retention time)",
    "activate": "recognise a deactivated person again",
    "delete": "delete the person and their face templates",
    "erase": "remove face templates and personal data, keep anonymised attendance counts",
}


def register(sub: argparse._SubParsersAction) -> None:
    """`employees list|import|deactivate|activate|delete|erase`, each with its own options and
    --help. `employees` alone lists; options given before the action (`employees --search X`,
    `employees --consent import F`) still work: the actions' own copies default to SUPPRESS
    so they do not overwrite them."""
    p = sub.add_parser("employees", help="list, import, deactivate, activate, delete or erase employees",
                       description="Without an action: list the employees.")
    p.add_argument("--search", default=None, metavar="TEXT", help="list: only names or numbers containing TEXT")
    p.add_argument("--consent", action="store_true", help=argparse.SUPPRESS)  # `employees --consent import F`
    p.add_argument("--allow-similar", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_list)
    acts = p.add_subparsers(dest="employees_action", metavar="ACTION")
    a = acts.add_parser("list", help="the employees, with their number of face samples")
    a.add_argument("--search", default=argparse.SUPPRESS, metavar="TEXT", help="only names or numbers containing TEXT")
    a.set_defaults(func=cmd_list)
    a = acts.add_parser("import", help="enrol many people from photos listed in a CSV file",
                        description="PEOPLE.csv: header number,name,department,photo, one row per photo (rows "
                                    "sharing a number are one person's samples), photo paths relative to the CSV.")
    a.add_argument("number", nargs="?", metavar="PEOPLE.csv", help="the list of people and photos")
    a.add_argument("--consent", action="store_true", default=argparse.SUPPRESS,
                   help="confirm every person in the file consented to face enrolment (required)")
    a.add_argument("--allow-similar", action="store_true", default=argparse.SUPPRESS,
                   help="save people who look similar to someone enrolled (audited), not clear duplicates")
    a.add_argument("--workers", type=workers_arg, default=None, metavar="N", help=WORKERS_HELP)
    a.set_defaults(func=cmd_import)
    for action, what in _PERSON_ACTIONS.items():
        a = acts.add_parser(action, help=what, description=what[0].upper() + what[1:] + ".")
        a.add_argument("number", metavar="NUMBER", help="employee number")
        a.set_defaults(func=cmd_person, action=action)


def cmd_list(args: argparse.Namespace) -> int:
    ctx = context(args, reads_only=True)
    employees = ctx.employees()
    rows = employees.list(search=args.search)
    counts = employees.template_counts()
    print(f"{'number':12s} {'name':28s} {'department':16s} {'active':6s} samples")
    return print_list(rows, lambda e: f"{e.number:12s} {e.name:28s} {e.department:16s} "
                                      f"{'yes' if e.active else 'no':6s} {counts.get(e.id, '')}",
                      f"employee(s) in {ctx.db_path}")


def cmd_import(args: argparse.Namespace) -> int:
    from .bulk import cmd_import as run_import

    if not args.number:  # before the database is opened
        return run_import(args, None)
    return run_import(args, context(args))


def cmd_person(args: argparse.Namespace) -> int:
    """deactivate, activate, delete or erase one employee."""
    ctx = context(args)
    emp = find_employee(ctx, args.number)
    if args.action == "delete":
        ctx.employees().delete(emp.id, actor="cli")
        print(f"deleted {emp.name} (no. {emp.number}) and their face templates")
    elif args.action == "erase":
        res = ctx.employees().erase(emp.id, actor="cli")
        print(f"erased {emp.name} (no. {emp.number}) as {res.token}: {res.templates_erased} template(s) removed, "
              f"{res.attendance_kept} attendance and {res.access_log_kept} access-log row(s) kept anonymised")
    else:
        ctx.employees().set_active(emp.id, args.action == "activate", actor="cli")
        print(f"{args.action}d {emp.name} (no. {emp.number})")
    return 0
