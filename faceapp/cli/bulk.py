"""`faceapp employees import PEOPLE.csv --consent`: enrol many people from a list of photos."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_CHECK, EXIT_USAGE


def cmd_import(args: argparse.Namespace, ctx) -> int:  # noqa: ANN001 - AppContext
    """A line per person (imported / refused and why), then a summary; exit 0 when at least
    one person was imported, 1 when nobody was."""
    from ..services.bulk_import import BulkImporter, read_people_csv
    from ..services.enrolment import consent_now

    if not args.number:
        print("error: employees import needs the CSV file: faceapp employees import PEOPLE.csv --consent",
              file=sys.stderr)
        return EXIT_USAGE
    if not args.consent:
        print("error: confirm with --consent that every person in the file consented to face enrolment",
              file=sys.stderr)
        return EXIT_USAGE
    ctx.check_not_database(args.number, "an import list")
    people = read_people_csv(args.number)
    print(f"{len(people)} people, {sum(len(p.photos) for p in people)} photos in {args.number}", flush=True)

    def progress(done: int, total: int, outcome) -> None:  # noqa: ANN001
        state = "imported" if outcome.imported else "refused "
        print(f"[{done}/{total}] {state} {outcome.number} {outcome.name}: {outcome.reason}", flush=True)

    report = BulkImporter(ctx.enrolment(), getattr(args, "workers", None)).run(people, consent_now(), actor="cli:import",
                                               allow_similar=args.allow_similar, progress=progress)
    print(report.summary())
    return 0 if report.imported else EXIT_CHECK
