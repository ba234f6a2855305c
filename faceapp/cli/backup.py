"""backup [--to DIR] | restore FILE: online backups of the attendance database and putting one back.

Exit codes: 0 done; 1 the backup failed or did not verify (older copies kept); 3 the file to
restore is missing, not a database or damaged; 8 it was written by a newer faceapp; 9 the
database is open in another program (the window, `faceapp identify`): close it first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import EXIT_DATABASE_IN_USE, EXIT_SCHEMA_NEWER, context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="copy the database now with SQLite's backup API, verify it, keep the "
                                      "newest backup_keep copies", description=__doc__.splitlines()[0])
    p.add_argument("--to", metavar="DIR", default=None,
                   help="backup folder (default: the backup_folder setting, else backups/ next to the database)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="replace the database with a verified backup (the current file is kept "
                                       "aside); refused while the database is open elsewhere",
                       description=__doc__.splitlines()[0])
    p.add_argument("file", metavar="FILE", help="a backup file (faceapp-backup-YYYYMMDD-HHMMSS.db)")
    p.set_defaults(func=cmd_restore)


def _counts(counts: tuple[tuple[str, int], ...]) -> str:
    wanted = dict(counts)
    tables = ("employees", "templates", "attendance", "unknown_sightings", "access_log", "audit_log")
    return ", ".join(f"{wanted[t]} {t}" for t in tables if t in wanted)


def cmd_backup(args: argparse.Namespace) -> int:
    ctx = context(args, reads_only=True)
    out = ctx.backups().run(args.to, log_failure=False)  # a failure is the one `error:` line, not also a log line
    print(f"backed up {ctx.db_path} to {out.copy.path} (integrity ok; {_counts(out.check.counts)})")
    print(f"{out.kept} backup(s) kept in {out.copy.path.parent}"
          + (f"; {len(out.removed)} older removed" if out.removed else ""))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Never opens the database itself: this process must not count as a user of it."""
    from ..services.backups import restore_backup
    from ..storage.backup import BackupTooNewError, DatabaseInUseError
    from ..storage.db import default_db_path

    db = Path(args.db) if args.db else default_db_path()
    try:
        result = restore_backup(args.file, db)
    except BackupTooNewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_SCHEMA_NEWER
    except DatabaseInUseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DATABASE_IN_USE
    print(f"restored {db} from {args.file} (integrity ok; {_counts(result.check.counts)})")
    if result.kept_aside:
        print(f"the previous database was kept as {', '.join(map(str, result.kept_aside))}")
    return 0
